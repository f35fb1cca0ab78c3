"""What a calibration writes beside its runs: the posterior, figures, a report, a calibrated
scenario file and the posterior draws a policy sweep can run over.

Files in the calibration directory::

    posterior.parquet        the final population: one row per particle, the parameter values,
                             weight, distance and each target's statistic
    generations.csv          per generation: ε, candidates, accepted, acceptance, ESS, runs
    ranked.parquet           (lhs) every candidate, best first
    marginals.png            prior and posterior of each parameter
    pairs.png                the particles two parameters at a time
    report.md                the report (acceptance and ESS, binding targets, identification)
    calibrated.toml          a scenario: the base scenario + the posterior medians, provenance
    posterior_draws.csv      draws from the posterior (resampled by weight), one per row
    posterior_sweep.toml     an experiment spec running those draws (mutualsim sweep)
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.batch.store import Store, _atomic_bytes, now, provenance

IDENTIFIED, WEAK = 0.5, 0.8   # posterior / prior 90 % interval width: below → identified, weak
DRAWS = 40                    # posterior draws written for a policy sweep


def write_outputs(result) -> None:
    out, spec = result.out, result.spec
    if not any(g.complete for g in result.generations):
        raise RuntimeError(f"{out}: no generation completed within the budget")
    post = _natural(result.posterior, spec)
    Store._write_parquet(out / "posterior.parquet", post)
    pd.DataFrame([g.record() for g in result.generations]).to_csv(out / "generations.csv",
                                                                  index=False)
    if result.ranked is not None:
        Store._write_parquet(out / "ranked.parquet", _natural(result.ranked, spec))
    summary = parameter_summary(post, spec)
    binding = target_summary(result)
    _figures(result, post)
    _calibrated_scenario(result, summary)
    _posterior_sweep(result, post)
    text = _report(result, post, summary, binding)
    _atomic_bytes(out / "report.md", text.encode())
    info = {"finished": now(), "runs": result.runs, "run_seconds": result.run_seconds,
            "stop_reason": result.stop_reason, "provenance": provenance()}
    _atomic_bytes(out / "result.json", (json.dumps(info, indent=2) + "\n").encode())


def _natural(frame: pd.DataFrame, spec) -> pd.DataFrame:
    """Columns in reading order; the parameters at the values runs got."""
    first = ["candidate", *spec.keys, "weight", "distance"]
    rest = [c for c in frame.columns if c not in first]
    return frame[[c for c in first if c in frame] + rest].reset_index(drop=True)


def weighted_quantile(x: np.ndarray, w: np.ndarray, q) -> np.ndarray:
    """Quantiles of a weighted sample (the midpoint rule on the cumulative weights)."""
    order = np.argsort(x, kind="stable")
    x, w = np.asarray(x, float)[order], np.asarray(w, float)[order]
    cw = (np.cumsum(w) - 0.5 * w) / w.sum()
    return np.interp(q, cw, x)


def interval_levels(n: float, level: float = 0.9) -> tuple[float, float]:
    """Quantile levels of a central ``level`` interval from a sample of ``n`` draws (the
    effective sample size, for a weighted sample) that contains a further draw from the same
    distribution with probability at least ``level``.

    The plain 5 % and 95 % sample quantiles of n draws cover a further draw only with
    probability about 0.9 n / (n + 1) (88 % for 50 particles): between the j-th smallest and
    the j-th largest of n draws a further draw falls with probability (n + 1 − 2j) / (n + 1),
    so j = floor((1 − level) / 2 × (n + 1)), whose levels on the midpoint rule of
    :func:`weighted_quantile` are (j − ½) / n and 1 − (j − ½) / n. Under 19 draws no j ≥ 1
    exists: the whole sample's range is returned (levels 0 and 1), and it is still short of
    ``level`` — the report says when the sample is that small. This is the finite-sample
    effect blind recovery measured (docs/calibration.md, "Blind recovery")."""
    j = math.floor((1 - level) / 2 * (n + 1))
    if j < 1:
        return 0.0, 1.0
    q = (j - 0.5) / n
    return q, 1 - q


def interval_text(ess: float) -> str:
    lo, hi = interval_levels(ess)
    if lo == 0.0:
        return (f"the particles' whole range: with an effective sample size of {ess:.0f} "
                f"(under 19) no narrower interval covers a further posterior draw 90 % of "
                f"the time, and even this one does less often")
    return (f"between the weighted {100 * lo:.1f} % and {100 * hi:.1f} % quantiles, which "
            f"at an effective sample size of {ess:.0f} cover a further posterior draw at "
            f"least 90 % of the time (plain 5-95 % quantiles of a finite sample cover less)")


def effective_size(w: np.ndarray) -> float:
    """Kish's effective sample size of importance weights."""
    w = np.asarray(w, float)
    return float(w.sum() ** 2 / max((w ** 2).sum(), 1e-300))


def parameter_summary(post: pd.DataFrame, spec) -> pd.DataFrame:
    """Per parameter: posterior median, mean, 90 % interval, and how far the patterns narrow it
    (ratio of the 90 % interval widths on the prior's scale: posterior / prior)."""
    rows = []
    w = post["weight"].to_numpy()
    q_lo, q_hi = interval_levels(effective_size(w))
    for p in spec.priors:
        z = post[f"z:{p.key}"].to_numpy()
        zq = weighted_quantile(z, w, [q_lo, 0.5, q_hi])
        zlo, zhi = p.z_bounds
        ratio = (zq[2] - zq[0]) / (0.9 * (zhi - zlo))
        rows.append({"parameter": p.key, "scale": p.scale, "prior_low": p.low,
                     "prior_high": p.high, "median": float(p.from_z(zq[1])),
                     "mean": float(np.average(post[p.key].to_numpy(float), weights=w)),
                     "q05": float(p.from_z(zq[0])), "q95": float(p.from_z(zq[2])),
                     "width_ratio": float(ratio),
                     "identified": "identified" if ratio < IDENTIFIED else
                     "weakly" if ratio < WEAK else "not identified"})
    return pd.DataFrame(rows)


def target_summary(result) -> pd.DataFrame:
    """Per target: share of generation 0 (prior draws) inside its range, share of the final
    population inside, and how often it is the target furthest out (binding)."""
    spec = result.spec
    prior = _first_candidates(result)
    post = result.posterior
    dev = np.column_stack([np.abs(post[f"stat:{t.name}"] - t.centre) / t.half_width
                           for t in spec.targets])
    worst = np.argmax(dev, axis=1) if len(dev) else np.array([], dtype=int)
    w = post["weight"].to_numpy()
    rows = []
    for k, t in enumerate(spec.targets):
        s_prior = prior[f"stat:{t.name}"].to_numpy(float)
        ok_prior = (s_prior >= t.low) & (s_prior <= t.high) & ~prior["failed"].to_numpy()
        s = post[f"stat:{t.name}"].to_numpy(float)
        rows.append({"target": t.name + (f" ({t.pattern})" if t.pattern else ""),
                     "statistic": t.text, "target_range": t.target_text,
                     "prior_pass": float(ok_prior.mean()) if len(prior) else math.nan,
                     "posterior_pass": float(np.sum(w * ((s >= t.low) & (s <= t.high)))),
                     "posterior_median": float(weighted_quantile(s, w, 0.5)),
                     "binding": float(np.sum(w * (worst == k)))})
    return pd.DataFrame(rows)


def _first_candidates(result) -> pd.DataFrame:
    if result.ranked is not None:
        return result.ranked
    frames = [pd.read_parquet(p) for p in sorted((result.out / "gen-000").glob(
        "batch-*/candidates.parquet"))]
    return pd.concat(frames, ignore_index=True)


# --- figures -------------------------------------------------------------------------------------

def _figures(result, post: pd.DataFrame) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    spec, out = result.spec, result.out
    priors = spec.priors
    w = post["weight"].to_numpy()
    cols = min(3, len(priors))
    rows = math.ceil(len(priors) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    for ax, p in zip(axes.flat, priors, strict=False):
        z = post[f"z:{p.key}"].to_numpy()
        lo, hi = p.z_bounds
        bins = np.linspace(lo, hi, 26)
        ax.hist(z, bins=bins, weights=w, density=True, color="#3b75af", alpha=0.8,
                label="posterior")
        ax.axhline(1.0 / (hi - lo), color="0.4", ls="--", lw=1, label="prior")
        ax.set_title(_short(p.key), fontsize=9)
        ax.set_xlabel(f"log({_short(p.key)})" if p.scale == "log" else _short(p.key),
                      fontsize=8)
        ax.tick_params(labelsize=7)
    for ax in list(axes.flat)[len(priors):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.suptitle(_wrapped(f"{spec.title or spec.name}: marginal posteriors", 4 * cols),
                 fontsize=10)
    fig.tight_layout()
    fig.savefig(out / "marginals.png", dpi=110)
    plt.close(fig)

    d = len(priors)
    fig, axes = plt.subplots(d, d, figsize=(2.2 * d + 1, 2.2 * d + 1), squeeze=False)
    size = 4 + 40 * w / w.max()
    for i, pi in enumerate(priors):
        for j, pj in enumerate(priors):
            ax = axes[i, j]
            zi, zj = post[f"z:{pi.key}"].to_numpy(), post[f"z:{pj.key}"].to_numpy()
            if i == j:
                ax.hist(zi, bins=20, range=pi.z_bounds, weights=w, color="#3b75af")
            elif i > j:
                ax.scatter(zj, zi, s=size, alpha=0.4, color="#3b75af", lw=0)
                ax.set_xlim(pj.z_bounds)
                ax.set_ylim(pi.z_bounds)
            else:
                ax.axis("off")
                continue
            ax.tick_params(labelsize=6)
            if i == d - 1:
                ax.set_xlabel(_short(pj.key), fontsize=7)
            if j == 0 and i > 0:
                ax.set_ylabel(_short(pi.key), fontsize=7)
    fig.suptitle(_wrapped(f"{spec.title or spec.name}: pairwise posterior (prior's scale)",
                          2.2 * d + 1), fontsize=10)
    fig.tight_layout()
    fig.savefig(out / "pairs.png", dpi=100)
    plt.close(fig)


def _wrapped(title: str, inches: float, points: float = 10) -> str:
    """A figure title broken into lines that fit the figure's width (a 10-point character is
    about 5.5 points wide; 72 points an inch), so a long spec title is not cut off."""
    import textwrap
    return "\n".join(textwrap.wrap(title, max(20, int(inches * 72 / (0.55 * points)))))


def _short(key: str) -> str:
    parts = key.split(".")
    return ".".join(parts[-2:]) if len(parts) > 2 else key


# --- files for using the result ------------------------------------------------------------------

def _calibrated_scenario(result, summary: pd.DataFrame) -> None:
    spec, out = result.spec, result.out
    if spec.model != "sim.simulate:run":  # a scenario file only means something for ours
        return
    g = result.final
    base = spec.scenario
    if base.endswith(".toml") or "/" in base:
        base = str(Path(base).resolve())
    lines = [
        f"# Calibrated by `mutualsim calibrate {spec.path.name}` ({spec.method}), {now()}.",
        f"# Posterior medians of {len(g.population)} particles of generation {g.index} "
        f"(ε = {g.epsilon:.3g}, ESS {g.ess:.0f}); {result.runs} runs.",
        f"# Seed {spec.seed}; git commit {provenance().get('git_commit')}; "
        f"the full posterior is posterior.parquet beside this file.",
        "# The medians are taken one parameter at a time: they need not be a jointly likely "
        "point.",
        f'extends = "{base}"', "",
    ]
    for key, value in spec.fixed.items():
        lines.append(f'"{key}" = {_toml_value(value)}  # fixed in the calibration spec')
    for row in summary.itertuples():
        p = next(q for q in spec.priors if q.key == row.parameter)
        value = p.value(float(p.to_z(row.median)))
        lines.append(f'"{row.parameter}" = {_toml_value(value)}  # 90 % interval '
                     f'{row.q05:.4g} – {row.q95:.4g}, {row.identified}')
    lines += [
        "", "[about]",
        f'title = "{_toml_text(spec.title or spec.name)} (calibrated)"',
        f'description = "Posterior medians from mutualsim calibrate {spec.path.name}, seed '
        f'{spec.seed}, generation {g.index}, epsilon {g.epsilon:.3g}."']
    _atomic_bytes(out / "calibrated.toml", ("\n".join(lines) + "\n").encode())


def _posterior_sweep(result, post: pd.DataFrame) -> None:
    spec, out = result.spec, result.out
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(2,)))
    w = post["weight"].to_numpy()
    picks = rng.choice(len(post), size=DRAWS, p=w / w.sum())  # with replacement
    draws = post.iloc[picks][spec.keys].reset_index(drop=True)
    draws.to_csv(out / "posterior_draws.csv", index=False)
    if spec.model != "sim.simulate:run":
        return
    base = spec.scenario
    if base.endswith(".toml") or "/" in base:
        base = str(Path(base).resolve())
    outputs = sorted({t.output for t in spec.targets if t.output})
    text = "\n".join([
        f"# Runs the base scenario at {len(draws)} draws from the posterior of "
        f"{spec.path.name}, so a",
        "# comparison carries the parameter uncertainty. To compare policies, add e.g.",
        '#   [vary."membership.staff.rule"]',
        '#   values = ["opt_in", "opt_out"]',
        "# (crossed with every draw), then `mutualsim sweep` this file and `mutualsim analyze`.",
        "[experiment]",
        f'title = "{_toml_text(spec.title or spec.name)}: posterior draws"',
        f'scenario = "{base}"', 'design = "draws"', 'draws = "posterior_draws.csv"',
        "replications = 2", f"seed = {spec.seed}",
        *([f"months = {spec.months}"] if spec.months else []),
        f"outputs = {json.dumps(outputs)}", "",
        *(["[set]  # fixed in the calibration spec"]
          + [f'"{k}" = {_toml_value(v)}' for k, v in spec.fixed.items()] + [""]
          if spec.fixed else [])])
    _atomic_bytes(out / "posterior_sweep.toml", text.encode())


def _toml_text(s: str) -> str:
    return s.replace("\\", "\\\\").replace('"', '\\"')


def _toml_value(v) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, str):
        return f'"{_toml_text(v)}"'
    if isinstance(v, float):
        return repr(float(f"{v:.6g}"))
    return str(v)


# --- the report ----------------------------------------------------------------------------------

def _report(result, post, summary, binding) -> str:
    spec = result.spec
    g = result.final
    gens = pd.DataFrame([x.record() for x in result.generations])
    lines = [f"# Calibration: {spec.title or spec.name}", ""]
    if spec.description:
        lines += [spec.description, ""]
    lines += [
        f"- **Spec**: `{spec.path.name}`; method **{spec.method}**; seed {spec.seed}; "
        f"base scenario `{Path(spec.scenario).name}`"
        + (f", {spec.months} months" if spec.months else ""),
        "- **Fixed**: " + (", ".join(f"`{k}` = {v}" for k, v in spec.fixed.items()) or "none"),
        f"- **Replications** per candidate and target scenario: {spec.min_replications}"
        + (f"–{spec.max_replications}, adding runs until each statistic's standard error is "
           f"below {spec.precision:g} × its tolerance" if spec.max_replications >
           spec.min_replications else ""),
        f"- **Result**: {result.stop_reason}.",
        f"- **Cost**: {result.runs} runs, {result.run_seconds / 3600:.3f} run-hours (each "
        f"run's wall time, summed: an upper bound on its core-hours, reached on an idle "
        f"machine); "
        f"{result.elapsed_s:.0f} s wall clock in the last session.",
        "- **Distance**: the largest of |statistic − centre| / half-width over the targets "
        "(≤ 1: every target in its range); a candidate with a failed run is infeasible.", "",
        "## Generations", "",
        "| generation | ε | candidates | accepted | acceptance | ESS | runs |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in gens.itertuples():
        eps = "∞" if math.isinf(r.epsilon) else f"{r.epsilon:.3g}"
        note = "" if r.complete else " (abandoned)"
        lines.append(f"| {r.generation}{note} | {eps} | {r.candidates} | {r.accepted} | "
                     f"{100 * r.acceptance:.1f} % | {r.ess:.0f} | {r.runs} |")
    lines += ["", "## Parameters", "",
              f"Posterior of generation {g.index} ({len(post)} particles, ESS {g.ess:.0f}). "
              f"The 90 % interval is {interval_text(g.ess)}. "
              f"*Width ratio*: the 90 % posterior interval's width over the prior's, on the "
              f"prior's scale; below {IDENTIFIED} the targets **identify** the parameter, "
              f"{IDENTIFIED}–{WEAK} weakly, above {WEAK} they do not (the posterior is "
              f"close to the prior).", "",
              "| parameter | prior | median | 90 % interval | width ratio | identified |",
              "|---|---|---|---|---|---|"]
    for r in summary.itertuples():
        prior = f"{'log-' if r.scale == 'log' else ''}U({r.prior_low:g}, {r.prior_high:g})"
        lines.append(f"| `{r.parameter}` | {prior} | {r.median:.4g} | {r.q05:.4g} – "
                     f"{r.q95:.4g} | {r.width_ratio:.2f} | {r.identified} |")
    lines += ["", "## Targets", "",
              "*Prior pass*: share of generation 0 (draws from the prior) inside the range; "
              "*posterior pass*: weighted share of the final particles inside; *binding*: "
              "weighted share of final particles for which this target is the furthest out "
              "(the target that sets the distance). A target that every prior draw already "
              "passes does not constrain the parameters.", "",
              "| target | statistic | range | prior pass | posterior median | posterior pass "
              "| binding |", "|---|---|---|---|---|---|---|"]
    for r in binding.itertuples():
        lines.append(f"| {r.target} | {r.statistic} | {r.target_range} | "
                     f"{100 * r.prior_pass:.0f} % | {r.posterior_median:.4g} | "
                     f"{100 * r.posterior_pass:.0f} % | {100 * r.binding:.0f} % |")
    patterns = [t for t in spec.targets if t.pattern]
    if patterns:
        lines += ["", "### The patterns these targets stand for", "",
                  "Each is one of the pattern's per-run statistics (sim/patterns.py, "
                  "RunStatistic), computed by the function the pattern's own measure uses, on "
                  "the pattern's scenario and overrides with this spec's fixed values and "
                  "horizon (listed above). The pattern's pass rule is a verdict over many "
                  "seeds; here each candidate's statistic is the mean over its replications. "
                  "Once fitted here, a pattern is **calibrated**, not emergent: "
                  "report it so.", ""]
        for t in patterns:
            ov = ", ".join(f"`{k}` = {v}" for k, v in t.overrides.items()) or "none"
            lines.append(f"- **{t.pattern}** ({t.name}): {t.pattern_text}. Runs: "
                         f"`{t.scenario or spec.scenario}`, the pattern group's overrides "
                         f"{ov} (these win over the fixed values above), at the horizon above")
    lines += ["", "## Figures", "", "![marginals](marginals.png)", "", "![pairs](pairs.png)",
              "", "## Files", "",
              "`posterior.parquet` (particles), `generations.csv`, `calibrated.toml` (a "
              "scenario at the posterior medians), `posterior_draws.csv` and "
              "`posterior_sweep.toml` (run a comparison over posterior draws), `gen-*/` (every "
              "run, in the batch store's format).", ""]
    return "\n".join(lines)
