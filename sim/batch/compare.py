"""Policy contrasts: each policy against the baseline, per outcome, on paired runs.

A policy comparison (``[policies]`` in a spec) runs every policy in every future (a base
scenario under one setting of the uncertainties) with the same random streams as the baseline
(common random numbers, docs/batch.md). A **pair** is (future, replication): the baseline's run
and the policy's run met the same luck, so their difference is the policy's effect plus far
less noise than two independent runs would carry. Per policy and outcome this module gives

- the mean paired difference with a 95 % confidence interval,
- the share of pairs in which the policy did better (worse, tied),
- the probability that the average effect is an improvement (normal approximation with a flat
  prior: Φ(mean / SE) in the "better" direction),
- an effect size (the mean difference in baseline standard deviations, Glass's Δ, and d_z,
  the mean over the SD of the differences, which the power line uses; SDs within futures),
- the variance ratio Var(policy − baseline) / (Var(policy) + Var(baseline)), variances within
  futures: what pairing buys (1 = nothing; 0.25 = a quarter of the variance of independent
  runs, four times fewer runs for the same interval),
- a power line: paired replications per future needed to detect a given effect (the observed
  one unless ``detect`` says otherwise) with 80 % power at 5 % two-sided,

and, across futures, robustness: per future the best policy (by the outcome's ``better``
direction) and each policy's regret (how far it falls short of the best there), summarised as
mean and worst regret and the share of futures in which each policy is best.

The interval: with two or more replications in every future it is for the average effect over
*these* futures (the per-future means weighted equally, SE from the within-future spread);
with one replication per future (a sampled design of the uncertainties) the pairs are treated
as a random sample of futures. The report says which.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats

from sim.batch.analysis import CONFIDENCE, AnalysisError, Experiment, md_table

POWER = 0.8
ALPHA = 0.05
MAX_FOREST_ROWS = 16


@dataclass(frozen=True)
class Setup:
    """What a stored experiment says about its comparison."""

    baseline: str
    policies: list[str]            # all, baseline first
    better: dict[str, str]
    levers: dict[str, dict]        # policy -> overrides

    @classmethod
    def of(cls, exp: Experiment, baseline: str | None = None) -> Setup:
        spec = exp.manifest["spec"]
        names = [p["name"] for p in spec.get("policies") or []]
        if not names:
            raise AnalysisError(f"{exp.store.root}: not a policy comparison (the spec has no "
                                f"[policies]); see docs/batch.md, 'Policies'")
        base = baseline or spec.get("baseline")
        if base not in names:
            from sim.batch.spec import SpecError

            raise SpecError(f"{exp.store.root}: --baseline {base}: not one of the policies "
                            f"({', '.join(names)})")
        return cls(base, [base, *[n for n in names if n != base]],
                   dict(spec.get("better") or {}),
                   {p["name"]: dict(p["overrides"]) for p in spec["policies"]})


def pairs(exp: Experiment, output: str) -> pd.DataFrame:
    """One row per (future, replication): scenario and one column per policy's outcome."""
    res = exp.results
    values = res[output].astype(float)
    frame = res[["future", "scenario", "replication", "policy"]].assign(value=values)
    wide = frame.pivot_table(index=["future", "scenario", "replication"], columns="policy",
                             values="value", aggfunc="first", observed=True)
    return wide.reset_index()


def _sign(better: dict[str, str], output: str) -> float:
    return -1.0 if better.get(output) == "lower" else 1.0


def paired_stats(d: np.ndarray, a: np.ndarray, b: np.ndarray, future: np.ndarray) -> dict:
    """Mean difference and its interval for pairs ``d = b − a`` grouped by ``future``."""
    n = len(d)
    if n < 2:
        return {"pairs": n, "diff": float(d.mean()) if n else math.nan, "se": math.nan,
                "df": 0, "method": "too few pairs"}
    groups = pd.Series(d).groupby(future)
    counts = groups.count()
    if len(counts) > 1 and (counts >= 2).all():
        # these futures, equally weighted; SE from the within-future spread
        means, var = groups.mean(), groups.var(ddof=1)
        diff = float(means.mean())
        se = float(math.sqrt((var / counts).sum()) / len(counts))
        df = int((counts - 1).sum())
        method = f"over these {len(counts)} futures"
        sd_within = float(math.sqrt(((counts - 1) * var).sum() / df))
    else:
        diff = float(d.mean())
        sd_within = float(d.std(ddof=1))
        se = sd_within / math.sqrt(n)
        df = n - 1
        method = "pairs as a random sample" if len(counts) > 1 else "one future"
    return {"pairs": n, "diff": diff, "se": se, "df": df, "method": method,
            "sd_diff": sd_within}


def _pooled_var(v: np.ndarray, future: np.ndarray) -> float:
    """The variance within futures, pooled (over all values when no future has two): the
    run-to-run noise, without the spread between base scenarios and uncertainty settings."""
    frame = pd.DataFrame({"v": v, "f": future})
    g = frame.groupby("f")["v"]
    counts, var = g.count(), g.var(ddof=1)
    keep = counts >= 2
    if keep.any() and (counts[keep] >= 2).all() and keep.all():
        return float(((counts - 1) * var).sum() / (counts - 1).sum())
    return float(np.var(v, ddof=1)) if len(v) > 1 else math.nan


def power_pairs(sd_diff: float, effect: float, power: float = POWER,
                alpha: float = ALPHA) -> float:
    """Smallest number of pairs for a two-sided paired t-test to detect ``effect``."""
    if not (effect and sd_diff > 0 and np.isfinite(sd_diff)):
        return math.nan if not effect else 2.0
    def achieved(n: int) -> float:
        df, nc = n - 1, abs(effect) / (sd_diff / math.sqrt(n))
        t = stats.t.ppf(1 - alpha / 2, df)
        return stats.nct.sf(t, df, nc) + stats.nct.cdf(-t, df, nc)
    low, high = 2, 4
    while achieved(high) < power:
        low, high = high, high * 2
        if high > 10**7:
            return math.inf
    while high - low > 1:
        mid = (low + high) // 2
        low, high = (mid, high) if achieved(mid) < power else (low, mid)
    return float(high)


def contrasts(exp: Experiment, outputs: list[str], baseline: str | None = None,
              detect: dict[str, float] | None = None) -> pd.DataFrame:
    """Each policy against the baseline, per outcome, over all futures and per scenario."""
    setup = Setup.of(exp, baseline)
    detect = detect or {}
    rows = []
    for out in exp.numeric(outputs):
        wide = pairs(exp, out)
        sign = _sign(setup.better, out)
        for policy in setup.policies[1:]:
            both = wide.dropna(subset=[setup.baseline, policy])
            scopes = [("all futures", both)]
            if both["scenario"].nunique() > 1:
                scopes += [(str(s), part) for s, part in both.groupby("scenario", sort=False)]
            for scope, part in scopes:
                rows.append(_row(out, policy, setup, scope, part, sign, detect.get(out)))
    return pd.DataFrame(rows)


def _row(out, policy, setup, scope, part, sign, detect) -> dict:
    a = part[setup.baseline].to_numpy(dtype=float)
    b = part[policy].to_numpy(dtype=float)
    d = b - a
    st = paired_stats(d, a, b, part["future"].to_numpy())
    half = stats.t.ppf(0.5 + CONFIDENCE / 2, st["df"]) * st["se"] if st["df"] > 0 else math.nan
    var_a, var_b, var_d = (_pooled_var(v, part["future"].to_numpy()) for v in (a, b, d))
    sd_a = math.sqrt(var_a) if np.isfinite(var_a) else math.nan
    var_sum = var_a + var_b
    sd_diff = st.get("sd_diff", math.nan)
    gain = sign * d
    helps = float(np.mean(gain > 0)) if len(d) else math.nan
    hurts = float(np.mean(gain < 0)) if len(d) else math.nan
    tied = float(np.mean(gain == 0)) if len(d) else math.nan   # not 1 - helps - hurts: "-0 %"
    z = sign * st["diff"] / st["se"] if st["se"] and st["se"] > 0 else math.nan
    prob = float(stats.norm.cdf(z)) if np.isfinite(z) else \
        (1.0 if sign * st["diff"] > 0 else 0.0 if sign * st["diff"] < 0 else 0.5)
    effect = detect if detect is not None else st["diff"]
    per_future = part.groupby("future").size()
    need = power_pairs(sd_diff, effect)
    if st["method"].startswith("over these") and np.isfinite(need):
        need = math.ceil(need / len(per_future))  # pairs per future
    return {
        "output": out, "policy": policy, "baseline": setup.baseline, "scope": scope,
        "pairs": st["pairs"], "futures": len(per_future),
        "replications": int(per_future.min()) if len(per_future) else 0,
        "baseline_mean": float(a.mean()), "policy_mean": float(b.mean()),
        "diff": st["diff"], "ci_low": st["diff"] - half, "ci_high": st["diff"] + half,
        "se": st["se"], "interval": st["method"],
        "better": setup.better.get(out, ""),
        "share_helps": helps, "share_hurts": hurts, "share_tied": tied,
        "prob_better": prob,
        "effect_size": st["diff"] / sd_a if sd_a and sd_a > 0 else math.nan,
        "d_z": st["diff"] / sd_diff if sd_diff and sd_diff > 0 else math.nan,
        "sd_diff": sd_diff,
        "variance_ratio": var_d / var_sum if var_sum and var_sum > 0 else math.nan,
        "detect": effect, "pairs_needed": need,
        "needed_per": "future" if st["method"].startswith("over these") else "in all",
    }


def robustness(exp: Experiment, outputs: list[str], baseline: str | None = None
               ) -> pd.DataFrame:
    """Per policy and outcome: mean and worst regret across futures, share of futures best.

    In each future the policies' outcomes are averaged over replications; the best is the
    highest (or lowest, for ``better = "lower"``); a policy's regret there is its shortfall
    from the best, in the outcome's units. Ties share the 'best' credit equally. Outcomes
    without a ``better`` direction are not ranked.
    """
    setup = Setup.of(exp, baseline)
    rows = []
    for out in exp.numeric(outputs):
        if out not in setup.better:
            continue
        sign = _sign(setup.better, out)
        means = exp.results.groupby(["future", "policy"])[out].mean().unstack("policy")
        means = means[setup.policies].dropna()
        value = sign * means
        best = value.max(axis=1)
        regret = value.rsub(best, axis=0)
        winners = value.eq(best, axis=0)
        share = winners.div(winners.sum(axis=1), axis=0).mean()
        for policy in setup.policies:
            rows.append({"output": out, "policy": policy, "futures": len(means),
                         "mean": float(means[policy].mean()),
                         "mean_regret": float(regret[policy].mean()),
                         "max_regret": float(regret[policy].max()),
                         "share_best": float(share[policy])})
    return pd.DataFrame(rows)


# --- words --------------------------------------------------------------------------------------

def _num(x: float, signed: bool = False) -> str:
    if not np.isfinite(x):
        return "n/a"
    text = f"{x:+.3g}" if signed else f"{x:.3g}"
    return text.replace("-", "−")


def lever_text(setup: Setup, policy: str) -> str:
    levers = setup.levers.get(policy) or {}
    return ", ".join(f"`{k}` = {v}" for k, v in levers.items()) or "no change"


def sentences(row: pd.Series, setup: Setup, exp: Experiment) -> list[str]:
    """The question, the answer and the caveat for one contrast, quotable as they stand."""
    m = exp.manifest
    out, policy, base = row["output"], row["policy"], row["baseline"]
    scen = m["design"].get("scenarios") or [m["spec"]["scenario"]]
    where = f"{len(scen)} base scenario{'s' if len(scen) > 1 else ''}"
    futures = int(row["futures"])
    question = (f"**Question.** If `{policy}` ({lever_text(setup, policy)}) replaced "
                f"`{base}` ({lever_text(setup, base)}), what would happen to `{out}` after "
                f"{m['spec'].get('months') or 'the scenario horizon of'} months, over {where} "
                f"({futures} future{'s' if futures > 1 else ''}), with "
                f"{int(row['pairs'])} paired runs (common random numbers)?")
    direction = "rises" if row["diff"] > 0 else "falls" if row["diff"] < 0 else "is unchanged"
    excl = row["ci_low"] > 0 or row["ci_high"] < 0
    better = row["better"]
    answer = (f"**Answer.** `{out}` {direction} by {_num(abs(row['diff']))} on average "
              f"(from {_num(row['baseline_mean'])} to {_num(row['policy_mean'])}; 95 % CI of "
              f"the difference {_num(row['ci_low'], True)} to {_num(row['ci_high'], True)}, "
              f"{row['interval']}).")
    if better:
        answer += (f" With {better} being better, the policy did better in "
                   f"{100 * row['share_helps']:.0f} % of paired runs, worse in "
                   f"{100 * row['share_hurts']:.0f} % and tied in "
                   f"{100 * row['share_tied']:.0f} %; the probability that its average effect "
                   f"is an improvement is {row['prob_better']:.2f}.")
    else:
        answer += (f" The policy's value was higher in {100 * row['share_helps']:.0f} % of "
                   f"paired runs (no `better` direction is set for this outcome).")
    answer += (f" Effect size {_num(row['effect_size'], True)} baseline standard deviations; "
               f"pairing left {_num(row['variance_ratio'])} of the variance two independent "
               f"runs would have.")
    need = row["pairs_needed"]
    per = "per future" if row["needed_per"] == "future" else "in all"
    need_text = "more than ten million" if need == math.inf else \
        "n/a" if not np.isfinite(need) else f"about {int(need)}"
    if excl:
        caveat = ("The interval excludes zero: at this number of runs the effect is told "
                  "apart from noise.")
    else:
        caveat = (f"**Cannot be told from noise**: the interval includes zero. Detecting a "
                  f"difference of {_num(abs(row['detect']))} with 80 % power at 5 % needs "
                  f"{need_text} paired replications {per} (this sweep has "
                  f"{int(row['replications'])}).")
    return [question, answer, caveat]


def provenance_line(exp: Experiment) -> str:
    m, prov = exp.manifest, exp.manifest["provenance"]
    seeds = m["seeding"]
    paired = "paired (common random numbers per future and replication)" \
        if seeds.get("paired_policies") else "independent streams per run"
    return (f"**Provenance.** Experiment directory `{exp.store.root}`, spec "
            f"`{m['spec_file']}`; {m['design']['runs']} runs, root seed "
            f"{seeds['root_entropy']}, {paired}; mutualsim {prov['package_version']}, git "
            f"{prov['git_commit']}, Python {prov['python']}; run {m.get('started')} to "
            f"{m.get('finished')}. Replay any run with `mutualsim run --from-sweep "
            f"{exp.store.root} RUN_ID`.")


def table_lines(table: pd.DataFrame) -> list[str]:
    """The contrasts as aligned text lines (what `mutualsim compare` prints)."""
    lines = []
    for _, r in table.iterrows():
        if r["scope"] != "all futures" and len(table) > 40:
            continue
        ci = f"[{_num(r['ci_low'], True)}, {_num(r['ci_high'], True)}]"
        need = r["pairs_needed"]
        need = "-" if not np.isfinite(need) else f"{int(need)}/{r['needed_per']}"
        lines.append(
            f"{r['output']:<24} {r['policy'] + ' − ' + r['baseline']:<28} "
            f"{r['scope'][:22]:<22} {_num(r['diff'], True):>8} {ci:<20} "
            f"better in {100 * r['share_helps']:3.0f} %  P(improves) "
            f"{r['prob_better']:.2f}  Δ {_num(r['effect_size'], True):>6}  "
            f"var ratio {_num(r['variance_ratio']):>6}  pairs {int(r['pairs'])}  "
            f"need {need}")
    return lines


def forest(table: pd.DataFrame, out: str):
    """Paired differences with 95 % intervals: one row per policy (and per scenario)."""
    from matplotlib.figure import Figure

    part = table[table["output"] == out].head(MAX_FOREST_ROWS)
    fig = Figure(figsize=(7.5, 1.2 + 0.35 * len(part)), layout="constrained")
    ax = fig.add_subplot()
    y = np.arange(len(part))[::-1]
    overall = (part["scope"] == "all futures").to_numpy()
    ax.errorbar(part["diff"], y, xerr=[part["diff"] - part["ci_low"],
                                       part["ci_high"] - part["diff"]],
                fmt="none", ecolor="grey", capsize=3)
    ax.scatter(part["diff"][overall], y[overall], marker="D", color="black", zorder=3,
               label="all futures")
    ax.scatter(part["diff"][~overall], y[~overall], marker="o", color="tab:blue", zorder=3,
               label="one base scenario")
    ax.axvline(0, color="black", linewidth=0.8)
    labels = [f"{p} − {b}: {s}" for p, b, s in zip(part["policy"], part["baseline"],
                                                    part["scope"], strict=True)]
    ax.set_yticks(y, labels, fontsize=8)
    better = part["better"].iloc[0] if len(part) else ""
    hint = f" ({better} is better)" if better else ""
    ax.set(xlabel=f"difference in {out}{hint}",
           title=f"{out}: each policy against the baseline (paired, 95 % CI)")
    ax.legend(fontsize=7, loc="best")
    return fig


def parse_detect(items: list[str] | None) -> dict[str, float]:
    from sim.scenario import ScenarioError

    out = {}
    for text in items or []:
        key, sep, value = text.partition("=")
        try:
            out[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not key.strip():
            raise ScenarioError(f"--detect {text}: expected OUTPUT=EFFECT, e.g. "
                                f"contracts_held=1.0")
    return out


def write_comparison(exp: Experiment, outputs: list[str], folder: Path,
                     baseline: str | None = None,
                     detect: dict[str, float] | None = None) -> tuple[list[str], pd.DataFrame]:
    """contrasts.csv, robustness.csv and one forest figure per outcome; the report section."""
    setup = Setup.of(exp, baseline)
    for key in detect or {}:
        if key not in outputs:
            from sim.batch.spec import SpecError

            raise SpecError(f"{exp.store.root}: --detect {key}: not an analysed output "
                            f"({', '.join(outputs)})")
    table = contrasts(exp, outputs, baseline, detect)
    robust = robustness(exp, outputs, baseline)
    (folder / "figures").mkdir(parents=True, exist_ok=True)
    table.to_csv(folder / "contrasts.csv", index=False)
    robust.to_csv(folder / "robustness.csv", index=False)
    lines = ["## Policies against the baseline", "",
             f"Baseline `{setup.baseline}`; policies: " +
             "; ".join(f"`{p}` ({lever_text(setup, p)})" for p in setup.policies[1:]) + ".",
             ""]
    for out in exp.numeric(outputs):
        part = table[table["output"] == out]
        if part.empty:
            continue
        lines += [f"### `{out}`", ""]
        for _, row in part[part["scope"] == "all futures"].iterrows():
            lines += [*(s + "\n" for s in sentences(row, setup, exp))]
        name = f"contrast_{out}.png"
        forest(table, out).savefig(folder / "figures" / name, dpi=110)
        lines += [f"![{out}: paired differences](figures/{name})", "",
                  f"*{out}: each policy minus the baseline, mean paired difference and 95 % "
                  f"CI, over all futures and per base scenario.*", ""]
        cols = ["policy", "scope", "pairs", "baseline_mean", "policy_mean", "diff", "ci_low",
                "ci_high", "share_helps", "prob_better", "effect_size", "variance_ratio",
                "pairs_needed"]
        lines += [_md(part[cols]), ""]
        rb = robust[robust["output"] == out] if not robust.empty else robust
        if not rb.empty:
            lines += [f"Robustness across {int(rb['futures'].iloc[0])} futures (each policy's "
                      f"mean over replications per future; regret = shortfall from the best "
                      f"policy in that future):", "",
                      _md(rb[["policy", "mean", "mean_regret", "max_regret", "share_best"]]),
                      ""]
    lines += [provenance_line(exp), ""]
    return lines, table


def _md(frame: pd.DataFrame) -> str:
    return md_table(frame)
