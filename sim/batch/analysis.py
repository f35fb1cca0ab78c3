"""Numbers from a stored experiment: per-setting means with 95 % confidence intervals,
Sobol' and Morris sensitivity indices (SALib), and an export in EMA Workbench's shape.

Everything here reads the experiment directory (:class:`~sim.batch.store.Store`), so an
analysis can be re-run, or run elsewhere, without re-running the sweep.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.batch.designs import UNIT_PREFIX
from sim.batch.store import Store

CONFIDENCE = 0.95


class AnalysisError(ValueError):
    """An analysis that the stored results cannot support (said in the report, not raised)."""


@dataclass
class Experiment:
    """A stored experiment, read for analysis."""

    store: Store

    @classmethod
    def open(cls, path: str | Path) -> Experiment:
        """Open a stored experiment after checking it (a damaged store is refused in one
        line that says what is damaged and how to repair it)."""
        from sim.batch.store import StoreDamaged, StoreError

        store = Store(path)
        state = store._state()
        if state != "store":
            raise StoreError(f"{path}: not an experiment directory (no manifest.json)")
        problems = store.verify()
        if problems:
            raise StoreDamaged(store.root, problems, "analyse it")
        return cls(store)

    @cached_property
    def manifest(self) -> dict:
        return self.store.manifest()

    @property
    def method(self) -> str:
        return self.manifest["design"]["method"]

    @property
    def factors(self) -> list[str]:
        spec = self.manifest["spec"]
        draws = (spec.get("draws") or {}).get("keys", [])  # design = "draws": joint settings
        return [f["key"] for f in spec["factors"]] + draws

    @property
    def meta(self) -> list[str]:
        """The base-scenario and policy columns of a comparison design (else none)."""
        return [c for c in ("scenario", "policy") if c in self.design.columns]

    @property
    def columns(self) -> list[str]:
        """What distinguishes settings: base scenario and policy, then the varied parameters."""
        return [*self.meta, *self.factors]

    @property
    def policies(self) -> list[str]:
        return [p["name"] for p in self.manifest["spec"].get("policies") or []]

    @property
    def outputs(self) -> list[str]:
        return list(self.manifest["spec"]["outputs"])

    @cached_property
    def design(self) -> pd.DataFrame:
        return self.store.design()

    @cached_property
    def results(self) -> pd.DataFrame:
        """Runs table joined with each successful run's outputs."""
        return self.store.results(self.outputs)

    def numeric(self, outputs: list[str]) -> list[str]:
        """Outputs analysed as numbers. Yes/no outputs (``core_contract_lost``, ``failed``)
        count as 0/1, so their mean is the share of runs; text outputs are left out."""
        return [o for o in outputs if pd.api.types.is_numeric_dtype(self.results[o])]

    def yes_no(self, output: str) -> bool:
        return pd.api.types.is_bool_dtype(self.results[output])


# --- per-setting means ---------------------------------------------------------------------------

def setting_means(exp: Experiment, outputs: list[str]) -> pd.DataFrame:
    """One row per design setting: factor values, runs, and mean / CI per numeric output.

    The interval is Student's t over the replications (n − 1 degrees of freedom); with one
    replication there is no interval (NaN). For a yes/no output the mean is the share of runs
    where it is true and the interval is Wilson's score interval, which stays inside 0–1 and
    keeps its coverage at shares of 0 or 1 and few replications.
    """
    outputs = exp.numeric(outputs)
    groups = exp.results.groupby("design_row")
    table = exp.design[["design_row", *exp.columns]].set_index("design_row")
    table["runs"] = groups.size().reindex(table.index, fill_value=0)
    for out in outputs:
        if exp.yes_no(out):
            yes, n = (groups[out].agg(f).reindex(table.index) for f in ("sum", "count"))
            mean, low, high = wilson(yes.to_numpy(dtype=float), n.to_numpy(dtype=float))
        else:
            mean, sd, n = (groups[out].agg(f).reindex(table.index)
                           for f in ("mean", "std", "count"))
            half = stats.t.ppf(0.5 + CONFIDENCE / 2, n - 1) * sd / np.sqrt(n)
            low, high = mean - half, mean + half
        table[f"{out}_mean"] = mean
        table[f"{out}_ci_low"] = low
        table[f"{out}_ci_high"] = high
    return table.reset_index()


def wilson(yes: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(share, low, high): Wilson's score interval for ``yes`` successes in ``n`` trials."""
    z = stats.norm.ppf(0.5 + CONFIDENCE / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = yes / n
        centre = (share + z**2 / (2 * n)) / (1 + z**2 / n)
        half = z * np.sqrt(share * (1 - share) / n + z**2 / (4 * n**2)) / (1 + z**2 / n)
        # exact 0 and 1 at the ends (the algebra leaves rounding dust there)
        low = np.clip(np.minimum(centre - half, share), 0.0, 1.0)
        high = np.clip(np.maximum(centre + half, share), 0.0, 1.0)
    return share, low, high


def series_means(exp: Experiment, output: str, design_rows: list[int]) -> pd.DataFrame:
    """Monthly mean and 95 % CI of one stored time series, per design setting."""
    ts = exp.store.timeseries([output])
    runs = exp.store.runs()[["run_id", "design_row"]]
    ts = ts.merge(runs, on="run_id")
    ts = ts[ts["design_row"].isin(design_rows)]
    g = ts.groupby(["design_row", "month"])[output]
    frame = g.agg(["mean", "std", "count"]).reset_index()
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, frame["count"] - 1) * frame["std"] / \
        np.sqrt(frame["count"])
    frame["ci_low"], frame["ci_high"] = frame["mean"] - half, frame["mean"] + half
    return frame


def per_run_table(exp: Experiment) -> pd.DataFrame:
    """BehaviorSpace's "table" output: one row per run of the design, with its ids, base
    scenario and policy, replication, seed, every parameter set for it ([set] and varied),
    its status and duration, and its outputs (empty for runs that failed or have not run)."""
    runs = exp.store.runs()
    fixed = exp.manifest["spec"].get("fixed") or {}
    for key, value in fixed.items():
        if key not in runs.columns:
            runs[key] = value
    policies = {p["name"]: p["overrides"] for p in exp.manifest["spec"].get("policies") or []}
    for key in dict.fromkeys(k for o in policies.values() for k in o):
        # a lever's value in each run: the policy's, else the base scenario's own
        runs[key] = [policies[p].get(key, _scenario_value(exp, s, key))
                     for p, s in zip(runs["policy"], runs.get("scenario", runs["policy"]),
                                     strict=True)]
    status = exp.store.status()
    if len(status):
        last = status.sort_values(["run_id", "attempt"]).groupby("run_id").tail(1)
        ok = set(status.loc[status["status"] == "ok", "run_id"])
        last = last.set_index("run_id")
        runs["status"] = [("ok" if i in ok else last.at[i, "status"]) if i in last.index
                          else "not run" for i in runs["run_id"]]
        done = status[status["status"] == "ok"].drop_duplicates("run_id").set_index("run_id")
        runs["duration_s"] = runs["run_id"].map(done["duration_s"])
    else:
        runs["status"], runs["duration_s"] = "not run", np.nan
    return runs.merge(exp.store.summary(exp.outputs), on="run_id", how="left")


def _scenario_value(exp: Experiment, scenario: str, key: str):
    base = exp.manifest["base_scenario"]
    if exp.manifest["spec"].get("scenarios") and isinstance(base, dict):
        base = base.get(scenario)
    params = base.get("parameters") if isinstance(base, dict) else None
    return params.get(key) if isinstance(params, dict) else None


# --- sensitivity ---------------------------------------------------------------------------------

def _problem(exp: Experiment) -> dict:
    problem = exp.manifest["design"].get("problem")
    if problem is None:
        raise AnalysisError(f"a '{exp.method}' design has no SALib sample to analyse")
    return problem


def _row_means(exp: Experiment, output: str) -> np.ndarray:
    """The output averaged over replications, in design-row order (the order SALib needs)."""
    means = exp.results.groupby("design_row")[output].mean().reindex(exp.design["design_row"])
    missing = int(means.isna().sum())
    if missing:
        raise AnalysisError(f"{missing} design point(s) have no successful run, and Sobol'/"
                            f"Morris estimators need every point; resume the sweep first")
    return means.to_numpy(dtype=float)


def sobol_indices(exp: Experiment, outputs: list[str], seed: int = 0) -> pd.DataFrame:
    """First-order and total Sobol' indices with 95 % bootstrap intervals, tidy."""
    from SALib.analyze import sobol

    if exp.method != "sobol":
        raise AnalysisError(f"Sobol' indices need design = 'sobol' (this is '{exp.method}')")
    problem = _problem(exp)
    rows = []
    for out in exp.numeric(outputs):
        si = sobol.analyze(problem, _row_means(exp, out),
                           calc_second_order=exp.manifest["design"]["second_order"],
                           num_resamples=1000, conf_level=CONFIDENCE, seed=seed)
        for j, name in enumerate(problem["names"]):
            rows.append({"output": out, "parameter": name, "S1": si["S1"][j],
                         "S1_conf": si["S1_conf"][j], "ST": si["ST"][j],
                         "ST_conf": si["ST_conf"][j]})
    return pd.DataFrame(rows)


def morris_indices(exp: Experiment, outputs: list[str], seed: int = 0) -> pd.DataFrame:
    """Morris elementary effects: mu*, its 95 % interval, and sigma (interaction or
    non-linearity), in units of the output per full range of the parameter."""
    from SALib.analyze import morris

    if exp.method != "morris":
        raise AnalysisError(f"Morris indices need design = 'morris' (this is '{exp.method}')")
    problem = _problem(exp)
    x = exp.design[[UNIT_PREFIX + n for n in problem["names"]]].to_numpy(dtype=float)
    rows = []
    for out in exp.numeric(outputs):
        si = morris.analyze(problem, x, _row_means(exp, out), num_resamples=1000,
                            conf_level=CONFIDENCE,
                            num_levels=exp.manifest["design"]["morris_levels"], seed=seed)
        for j, name in enumerate(problem["names"]):
            rows.append({"output": out, "parameter": name, "mu": si["mu"][j],
                         "mu_star": si["mu_star"][j], "mu_star_conf": si["mu_star_conf"][j],
                         "sigma": si["sigma"][j]})
    return pd.DataFrame(rows)


# --- EMA Workbench shape -------------------------------------------------------------------------

def ema_results(exp: Experiment, outputs: list[str]) -> tuple[pd.DataFrame, dict]:
    """``(experiments, outcomes)`` as EMA Workbench's ``perform_experiments`` returns them.

    One experiment per successful run: the varied parameters (whole numbers as floats; EMA's
    PRIM trips on integer columns), then ``scenario`` (the design row), ``policy`` and
    ``model``. ``outcomes`` maps each output to an array over experiments, and each stored
    time series to an (experiments × months) array.
    """
    res = exp.results
    experiments = res[exp.factors].copy()
    for col in experiments:
        if pd.api.types.is_integer_dtype(experiments[col]):
            experiments[col] = experiments[col].astype(float)
        elif not pd.api.types.is_numeric_dtype(experiments[col]):
            experiments[col] = experiments[col].astype("category")  # EMA's categorical
    if "scenario" in res.columns:   # our base scenario: EMA's "scenario" is the future
        experiments["base_scenario"] = res["scenario"].astype("category").to_numpy()
    experiments["scenario"] = (res["future"] if "future" in res.columns
                               else res["design_row"]).to_numpy()
    experiments["policy"] = res["policy"].to_numpy() if "policy" in res.columns else "none"
    experiments["model"] = exp.manifest["experiment"]
    numeric = set(exp.numeric(outputs))
    outcomes = {out: res[out].to_numpy(dtype=bool if exp.yes_no(out)
                                       else float if out in numeric else str)
                for out in outputs}
    stored = exp.manifest["spec"]["timeseries"]
    if stored:
        ts = exp.store.timeseries(stored)
        for out in stored:
            wide = ts.pivot(index="run_id", columns="month", values=out)
            outcomes[f"{out}_monthly"] = wide.reindex(res["run_id"]).to_numpy()
    return experiments, outcomes


def write_ema(exp: Experiment, outputs: list[str], folder: Path) -> list[Path]:
    """``experiments.csv`` and ``outcomes.npz``; :func:`load_ema` reads them back."""
    experiments, outcomes = ema_results(exp, outputs)
    folder.mkdir(parents=True, exist_ok=True)
    experiments.to_csv(folder / "experiments.csv", index=False)
    np.savez_compressed(folder / "outcomes.npz", **outcomes)
    return [folder / "experiments.csv", folder / "outcomes.npz"]


def load_ema(folder: str | Path) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """Read an export back: pass the pair to ``ema_workbench.analysis.prim.Prim`` etc."""
    folder = Path(folder)
    experiments = pd.read_csv(folder / "experiments.csv")
    for col in experiments.columns:  # text columns (a membership rule) are categorical, as
        if col not in ("policy", "model") and not pd.api.types.is_numeric_dtype(
                experiments[col]):  # EMA's CategoricalParameter gives them
            experiments[col] = experiments[col].astype("category")
    with np.load(folder / "outcomes.npz", allow_pickle=False) as data:
        outcomes = {k: data[k] for k in data.files}
    return experiments, outcomes


# --- markdown ------------------------------------------------------------------------------------

def md_table(frame: pd.DataFrame) -> str:
    def cell(v) -> str:
        if isinstance(v, float | np.floating):
            return "" if np.isnan(v) else f"{v:.4g}"
        return str(v).replace("|", "\\|")

    head = "| " + " | ".join(str(c) for c in frame.columns) + " |"
    rule = "|" + "---|" * len(frame.columns)
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(False)]
    return "\n".join([head, rule, *body])
