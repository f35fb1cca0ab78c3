"""Experiment specs, designs and the runs table with its seeds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.batch.designs import build_design
from sim.batch.runs import RunContext, execute, runs_table, seed_of, tasks
from sim.batch.spec import SpecError, load_spec
from sim.cli import main
from sim.scenario import bundled_dir

from .batch_helpers import ishigami_ranges, ishigami_spec, small_mutual_spec


@pytest.mark.parametrize("path", sorted(bundled_dir("experiments").glob("*.toml")),
                         ids=lambda p: p.stem)
def test_bundled_experiments_are_valid_and_say_what_they_show(path):
    spec = load_spec(path)
    assert spec.title and len(spec.description) > 40
    assert build_design(spec).size > 1


BAD_SPECS = [
    ("[experiment]\ndesign='grid'\nseed=1\noutputs=['active_share']\nreplicates=3\n"
     "[vary.'membership.staff.promotion']\nvalues=[0.1]",
     "experiment.replicates: unknown key — did you mean 'replications'?"),
    ("[experiment]\ndesign='grid'\nseed=1\noutputs=['active_share']\n"
     "[vary.'membership.staff.promotoin']\nvalues=[0.1]",
     "vary.membership.staff.promotoin: unknown parameter — did you mean "
     "'membership.staff.promotion'?"),
    ("[experiment]\ndesign='lhs'\nsamples=8\nseed=1\noutputs=['active_share']\n"
     "[vary.'membership.staff.promotion']\nrange=[0.0, 1.5]",
     "vary.membership.staff.promotion.range: 1.5 is out of range 0 – 1"),
    ("[experiment]\ndesign='grid'\nseed=1\noutputs=['active_share']\n"
     "[vary.'membership.staff.promotion']\nrange=[0.0, 1.0]",
     "vary.membership.staff.promotion: a grid needs levels = N"),
    ("[experiment]\ndesign='sobol'\nsamples=100\nseed=1\noutputs=['active_share']\n"
     "[vary.'membership.staff.promotion']\nrange=[0.0, 1.0]",
     "experiment.samples: Sobol' samples must be a power of two (e.g. 128), got 100"),
    ("[experiment]\ndesign='grid'\noutputs=['active_share']\n"
     "[vary.'membership.staff.promotion']\nvalues=[0.1]",
     "experiment.seed: required"),
    ("[experiment]\ndesign='grid'\nseed=1\noutputs=['activ_share']\n"
     "[vary.'membership.staff.promotion']\nvalues=[0.1]",
     "experiment.outputs: 'activ_share' is not an output of the model — did you mean "
     "'active_share'?"),
    ("[experiment]\ndesign='grid'\nseed=1\noutputs=['active_share']\n"
     "[vary.'membership.staff.rule']\nvalues=['opt_in', 'opt-out']",
     "vary.membership.staff.rule.values: 'opt-out' is not one of"),
    ("[experiment]\ndesign='grid'\nseed=1\noutputs=['active_share']\n"
     "[vary.'membership.staff.rule']\nrange=[0, 1]",
     "vary.membership.staff.rule.range: opt_in | opt_out | automatic | none is not numeric"),
    ("[experiment]\ndesign='grid'\nseed=1\noutputs=['active_share']\n[set]\n"
     "'organisation.staff'=3\n[vary.'membership.staff.promotion']\nvalues=[0.1]",
     "set.organisation.staff: 3 is out of range 5 – 100000"),
    ("[experiment]\ndesign='grid'\nseed=1\nmodel='sim.nowhere:run'\noutputs=['y']\n"
     "[vary.x]\nvalues=[1]",
     "experiment.model: 'sim.nowhere:run' is not a known model"),
    ("[experiment\ndesign='grid'", "malformed TOML"),
]


@pytest.mark.parametrize("text, message", BAD_SPECS)
def test_bad_spec_is_one_line_naming_file_and_key(tmp_path, capsys, text, message):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(SpecError) as err:
        load_spec(path)
    assert str(err.value).startswith(f"{path}: ")
    assert message in str(err.value)
    assert main(["sweep", str(path), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    stderr = capsys.readouterr().err
    assert stderr.count("\n") == 1 and message in stderr
    assert not (tmp_path / "out").exists()  # nothing written for a bad spec


def test_grid_is_the_full_product_of_levels(tmp_path):
    spec = load_spec(small_mutual_spec(tmp_path, levels=3))
    design = build_design(spec)
    assert design.size == 2 * 3
    assert set(design.table["membership.staff.promotion"]) == {0.0, 0.5, 1.0}
    assert design.settings(5) == {"membership.staff.rule": "opt_out",
                                  "membership.staff.promotion": 1.0}


def test_latin_hypercube_puts_one_point_in_each_stratum(tmp_path):
    body = ishigami_ranges() + "\n[vary.months]\nrange = [1, 12]"
    with pytest.raises(SpecError, match="experiment.months"):
        load_spec(ishigami_spec(tmp_path, "lhs", body, extra="samples = 12"))
    spec = load_spec(ishigami_spec(tmp_path, "lhs", ishigami_ranges(), extra="samples = 12"))
    unit = build_design(spec).unit
    for j in range(3):
        assert sorted((unit[:, j] * 12).astype(int)) == list(range(12))


def test_sampled_designs_map_discrete_and_whole_number_factors(tmp_path):
    spec_path = tmp_path / "mixed.toml"
    spec_path.write_text("""
[experiment]
design = "lhs"
samples = 400
seed = 3
outputs = ["active_share"]
[vary."membership.staff.rule"]
values = ["opt_in", "opt_out"]
[vary."organisation.sites"]
range = [1, 4]
""")
    table = build_design(load_spec(spec_path)).table
    assert table["membership.staff.rule"].value_counts().to_dict() == {"opt_in": 200,
                                                                       "opt_out": 200}
    assert table["organisation.sites"].value_counts().to_dict() == {1: 100, 2: 100, 3: 100,
                                                                    4: 100}


def test_runs_table_records_seeds_and_any_run_can_be_rederived_alone(tmp_path):
    spec = load_spec(small_mutual_spec(tmp_path, replications=3))
    design = build_design(spec)
    runs = runs_table(spec, design)
    assert list(runs["run_id"]) == list(range(12))
    assert list(runs["spawn_key"]) == list(range(12))  # independent streams by default
    assert (runs["root_entropy"] == 7).all()
    assert list(runs["replication"][:4]) == [0, 1, 2, 0]

    row = runs.iloc[7]
    from sim.simulate import run

    alone = run("base", seed=np.random.SeedSequence(int(row["root_entropy"]),
                                                    spawn_key=(int(row["spawn_key"]),)),
                months=spec.months, overrides={**spec.fixed, **design.settings(
                    int(row["design_row"]))})
    context = RunContext.of(spec, spec.model_ref.resolve_scenario(spec.scenario))
    task = next(tasks(runs, design, iter([7])))
    record = execute(context, task)
    assert record["status"] == "ok"
    assert record["final"] == {k: alone.final[k] for k in spec.outputs}
    assert seed_of(7, 7).spawn_key == (7,)


def test_common_random_numbers_share_streams_across_settings(tmp_path):
    path = small_mutual_spec(tmp_path, replications=3)
    path.write_text(path.read_text().replace("seed = 7", "seed = 7\ncommon_random_numbers = true"))
    spec = load_spec(path)
    runs = runs_table(spec, build_design(spec))
    assert (runs["spawn_key"] == runs["replication"]).all()
    pd.testing.assert_series_equal(runs.groupby("design_row")["spawn_key"].apply(list),
                                   pd.Series([[0, 1, 2]] * 4, name="spawn_key",
                                             index=pd.Index(range(4), name="design_row")))
