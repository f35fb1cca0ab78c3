"""Charts for the trainers' page as Vega-Lite specifications, drawn in the browser.

The server only sends numbers (a few hundred small records per chart); the browser draws them
with vega, vega-lite and vega-embed, which ``tools/solara-assets`` installs for offline use.
Each function returns a plain Vega-Lite v5 dict (checked against the schema by the tests with
Altair) for :class:`solara.widgets.VegaLite`; every chart carries a ``…`` menu that saves it as
PNG or SVG.

Made for a 1280×720 projector: 14-16 px type, legends under the plot (never over the lines),
money on £k/£m axes, and every chart shows something from month 0 (the current month is
marked with a dot). Every chart plots only the columns the model produces, so a table without
the funding or governance outputs draws without them.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.agents import LADDER
from sim.metrics import IDEAL_TYPE_LABELS
from sim.viz.plots import LADDER_COLOURS

SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
HEIGHT = 190
PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"]
COPY_COLOURS = {"A": "#1f77b4", "B": "#ff7f0e"}

CONFIG = {
    "font": "Roboto, Helvetica, Arial, sans-serif",
    "title": {"fontSize": 17, "anchor": "start", "offset": 8},
    "axis": {"labelFontSize": 14, "titleFontSize": 14, "titleFontWeight": "normal",
             "gridColor": "#e6e6e6"},
    "legend": {"labelFontSize": 14, "titleFontSize": 14, "orient": "bottom",
               "direction": "horizontal", "columns": 2, "symbolSize": 160,
               "labelLimit": 260, "columnPadding": 16},
    "view": {"stroke": None},
    "line": {"strokeWidth": 2.5},
}

# (column, label, scale): drawn when the column exists; scale 100 turns shares into %
MEMBERSHIP_SERIES = [
    ("staff_membership_rate", "staff members", 100),
    ("user_membership_rate", "user members", 100),
    ("active_share", "active staff (3+)", 100),
    ("user_active_share", "active users (3+)", 100),
]
OWNERSHIP_SERIES = [
    ("mean_ownership", "ownership (staff)"),
    ("user_mean_ownership", "ownership (users)"),
    ("satisfaction_staff", "satisfaction (staff)"),
    ("voice_heard", "voice heard"),
    ("conflict_index", "conflict"),
]
# The funding side's outputs (docs/ODD.md §10): money on the left axis, contracts on the right.
MONEY_SERIES = [("turnover", "turnover / year"), ("surplus", "surplus / year"),
                ("reserves", "reserves")]
COUNT_SERIES = [("contracts_held", "contracts held")]
# The governance side's decisions over the last 12 months (docs/ODD.md §11)
LATENCY_SERIES = [("decision_latency_months", "latency, all decisions"),
                  ("strategy_latency_months", "latency, strategy")]
QUALITY_SERIES = [("decision_quality", "decision quality")]

# £1,234,567 -> £1.2m; £45,000 -> £45k; below £1k in pounds; the sign kept
MONEY_LABEL = ("(datum.value < 0 ? '−' : '') + '£' + (abs(datum.value) >= 1e6 ? "
               "format(abs(datum.value) / 1e6, '.1~f') + 'm' : abs(datum.value) >= 1e3 ? "
               "format(abs(datum.value) / 1e3, '.0f') + 'k' : format(abs(datum.value), '.0f'))")


def money_text(value: float) -> str:
    """The Python twin of :data:`MONEY_LABEL`, for summaries and tests."""
    sign = "−" if value < 0 else ""
    a = abs(value)
    if a >= 1e6:
        return f"{sign}£{a / 1e6:.1f}m".replace(".0m", "m")
    if a >= 1e3:
        return f"{sign}£{a / 1e3:.0f}k"
    return f"{sign}£{a:.0f}"


def _spec(title: str, body: dict, name: str, height: int = HEIGHT) -> dict:
    return {"$schema": SCHEMA, "title": title, "width": "container", "height": height,
            "autosize": {"type": "fit-x", "contains": "padding"}, "config": CONFIG,
            "usermeta": {"embedOptions": {
                "renderer": "svg",  # text stays text: readable by the browser tests
                "actions": {"export": True, "source": False, "compiled": False,
                            "editor": False},
                "downloadFileName": f"mutualsim-{name}"}},
            **body}


def _x(horizon: int, ts: pd.DataFrame) -> dict:
    last = int(ts["month"].max()) if len(ts) else 0
    return {"field": "month", "type": "quantitative", "title": "month",
            "scale": {"domain": [0, max(horizon, last, 1)], "nice": False},
            "axis": {"tickMinStep": 1}}


def _long(ts: pd.DataFrame, series: list[tuple[str, str, float]]) -> list[dict]:
    """Records {month, series, value} for the columns that exist (NaN left out)."""
    months = ts["month"].to_numpy().tolist()
    out = []
    for column, label, scale in series:
        if column not in ts:
            continue
        values = (scale * ts[column].to_numpy(dtype=float)).tolist()
        out += [{"month": m, "series": label, "value": round(v, 6)}
                for m, v in zip(months, values, strict=True) if not math.isnan(v)]
    return out


def _lines(records: list[dict], order: list[str], colours: list[str], y: dict,
           dashed: list[str] = ()) -> list[dict]:
    """A line per series and a dot on its latest month (so month 0 shows something)."""
    colour = {"field": "series", "type": "nominal", "title": None,
              "scale": {"domain": order, "range": colours}, "sort": order}
    enc = {"y": y, "color": colour}
    if dashed:
        enc["strokeDash"] = {"condition": {"test": f"indexof({list(dashed)!r}, datum.series) "
                                                   ">= 0", "value": [6, 4]},
                             "value": [1, 0]}
    last = max((r["month"] for r in records), default=0)
    return [{"mark": {"type": "line", "clip": True}, "encoding": enc},
            {"mark": {"type": "point", "filled": True, "size": 70, "clip": True},
             "transform": [{"filter": f"datum.month == {last}"}],
             "encoding": {"y": y, "color": colour}}]


def _series_chart(ts, horizon, series, title, y_title, domain, name, dashed=()):
    records = _long(ts, series)
    order = list(dict.fromkeys(r["series"] for r in records))
    colours = PALETTE[:len(order)]
    y = {"field": "value", "type": "quantitative", "title": y_title,
         "scale": {"domain": list(domain)}}
    layers = _lines(records, order, colours, y, dashed)
    return _spec(title, {"data": {"values": records},
                         "encoding": {"x": _x(horizon, ts)}, "layer": layers}, name)


def membership(ts: pd.DataFrame, horizon: int) -> dict:
    """Legal membership against active participation: the gap the study is about (§5.4)."""
    series = [(c, label, s) for c, label, s in MEMBERSHIP_SERIES
              if c in ts and (c.startswith("staff") or c == "active_share" or ts[c].max() > 0)]
    return _series_chart(ts, horizon, series, "Membership and participation", "% of people",
                         (0, 100), "membership")


def ownership(ts: pd.DataFrame, horizon: int) -> dict:
    series = [(c, label, 1) for c, label in OWNERSHIP_SERIES]
    return _series_chart(ts, horizon, series, "Ownership and culture",
                         "index 0–1", (0, 1), "ownership")


def ladder(ts: pd.DataFrame, horizon: int, who: str = "staff") -> dict:
    """Share of people on each rung of the engagement ladder (§5.4), stacked; each month's
    shares hold until the next month, so month 0 already shows a band."""
    columns = [f"{who}_engagement_{k}" for k in range(5)]
    names = [f"{k} {name}" for k, name in enumerate(LADDER)]
    if not all(c in ts for c in columns):
        return _spec(f"Engagement ladder ({who})", {"data": {"values": []}, "mark": "point"},
                     "ladder")
    months = ts["month"].to_numpy()
    records = []
    for column, label in zip(columns, names, strict=True):
        values = 100 * ts[column].to_numpy(dtype=float)
        records += [{"month": int(m), "rung": label, "value": round(float(v), 4)}
                    for m, v in zip(months, values, strict=True)]
        records.append({"month": int(months[-1]) + 1, "rung": label,
                        "value": round(float(values[-1]), 4)})
    body = {"data": {"values": records},
            "mark": {"type": "area", "interpolate": "step-after", "clip": True},
            "encoding": {
                "x": _x(horizon, ts),
                "y": {"field": "value", "type": "quantitative", "stack": "zero",
                      "title": f"% of {who}", "scale": {"domain": [0, 100]}},
                "color": {"field": "rung", "type": "nominal", "title": None,
                          "scale": {"domain": names, "range": list(LADDER_COLOURS)},
                          "sort": names, "legend": {"columns": 2}},
                "order": {"field": "rung_order", "type": "quantitative"}},
            "transform": [{"calculate": f"indexof({names!r}, datum.rung)",
                           "as": "rung_order"}]}
    spec = _spec(f"Engagement ladder ({who})", body, "ladder")
    now = ts.iloc[-1]
    spec["title"] = {"text": f"Engagement ladder ({who})", "subtitleFontSize": 14,
                     "subtitle": f"now: not involved {100 * now[columns[0]]:.0f} % · "
                                 f"occasional or more {100 * now[columns[2:]].sum():.0f} %"}
    return spec


def finances(ts: pd.DataFrame, horizon: int) -> dict | None:
    """Money (£k/£m, left) and contracts held (right), or None while the model has neither."""
    money = [(c, label, 1) for c, label in MONEY_SERIES if c in ts]
    counts = [(c, label, 1) for c, label in COUNT_SERIES if c in ts]
    if not money and not counts:
        return None
    layers = []
    if money:
        records = _long(ts, money)
        order = [label for _, label, _ in money]
        y = {"field": "value", "type": "quantitative", "title": "£ a year",
             "axis": {"labelExpr": MONEY_LABEL}}
        layers.append({"data": {"values": records},
                       "layer": _lines(records, order, PALETTE[:len(order)], y)})
    if counts:
        records = _long(ts, counts)
        y = {"field": "value", "type": "quantitative", "title": "contracts held",
             "axis": {"orient": "right", "tickMinStep": 1, "grid": False},
             "scale": {"domainMin": 0}}
        layers.append({"data": {"values": records},
                       "mark": {"type": "line", "interpolate": "step-after", "color": "#555",
                                "strokeDash": [6, 4], "clip": True},
                       "encoding": {"y": y}})
    body = {"encoding": {"x": _x(horizon, ts)}, "layer": layers,
            "resolve": {"scale": {"y": "independent"}}}
    last = ts.iloc[-1]
    sub = []
    if "contracts_held" in ts:
        sub.append(f"{int(last['contracts_held'])} contract(s) held (dashed, right axis)")
    if "reserves" in ts:
        sub.append(f"reserves {money_text(float(last['reserves']))}")
    spec = _spec("Finances and contracts", body, "finances")
    spec["title"] = {"text": "Finances and contracts", "subtitle": " · ".join(sub),
                     "subtitleFontSize": 14}
    return spec


def decisions(ts: pd.DataFrame, horizon: int) -> dict | None:
    """Decision latency (months, left) and decision quality (0–1, right) over the last 12
    months (§5.2, §5.3), or None while the model has no decisions."""
    lat = [(c, label, 1) for c, label in LATENCY_SERIES if c in ts]
    qual = [(c, label, 1) for c, label in QUALITY_SERIES if c in ts]
    if not lat and not qual:
        return None
    order = [label for _, label, _ in lat + qual]
    colours = PALETTE[:len(order)]
    layers = []
    if lat:
        records = _long(ts, lat)
        top = max((r["value"] for r in records), default=1.0)
        y = {"field": "value", "type": "quantitative", "title": "months to decide",
             "scale": {"domain": [0, max(1.0, round(1.15 * top, 1))], "nice": False}}
        layers.append({"data": {"values": records},
                       "layer": _lines(records, order, colours, y)})
    if qual:
        records = _long(ts, qual)
        y = {"field": "value", "type": "quantitative", "title": "quality 0–1",
             "scale": {"domain": [0, 1]}, "axis": {"orient": "right", "grid": False}}
        layers.append({"data": {"values": records},
                       "layer": _lines(records, order, colours, y, dashed=[qual[0][1]])})
    last, sub = ts.iloc[-1], []
    if "decision_latency_months" in ts:
        sub.append(f"latency {last['decision_latency_months']:.1f} months")
    if "strategy_latency_months" in ts:
        sub.append(f"strategy {last['strategy_latency_months']:.1f}")
    if "decision_quality" in ts:
        sub.append(f"quality {last['decision_quality']:.2f}")
    if "decisions_missed" in ts:
        sub.append(f"{int(last['decisions_missed'])} missed in 12 months")
    sub = " · ".join(sub)
    body = {"encoding": {"x": _x(horizon, ts)}, "layer": layers,
            "resolve": {"scale": {"y": "independent"}}}
    spec = _spec("Decisions: latency and quality", body, "decisions")
    spec["title"] = {"text": "Decisions: latency and quality", "subtitle": sub,
                     "subtitleFontSize": 14}
    return spec


def quadrant(ts: pd.DataFrame, threshold: float) -> dict:
    """Figure 5.1: legal-formal against cultural-psychological ownership, with the path from
    month 0 (open circle) to now (filled diamond)."""
    path = [{"month": int(m), "legal": round(float(x), 5), "cultural": round(float(y), 5)}
            for m, x, y in zip(ts["month"], ts["legal_formal_index"],
                               ts["cultural_psychological_index"], strict=True)]
    lo, hi = 0.03, 0.97
    labels = [
        {"x": lo, "y": lo, "text": IDEAL_TYPE_LABELS["stewardship-1"], "align": "left",
         "baseline": "bottom"},
        {"x": lo, "y": hi, "text": IDEAL_TYPE_LABELS["stewardship-2"], "align": "left",
         "baseline": "top"},
        {"x": hi, "y": lo, "text": IDEAL_TYPE_LABELS["democratic-1"], "align": "right",
         "baseline": "bottom"},
        {"x": hi, "y": hi, "text": IDEAL_TYPE_LABELS["democratic-2"], "align": "right",
         "baseline": "top"},
    ]
    for item in labels:  # two lines each: "Democratic stakeholder" / "mode 1"
        item["text"] = item["text"].rsplit(" mode ", 1)[0] + "\nmode " + item["text"][-1]
    ax = {"scale": {"domain": [0, 1]}, "type": "quantitative"}
    layers = [
        {"data": {"values": [{"t": threshold}]}, "mark": {"type": "rule", "color": "#999"},
         "encoding": {"x": {"field": "t", **ax}}},
        {"data": {"values": [{"t": threshold}]}, "mark": {"type": "rule", "color": "#999"},
         "encoding": {"y": {"field": "t", **ax}}},
        *[{"data": {"values": [item]},
           "mark": {"type": "text", "color": "#777", "fontSize": 14, "lineBreak": "\n",
                    "align": item["align"], "baseline": item["baseline"]},
           "encoding": {"x": {"field": "x", **ax}, "y": {"field": "y", **ax},
                        "text": {"field": "text"}}} for item in labels],
        {"data": {"values": path}, "mark": {"type": "line", "color": "#7b3294",
                                            "strokeWidth": 3},
         "encoding": {"x": {"field": "legal", **ax, "title": "legal-formal ownership →"},
                      "y": {"field": "cultural", **ax,
                            "title": "cultural-psychological ownership →"},
                      "order": {"field": "month", "type": "quantitative"}}},
        {"data": {"values": path[:1]},
         "mark": {"type": "point", "shape": "circle", "size": 140, "color": "#7b3294",
                  "strokeWidth": 2.5},
         "encoding": {"x": {"field": "legal", **ax}, "y": {"field": "cultural", **ax}}},
        {"data": {"values": path[-1:]},
         "mark": {"type": "point", "shape": "diamond", "size": 260, "filled": True,
                  "color": "#7b3294"},
         "encoding": {"x": {"field": "legal", **ax}, "y": {"field": "cultural", **ax}}},
    ]
    now = path[-1] if path else {"month": 0}
    spec = _spec("Figure 5.1", {"layer": layers}, "figure-5-1", height=300)
    spec["title"] = {"text": "Figure 5.1: the organisation's path",
                     "subtitle": f"○ month 0 → ◆ month {now['month']}: legal-formal "
                                 f"{now.get('legal', 0):.2f}, cultural "
                                 f"{now.get('cultural', 0):.2f}",
                     "subtitleFontSize": 14}
    return spec


def people_table(model) -> pd.DataFrame:
    """Staff counted by where they work and their rung: one row per (group, rung). Groups
    are sites (HQ first), or teams in a single-site organisation."""
    s = model.staff
    alive = np.flatnonzero(s.alive)
    rung = s.engagement[alive].astype(int)
    if model.org.n_sites > 1:
        group = s.site[alive].astype(int)
        n_groups = model.org.n_sites
        names = ["HQ" if k == 0 else f"site {k}" for k in range(n_groups)]
    else:
        group = s.team[alive].astype(int)
        n_groups = model.org.n_teams
        names = [f"team {k + 1}" for k in range(n_groups)]
    counts = np.zeros((n_groups, 5), dtype=int)
    np.add.at(counts, (group, rung), 1)
    rows = [{"group": names[g], "g": g, "rung": f"{r} {LADDER[r]}", "r": r,
             "people": int(counts[g, r])} for g in range(n_groups) for r in range(5)]
    return pd.DataFrame(rows)


def people(model) -> dict:
    """Every member of staff counted where they work, coloured by their rung; one bar per
    site (or team), so it stays readable at 30+ sites. The title says how many representative
    seats are filled (§4.2)."""
    table = people_table(model)
    names = [f"{k} {name}" for k, name in enumerate(LADDER)]
    n_groups = int(table["g"].max()) + 1 if len(table) else 1
    row = max(11, min(30, 330 // n_groups))
    font = 14 if row >= 16 else 12 if row >= 12 else 11
    seats = sum(len(body.elected()) for body in model.governing_bodies())
    filled = int(model.latest.get("representatives", 0))
    active = table.loc[table["r"] >= 3, "people"].sum()
    total = table["people"].sum()
    unit = "site" if model.org.n_sites > 1 else "team"
    body = {"data": {"values": table.to_dict("records")},  # empty sites keep their row
            "mark": {"type": "bar"},
            "encoding": {
                "y": {"field": "group", "type": "nominal", "title": None,
                      "sort": {"field": "g", "order": "ascending"},
                      "axis": {"labelFontSize": font}},
                "x": {"field": "people", "type": "quantitative", "stack": "zero",
                      "title": f"staff per {unit} (rungs 3–4 active)"},
                "color": {"field": "rung", "type": "nominal", "title": None,
                          "scale": {"domain": names, "range": list(LADDER_COLOURS)},
                          "sort": names, "legend": {"columns": 2}},
                "order": {"field": "r", "type": "quantitative"},
                "tooltip": [{"field": "group"}, {"field": "rung"}, {"field": "people"}]}}
    spec = _spec(f"Staff by {unit}", body, "people", height=row * n_groups)
    spec["title"] = {"text": f"Staff by {unit}: {total}, of whom {active} active",
                     "subtitle": f"Representative seats: {filled} of {seats} filled, "
                                 f"{seats - filled} vacant", "subtitleFontSize": 14}
    return spec


def compare(series: list[tuple[str, pd.DataFrame]], horizon: int) -> dict:
    """Copies A and B on one chart: staff membership (solid) and active staff (dashed)."""
    records, order, colours, dashed = [], [], [], []
    for label, ts in series:
        name = label.split(":")[0]
        for column, what, dash in (("staff_membership_rate", "staff members", False),
                                   ("active_share", "active staff", True)):
            text = f"{name}: {what}"
            records += _long(ts, [(column, text, 100)])
            order.append(text)
            colours.append(COPY_COLOURS.get(name, "#555"))
            if dash:
                dashed.append(text)
    y = {"field": "value", "type": "quantitative", "title": "% of staff",
         "scale": {"domain": [0, 100]}}
    body = {"data": {"values": records}, "encoding": {"x": _x(horizon, series[0][1])},
            "layer": _lines(records, order, colours, y, dashed)}
    spec = _spec("A and B: membership", body, "compare")
    spec["title"] = {"text": "A and B: membership",
                     "subtitle": "solid: staff members · dashed: active staff",
                     "subtitleFontSize": 14}
    return spec


def headcount(series: list[tuple[str, pd.DataFrame]], horizon: int) -> dict:
    """Copies A and B: staff headcount, the first place a contract won or lost shows."""
    records, order, colours = [], [], []
    for label, ts in series:
        name = label.split(":")[0]
        records += _long(ts, [("headcount", f"{name}: staff", 1)])
        order.append(f"{name}: staff")
        colours.append(COPY_COLOURS.get(name, "#555"))
    y = {"field": "value", "type": "quantitative", "title": "staff",
         "scale": {"domainMin": 0}}
    body = {"data": {"values": records}, "encoding": {"x": _x(horizon, series[0][1])},
            "layer": _lines(records, order, colours, y)}
    return _spec("A and B: staff headcount", body, "headcount")
