"""`mutualsim calibrate`: ABC-SMC against a known posterior, kill and resume, failed runs as
infeasible, adaptive replications, the cheap mode, its files, and bad specs in one line."""

import math
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from sim.calibration import calibrate, load_calibration
from sim.calibration.report import weighted_quantile
from sim.cli import main

from .conftest import ROOT

TOY = ROOT / "calibrations" / "toy_gaussian.toml"


def _toy_spec(path, body="", population=60, generations=3, tolerance=0.5, model_set="",
              **calibration):
    extra = "".join(f"{k} = {v!r}\n".replace("'", '"') for k, v in calibration.items())
    path.write_text(
        "[calibration]\nmodel = \"sim.calibration.toymodels:gaussian\"\nseed = 3\n"
        f"population = {population}\ngenerations = {generations}\n{extra}"
        f"[set]\n{model_set}\n"
        "[parameters.mu]\nrange = [-10.0, 10.0]\n"
        f"[[targets]]\nname = \"sample mean\"\noutput = \"mean\"\nvalue = 2.0\n"
        f"tolerance = {tolerance}\n{body}")
    return path


def test_gaussian_mean_posterior_matches_the_analytic_one(tmp_path):
    """The bundled toy (mean of 25 draws from N(mu, 25) observed at 2 ± 0.25, flat prior on
    [-10, 10]): the ABC posterior has density ∝ Φ(2.25 − mu) − Φ(1.75 − mu), mean 2 and sd
    1.010 (the exact posterior, N(2, 1), widened by the tolerance). Tolerances are Monte Carlo
    errors at the population's effective sample size: mean within 4 standard errors, sd within
    4 standard errors of an sd, the weighted CDF within the 1 % Kolmogorov-Smirnov bound."""
    result = calibrate(load_calibration(TOY), tmp_path / "toy", executor="serial",
                       log=lambda _: None)
    assert result.final.epsilon == 1.0, result.stop_reason
    post = pd.read_parquet(tmp_path / "toy" / "posterior.parquet")
    mu, w = post["mu"].to_numpy(), post["weight"].to_numpy()
    ess = w.sum() ** 2 / (w ** 2).sum()
    assert ess >= 150, ess
    grid = np.linspace(-10, 10, 20001)
    dens = norm.cdf(2.25 - grid) - norm.cdf(1.75 - grid)
    cdf = np.cumsum(dens) / dens.sum()
    a_mean = np.sum(grid * dens) / dens.sum()
    a_sd = math.sqrt(np.sum((grid - a_mean) ** 2 * dens) / dens.sum())
    assert abs(a_sd - 1.010) < 0.001  # the analytic answer itself
    mean = np.average(mu, weights=w)
    sd = math.sqrt(np.average((mu - mean) ** 2, weights=w))
    assert abs(mean - a_mean) <= 4 * a_sd / math.sqrt(ess), (mean, a_mean, ess)
    assert abs(sd - a_sd) <= 4 * a_sd / math.sqrt(2 * ess), (sd, a_sd, ess)
    order = np.argsort(mu)
    ecdf = np.cumsum(w[order]) / w.sum()
    ks = np.max(np.abs(ecdf - np.interp(mu[order], grid, cdf)))
    assert ks <= 1.63 / math.sqrt(ess), (ks, ess)
    # the files a user reads
    gens = pd.read_csv(tmp_path / "toy" / "generations.csv")
    assert list(gens["generation"]) == list(range(len(gens))) and gens["ess"].min() > 100
    assert (tmp_path / "toy" / "marginals.png").stat().st_size > 5000
    report = (tmp_path / "toy" / "report.md").read_text()
    assert "| `mu` |" in report and "identified" in report and "ESS" in report


def _cli(*args):
    return [sys.executable, "-m", "sim", "calibrate", *map(str, args)]


def test_sigkill_mid_generation_then_resume_equals_an_uninterrupted_run(tmp_path):
    spec = _toy_spec(tmp_path / "slow.toml", model_set="delay = 0.004", generations=3)
    whole = calibrate(load_calibration(spec), tmp_path / "whole", executor="serial",
                      log=lambda _: None)
    out = tmp_path / "killed"
    proc = subprocess.Popen(_cli(spec, "--out", out, "--executor", "serial", "--quiet"),
                            cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 120
    parts = out / "gen-001" / "batch-000" / "status"
    while not (parts.is_dir() and any(parts.glob("part-*.parquet"))):
        assert proc.poll() is None, proc.stderr.read().decode()
        assert time.monotonic() < deadline
        time.sleep(0.02)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert not (out / "gen-001" / "population.parquet").exists(), "the kill must land mid-way"
    assert not (out / "posterior.parquet").exists()
    resumed = subprocess.run(_cli(spec, "--out", out, "--executor", "process", "--workers",
                                  "2", "--quiet"), cwd=ROOT, capture_output=True, text=True,
                             timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    a = pd.read_parquet(tmp_path / "whole" / "posterior.parquet").drop(columns="run_seconds")
    b = pd.read_parquet(out / "posterior.parquet").drop(columns="run_seconds")
    pd.testing.assert_frame_equal(a, b)
    assert len(whole.generations) == 3


def test_failed_runs_are_infeasible_and_replications_follow_the_noise(tmp_path):
    """Runs with mu < 0 raise: those candidates are kept as failed, never accepted. The
    target on one noisy draw (sd 5) against a tolerance of 4 asks for up to 8 replications
    (standard error ≤ 0.5 × 4 needs 25/4 → 7): the precise target on the mean needs one."""
    spec = _toy_spec(tmp_path / "fail.toml", method="lhs", samples=40, keep=10,
                     model_set="fail_below = 0.0",
                     body="[[targets]]\nname = \"first draw\"\noutput = \"first\"\n"
                          "value = 2.0\ntolerance = 4.0\n"
                          "[replications]\nmin = 2\nmax = 8\nprecision = 0.5\n")
    result = calibrate(load_calibration(spec), tmp_path / "lhs", executor="serial",
                       log=lambda _: None)
    ranked = pd.read_parquet(tmp_path / "lhs" / "ranked.parquet")
    assert len(ranked) == 40 and list(ranked["rank"]) == list(range(1, 41))
    failed = ranked[ranked["mu"] < 0]
    assert len(failed) > 5 and failed["failed"].all() and np.isinf(failed["distance"]).all()
    assert (result.posterior["mu"] >= 0).all()
    ok = ranked[~ranked["failed"]]
    assert ok["replications"].max() > 2 and ok["replications"].max() <= 8
    assert (ok["replications"] >= 2).all()
    # each candidate's sd of the noisy statistic is of the order of the model's (sd 5)
    assert 2.5 < ok["sd:first draw"].median() < 8, ok["sd:first draw"].median()


def test_a_calibration_of_the_mutual_model_writes_a_scenario_and_a_posterior_sweep(
        tmp_path, capsys):
    spec = tmp_path / "tiny.toml"
    spec.write_text("""
[calibration]
scenario = "opt_in"
method = "lhs"
seed = 5
months = 12
samples = 4
keep = 2
[set]
"organisation.staff" = 20
"organisation.users" = 50
[parameters."membership.staff.promotion"]
range = [0.0, 1.0]
[parameters."membership.staff.base_join_rate"]
range = [0.0001, 0.01]
scale = "log"
[[targets]]
output = "staff_membership_rate"
stat = "max"
range = [0.0, 0.05]
""")
    assert main(["calibrate", str(spec), "--out", str(tmp_path / "o"), "--executor",
                 "serial", "--quiet"]) == 0
    from sim.batch.spec import load_spec
    from sim.scenario import load_scenario

    scenario = load_scenario(tmp_path / "o" / "calibrated.toml")
    post = pd.read_parquet(tmp_path / "o" / "posterior.parquet")
    median = weighted_quantile(post["membership.staff.promotion"].to_numpy(),
                               post["weight"].to_numpy(), 0.5)
    assert scenario["membership.staff.promotion"] == pytest.approx(median, rel=1e-4)
    assert scenario["organisation.staff"] == 20
    sweep = load_spec(tmp_path / "o" / "posterior_sweep.toml")
    assert sweep.design == "draws" and len(sweep.draws["rows"]) == 40


BAD = [
    ("[calibration]\nseed = 1\n", "parameters"),
    ("[calibration]\nseed = 1\nmethod = \"abc\"\n", "calibration.method"),
    ("[calibration]\n[parameters.\"membership.staff.promotion\"]\nrange = [0.0, 1.0]\n",
     "calibration.seed"),
    ("[calibration]\nseed = 1\n[parameters.\"membership.staff.promotoin\"]\nrange = [0, 1]\n",
     "parameters.membership.staff.promotoin"),
    ("[calibration]\nseed = 1\n[parameters.\"membership.staff.promotion\"]\nrange = [0, 3]\n",
     "parameters.membership.staff.promotion.range"),
    ("[calibration]\nseed = 1\n[parameters.\"membership.staff.promotion\"]\nrange = [0, 1]\n"
     "scale = \"log\"\n", "parameters.membership.staff.promotion.range"),
    ("[calibration]\nseed = 1\n[parameters.\"membership.staff.rule\"]\nrange = [0, 1]\n",
     "parameters.membership.staff.rule"),
    ("[calibration]\nseed = 1\n[parameters.\"membership.staff.promotion\"]\nrange = [0, 1]\n",
     "targets"),
    ("[calibration]\nseed = 1\n[parameters.\"membership.staff.promotion\"]\nrange = [0, 1]\n"
     "[[targets]]\noutput = \"staff_membership\"\nrange = [0, 1]\n", "targets[0].output"),
    ("[calibration]\nseed = 1\n[parameters.\"membership.staff.promotion\"]\nrange = [0, 1]\n"
     "[[targets]]\noutput = \"active_share\"\nvalue = 0.2\n", "targets[0].tolerance"),
    ("[calibration]\nseed = 1\n[parameters.\"membership.staff.promotion\"]\nrange = [0, 1]\n"
     "[[targets]]\noutput = \"active_share\"\nrange = [0.3, 0.1]\n", "targets[0].range"),
    ("[calibration]\nseed = 1\n[parameters.\"membership.staff.promotion\"]\nrange = [0, 1]\n"
     "[[targets]]\noutput = \"active_share\"\nrange = [0, 1]\nmonths = [5, 2]\n",
     "targets[0].months"),
    ("[calibration]\nseed = 1\n[parameters.\"membership.staff.promotion\"]\nrange = [0, 1]\n"
     "[[targets]]\noutput = \"active_share\"\nrange = [0, 1]\nstat = \"median\"\n",
     "targets[0].stat"),
    ("[calibration]\nseed = 1\npopulaton = 5\n", "calibration.populaton"),
    ("[calibration]\nseed = 1\n[replications]\nmin = 3\nmax = 2\n", "replications.max"),
    ("[calibration]\nseed = 1\n[parameters.\"membership.staff.promotion\"]\nrange = [0, 1]\n"
     "[[targets]]\npattern = \"P1\"\nstatistic = \"settled\"\nrange = [0.7, 0.9]\n",
     "targets[0].range"),
    ("[calibration]\nseed = 1\n[parameters.\"membership.staff.promotion\"]\nrange = [0, 1]\n"
     "[[targets]]\npattern = \"P1\"\noutput = \"staff_membership_rate\"\n", "targets[0].output"),
    ("[calibration]\nseed = 1\n[parameters.\"membership.staff.promotion\"]\nrange = [0, 1]\n"
     "[[targets]]\npattern = \"P1\"\n", "targets[0].statistic"),
    ("[calibration]\nseed = 1\n[parameters.\"membership.staff.promotion\"]\nrange = [0, 1]\n"
     "[[targets]]\npattern = \"P1\"\nstatistic = \"setled\"\n", "targets[0].statistic"),
    ("[calibration]\nseed = 1\n[parameters.\"membership.staff.promotion\"]\nrange = [0, 1]\n"
     "[[targets]]\npattern = \"P3\"\n", "targets[0].pattern"),
    ("[calibration]\nseed = 1\n[parameters.\"membership.staff.promotion\"]\nrange = [0, 1]\n"
     "[[targets]]\npattern = \"P99\"\n", "targets[0].pattern"),
    ("[calibration]\nseed = 1\n[parameters.\"membership.staff.promotion\"]\nrange = [0, 1]\n"
     "[[targets]]\noutput = \"active_share\"\nrange = [0, 1]\nstatistic = \"settled\"\n",
     "targets[0].statistic"),
    ("[calibration\nseed = 1\n", "malformed TOML"),
]


@pytest.mark.parametrize("text,key", BAD, ids=[k for _, k in BAD])
def test_bad_specs_stop_with_one_line_naming_file_and_key(tmp_path, capsys, text, key):
    spec = tmp_path / "bad.toml"
    spec.write_text(text)
    assert main(["calibrate", str(spec), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and str(spec) in err and key in err, err
    assert not (tmp_path / "o").exists()


def test_a_directory_of_another_calibration_is_refused_in_one_line(tmp_path, capsys):
    a = _toy_spec(tmp_path / "a.toml", population=10, generations=1)
    assert main(["calibrate", str(a), "--out", str(tmp_path / "o"), "--executor", "serial",
                 "--quiet"]) == 0
    assert main(["calibrate", str(a), "--out", str(tmp_path / "o"), "--report-only",
                 "--quiet"]) == 0  # outputs from the finished generations, nothing run
    b = _toy_spec(tmp_path / "a.toml", population=12, generations=1)
    assert main(["calibrate", str(b), "--out", str(tmp_path / "o"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "different calibration" in err and "population" in err


def test_a_draws_design_with_a_bad_table_stops_in_one_line(tmp_path, capsys):
    (tmp_path / "draws.csv").write_text("membership.staff.promotion,membership.staff.peer\n"
                                        "0.2,1.0\n")
    spec = tmp_path / "sweep.toml"
    spec.write_text("[experiment]\nscenario = \"base\"\ndesign = \"draws\"\n"
                    "draws = \"draws.csv\"\nseed = 1\noutputs = [\"active_share\"]\n")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "membership.staff.peer" in err and str(spec) in err, err
    (tmp_path / "draws.csv").write_text("membership.staff.promotion\n3.0\n")
    assert main(["sweep", str(spec), "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "row 1" in err and "promotion" in err, err
    assert not (tmp_path / "o").exists()


def test_a_pattern_target_is_the_patterns_own_statistic(tmp_path):
    """A target naming a pattern runs the pattern group's scenario and overrides and reduces
    the run with the pattern's extractor and function (sim.patterns.RunStatistic), the ones
    its measure uses: the worker's number equals the pattern's on the same seeded run."""
    from sim import patterns, simulate
    from sim.batch.runs import RunTask, seed_of
    from sim.calibration.runs import CalibrationContext, execute, resolve_scenarios

    spec_file = tmp_path / "p.toml"
    spec_file.write_text("""
[calibration]
scenario = "base"
seed = 5
months = 40
[set]
"organisation.staff" = 30
"organisation.users" = 50
[parameters."membership.staff.base_join_rate"]
range = [0.0001, 0.01]
scale = "log"
[[targets]]
pattern = "P2"
statistic = "peak"
[[targets]]
pattern = "P1"
statistic = "settled"
[[targets]]
pattern = "P1"
statistic = "opt-outs"
""")
    spec = load_calibration(spec_file)
    assert [t.scenario for t in spec.targets] == ["opt_in", "opt_out", "opt_out"]
    assert len(spec.settings()) == 2          # P1's two statistics share their runs
    p2 = spec.targets[0]
    assert (p2.low, p2.high) == (0.0, 0.05) and p2.pattern_statistic == "peak"
    scenarios = resolve_scenarios(spec)
    by_setting = tuple(tuple(t for t in spec.targets if spec.setting_of(t) == s)
                       for s in range(2))
    context = CalibrationContext(spec.model, tuple((sc, ov) for sc, (_, ov) in
                                                   zip(scenarios, spec.settings(), strict=True)),
                                 by_setting, spec.months, dict(spec.fixed), 1234, 2)
    theta = {"membership.staff.base_join_rate": 0.004}
    for setting, run_id in ((0, 0), (1, 2)):
        record = execute(context, RunTask(run_id, theta, run_id))
        assert record["status"] == "ok", record.get("error")
        result = simulate.run(scenarios[setting], seed=seed_of(1234, run_id), months=40,
                              overrides={**spec.fixed, **theta}, keep_model=True)
        extracted = patterns.EXTRACTORS["standard"](result)
        for t in by_setting[setting]:
            rs = next(r for r in patterns.BY_ID[t.pattern].run_statistics
                      if r.name == t.pattern_statistic)
            expected = rs.fn(extracted)
            assert record["final"][t.name] == pytest.approx(expected, nan_ok=True), t.name
    assert np.isfinite(record["final"]["P1 settled"])


def test_finite_sample_interval_levels_cover_a_further_draw():
    """interval_levels: with n draws, the interval between the j-th smallest and largest
    (j = floor(0.05 (n + 1))) holds a further draw with probability (n + 1 − 2j)/(n + 1) >= 90 %;
    the plain 5-95 % quantiles of 50 draws hold it only ~88 % of the time (4,000 repeats)."""
    from sim.calibration.report import interval_levels

    assert interval_levels(10) == (0.0, 1.0)
    rng = np.random.default_rng(1)

    def quantiles(rows, qs):  # weighted_quantile with equal weights, row by row
        srt = np.sort(rows, axis=1)
        pos = np.clip(np.asarray(qs) * rows.shape[1] - 0.5, 0, rows.shape[1] - 1)
        low = np.floor(pos).astype(int)
        frac = pos - low
        high = np.minimum(low + 1, rows.shape[1] - 1)
        return srt[:, low] * (1 - frac) + srt[:, high] * frac

    x = rng.normal(size=(5, 3))
    assert np.allclose(quantiles(x, [0.2, 0.7])[1], weighted_quantile(x[1], np.ones(3),
                                                                      [0.2, 0.7]))
    for n in (19, 50, 200):
        x = rng.normal(size=(4000, n + 1))
        q, p = quantiles(x[:, :n], interval_levels(n)), quantiles(x[:, :n], [0.05, 0.95])
        cover = np.mean((q[:, 0] <= x[:, n]) & (x[:, n] <= q[:, 1]))
        plain = np.mean((p[:, 0] <= x[:, n]) & (x[:, n] <= p[:, 1]))
        exact = (n + 1 - 2 * math.floor(0.05 * (n + 1))) / (n + 1)
        assert exact >= 0.9
        assert abs(cover - exact) < 4 * math.sqrt(exact * (1 - exact) / 4000), (n, cover)
        if n == 50:
            assert plain < 0.895, plain


def test_output_targets_run_in_sweep_mode_with_the_full_runs_statistics(tmp_path):
    """Targets that read only outputs run in sweep mode (docs/ODD.md §8: only their series
    computed each month); each statistic equals the one from a full DataCollector run of the
    same seed. Pattern targets still run in full (they read the model's state)."""
    from sim import simulate
    from sim.batch.runs import RunTask, seed_of
    from sim.calibration.runs import CalibrationContext, execute, resolve_scenarios, sweep_arguments
    from sim.calibration.targets import statistics

    spec_file = tmp_path / "s.toml"
    spec_file.write_text("""
[calibration]
scenario = "opt_out"
seed = 5
months = 30
[set]
"organisation.staff" = 30
"organisation.users" = 60
[parameters."membership.staff.opt_out_rate"]
range = [0.00001, 0.01]
[[targets]]
name = "late members"
output = "staff_membership_rate"
stat = "mean"
months = [20, 30]
range = [0.7, 0.8]
[[targets]]
name = "final active"
output = "active_share"
stat = "final"
range = [0.0, 0.2]
[[targets]]
name = "peak users"
output = "user_membership_rate"
stat = "max"
range = [0.0, 0.2]
""")
    spec = load_calibration(spec_file)
    assert sweep_arguments(spec.targets, simulate.run) == {
        "outputs": ["active_share"], "series": ["staff_membership_rate", "user_membership_rate"]}
    (scenario,) = resolve_scenarios(spec)
    context = CalibrationContext(spec.model, ((scenario, spec.settings()[0][1]),),
                                 (tuple(spec.targets),), spec.months, dict(spec.fixed), 99, 2)
    theta = {"membership.staff.opt_out_rate": 0.003}
    record = execute(context, RunTask(1, theta, 1))
    assert record["status"] == "ok", record.get("error")
    full = simulate.run(scenario, seed=seed_of(99, 1), months=30,
                        overrides={**spec.fixed, **theta})
    assert record["final"] == statistics(spec.targets, full)
    assert len(full.timeseries.columns) > 3      # the full run had every column


def test_report_only_on_a_converged_calibration_says_converged(tmp_path):
    """Re-writing the outputs of a calibration that had converged (ε = 1) must not call it
    "stopped by hand": the posterior is final, and re-running would add nothing."""
    spec = _toy_spec(tmp_path / "wide.toml", population=10, generations=4, tolerance=50.0)
    out = tmp_path / "o"
    assert main(["calibrate", str(spec), "--out", str(out), "--executor", "serial",
                 "--quiet"]) == 0
    first = (out / "report.md").read_text()
    assert "converged" in first
    assert main(["calibrate", str(spec), "--out", str(out), "--report-only", "--quiet"]) == 0
    again = (out / "report.md").read_text()
    assert "converged" in again and "stopped by hand" not in again


@pytest.mark.parametrize("path", sorted((ROOT / "calibrations").glob("*.toml")),
                         ids=lambda p: p.name)
def test_every_bundled_calibration_spec_loads_and_names_its_targets(path):
    """A bundled spec that no longer parses (a renamed parameter, a pattern statistic that
    moved) would only be found by running it: each one loads, fits at least one registered
    parameter, and says what each target is."""
    spec = load_calibration(path)
    assert spec.priors and spec.targets
    assert all(t.name for t in spec.targets)
