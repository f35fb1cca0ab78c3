"""Analysis: intervals across replications, Sobol' and Morris indices, figures, report, EMA."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.batch.analysis import Experiment, load_ema, setting_means
from sim.batch.spec import load_spec
from sim.batch.sweep import sweep
from sim.cli import main

from .batch_helpers import ishigami_ranges, ishigami_spec

# Saltelli et al. (2008), Global Sensitivity Analysis: The Primer, for a = 7, b = 0.1
ISHIGAMI_S1 = {"x1": 0.314, "x2": 0.442, "x3": 0.000}
ISHIGAMI_ST = {"x1": 0.558, "x2": 0.442, "x3": 0.244}


def ishigami(x1, x2, x3, a=7.0, b=0.1):
    return np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1)


@pytest.mark.slow
def test_ishigami_sobol_indices_are_reproduced_through_the_whole_path(tmp_path):
    """Spec → Saltelli design → runs on 2 processes → Parquet store → analyze → sobol.csv."""
    spec = ishigami_spec(tmp_path, "sobol", ishigami_ranges(), extra="samples = 1024")
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--workers", "2", "--quiet"]) == 0
    assert main(["analyze", str(out), "--quiet"]) == 0
    table = pd.read_csv(out / "analysis" / "sobol.csv").set_index("parameter")
    # Sampling error: N = 1024 (5,120 runs) gives bootstrap 95 % half-widths of 0.03-0.09;
    # each estimate must sit within its own interval of the published value, and the
    # intervals must be narrower than the gaps between the indices for that to mean something.
    for name in ("x1", "x2", "x3"):
        row = table.loc[name]
        assert row["S1_conf"] < 0.1 and row["ST_conf"] < 0.1
        assert abs(row["S1"] - ISHIGAMI_S1[name]) <= row["S1_conf"], name
        assert abs(row["ST"] - ISHIGAMI_ST[name]) <= row["ST_conf"], name
    assert (out / "analysis" / "figures" / "sobol_y.png").stat().st_size > 10_000


def test_ninety_five_percent_intervals_cover_the_true_mean(tmp_path):
    """Noisy Ishigami: across 40 settings, the replication CIs cover the truth ~95 % of the time."""
    levels = ", ".join(f"{x:.4f}" for x in np.linspace(-3.0, 3.0, 40))
    body = f"[set]\nnoise = 2.0\nx2 = 1.0\nx3 = 2.0\n[vary.x1]\nvalues = [{levels}]"
    spec = load_spec(ishigami_spec(tmp_path, "grid", body, extra="replications = 20"))
    sweep(spec, tmp_path / "out", executor="serial", progress=False)
    means = setting_means(Experiment.open(tmp_path / "out"), ["y"])
    truth = ishigami(means["x1"], 1.0, 2.0)
    assert (means["runs"] == 20).all()
    width = means["y_ci_high"] - means["y_ci_low"]
    # half-width ≈ t(0.975, 19) × 2 / √20 ≈ 0.94
    assert width.between(1.3, 2.5).all()
    covered = ((means["y_ci_low"] <= truth) & (truth <= means["y_ci_high"])).mean()
    assert 0.85 <= covered <= 1.0


def test_yes_no_outputs_are_shares_with_wilson_intervals_and_stay_bool_for_ema(tmp_path):
    """A yes/no output (like core_contract_lost) is analysed as the share of runs: across 30
    settings of noisy Ishigami its 95 % intervals cover the true P(y > 0) about 95 % of the
    time, stay inside 0-1, and EMA gets a boolean outcome to classify on (PRIM)."""
    levels = ", ".join(f"{x:.4f}" for x in np.linspace(-1.5, 1.5, 30))
    body = f"[set]\nnoise = 1.0\nx2 = 0.0\nx3 = 0.0\n[vary.x1]\nvalues = [{levels}]"
    spec = ishigami_spec(tmp_path, "grid", body, extra="replications = 12",
                         outputs=("y", "y_positive"))
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--executor", "serial", "--quiet"]) == 0
    assert main(["analyze", str(out), "--quiet"]) == 0
    means = pd.read_csv(out / "analysis" / "setting_means.csv")
    truth = stats.norm.cdf(np.sin(means["x1"]) / 1.0)  # y = sin x1 + N(0, 1)
    low, high = means["y_positive_ci_low"], means["y_positive_ci_high"]
    assert ((0 <= low) & (high <= 1) & (low <= means["y_positive_mean"])).all()
    assert 0.85 <= ((low <= truth) & (truth <= high)).mean() <= 1.0
    experiments, outcomes = load_ema(out / "analysis" / "ema")
    assert outcomes["y_positive"].dtype == bool
    assert np.allclose(means["y_positive_mean"], pd.Series(outcomes["y_positive"]).groupby(
        experiments["scenario"]).mean())
    assert "figures/response_y_positive.png" in (out / "analysis" / "report.md").read_text()


def test_morris_ranks_an_inert_parameter_at_zero(tmp_path):
    body = ishigami_ranges() + "\n[vary.fail_above]\nrange = [5.0, 10.0]"  # x1 ≤ π never fails
    spec = ishigami_spec(tmp_path, "morris", body, extra="samples = 30")
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--executor", "serial", "--quiet"]) == 0
    assert main(["analyze", str(out), "--quiet"]) == 0
    table = pd.read_csv(out / "analysis" / "morris.csv").set_index("parameter")
    assert table.loc["fail_above", "mu_star"] == 0.0
    assert (table.loc[["x1", "x2", "x3"], "mu_star"] > 1.0).all()
    assert table.loc["x3", "sigma"] > 0  # x3 acts only through its interaction with x1
    assert (out / "analysis" / "figures" / "morris_y.png").is_file()


def test_grid_report_embeds_existing_figures_and_exports_for_ema(tmp_path):
    body = ("[set]\nnoise = 0.5\n[vary.x1]\nvalues = [-1.0, 0.0, 1.0]\n"
            "[vary.x2]\nrange = [0.0, 2.0]\nlevels = 3")
    spec = ishigami_spec(tmp_path, "grid", body,
                         extra="replications = 3\nmonths = 6\ntimeseries = [\"y\"]")
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--executor", "serial", "--quiet"]) == 0
    assert main(["analyze", str(out), "--quiet"]) == 0
    report = (out / "analysis" / "report.md").read_text()
    images = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", report)
    assert {"figures/response_y.png", "figures/heatmap_y.png", "figures/series_y.png"} \
        <= set(images)
    assert all((out / "analysis" / image).stat().st_size > 5_000 for image in images)
    assert "9 settings × 3 replications = 27 runs" in report

    experiments, outcomes = load_ema(out / "analysis" / "ema")
    assert list(experiments.columns) == ["x1", "x2", "scenario", "policy", "model"]
    assert len(experiments) == 27 and outcomes["y"].shape == (27,)
    assert outcomes["y_monthly"].shape == (27, 6)  # months 1-6
    means = pd.read_csv(out / "analysis" / "setting_means.csv")
    assert np.allclose(means["y_mean"], pd.Series(outcomes["y"]).groupby(
        experiments["scenario"]).mean())


def test_analyze_rejects_outputs_not_stored_and_non_experiments(tmp_path, capsys):
    spec = ishigami_spec(tmp_path, "grid", "[vary.x1]\nvalues = [0.0, 1.0]")
    out = tmp_path / "out"
    assert main(["sweep", str(spec), "--out", str(out), "--executor", "serial", "--quiet"]) == 0
    assert main(["analyze", str(out), "--outputs", "z"]) == 2
    assert "--outputs z: not stored by this experiment (stored: y)" in capsys.readouterr().err
    assert main(["analyze", str(tmp_path)]) == 2
    assert "not an experiment directory" in capsys.readouterr().err
