"""ABC-SMC on the batch engine (and the cheap mode: Latin hypercube, reject, rank).

**Distance.** Each target k has an acceptable range with centre c_k and half-width h_k; a
candidate's statistic s_k is the mean over its replications. The distance is
``max_k |s_k − c_k| / h_k``: at most 1 exactly when every target is inside its range. A
candidate with a failed run (or a statistic that cannot be computed) has distance ∞ and is
never accepted: infeasible, not a crash.

**ABC-SMC** (Toni et al. 2009; Beaumont et al. 2009, weights and kernel). Generation 0
samples the prior (a Latin hypercube on the scale the prior is uniform on: linear, or log).
Generation t ≥ 1 sets ε_t = max(1, the ``quantile`` (weighted) of generation t−1's
distances), proposes from the previous population moved by a Gaussian kernel with twice its
weighted covariance (proposals outside the prior's box are redrawn), and keeps the first
``population`` candidates in proposal order with distance ≤ ε_t, weighted
``prior / Σ_j W_j K(θ | θ_j)``. Candidates are proposed and evaluated in fixed batches, each
from its own seeded stream, so which candidates are accepted depends on the seed and the
results only: never on timing, worker count or an interruption. It stops when

- ε reached 1 (every target in range: this generation is the posterior),
- ``generations`` generations have been run, or the next would pass ``max_runs``,
- a generation's acceptance rate fell below ``min_acceptance`` (tightening further costs
  more than it can buy), or a generation could not fill its population within
  ``population / min_acceptance`` candidates or the run budget (it is abandoned, and the
  last full generation is the result, with its ε said in the report).

**Resume.** Every batch is an experiment directory of the batch store; a finished batch
writes ``candidates.parquet``, a finished generation ``population.parquet``. Re-running reads
what is finished, re-derives the proposals of the rest from the seed, and runs only the runs
not yet stored, so a killed and resumed calibration equals an uninterrupted one.
"""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.batch.executors import open_pool
from sim.batch.store import (
    Store,
    StoreError,
    _atomic_bytes,
    _first_difference,
    _jsonable,
    now,
    provenance,
)
from sim.calibration.runs import entropy, evaluate_batch, resolve_scenarios
from sim.calibration.spec import CalibrationSpec

FORMAT = "mutualsim-calibration/1"


@dataclass
class Generation:
    index: int
    epsilon: float
    population: pd.DataFrame        # accepted particles: z columns, values, stats, weight
    candidates: int                 # proposals evaluated
    runs: int
    run_seconds: float
    complete: bool = True           # False: abandoned (budget or acceptance), not used

    @property
    def acceptance(self) -> float:
        return len(self.population) / self.candidates if self.candidates else 0.0

    @property
    def ess(self) -> float:
        if "weight" not in self.population:   # an abandoned generation that accepted none
            return 0.0
        w = self.population["weight"].to_numpy()
        return float(w.sum() ** 2 / (w ** 2).sum()) if len(w) else 0.0

    def record(self) -> dict:
        return {"generation": self.index, "epsilon": self.epsilon,
                "candidates": self.candidates, "accepted": len(self.population),
                "acceptance": self.acceptance, "ess": self.ess, "runs": self.runs,
                "run_seconds": self.run_seconds, "complete": self.complete}


@dataclass
class Calibration:
    spec: CalibrationSpec
    out: Path
    generations: list[Generation] = field(default_factory=list)
    stop_reason: str = ""
    elapsed_s: float = 0.0
    ranked: pd.DataFrame | None = None     # lhs mode: every candidate, best first

    @property
    def final(self) -> Generation:
        return [g for g in self.generations if g.complete][-1]

    @property
    def posterior(self) -> pd.DataFrame:
        return self.final.population

    @property
    def runs(self) -> int:
        return sum(g.runs for g in self.generations)

    @property
    def run_seconds(self) -> float:
        return sum(g.run_seconds for g in self.generations)

    def line(self) -> str:
        g = self.final
        return (f"{self.out}: {self.spec.method}, {len(self.generations)} generation(s), "
                f"{self.runs} runs ({self.run_seconds / 3600:.3f} run-hours), final ε = "
                f"{g.epsilon:.3g}, {len(g.population)} particles (ESS {g.ess:.0f}); "
                f"{self.stop_reason}")


def calibrate(spec: CalibrationSpec, out: str | Path, executor: str = "process",
              workers: int | None = None, scheduler: str | None = None,
              progress: bool | None = False, log=print,
              report_only: bool = False) -> Calibration:
    """Run (or resume) the calibration ``spec`` into ``out``; write posterior and report.

    ``report_only``: run nothing; write the outputs from the generations finished so far
    (stopping early by hand; re-running without it continues the calibration)."""
    out = Path(out)
    scenarios = resolve_scenarios(spec)
    _open(out, spec, scenarios)
    result = Calibration(spec, out)
    started = time.monotonic()
    if report_only:
        with _lock(out):
            _finished(spec, out, result, log)
    else:
        _run(spec, out, executor, workers, scheduler, scenarios, result, progress, log)
    result.elapsed_s = time.monotonic() - started
    from sim.calibration.report import write_outputs

    write_outputs(result)
    return result


def _finished(spec, out, result, log) -> None:
    if spec.method == "lhs":
        raise StoreError(f"{out}: --report-only applies to abc-smc (an lhs run is one batch)")
    t = 0
    while (out / f"gen-{t:03d}" / "population.parquet").is_file():
        gen = _generation(spec, out, None, None, t, None, None, None, None, 0, False)
        result.generations.append(gen)
        t += 1
    if not any(g.complete for g in result.generations):
        raise StoreError(f"{out}: no generation has finished yet; nothing to report")
    last = [g for g in result.generations if g.complete][-1]
    if last.epsilon <= 1.0:             # it had converged: re-running would add nothing
        result.stop_reason = (f"converged: every target within its range (ε = 1), generation "
                              f"{last.index} (outputs re-written with --report-only)")
        return
    result.stop_reason = (f"stopped by hand after generation {len(result.generations) - 1} "
                          f"(--report-only); the posterior is generation {last.index}'s, at "
                          f"ε = {last.epsilon:.3g}; re-running without --report-only continues")


def _run(spec, out, executor, workers, scheduler, scenarios, result, progress, log) -> None:
    with _lock(out), open_pool(executor, workers, scheduler) as pool:
        if spec.method == "lhs":
            _lhs(spec, out, pool, scenarios, result, progress)
        else:
            _smc(spec, out, pool, scenarios, result, progress, log)


# --- the two methods -----------------------------------------------------------------------------

def _smc(spec, out, pool, scenarios, result, progress, log) -> None:
    lo, hi = _bounds(spec)
    previous: Generation | None = None
    for t in range(spec.generations):
        if spec.max_runs is not None and result.runs >= spec.max_runs:
            result.stop_reason = f"run budget ({spec.max_runs}) spent"
            return
        eps = math.inf if previous is None else max(1.0, _weighted_quantile(
            previous.population["distance"].to_numpy(), previous.population["weight"].to_numpy(),
            spec.quantile))
        gen = _generation(spec, out, pool, scenarios, t, eps, previous, lo, hi, result.runs,
                          progress)
        result.generations.append(gen)
        log(f"generation {t}: ε = {eps:.3g}, {len(gen.population)}/{gen.candidates} accepted "
            f"({100 * gen.acceptance:.1f} %), ESS {gen.ess:.0f}, {gen.runs} runs"
            + ("" if gen.complete else " — abandoned"))
        if not gen.complete:
            result.stop_reason = (f"generation {t} abandoned (could not fill the population "
                                  f"within the run budget or the acceptance floor); the "
                                  f"posterior is generation {previous.index}'s, at ε = "
                                  f"{previous.epsilon:.3g}")
            return
        previous = gen
        if eps <= 1.0:
            result.stop_reason = "converged: every target within its range (ε = 1)"
            return
        if t > 0 and gen.acceptance < spec.min_acceptance:
            result.stop_reason = (f"acceptance {100 * gen.acceptance:.1f} % fell below "
                                  f"min_acceptance; stopped at ε = {eps:.3g} (not every "
                                  f"target is within its range)")
            return
    result.stop_reason = (f"generation budget ({spec.generations}) spent at ε = "
                          f"{previous.epsilon:.3g}"
                          + ("" if previous.epsilon <= 1 else " (not every target is within "
                                                             "its range)"))


def _generation(spec, out, pool, scenarios, t, eps, previous, lo, hi, runs_before,
                progress) -> Generation:
    gdir = out / f"gen-{t:03d}"
    done = gdir / "population.parquet"
    if done.is_file():
        info = json.loads((gdir / "generation.json").read_text())
        return Generation(t, info["epsilon"], pd.read_parquet(done), info["candidates"],
                          info["runs"], info["run_seconds"], info["complete"])
    n, batch = spec.population, spec.batch_size
    max_candidates = math.inf if t == 0 or spec.min_acceptance == 0 else \
        math.ceil(n / spec.min_acceptance)
    accepted, candidates, runs, seconds, b = [], 0, 0, 0.0, 0
    complete = True
    while sum(len(a) for a in accepted) < n:
        if candidates >= max_candidates or (spec.max_runs is not None
                                            and runs_before + runs >= spec.max_runs):
            complete = False
            break
        rng = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(0, t, b)))
        z = _lhs_unit(rng, batch, len(lo)) * (hi - lo) + lo if previous is None else \
            _propose(rng, previous, batch, lo, hi)
        frame = _frame(spec, z)
        res = evaluate_batch(spec, gdir / f"batch-{b:03d}", frame, entropy(spec.seed, 1, t, b),
                             pool, scenarios, f"generation {t} batch {b}", progress)
        table = res.table
        table.insert(0, "candidate", candidates + np.arange(len(table)))
        table["generation"], table["batch"] = t, b
        table["log_weight"] = 0.0 if previous is None else _log_weights(z, previous, lo, hi)
        ok = table[(table["distance"] <= eps) & ~table["failed"]]
        accepted.append(ok.head(n - sum(len(a) for a in accepted)))
        candidates += len(table)
        runs += res.runs
        seconds += res.seconds
        b += 1
    population = pd.concat(accepted, ignore_index=True) if accepted else pd.DataFrame()
    if complete:  # candidates counted up to the last accepted one, as a sequential sampler
        last = population["candidate"].iloc[-1]
        candidates = int(last) + 1
        lw = population["log_weight"].to_numpy()
        w = np.exp(lw - lw.max())
        population["weight"] = w / w.sum()
    gen = Generation(t, eps, population, candidates, runs, seconds, complete)
    info = {k: v for k, v in gen.record().items() if k not in ("accepted", "acceptance", "ess")}
    _atomic_bytes(gdir / "generation.json", (json.dumps(_jsonable(info)) + "\n").encode())
    Store._write_parquet(done, population)
    return gen


def _lhs(spec, out, pool, scenarios, result, progress) -> None:
    gdir = out / "gen-000"
    lo, hi = _bounds(spec)
    rng = np.random.default_rng(np.random.SeedSequence(spec.seed, spawn_key=(0, 0, 0)))
    z = _lhs_unit(rng, spec.samples, len(lo)) * (hi - lo) + lo
    res = evaluate_batch(spec, gdir / "batch-000", _frame(spec, z), entropy(spec.seed, 1, 0, 0),
                         pool, scenarios, "Latin hypercube", progress)
    table = res.table
    table.insert(0, "candidate", np.arange(len(table)))
    table["generation"], table["batch"], table["log_weight"] = 0, 0, 0.0
    ranked = table.sort_values(["distance", "candidate"], kind="stable", ignore_index=True)
    ranked.insert(1, "rank", np.arange(1, len(ranked) + 1))
    result.ranked = ranked
    inside = ranked[ranked["distance"] <= 1.0]
    if len(inside):
        population, eps = inside.copy(), 1.0
        result.stop_reason = (f"{len(inside)} of {len(ranked)} Latin-hypercube candidates "
                              f"put every target in range (rejection ABC at ε = 1)")
    else:
        population = ranked.head(spec.keep).copy()
        eps = float(population["distance"].max())
        result.stop_reason = (f"no candidate put every target in range; the best "
                              f"{len(population)} are kept (ε = {eps:.3g}): a ranking, not a "
                              f"posterior")
    population["weight"] = 1.0 / len(population)
    result.generations.append(Generation(0, eps, population.reset_index(drop=True),
                                         len(ranked), res.runs, res.seconds))


# --- sampling ------------------------------------------------------------------------------------

def _bounds(spec: CalibrationSpec) -> tuple[np.ndarray, np.ndarray]:
    b = np.array([p.z_bounds for p in spec.priors], dtype=float)
    return b[:, 0], b[:, 1]


def _lhs_unit(rng: np.random.Generator, n: int, d: int) -> np.ndarray:
    from scipy.stats import qmc

    return qmc.LatinHypercube(d=d, rng=rng).random(n)


def _frame(spec: CalibrationSpec, z: np.ndarray) -> pd.DataFrame:
    """Candidates: the value each run gets per parameter, and z (the prior's scale)."""
    data = {}
    for j, p in enumerate(spec.priors):
        data[p.key] = [p.value(x) for x in z[:, j]]
    for j, p in enumerate(spec.priors):
        data[f"z:{p.key}"] = z[:, j]
    return pd.DataFrame(data)


def _z(population: pd.DataFrame) -> np.ndarray:
    return population[[c for c in population.columns if c.startswith("z:")]].to_numpy(float)


def _kernel(previous: Generation, lo, hi) -> np.ndarray:
    """Twice the weighted covariance of the previous population (Beaumont et al. 2009)."""
    z, w = _z(previous.population), previous.population["weight"].to_numpy()
    cov = np.atleast_2d(np.cov(z, rowvar=False, aweights=w, ddof=0)) * 2.0
    return cov + np.diag(((hi - lo) * 1e-6) ** 2)  # never singular (one distinct value)


def _propose(rng, previous: Generation, size: int, lo, hi) -> np.ndarray:
    z, w = _z(previous.population), previous.population["weight"].to_numpy()
    chol = np.linalg.cholesky(_kernel(previous, lo, hi))
    out: list[np.ndarray] = []
    have = 0
    while have < size:
        parents = rng.choice(len(z), size=size, p=w / w.sum())
        moved = z[parents] + rng.standard_normal((size, len(lo))) @ chol.T
        inside = moved[((moved >= lo) & (moved <= hi)).all(axis=1)]
        out.append(inside[: size - have])
        have += len(out[-1])
    return np.concatenate(out)


def _log_weights(z_new: np.ndarray, previous: Generation, lo, hi) -> np.ndarray:
    """log(prior / proposal density), up to a constant shared by the whole generation (the
    prior is uniform on the box, and the kernel's normalising constant is the same for all)."""
    z, w = _z(previous.population), previous.population["weight"].to_numpy()
    chol = np.linalg.cholesky(_kernel(previous, lo, hi))
    diff = z_new[:, None, :] - z[None, :, :]                      # (new, old, d)
    sol = np.linalg.solve(chol, diff.reshape(-1, z.shape[1]).T).T.reshape(diff.shape)
    log_k = -0.5 * (sol ** 2).sum(axis=2)
    return -_logsumexp(log_k + np.log(w / w.sum())[None, :], axis=1)


def _logsumexp(a: np.ndarray, axis: int) -> np.ndarray:
    m = a.max(axis=axis, keepdims=True)
    return (m + np.log(np.exp(a - m).sum(axis=axis, keepdims=True))).squeeze(axis)


def _weighted_quantile(x: np.ndarray, w: np.ndarray, q: float) -> float:
    order = np.argsort(x, kind="stable")
    cw = np.cumsum(w[order]) / w.sum()
    return float(x[order][min(np.searchsorted(cw, q), len(x) - 1)])


# --- the output directory ------------------------------------------------------------------------

def _open(out: Path, spec: CalibrationSpec, scenarios) -> None:
    from sim.batch.models import scenario_record

    manifest = {"format": FORMAT, "calibration": spec.name, "spec_file": str(spec.path),
                "spec": spec.canonical(),
                "base_scenarios": [scenario_record(s) for s in scenarios]}
    path = out / "manifest.json"
    if path.is_file():
        old = json.loads(path.read_text())
        if old.get("format") != FORMAT:
            raise StoreError(f"{out}: manifest.json is not a {FORMAT} manifest")
        where = _first_difference(old.get("spec"), _jsonable(manifest["spec"]))
        if where is not None:
            raise StoreError(f"{out}: holds a different calibration (spec {where}); use a new "
                             f"--out directory or the spec it was started with")
        where = _first_difference(old.get("base_scenarios"),
                                  _jsonable(manifest["base_scenarios"]))
        if where is not None:
            raise StoreError(f"{out}: a base scenario has changed since this calibration "
                             f"started ({where}); use a new --out directory")
        return
    if out.exists() and any(out.iterdir()):
        raise StoreError(f"{out}: exists and is not a calibration directory (no "
                         f"manifest.json); choose a new --out")
    out.mkdir(parents=True, exist_ok=True)
    _atomic_bytes(out / "spec.toml", spec.path.read_bytes())
    manifest.update(created=now(), provenance=provenance(),
                    seeding={"root": spec.seed,
                             "proposals": "numpy.random.SeedSequence(seed, spawn_key=(0, "
                                          "generation, batch))",
                             "runs": "SeedSequence(entropy(seed, 1, generation, batch), "
                                     "spawn_key=(run_id,)); entropy in each batch's "
                                     "manifest"})
    _atomic_bytes(path, (json.dumps(_jsonable(manifest), indent=2) + "\n").encode())


class _lock:
    def __init__(self, out: Path):
        self.out = out

    def __enter__(self):
        import fcntl

        self.handle = open(self.out / ".lock", "a+")
        try:
            fcntl.flock(self.handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.handle.close()
            raise StoreError(f"{self.out}: another calibration is writing to this directory") \
                from None

    def __exit__(self, *exc):
        self.handle.close()
