"""Figures for the trainers' page: small matplotlib figures drawn from a model's time series.

Every chart plots only the columns the model produces, so outputs added later (finances,
contracts, decisions) appear when their columns exist and nothing breaks before. Figures are
built with ``matplotlib.figure.Figure`` (not pyplot) so that pages in different threads never
share pyplot's global state.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle

from sim.agents import LADDER
from sim.viz.plots import LADDER_COLOURS, ideal_type_panel

SIZE = (5.4, 3.3)

# (column, label, scale): drawn when the column exists; scale 100 turns shares into %
MEMBERSHIP_SERIES = [
    ("staff_membership_rate", "staff members", 100),
    ("user_membership_rate", "user members", 100),
    ("active_share", "active staff (rung ≥ 3)", 100),
    ("user_active_share", "active users (rung ≥ 3)", 100),
]
OWNERSHIP_SERIES = [
    ("mean_ownership", "psychological ownership (staff)"),
    ("user_mean_ownership", "psychological ownership (users)"),
    ("satisfaction_staff", "satisfaction (staff)"),
    ("voice_heard", "voice heard"),
    ("conflict_index", "conflict"),
]
# The funding side's outputs (MODEL.md §4); money on the left axis, counts on the right.
MONEY_SERIES = [("turnover", "turnover"), ("surplus", "surplus"), ("reserves", "reserves")]
COUNT_SERIES = [("contracts_held", "contracts held"), ("bids_won", "bids won")]


def _figure() -> tuple[Figure, object]:
    fig = Figure(figsize=SIZE, dpi=96, layout="constrained")
    return fig, fig.add_subplot()


def _months_axis(ax, ts: pd.DataFrame, horizon: int) -> None:
    ax.set_xlim(0, max(horizon, int(ts["month"].max()) if len(ts) else 1))
    ax.set_xlabel("month")


def _legend(ax, **kwargs) -> None:
    if ax.get_legend_handles_labels()[0]:
        ax.legend(fontsize=7, **kwargs)


def _empty(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", color="grey", wrap=True,
            transform=ax.transAxes)
    ax.set_xticks([])
    ax.set_yticks([])


def membership(ts: pd.DataFrame, horizon: int) -> Figure:
    """Legal membership against active participation: the gap the study is about (P4)."""
    fig, ax = _figure()
    for column, label, scale in MEMBERSHIP_SERIES:
        if column in ts and (column.startswith("staff") or ts[column].max() > 0):
            ax.plot(ts["month"], scale * ts[column], label=label)
    ax.set(title="Membership and participation", ylabel="% of people", ylim=(0, 100))
    _months_axis(ax, ts, horizon)
    _legend(ax, loc="upper left")
    return fig


def compare(series: list[tuple[str, pd.DataFrame]], horizon: int) -> Figure:
    """Copies A and B on one chart: membership (solid) and active staff (dashed)."""
    fig, ax = _figure()
    for (label, ts), colour in zip(series, ("tab:blue", "tab:orange"), strict=False):
        name = label.split(":")[0]
        ax.plot(ts["month"], 100 * ts["staff_membership_rate"], color=colour,
                label=f"{name}: staff members")
        ax.plot(ts["month"], 100 * ts["active_share"], color=colour, ls="--",
                label=f"{name}: active staff")
    ax.set(title="A and B: the only difference is one lever", ylabel="% of staff",
           ylim=(0, 100))
    _months_axis(ax, series[0][1], horizon)
    _legend(ax, loc="upper left")
    return fig


def ladder(ts: pd.DataFrame, horizon: int, who: str = "staff") -> Figure:
    """Share of people on each rung of the engagement ladder (§5.4), stacked."""
    fig, ax = _figure()
    columns = [f"{who}_engagement_{k}" for k in range(5)]
    if not all(c in ts for c in columns):
        _empty(ax, "no engagement data")
        return fig
    ax.stackplot(ts["month"], [100 * ts[c] for c in columns], colors=LADDER_COLOURS,
                 labels=[f"{k} {name}" for k, name in enumerate(LADDER)])
    ax.set(title=f"Engagement ladder ({who})", ylabel=f"% of {who}", ylim=(0, 100))
    _months_axis(ax, ts, horizon)
    _legend(ax, loc="lower left")
    return fig


def ownership(ts: pd.DataFrame, horizon: int) -> Figure:
    fig, ax = _figure()
    for column, label in OWNERSHIP_SERIES:
        if column in ts:
            ax.plot(ts["month"], ts[column], label=label)
    ax.set(title="Psychological ownership and culture", ylabel="index 0–1", ylim=(0, 1))
    _months_axis(ax, ts, horizon)
    _legend(ax, loc="lower left")
    return fig


def finances(ts: pd.DataFrame, horizon: int) -> Figure | None:
    """Money and contracts, or None while the model has no such outputs."""
    money = [(c, label) for c, label in MONEY_SERIES if c in ts]
    counts = [(c, label) for c, label in COUNT_SERIES if c in ts]
    if not money and not counts:
        return None
    fig, ax = _figure()
    for column, label in money:
        ax.plot(ts["month"], ts[column], label=label)
    ax.set(title="Finances and contracts", ylabel="£")
    if counts:
        right = ax.twinx()
        for column, label in counts:
            right.step(ts["month"], ts[column], where="post", ls="--", label=label)
        right.set_ylabel("count")
        _legend(right, loc="upper right")
    _months_axis(ax, ts, horizon)
    _legend(ax, loc="upper left")
    return fig


def quadrant(ts: pd.DataFrame, threshold: float) -> Figure:
    """Figure 5.1: legal-formal against cultural-psychological ownership, with the path."""
    fig = Figure(figsize=(4.4, 4.0), dpi=96, layout="constrained")
    ideal_type_panel(fig.add_subplot(), ts, threshold)
    return fig


def people(model) -> Figure:
    """Every member of staff as a dot, by site (bands) and team (columns), coloured by their
    engagement rung; below, the representative seats filled or vacant (§4.2)."""
    fig = Figure(figsize=(7.0, 4.4), dpi=96, layout="constrained")
    ax, seats_ax = fig.subplots(2, 1, height_ratios=[5, 1])
    s = model.staff
    alive = np.flatnonzero(s.alive)
    site, team, rung = s.site[alive], s.team[alive], s.engagement[alive]
    order = np.lexsort((-rung, team, site))
    site, team, rung = site[order], team[order], rung[order]
    # position within the team and the team's slot within its site
    starts = np.r_[0, np.flatnonzero(np.diff(team)) + 1]
    pos = np.arange(len(team)) - np.repeat(starts, np.diff(np.r_[starts, len(team)]))
    team_ids = team[starts]
    slot = np.zeros(model.n_teams, dtype=int)
    for k in range(model.n_sites):
        mine = np.unique(team_ids[site[starts] == k])
        slot[mine] = np.arange(len(mine))
    # each team a small block of squares, `width` wide; teams side by side within a site
    width = max(2, int(np.ceil(np.sqrt(pos.max() + 1)))) if len(pos) else 2
    band = (int(pos.max()) // width + 2) if len(pos) else 1
    x = slot[team] * (width + 1) + pos % width
    y = site * band + pos // width
    ncols, nrows = max(int(x.max()) + 1 if len(x) else 1, 1), model.n_sites * band
    cell = min(5.4 * 72 / ncols, 3.2 * 72 / nrows)  # points per square in the axes
    ax.scatter(x, y, c=np.array(LADDER_COLOURS)[rung], s=(0.8 * cell) ** 2, marker="s",
               edgecolors="none")
    ax.set_xlim(-1, ncols)
    ax.set_yticks([k * band + (band - 2) / 2 for k in range(model.n_sites)],
                  ["HQ" if k == 0 else f"site {k}" for k in range(model.n_sites)])
    ax.set_xticks([])
    ax.set_xlabel("each block is a team; each square a person")
    ax.set_ylim(-1, model.n_sites * band)
    ax.invert_yaxis()
    ax.set_title(f"Staff by site and team ({len(alive)} people)")
    ax.legend(handles=[Patch(color=c, label=f"{k} {name}")
                       for k, (c, name) in enumerate(zip(LADDER_COLOURS, LADDER, strict=True))],
              loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=7, title="rung")
    _seats(seats_ax, model)
    return fig


def _seats(ax, model) -> None:
    seats = sum(len(body.elected()) for body in model.governing_bodies())
    filled = int(model.latest.get("representatives", 0))
    for i in range(seats):
        taken = i < filled
        ax.add_patch(Rectangle((i, 0), 0.8, 0.8, facecolor=LADDER_COLOURS[4] if taken
                               else "white", edgecolor=LADDER_COLOURS[4]))
    ax.set_xlim(-0.2, max(seats, 1))
    ax.set_ylim(-0.1, 0.9)
    ax.set_axis_off()
    ax.set_title(f"Representative seats: {filled} of {seats} filled, {seats - filled} vacant",
                 fontsize=9)
