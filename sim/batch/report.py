"""`mutualsim analyze DIR`: tables, matplotlib figures and a Markdown report for an experiment.

Writes into ``DIR/analysis/`` (or ``--out``): ``report.md`` embedding ``figures/*.png``,
``setting_means.csv``, ``sobol.csv`` / ``morris.csv`` for sensitivity designs,
``failures.csv`` when runs failed, and ``ema/`` (experiments + outcomes in EMA Workbench's
shape). Figures use matplotlib's object API (no pyplot state), so analysing many experiments
in one process does not accumulate open figures.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.batch.analysis import (
    AnalysisError,
    Experiment,
    morris_indices,
    per_run_table,
    series_means,
    setting_means,
    sobol_indices,
    write_ema,
)
from sim.batch.analysis import (
    md_table as _md_table,
)
from sim.batch.spec import SpecError

MAX_LINES = 8      # settings drawn as separate lines in one panel
MAX_TABLE_ROWS = 40


def analyze(path: str | Path, outputs: list[str] | None = None,
            out: str | Path | None = None) -> Path:
    """Analyse a stored experiment; return the path of the Markdown report."""
    from sim.argtypes import check_output_dir

    exp = Experiment.open(path)
    outputs = check_outputs(exp, outputs)
    folder = Path(out) if out else exp.store.root / "analysis"
    check_output_dir(folder, "--out" if out else "analysis folder")
    (folder / "figures").mkdir(parents=True, exist_ok=True)
    report = _Report(exp, folder)
    report.header(outputs)
    means = setting_means(exp, outputs)
    means.to_csv(folder / "setting_means.csv", index=False)
    table = per_run_table(exp)
    table.to_csv(folder / "per_run.csv", index=False)
    table.to_parquet(folder / "per_run.parquet", index=False)
    if exp.policies:
        from sim.batch.compare import write_comparison

        lines, _ = write_comparison(exp, outputs, folder)
        report.lines += lines
        if exp.factors and exp.method == "lhs":
            report.scatter(outputs)
    elif exp.method == "grid":
        report.grid(means, outputs)
    elif exp.method == "lhs":
        report.scatter(outputs)
    else:
        report.sensitivity(outputs)
    report.series(means, outputs)
    report.means_table(means, outputs)
    report.failures()
    files = write_ema(exp, outputs, folder / "ema")
    report.lines += ["## Export for EMA Workbench", "",
                     f"`{files[0].relative_to(folder)}` and `{files[1].relative_to(folder)}`: "
                     "`experiments, outcomes = sim.batch.analysis.load_ema(\"" +
                     str(folder / "ema") + "\")`, then e.g. "
                     "`ema_workbench.analysis.prim.Prim(experiments, outcomes[y] > t, ...)`.", ""]
    return report.write()


def check_outputs(exp: Experiment, outputs: list[str] | None) -> list[str]:
    if not outputs:
        return exp.outputs
    for name in outputs:
        if name not in exp.outputs:
            raise SpecError(f"{exp.store.root}: --outputs {name}: not stored by this experiment "
                            f"(stored: {', '.join(exp.outputs)})")
    return outputs


class _Report:
    def __init__(self, exp: Experiment, folder: Path):
        self.exp, self.folder = exp, folder
        self.lines: list[str] = []

    def write(self) -> Path:
        path = self.folder / "report.md"
        path.write_text("\n".join(self.lines) + "\n")
        return path

    def figure(self, fig: Figure, name: str, caption: str) -> None:
        fig.savefig(self.folder / "figures" / name, dpi=110)
        self.lines += [f"![{caption}](figures/{name})", "", f"*{caption}*", ""]

    # --- sections ---------------------------------------------------------------------------------

    def header(self, outputs: list[str]) -> None:
        m, exp = self.exp.manifest, self.exp
        status = exp.store.status()
        ok, failed = len(exp.results), len(exp.store.failures())
        d, prov = m["design"], m["provenance"]
        self.lines += [
            f"# {m.get('title') or m['experiment']}", "",
            m.get("description") or "", "",
            f"- **Design**: {d['method']}, {d['rows']} settings × {d['replications']} "
            f"replications = {d['runs']} runs; base scenario "
            f"`{m['spec']['scenario']}`, model `{m['spec']['model']}`",
            f"- **Varied**: {', '.join(f'`{k}`' for k in exp.factors) or 'nothing'}"
            + (f"; base scenarios {', '.join(f'`{s}`' for s in d.get('scenarios') or [])}"
               if m["spec"].get("scenarios") else "")
            + (f"; policies {', '.join(f'`{p}`' for p in exp.policies)} against "
               f"`{d.get('baseline')}`" if exp.policies else ""),
            f"- **Runs**: {ok} ok, {failed} failed, {d['runs'] - ok - failed} not run; "
            f"{len(status)} attempts in {len(m['sessions'])} session(s)",
            f"- **Seeds**: root entropy {m['seeding']['root_entropy']}, common random numbers "
            f"{'on' if m['seeding']['common_random_numbers'] else 'off'}",
            f"- **Code**: mutualsim {prov['package_version']}, git {prov['git_commit']}, "
            f"Python {prov['python']}; started {m.get('started')}, finished {m.get('finished')}",
            f"- **Outputs analysed**: {', '.join(f'`{o}`' for o in outputs)}", "",
            "Intervals are 95 % confidence intervals of the mean across replications "
            "(Student's t); for a yes/no output the mean is the share of runs where it "
            "happened, with Wilson's score interval.", "",
            "Every run, with its parameters, seed, status and outputs: `per_run.csv` and "
            "`per_run.parquet` (one row per run, BehaviorSpace's table output).", "",
        ]

    def grid(self, means: pd.DataFrame, outputs: list[str]) -> None:
        if not self.exp.columns:
            return
        self.lines += ["## Response to the varied parameters", ""]
        for out in self.exp.numeric(outputs):
            fig = response_curves(self.exp, means, out)
            self.figure(fig, f"response_{out}.png", f"{out}: mean and 95 % CI by setting")
            if len(self.exp.columns) == 2:
                self.figure(heatmap(self.exp, means, out), f"heatmap_{out}.png",
                            f"{out}: mean over the two-way grid")

    def series(self, means: pd.DataFrame, outputs: list[str]) -> None:
        """Stored time series, for every design: per policy for a comparison, per setting
        for a small grid, else the spread over all runs (median, 50 % and 90 % bands)."""
        stored = [o for o in self.exp.manifest["spec"]["timeseries"] if o in outputs]
        stored = [o for o in stored if o in self.exp.numeric(stored)]
        if not stored:
            return
        self.lines += ["## Over time", ""]
        for out in stored:
            if self.exp.policies:
                fig = policy_bands(self.exp, out)
                caption = f"{out} month by month per policy (mean over all futures, 95 % CI)"
            elif self.exp.method == "grid" and len(means) <= MAX_LINES:
                rows = list(means["design_row"])
                fig = series_bands(self.exp, out, rows, _labels(self.exp, means, rows))
                caption = f"{out} month by month (mean, 95 % CI)"
            else:
                fig = series_spread(self.exp, out)
                caption = (f"{out} month by month over all {len(self.exp.results)} runs "
                           f"(median, 50 % and 90 % of runs)")
            self.figure(fig, f"series_{out}.png", caption)

    def scatter(self, outputs: list[str]) -> None:
        self.lines += ["## Outputs across the sampled settings", ""]
        for out in self.exp.numeric(outputs):
            self.figure(scatter(self.exp, out), f"scatter_{out}.png",
                        f"{out} against each varied parameter (one dot per run)")

    def sensitivity(self, outputs: list[str]) -> None:
        method = self.exp.method
        name = "Sobol'" if method == "sobol" else "Morris"
        self.lines += [f"## {name} sensitivity indices", ""]
        try:
            table = (sobol_indices if method == "sobol" else morris_indices)(self.exp, outputs)
        except AnalysisError as exc:
            self.lines += [f"Not computed: {exc}.", ""]
            return
        table.to_csv(self.folder / f"{method}.csv", index=False)
        for out, part in table.groupby("output", sort=False):
            fig = sobol_bars(part, out) if method == "sobol" else morris_bars(part, out)
            self.figure(fig, f"{method}_{out}.png", f"{name} indices of {out} (95 % CI)")
            self.lines += [_md_table(part.drop(columns="output")), ""]
        if method == "sobol":
            self.lines += ["S1: share of the output's variance due to the parameter alone; ST: "
                           "including its interactions. Outputs are averaged over "
                           "replications first.", ""]
        else:
            self.lines += ["mu*: mean absolute effect of moving the parameter across its range; "
                           "sigma: spread of the effects (interactions or non-linearity).", ""]

    def means_table(self, means: pd.DataFrame, outputs: list[str]) -> None:
        shown = means[["design_row", *self.exp.columns, "runs"]].copy()
        for o in self.exp.numeric(outputs):
            shown[o] = [_with_ci(m, lo, hi) for m, lo, hi in
                        zip(means[f"{o}_mean"], means[f"{o}_ci_low"], means[f"{o}_ci_high"],
                            strict=True)]
        note = f" (first {MAX_TABLE_ROWS}; all in `setting_means.csv`)" \
            if len(means) > MAX_TABLE_ROWS else ""
        self.lines += [f"## Means by setting, with 95 % confidence intervals{note}", "",
                       _md_table(shown.head(MAX_TABLE_ROWS)), ""]

    def failures(self) -> None:
        failures = self.exp.store.failures()
        if failures.empty:
            return
        failures.to_csv(self.folder / "failures.csv", index=False)
        self.lines += [f"## Failed runs ({len(failures)})", "",
                       _md_table(failures[["run_id", "attempt", "error"]].head(MAX_TABLE_ROWS)),
                       "", "Tracebacks are in `failures.csv`. Re-running `mutualsim sweep` on "
                       "this directory retries them.", ""]


def _with_ci(mean: float, low: float, high: float) -> str:
    if not np.isfinite(mean):
        return ""
    if not (np.isfinite(low) and np.isfinite(high)):
        return f"{mean:.4g}"
    return f"{mean:.4g} ({low:.3g} – {high:.3g})"


# --- figures -------------------------------------------------------------------------------------

def _figure(width: float = 7.5, height: float = 4.5) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _short(key: str) -> str:
    return key.rsplit(".", 1)[-1]


def _labels(exp: Experiment, means: pd.DataFrame, rows: list[int]) -> list[str]:
    table = means.set_index("design_row")
    return [", ".join(f"{_short(k)}={_fmt(table.at[r, k])}" for k in exp.columns) for r in rows]


def _fmt(v) -> str:
    return f"{v:.3g}" if isinstance(v, float | np.floating) else str(v)


def _x_factor(exp: Experiment, means: pd.DataFrame) -> str:
    """The factor on the x axis: the numeric one with the most levels, else the first."""
    numeric = [k for k in exp.columns if pd.api.types.is_numeric_dtype(means[k])
               and not pd.api.types.is_bool_dtype(means[k])]
    pool = numeric or exp.columns
    return max(pool, key=lambda k: means[k].nunique())


def response_curves(exp: Experiment, means: pd.DataFrame, out: str) -> Figure:
    x = _x_factor(exp, means)
    others = [k for k in exp.columns if k != x]
    fig = _figure()
    ax = fig.add_subplot()
    groups = means.groupby(others, sort=False) if others else [((), means)]
    for i, (key, part) in enumerate(groups):
        if i == MAX_LINES:
            break
        key = key if isinstance(key, tuple) else (key,)
        label = ", ".join(f"{_short(k)}={_fmt(v)}" for k, v in zip(others, key, strict=True))
        part = part.sort_values(x)
        xs = part[x] if pd.api.types.is_numeric_dtype(part[x]) else part[x].astype(str)
        line, = ax.plot(xs, part[f"{out}_mean"], marker="o", label=label or None)
        ax.fill_between(xs, part[f"{out}_ci_low"], part[f"{out}_ci_high"],
                        color=line.get_color(), alpha=0.2)
    ax.set(xlabel=x, ylabel=out, title=f"{out} by {_short(x)}")
    if others:
        ax.legend(fontsize=8)
    return fig


def heatmap(exp: Experiment, means: pd.DataFrame, out: str) -> Figure:
    y, x = exp.columns
    grid = means.pivot(index=y, columns=x, values=f"{out}_mean")
    fig = _figure()
    ax = fig.add_subplot()
    image = ax.imshow(grid.to_numpy(dtype=float), aspect="auto", origin="lower", cmap="viridis")
    ax.set_xticks(range(grid.shape[1]), [_fmt(v) for v in grid.columns], rotation=45)
    ax.set_yticks(range(grid.shape[0]), [_fmt(v) for v in grid.index])
    values = grid.to_numpy(dtype=float)
    middle = np.nanmin(values) + 0.5 * (np.nanmax(values) - np.nanmin(values))
    for (i, j), value in np.ndenumerate(values):  # dark text on the light (high) cells
        ax.text(j, i, f"{value:.3g}", ha="center", va="center", fontsize=8,
                color="black" if value > middle else "white")
    ax.set(xlabel=x, ylabel=y, title=f"{out} (mean)")
    fig.colorbar(image, ax=ax)
    return fig


def series_bands(exp: Experiment, out: str, rows: list[int], labels: list[str]) -> Figure:
    frame = series_means(exp, out, rows)
    fig = _figure()
    ax = fig.add_subplot()
    for row, label in zip(rows, labels, strict=True):
        part = frame[frame["design_row"] == row]
        line, = ax.plot(part["month"], part["mean"], label=label)
        ax.fill_between(part["month"], part["ci_low"], part["ci_high"], color=line.get_color(),
                        alpha=0.2)
    ax.set(xlabel="month", ylabel=out, title=f"{out} over time")
    ax.legend(fontsize=7)
    return fig


def _series_runs(exp: Experiment, out: str) -> pd.DataFrame:
    ts = exp.store.timeseries([out])
    return ts.merge(exp.store.runs()[["run_id", *[c for c in ("policy",)
                                                   if c in exp.meta]]], on="run_id")


def policy_bands(exp: Experiment, out: str) -> Figure:
    ts = _series_runs(exp, out)
    fig = _figure()
    ax = fig.add_subplot()
    for policy in exp.policies:
        g = ts[ts["policy"] == policy].groupby("month")[out]
        frame = g.agg(["mean", "std", "count"]).reset_index()
        half = 1.96 * frame["std"] / np.sqrt(frame["count"])
        line, = ax.plot(frame["month"], frame["mean"], label=policy)
        ax.fill_between(frame["month"], frame["mean"] - half, frame["mean"] + half,
                        color=line.get_color(), alpha=0.2)
    ax.set(xlabel="month", ylabel=out, title=f"{out} over time, by policy")
    ax.legend(fontsize=8)
    return fig


def series_spread(exp: Experiment, out: str) -> Figure:
    ts = _series_runs(exp, out)
    q = ts.groupby("month")[out].quantile([0.05, 0.25, 0.5, 0.75, 0.95]).unstack()
    fig = _figure()
    ax = fig.add_subplot()
    ax.fill_between(q.index, q[0.05], q[0.95], alpha=0.2, color="tab:blue", label="90 % of runs")
    ax.fill_between(q.index, q[0.25], q[0.75], alpha=0.35, color="tab:blue",
                    label="50 % of runs")
    ax.plot(q.index, q[0.5], color="tab:blue", label="median")
    ax.set(xlabel="month", ylabel=out, title=f"{out} over time, all runs")
    ax.legend(fontsize=8)
    return fig


def scatter(exp: Experiment, out: str) -> Figure:
    res = exp.results
    n = len(exp.factors)
    fig = _figure(3.2 * n, 3.2)
    for j, key in enumerate(exp.factors):
        ax = fig.add_subplot(1, n, j + 1)
        xs = res[key] if pd.api.types.is_numeric_dtype(res[key]) else res[key].astype(str)
        ax.scatter(xs, res[out], s=6, alpha=0.5)
        ax.set(xlabel=_short(key), ylabel=out if j == 0 else None)
    return fig


def sobol_bars(table: pd.DataFrame, out: str) -> Figure:
    fig = _figure()
    ax = fig.add_subplot()
    pos = np.arange(len(table))
    ax.bar(pos - 0.2, table["S1"], 0.4, yerr=table["S1_conf"], capsize=3, label="S1 (first order)")
    ax.bar(pos + 0.2, table["ST"], 0.4, yerr=table["ST_conf"], capsize=3, label="ST (total)")
    ax.set_xticks(pos, [_short(p) for p in table["parameter"]], rotation=30, ha="right")
    ax.set(ylabel="index", title=f"Sobol' indices of {out}")
    ax.axhline(0, color="black", linewidth=0.5)
    ax.legend()
    return fig


def morris_bars(table: pd.DataFrame, out: str) -> Figure:
    fig = _figure(10, 4.2)
    ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    order = table.sort_values("mu_star")
    names = [_short(p) for p in order["parameter"]]
    ax1.barh(names, order["mu_star"], xerr=order["mu_star_conf"], capsize=3)
    ax1.set(xlabel="mu* (output units per full range)", title=f"Morris mu* of {out}")
    ax2.scatter(table["mu_star"], table["sigma"])
    for _, row in table.iterrows():
        ax2.annotate(_short(row["parameter"]), (row["mu_star"], row["sigma"]), fontsize=8)
    ax2.set(xlabel="mu*", ylabel="sigma", title="effects vs their spread")
    return fig


