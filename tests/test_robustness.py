"""Robustness: a generated corpus of broken inputs over every input path, damaged stores,
SIGKILLs at random moments, and workers that die with (or without) the sweep.

The contract (README "Bad input", docs/robustness.md): a refused input ends with exactly one
line on stderr that starts ``error:`` and names the file and the key or part, exit code 2, no
traceback, no file that existed changed, and no output created. Every case runs the real
command line in this process (``sim.cli.main(argv)``), so the corpus costs milliseconds a case.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.batch.spec import load_spec
from sim.batch.store import Store
from sim.batch.sweep import sweep
from sim.cli import main

from .batch_helpers import ishigami_spec

ROOT = Path(__file__).resolve().parent.parent
GOOD_SCENARIO = '''extends = "base"
[about]
title = "a good scenario"
[organisation]
staff = 30
users = 100
[membership.staff]
rule = "opt_out"
promotion = 0.5
'''
ISHIGAMI_BODY = "[set]\nnoise = 1.0\n[vary.x1]\nvalues = [0.0, 1.0, 2.0]\n"


# --- the contract ------------------------------------------------------------------------------

def snapshot(*roots: Path) -> dict[str, str]:
    """Every file and folder under the roots, with a digest of each file's bytes."""
    out = {}
    for root in roots:
        if not root.exists():
            continue
        for p in sorted([root, *root.rglob("*")]):
            if p.is_symlink():
                out[str(p)] = "link:" + os.readlink(p)
            elif p.is_dir():
                out[str(p)] = "dir"
            else:
                out[str(p)] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


def refused(capsys, argv: list, watched: list[Path], absent: list[Path] = (),
            names: tuple[str, ...] = ()) -> str:
    """Run ``mutualsim ARGV`` in-process and check the bad-input contract; return the line."""
    before = snapshot(*watched)
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert rc == 2, (argv, rc, err)
    assert len(lines) == 1, (argv, err)
    assert lines[0].startswith("error: "), (argv, err)
    assert "Traceback" not in err and "Traceback" not in out
    for name in names:
        assert name in lines[0], (name, lines[0])
    assert snapshot(*watched) == before, f"{argv}: changed files"
    for path in absent:
        assert not path.exists(), f"{argv}: created {path}"
    return lines[0]


# --- a generated corpus --------------------------------------------------------------------

def _deep(kind: str, n: int) -> str:
    if kind == "tables":
        return "[" + ".".join(["a"] * n) + "]\nx = 1\n"
    if kind == "arrays":
        return "x = " + "[" * n + "]" * n + "\n"
    if kind == "inline":
        return "x = " + "{a = " * n + "1" + "}" * n + "\n"
    raise ValueError(kind)


def scenario_cases(folder: Path, outside: Path) -> list[tuple[str, bytes, tuple[str, ...]]]:
    """(case id, file bytes, fragments the error line must hold)."""
    rng = random.Random(17)
    good = GOOD_SCENARIO.encode()
    cases = [
        ("binary", bytes(rng.randrange(256) for _ in range(400)), ("not UTF-8",)),
        ("latin1", "[about]\ntitle = \"Café\"\n".encode("latin-1"), ("not UTF-8",)),
        ("utf16", GOOD_SCENARIO.encode("utf-16"), ("not UTF-8",)),
        ("nul", b"[organisation]\nstaff = 3\x00\n", ("malformed TOML",)),
        ("too_large", b"# " + b"x" * (1 << 20) + b"\n", ("limit",)),
        ("empty_key", b"= 3\n", ("malformed TOML",)),
        ("extends_number", b"extends = 3\n", ("extends",)),
        ("extends_list", b'extends = ["base"]\n', ("extends",)),
        ("extends_self", b'extends = "self.toml"\n', ("cycle",)),
        ("extends_empty", b'extends = ""\n', ("extends",)),
        ("about_table", b"about = 3\n", ("about",)),
        ("about_unknown", b'[about]\nauthor = "me"\n', ("about.author",)),
        ("about_number", b"[about]\ntitle = 3\n", ("about.title",)),
    ]
    for n in (40, 200, 3000):
        for kind in ("tables", "arrays", "inline"):
            cases.append((f"deep_{kind}_{n}", _deep(kind, n).encode(), ("nested",)))
    for target in ("/etc/passwd", "/proc/self/status", "/etc/hostname", str(outside),
                   "../outside.toml", "sub/../../outside.toml", "../../../../../etc/passwd",
                   "link_out.toml", "notes.txt", "sub", "C:\\\\x.toml"):
        cases.append((f"extends_{target}", f'extends = "{target}"\n'.encode(), ("extends",)))
    values = {"organisation.staff": ['"many"', "-4", "2.5", "true", "[1]", "{a = 1}", "1e400",
                                     "nan", "inf", "99999999999999999999", '""'],
              "membership.staff.rule": ['"optout"', "3", "true", '"OPT_OUT"', "[]"],
              "membership.staff.promotion": ["3.0", "-0.1", '"high"', "nan", "-inf"]}
    for key, options in values.items():
        section, leaf = key.rsplit(".", 1)
        for value in options:
            text = f"[{section}]\n{leaf} = {value}\n"
            cases.append((f"value_{key}={value}", text.encode(), (key,)))
    for key in ("organisation.staf", "membership.staff.rul", "membership.stuff.rule", "zzz",
                "organisation.staff.extra"):
        section, leaf = key.rsplit(".", 1) if "." in key else ("", key)
        head = f"[{section}]\n" if section else ""
        cases.append((f"unknown_{key}", f"{head}{leaf} = 1\n".encode(), (leaf,)))
    import tomllib

    for cut in sorted(rng.sample(range(8, len(good) - 4), 12)):  # truncated files
        text = good[:cut]
        try:
            tomllib.loads(text.decode())
        except tomllib.TOMLDecodeError:  # only the ones that really are broken
            cases.append((f"truncated_{cut}", text, ("malformed TOML",)))
    return cases


def test_corpus_of_broken_scenario_files(tmp_path, capsys):
    """About 70 broken scenario files through `validate` and `run`: one line naming the file,
    exit 2, nothing written; `extends` never opens a file outside the scenario's folder."""
    folder = tmp_path / "scenarios"
    (folder / "sub").mkdir(parents=True)
    (folder / "notes.txt").write_text("not a scenario\n")
    outside = tmp_path / "outside.toml"
    outside.write_text('extends = "base"\nsecret = "do not echo me"\n')
    (folder / "link_out.toml").symlink_to(outside)
    (folder / "sub" / "inner.toml").write_text('extends = "base"\n')
    cases = scenario_cases(folder, outside)
    assert len(cases) >= 60
    out = tmp_path / "out"
    for i, (case, data, names) in enumerate(cases):
        path = folder / ("self.toml" if case == "extends_self" else f"case{i}.toml")
        path.write_bytes(data)
        command = ["validate", path] if i % 2 else ["run", path, "--out", out, "--months", "1",
                                                     "--no-dashboard", "--quiet"]
        line = refused(capsys, command, [folder, outside], [out], (path.name, *names))
        assert "do not echo me" not in line and "root:" not in line, (case, line)
        path.unlink()


def test_extends_stays_inside_the_scenario_folder_but_subfolders_and_bundled_names_work(
        tmp_path, capsys):
    folder = tmp_path / "s"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "parent.toml").write_text('extends = "opt_out"\n[organisation]\nstaff = 40\n')
    child = folder / "child.toml"
    child.write_text('extends = "sub/parent.toml"\n')
    assert main(["validate", str(child)]) == 0
    assert "child.toml <- parent.toml <- opt_out.toml <- base.toml" in capsys.readouterr().out
    child.write_text('extends = "/etc/passwd"\n')
    line = refused(capsys, ["validate", child], [folder], names=("child.toml", "extends",
                                                               "outside the scenario's folder"))
    assert "Expected" not in line  # the other file was never parsed, so nothing of it is shown


def _override_cases() -> list[tuple[str, tuple[str, ...]]]:
    cases = [("novalue", ("key=value",)), ("=3", ("missing key",)),
             ("organisation.staff=-4", ("organisation.staff",)),
             ("organisation.staff=" + "[" * 3000, ("organisation.staff",)),
             ("organisation.staff=" + "[" * 100 + "]" * 100, ("nested",)),
             ("organisation.staff=" + "9" * 20000, ("longer",)),
             ("membership.staff.rul=opt_out", ("did you mean",)),
             ("membership.staff.rule={a=1}", ("membership.staff.rule",)),
             ("months=0", ("months",)), ("months=1e9", ("months",)),
             ("organisation.staff=nan", ("organisation.staff",)),
             ("\x00=1", ("unknown parameter",)),
             ("ünïcödé.kéy=1", ("unknown parameter",)),
             ("membership.staff.promotion=inf", ("out of range",))]
    return cases


def test_corpus_of_bad_flags_and_overrides(tmp_path, capsys):
    afile = tmp_path / "a_file"
    afile.write_text("keep me")
    out = tmp_path / "out"
    watched = [tmp_path]
    n = 0
    for text, names in _override_cases():
        refused(capsys, ["run", "base", "--set", text, "--out", out], watched, [out],
                ("--set", *names))
        n += 1
    flag_cases = [
        (["run", "--months", "0"], ("--months",)), (["run", "--months", "abc"], ("--months",)),
        (["run", "--months", "-3"], ("--months",)), (["run", "--seed", "-1"], ("--seed",)),
        (["run", "--seed", "1.5"], ("--seed",)), (["run", "--bogus"], ("unrecognized",)),
        (["run", "--out"], ("--out",)), (["nonsense"], ("invalid choice",)), ([], ("required",)),
        (["run", "base", "extra"], ("unrecognized",)),
        (["run", "base", "--out", afile], ("--out", "not a folder")),
        (["run", "base", "--out", afile / "sub"], ("--out", "is a file")),
        (["run", "base", "--out", "/proc/self/x"], ("--out",)),
        (["run", "base", "--out", "/sys/kernel/x"], ("--out",)),
        (["run", "base", "--out", "bad\x00name"], ("--out",)),
        (["run", "no/such/file.toml"], ("not found",)), (["run", "opt_ot"], ("did you mean",)),
        (["run", "x" * 5000], ("not a scenario",)),
        (["validate"], ("required",)), (["params", "a", "b"], ("unrecognized",)),
        (["sweep"], ("spec",)), (["sweep", "no_such_spec"], ("no such spec",)),
        (["analyze"], ("required",)), (["analyze", tmp_path / "nothing"], ("not an experiment",)),
        (["analyze", afile], ("not an experiment",)),
        (["viz", "--port", "0"], ("--port",)), (["viz", "--port", "http"], ("--port",)),
    ]
    for argv, names in flag_cases:
        refused(capsys, argv, watched, [out], names)
        n += 1
    assert afile.read_text() == "keep me" and n >= 40


# --- specs ---------------------------------------------------------------------------------------

def _spec_cases(folder: Path) -> list[tuple[str, str, tuple[str, ...]]]:
    head = '[experiment]\nmodel = "sim.batch.testmodels:ishigami"\nseed = 1\noutputs = ["y"]\n'
    grid = head + 'design = "grid"\n'
    x1 = "[vary.x1]\nvalues = [0.0, 1.0]\n"
    marker = folder / "imported.txt"
    (folder / "evil_model.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n"
                                          "def run(*a, **k): pass\n")
    cases = [
        ("model_os", grid.replace("sim.batch.testmodels:ishigami", "os:system") + x1,
         ("experiment.model", "not a known model")),
        ("model_evil", grid.replace("sim.batch.testmodels:ishigami", "evil_model:run") + x1,
         ("experiment.model",)),
        ("model_subprocess", grid.replace("sim.batch.testmodels:ishigami", "subprocess:run")
         + x1, ("experiment.model",)),
        ("model_viz", grid.replace("sim.batch.testmodels:ishigami", "sim.viz.serve:run") + x1,
         ("experiment.model",)),
        ("model_number", grid.replace('"sim.batch.testmodels:ishigami"', "3") + x1,
         ("experiment.model",)),
        ("replications_1e9", grid + "replications = 1000000000\n" + x1, ("limit",)),
        ("levels_1e9", grid + "[vary.x1]\nrange = [0.0, 1.0]\nlevels = 1000000000\n",
         ("limit",)),
        ("grid_product", grid + "".join(f"[vary.{k}]\nrange = [0.0, 1.0]\nlevels = 1000\n"
                                        for k in ("x1", "x2", "x3")), ("limit",)),
        ("lhs_1e9", head + 'design = "lhs"\nsamples = 1000000000\n' + "[vary.x1]\nrange = "
         "[0.0, 1.0]\n", ("limit",)),
        ("sobol_2e30", head + 'design = "sobol"\nsamples = 1073741824\n' + "[vary.x1]\nrange "
         "= [0.0, 1.0]\n", ("limit",)),
        ("morris_1e9", head + 'design = "morris"\nsamples = 1000000000\n' + "[vary.x1]\nrange"
         " = [0.0, 1.0]\n", ("limit",)),
        ("morris_levels", head + 'design = "morris"\nsamples = 4\nmorris_levels = 1000000000\n'
         "[vary.x1]\nrange = [0.0, 1.0]\n", ("morris_levels",)),
        ("scenario_passwd", grid.replace("[experiment]\n", '[experiment]\nscenario = '
                                         '"/etc/passwd"\n') + x1, ("experiment.scenario",)),
        ("scenario_up", grid.replace("[experiment]\n", '[experiment]\nscenario = '
                                     '"../x.toml"\n') + x1, ("experiment.scenario",)),
        ("scenario_missing", grid.replace("[experiment]\n", '[experiment]\nscenario = '
                                          '"nope.toml"\n') + x1, ("experiment.scenario",)),
        ("seed_negative", grid.replace("seed = 1", "seed = -1") + x1, ("experiment.seed",)),
        ("seed_huge", grid.replace("seed = 1", "seed = 18446744073709551616") + x1,
         ("experiment.seed",)),
        ("no_seed", grid.replace("seed = 1\n", "") + x1, ("experiment.seed",)),
        ("outputs_unknown", grid.replace('["y"]', '["z"]') + x1, ("experiment.outputs",)),
        ("outputs_table", grid.replace('["y"]', "{a = 1}") + x1, ("experiment.outputs",)),
        ("design_unknown", head + 'design = "full"\n' + x1, ("experiment.design",)),
        ("vary_empty", grid, ("vary",)), ("vary_unknown", grid + "[vary.x9]\nvalues = [1.0]\n",
                                          ("vary.x9",)),
        ("vary_out_of_range", grid + "[vary.x1]\nvalues = [99.0]\n", ("vary.x1",)),
        ("vary_both", grid + "[vary.x1]\nvalues = [0.0]\nrange = [0.0, 1.0]\n", ("vary.x1",)),
        ("range_reversed", grid + "[vary.x1]\nrange = [1.0, 0.0]\nlevels = 3\n", ("vary.x1",)),
        ("unknown_table", grid + x1 + "[extra]\na = 1\n", ("extra",)),
        ("deep", grid + x1 + _deep("inline", 3000).replace("x =", "[set]\nz ="), ("nested",)),
        ("deep_tables", _deep("tables", 500), ("nested",)),
    ]
    return cases


def test_corpus_of_broken_specs(tmp_path, capsys):
    """Broken specs through `sweep`: one line naming the spec and key, exit 2, no directory
    created, no module of the spec's choosing imported, no design allocated."""
    folder = tmp_path / "specs"
    folder.mkdir()
    cases = _spec_cases(folder)
    sys.path.insert(0, str(folder))
    try:
        out = tmp_path / "out"
        for i, (_case, text, names) in enumerate(cases):
            path = folder / f"spec{i}.toml"
            path.write_text(text)
            refused(capsys, ["sweep", path, "--out", out, "--executor", "serial", "--quiet"],
                    [folder], [out], (path.name, *names))
        for i, data in enumerate([b"\xff\xfe[\x00e\x00", "[experiment]\ntitle = 'Café'\n"
                                  .encode("latin-1"), bytes(range(256))]):
            path = folder / f"enc{i}.toml"
            path.write_bytes(data)
            refused(capsys, ["sweep", path, "--out", out], [folder], [out],
                    (path.name, "not UTF-8"))
        assert not (folder / "imported.txt").exists(), "the spec imported a module"
        assert "evil_model" not in sys.modules
    finally:
        sys.path.remove(str(folder))
    spec = ishigami_spec(folder, "grid", ISHIGAMI_BODY)
    afile = tmp_path / "afile"
    afile.write_text("x")
    sweep_flags = [
        (["--out", afile], ("--out",)), (["--out", afile / "sub"], ("--out",)),
        (["--out", "/proc/self/x"], ("--out",)), (["--workers", "0"], ("--workers",)),
        (["--retries", "-1"], ("--retries",)), (["--chunk-size", "0"], ("--chunk-size",)),
        (["--executor", "gpu"], ("--executor",)), (["--flush-every", "x"], ("--flush-every",)),
        (["--scheduler", "tcp://127.0.0.1:1"], ("--scheduler",)),
        (["--scheduler", "tcp://127.0.0.1:1", "--executor", "dask"], ("--scheduler",
                                                                      "cannot connect")),
        (["--scheduler", "tcp://no-such-host.invalid:8786", "--executor", "dask"],
         ("--scheduler", "resolve")),
        (["--scheduler", "nonsense", "--executor", "dask"], ("--scheduler",)),
        (["--dashboard", ":8787"], ("--dashboard",)),
        (["--repair", tmp_path / "nowhere"], ("nothing to repair",)),
    ]
    out = tmp_path / "out2"
    started = time.monotonic()
    for flags, names in sweep_flags:
        argv = ["sweep", spec, *flags] + ([] if "--out" in flags or "--repair" in flags
                                          else ["--out", out])
        refused(capsys, argv, [folder, afile], [out], names)
    assert time.monotonic() - started < 30  # an unreachable scheduler fails fast
    assert len(cases) + 3 + len(sweep_flags) >= 40


# --- calibration specs -------------------------------------------------------------------------

TOY_CALIBRATION = """[calibration]
model = "sim.calibration.toymodels:gaussian"
seed = 7
population = 20
batch = 40
quantile = 0.3
generations = 2

[parameters.mu]
range = [-10.0, 10.0]

[[targets]]
name = "sample mean"
output = "mean"
value = 2.0
tolerance = 0.25
"""


def _calibration_cases(folder: Path) -> list[tuple[str, bytes, tuple[str, ...]]]:
    good = TOY_CALIBRATION
    (folder / "evil_cal.py").write_text(f"open({str(folder / 'imported.txt')!r}, 'w')\n"
                                        "def run(*a, **k): pass\n")

    def swap(old, new):
        assert old in good, old
        return good.replace(old, new).encode()

    cases = [
        ("binary", os.urandom(300), ("not UTF-8",)),
        ("latin1", "[calibration]\ntitle = 'Café'\n".encode("latin-1"), ("not UTF-8",)),
        ("utf16", good.encode("utf-16"), ("not UTF-8",)),
        ("too_large", b"# " + b"x" * (1 << 20) + b"\n", ("limit",)),
        ("deep_arrays", _deep("arrays", 3000).encode(), ("nested",)),
        ("deep_tables", _deep("tables", 500).encode(), ("nested",)),
        ("deep_inline", _deep("inline", 200).encode(), ("nested",)),
        ("huge_int", swap("seed = 7", "seed = " + "9" * 5000), ("digits",)),
        ("malformed", good[:40].encode() + b"[[", ("malformed TOML",)),
        ("no_calibration", b"[parameters.mu]\nrange = [0.0, 1.0]\n", ("calibration",)),
        ("unknown_top", good.encode() + b"[extra]\na = 1\n", ("extra",)),
        ("unknown_key", swap("seed = 7", "seed = 7\nsede = 3"), ("calibration.sede",)),
        ("model_os", swap("sim.calibration.toymodels:gaussian", "os:system"),
         ("calibration.model", "not a known model")),
        ("model_evil", swap("sim.calibration.toymodels:gaussian", "evil_cal:run"),
         ("calibration.model",)),
        ("model_number", swap('"sim.calibration.toymodels:gaussian"', "3"),
         ("calibration.model",)),
        ("scenario_passwd", swap("seed = 7", 'seed = 7\nscenario = "/etc/passwd"'),
         ("calibration.scenario", "under the spec's folder")),
        ("scenario_up", swap("seed = 7", 'seed = 7\nscenario = "../x.toml"'),
         ("calibration.scenario",)),
        ("scenario_number", swap("seed = 7", "seed = 7\nscenario = 3"),
         ("calibration.scenario",)),
        ("target_scenario_passwd", swap("tolerance = 0.25", 'tolerance = 0.25\nscenario = '
                                        '"/proc/self/status"'), ("targets[0].scenario",)),
        ("no_seed", swap("seed = 7\n", ""), ("calibration.seed",)),
        ("seed_negative", swap("seed = 7", "seed = -1"), ("calibration.seed",)),
        ("method_unknown", swap("seed = 7", 'seed = 7\nmethod = "mcmc"'),
         ("calibration.method",)),
        ("population_text", swap("population = 20", 'population = "many"'),
         ("calibration.population",)),
        ("batch_huge", swap("batch = 40", "batch = 10000000"), ("calibration.batch", "limit")),
        ("generation_over_limit", swap("batch = 40", "batch = 600000") +
         b"[replications]\nmin = 1\nmax = 2\n", ("calibration.batch", "limit")),
        ("quantile_one", swap("quantile = 0.3", "quantile = 1.0"), ("calibration.quantile",)),
        ("generations_zero", swap("generations = 2", "generations = 0"),
         ("calibration.generations",)),
        ("replications_reversed", good.encode() + b"[replications]\nmin = 4\nmax = 2\n",
         ("replications.max",)),
        ("replications_table", good.encode() + b"replications = 3\n", ("replications",)),
        ("no_parameters", swap("[parameters.mu]\nrange = [-10.0, 10.0]\n", ""),
         ("parameters",)),
        ("parameter_unknown", swap("[parameters.mu]", "[parameters.nu]"), ("parameters.nu",)),
        ("range_reversed", swap("range = [-10.0, 10.0]", "range = [10.0, -10.0]"),
         ("parameters.mu.range",)),
        ("range_inf", swap("range = [-10.0, 10.0]", "range = [-inf, inf]"),
         ("parameters.mu.range",)),
        ("range_text", swap("range = [-10.0, 10.0]", 'range = "wide"'),
         ("parameters.mu.range",)),
        ("scale_unknown", swap("range = [-10.0, 10.0]", 'range = [-10.0, 10.0]\nscale = "exp"'),
         ("parameters.mu.scale",)),
        ("log_negative", swap("range = [-10.0, 10.0]", 'range = [-10.0, 10.0]\nscale = "log"'),
         ("parameters.mu.range",)),
        ("no_targets", good.split("[[targets]]")[0].encode(), ("targets",)),
        ("targets_table", swap("[[targets]]", "[targets.x]"), ("targets",)),
        ("target_output_unknown", swap('output = "mean"', 'output = "median"'),
         ("targets[0].output",)),
        ("target_value_nan", swap("value = 2.0", "value = nan"), ("targets[0].value",)),
        ("target_tolerance_negative", swap("tolerance = 0.25", "tolerance = -1"),
         ("targets[0].tolerance",)),
        ("target_months_short", swap("tolerance = 0.25", "tolerance = 0.25\nmonths = [5]"),
         ("targets[0].months",)),
        ("target_stat_unknown", swap("tolerance = 0.25", 'tolerance = 0.25\nstat = "median"'),
         ("targets[0].stat",)),
        ("target_unknown_key", swap("tolerance = 0.25", "tolerance = 0.25\nweight = 2"),
         ("targets[0].weight",)),
    ]
    return cases


def test_corpus_of_broken_calibration_specs(tmp_path, capsys):
    """About 50 broken calibration specs and flags through `calibrate`: one line naming the
    spec and the key, exit 2, no calibration directory created, no module of the spec's
    choosing imported, no file outside the spec's folder read."""
    folder = tmp_path / "cal"
    folder.mkdir()
    cases = _calibration_cases(folder)
    out = tmp_path / "out"
    sys.path.insert(0, str(folder))
    try:
        for i, (case, data, names) in enumerate(cases):
            path = folder / f"cal{i}.toml"
            path.write_bytes(data)
            line = refused(capsys, ["calibrate", path, "--out", out, "--executor", "serial",
                                    "--quiet"], [folder], [out], (path.name, *names))
            assert "root:" not in line and "VmRSS" not in line, (case, line)
            path.unlink()
        assert not (folder / "imported.txt").exists() and "evil_cal" not in sys.modules
    finally:
        sys.path.remove(str(folder))
    good = folder / "good.toml"
    good.write_text(TOY_CALIBRATION)
    afile = tmp_path / "afile"
    afile.write_text("keep")
    flags = [
        (["calibrate", good, "--out", afile], ("--out", "not a folder")),
        (["calibrate", good, "--out", afile / "sub"], ("--out",)),
        (["calibrate", good, "--out", "/proc/self/x"], ("--out",)),
        (["calibrate", good, "--out", "bad\x00name"], ("--out",)),
        (["calibrate", good, "--workers", "0"], ("--workers",)),
        (["calibrate", good, "--executor", "gpu"], ("--executor",)),
        (["calibrate", good, "--scheduler", "tcp://127.0.0.1:1"], ("--scheduler",)),
        (["calibrate", good, "--scheduler", "tcp://127.0.0.1:1", "--executor", "dask"],
         ("--scheduler", "cannot connect")),
        (["calibrate", folder / "missing.toml"], ("no such calibration spec",)),
        (["calibrate", folder], ("no such calibration spec",)),
        (["calibrate", "x" * 5000], ("no such calibration spec",)),
        (["calibrate"], ("required",)),
    ]
    for argv, names in flags:
        refused(capsys, argv, [folder, afile], [out], names)
    assert len(cases) + len(flags) >= 50 and afile.read_text() == "keep"


# --- timed events, --event, --set-at, --policy ----------------------------------------------

def _event_file_cases() -> list[tuple[str, str, tuple[str, ...]]]:
    w = "what = 'withdraw'\ncontract = 'core'"
    cases = [
        ("not_a_list", "events = 3", ("events",)),
        ("list_of_numbers", "events = [1, 2]", ("events",)),
        ("no_month", f"[[events]]\n{w}", ("events[0].month",)),
        ("month_text", f"[[events]]\nmonth = 'soon'\n{w}", ("events[0].month",)),
        ("month_float", f"[[events]]\nmonth = 2.5\n{w}", ("events[0].month",)),
        ("month_bool", f"[[events]]\nmonth = true\n{w}", ("events[0].month",)),
        ("month_zero", f"[[events]]\nmonth = 0\n{w}", ("events[0].month",)),
        ("month_past", f"[[events]]\nmonth = 500\n{w}", ("events[0].month", "horizon")),
        ("month_huge", f"[[events]]\nmonth = {'9' * 5000}\n{w}", ("digits",)),
        ("what_unknown", "[[events]]\nmonth = 5\nwhat = 'explode'", ("events[0].what",)),
        ("what_missing", "[[events]]\nmonth = 5", ("events[0].what",)),
        ("contract_unknown", "[[events]]\nmonth = 5\nwhat = 'withdraw'\ncontract = 'main'",
         ("events[0].contract",)),
        ("cut_share_big", "[[events]]\nmonth = 5\nwhat = 'cut'\ncontract = 'core'\nshare = 2",
         ("events[0].share",)),
        ("cut_share_nan", "[[events]]\nmonth = 5\nwhat = 'cut'\ncontract = 'core'\nshare = nan",
         ("events[0].share",)),
        ("cut_no_share", "[[events]]\nmonth = 5\nwhat = 'cut'\ncontract = 'core'",
         ("events[0].share",)),
        ("set_unknown_key", "[[events]]\nmonth = 5\nwhat = 'set'\nkey = 'nope'\nvalue = 1",
         ("nope", "unknown parameter")),
        ("set_out_of_range", "[[events]]\nmonth = 5\nwhat = 'set'\nkey = "
         "'engagement.voice_heard'\nvalue = 7", ("engagement.voice_heard",)),
        ("set_structure", "[[events]]\nmonth = 5\nwhat = 'set'\nkey = 'organisation.sites'\n"
         "value = 3", ("events[0].key", "mid-run")),
        ("set_months", "[[events]]\nmonth = 5\nwhat = 'set'\nkey = 'months'\nvalue = 3",
         ("events[0].key",)),
        ("switch_rule_bad", "[[events]]\nmonth = 5\nwhat = 'switch'\nconstituency = 'staff'\n"
         "rule = 'optout'", ("membership.staff.rule",)),
        ("switch_who_bad", "[[events]]\nmonth = 5\nwhat = 'switch'\nconstituency = 'aliens'\n"
         "rule = 'opt_out'", ("events[0].constituency",)),
        ("switch_enrol_text", "[[events]]\nmonth = 5\nwhat = 'switch'\nconstituency = 'staff'"
         "\nrule = 'opt_out'\nenrol_existing = 'yes'", ("events[0].enrol_existing",)),
        ("unknown_field", f"[[events]]\nmonth = 5\n{w}\nwhen = 3", ("events[0].when",)),
        ("deep_value", f"[[events]]\nmonth = 5\n{w}\nnote = " + "[" * 40 + "]" * 40,
         ("nested",)),
        ("second_bad", f"[[events]]\nmonth = 5\n{w}\n[[events]]\nmonth = 6\nwhat = 'x'",
         ("events[1].what",)),
    ]
    return cases


def test_corpus_of_bad_timed_events_event_flags_set_at_and_policies(tmp_path, capsys):
    """About 70 broken timed events — in a scenario's [[events]], through --event and
    --set-at — and broken --policy files: one line naming the file or flag and the key,
    exit 2, nothing written."""
    folder = tmp_path / "s"
    folder.mkdir()
    out = tmp_path / "out"
    n = 0
    for i, (_case, body, names) in enumerate(_event_file_cases()):
        path = folder / f"ev{i}.toml"
        path.write_text(f"extends = 'base'\n{body}\n")
        command = ["validate", path] if i % 2 else ["run", path, "--out", out, "--months", "24",
                                                     "--no-dashboard", "--quiet"]
        refused(capsys, command, [folder], [out], (path.name, *names))
        n += 1
    events = [
        ("month=5", ("--event", "what")), ("what=withdraw", ("--event", "month")),
        ("month=x,what=withdraw,contract=core", ("--event", "month")),
        ("month=5,what=nope", ("--event", "what")), ("month", ("--event", "key=value")),
        ("month=5,what=withdraw,contract=core,contract=largest", ("--event", "twice")),
        ("month=-1,what=withdraw,contract=core", ("--event", "month")),
        ("month=1e9,what=withdraw,contract=core", ("--event", "month")),
        ("month=" + "9" * 5000 + ",what=withdraw,contract=core", ("digits",)),
        ("month=50,what=withdraw,contract=core", ("--event", "horizon")),
        ("month=5,what=cut,contract=core,share=2", ("--event", "share")),
        ("month=5,what=set,key=organisation.staff,value=-3", ("--event", "organisation.staff")),
        ("month=5,what=set,key=nope,value=1", ("--event", "nope")),
        ("month=5,what=switch,constituency=staff,rule=bogus", ("--event", "rule")),
        ("month=5,what=withdraw,contract=\x00", ("--event", "contract")),
        ("\x00", ("--event",)), (",,,", ("--event",)),
    ]
    for text, names in events:
        refused(capsys, ["run", "base", "--months", "24", "--event", text, "--out", out,
                         "--quiet", "--no-dashboard"], [folder], [out], names)
        n += 1
    set_at = [("5", ("--set-at",)), (":x=1", ("--set-at",)), ("x:organisation.staff=3",
                                                             ("--set-at",)),
              ("5:nope=1", ("--set-at", "nope")), ("999:organisation.staff=30",
                                                    ("--set-at", "horizon")),
              ("5:organisation.staff=-3", ("--set-at", "organisation.staff")),
              ("5:organisation.sites=3", ("--set-at", "mid-run")),
              ("5:membership.staff.rule=bogus", ("--set-at", "membership.staff.rule")),
              ("1e3:organisation.staff=3", ("--set-at",)),
              ("5:engagement.voice_heard=" + "[" * 100 + "]" * 100, ("nested",))]
    for text, names in set_at:
        refused(capsys, ["run", "base", "--months", "24", "--set-at", text, "--out", out,
                         "--quiet", "--no-dashboard"], [folder], [out], names)
        n += 1
    policies = {"pol_bin.toml": (os.urandom(200), ("not UTF-8",)),
                "pol_unknown.toml": (b"[organisation]\nstaf = 3\n", ("organisation.staf",)),
                "pol_extends.toml": (b'extends = "base"\n', ("extends",)),
                "pol_events.toml": (b"[[events]]\nmonth = 500\nwhat = 'withdraw'\n"
                                    b"contract = 'core'\n", ("events[0].month",)),
                "pol_deep.toml": (_deep("arrays", 300).encode(), ("nested",)),
                "pol_about.toml": (b"[about]\nauthor = 'x'\n", ("about.author",)),
                "pol_value.toml": (b"[membership.staff]\npromotion = 9\n",
                                   ("membership.staff.promotion",))}
    for name, (data, names) in policies.items():
        (folder / name).write_bytes(data)
        refused(capsys, ["run", "base", "--policy", folder / name, "--out", out, "--quiet",
                         "--no-dashboard"], [folder], [out], (name, *names))
        n += 1
    for ref, names in (("nope", ("--policy", "not found")), ("opt_out_al", ("did you mean",)),
                       ("", ("--policy",)), ("../../etc/passwd", ("--policy", "not a .toml")),
                       ("/etc/passwd", ("--policy", "not a .toml")),
                       ("/proc/self/status", ("--policy", "not a .toml")),
                       ("/etc/../etc/hostname", ("--policy", "not a .toml"))):
        refused(capsys, ["run", "base", "--policy", ref, "--out", out, "--quiet"], [folder],
                [out], names)
        n += 1
    assert n >= 60


# --- the app's address (?scenario=..., the state in the URL) ---------------------------------

def _address_cases(folder: Path) -> list[tuple[str, tuple[str, ...]]]:
    (folder / "bin.toml").write_bytes(os.urandom(200))
    (folder / "ext.toml").write_text('extends = "/etc/passwd"\n')
    (folder / "bad.toml").write_text('extends = "base"\n[membership.staff]\nrulez = 1\n')
    (folder / "deep.toml").write_text(_deep("arrays", 300))
    w = '"what":"withdraw","contract":"core"'
    return [
        ("scenario=/etc/passwd", ("scenario", "not a bundled scenario")),
        ("scenario=/proc/self/status", ("scenario",)),
        ("scenario=../../../../etc/passwd", ("scenario",)),
        ("scenario=/tmp", ("scenario",)), ("scenario=.", ("scenario",)),
        ("scenario=%00", ("scenario",)), ("scenario=nope", ("not found",)),
        ("scenario=opt_ot", ("did you mean",)), ("scenario=" + "x" * 5000, ("scenario",)),
        ("scenario=bin.toml", ("bin.toml", "not UTF-8")),
        ("scenario=ext.toml", ("ext.toml", "extends")),
        ("scenario=bad.toml", ("bad.toml", "membership.staff.rulez")),
        ("scenario=deep.toml", ("deep.toml", "nested")),
        ("scenario=missing.toml", ("missing.toml",)),
        ("seed=-1", ("seed",)), ("seed=abc", ("seed",)), ("seed=1e3", ("seed",)),
        ("seed=" + "9" * 5000, ("seed",)), ("seed=", ("seed",)),
        ("set.nope=1", ("nope", "not a lever")), ("set.organisation.staff=-3", ("lever",)),
        ("set.membership.staff.rule=bogus", ("membership.staff.rule",)),
        ("set.engagement.voice_heard=nan", ("engagement.voice_heard",)),
        ("set.engagement.voice_heard=inf", ("engagement.voice_heard",)),
        ("set.engagement.voice_heard=2", ("engagement.voice_heard",)),
        ("set.engagement.voice_heard=abc", ("engagement.voice_heard",)),
        ("set.engagement.voice_heard=" + "9" * 5000, ("engagement.voice_heard",)),
        ("set.=1", ("lever",)), ("compare=nope", ("nope",)),
        ("compare=engagement.voice_heard", ("engagement.voice_heard",)),
        ("compare=engagement.voice_heard=abc", ("engagement.voice_heard",)),
        ("compare==", ("lever",)), ("compare=months=3", ("months",)),
        ("now=", ("now",)), ("now={}", ("now",)), ("now=[]", ("now",)), ("now=3", ("now",)),
        ("now=null", ("now",)), ('now={"month":5}', ("now.what",)),
        ('now={"month":"x",' + w + "}", ("now.month",)),
        ('now={"month":true,' + w + "}", ("now.month",)),
        ('now={"month":2.5,' + w + "}", ("now.month",)),
        ('now={"month":1e400,' + w + "}", ("now.month",)),
        ('now={"month":' + "9" * 5000 + "," + w + "}", ("now",)),
        ('now={"month":999,' + w + "}", ("now.month", "horizon")),
        ('now={"month":-1,' + w + "}", ("now.month",)),
        ('now={"month":5,"what":"nope"}', ("now.what",)),
        ('now={"month":5,' + w + ',"who":"C"}', ("who",)),
        ('now={"month":5,"what":"set","key":"organisation.sites","value":3}', ("now.key",)),
        ('now={"month":5,"what":"set","key":"engagement.voice_heard","value":[1]}',
         ("engagement.voice_heard",)),
        ('now={"month":5,"what":"cut","contract":"core","share":"NaN"}', ("now.share",)),
        ("now=" + "[" * 20000 + "]" * 20000, ("now",)),
        ("bogus=1", ("unknown setting",)), ("%ff%fe=1", ("unknown setting",)),
        ("&&&===", ("unknown setting",)), ("a" * 200_000, ("longer",)),
    ]


def test_corpus_of_bad_addresses_for_the_app(tmp_path, monkeypatch):
    """About 55 broken page addresses: each is refused with one short line naming the setting
    (a ScenarioError the page shows), never a traceback; an address names only bundled
    scenarios, the app's own, or .toml files under the folder the app was started in — so a
    link cannot make the server read another file of the machine."""
    from sim.scenario import ScenarioError
    from sim.viz import app, session

    folder = tmp_path / "home"
    folder.mkdir()
    (folder / "ok.toml").write_text('extends = "opt_out"\n')
    monkeypatch.chdir(folder)
    cases = _address_cases(folder)
    before = snapshot(folder)
    for query, names in cases:
        with pytest.raises(ScenarioError) as info:
            session.from_query(query)
        message = str(info.value)
        assert "\n" not in message and len(message) < 1000, (query[:80], message)
        for name in names:
            assert name in message, (query[:80], name, message)
        assert "root:" not in message and "VmRSS" not in message, message
        # what the page does with it: the command line's scenario, and the line above it
        setup, shown, _ = app._first_setup(query)
        assert setup is not None and setup.scenario == "base", query[:80]
        assert shown.startswith("Cannot load: ") and "\n" not in shown, (query[:80], shown)
    assert snapshot(folder) == before
    # the files the rule allows still open, and round-trip through the address
    assert session.from_query("scenario=ok.toml").scenario == str(folder / "ok.toml")
    setup = session.from_query("scenario=opt_in&seed=3&compare=membership.staff.rule=opt_out")
    assert session.from_query(session.to_query(setup)) == setup
    assert len(cases) >= 50


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["scenario", "seed", "set.engagement.voice_heard",
                                           "set.membership.staff.rule", "compare", "now",
                                           "other"]),
                          st.text(max_size=40)), max_size=4))
def test_any_address_is_accepted_or_refused_in_one_line(pairs):
    from urllib.parse import urlencode

    from sim.viz import app

    setup, shown, _ = app._first_setup(urlencode(pairs) or "seed=0")
    assert setup is not None  # the page always opens
    if shown is not None:
        assert shown.startswith("Cannot load: ") and "\n" not in shown and len(shown) < 1000


# --- damaged stores ------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def good_store(tmp_path_factory):
    """A finished 6-run Ishigami sweep in 3 flushes (3 parts each of summary, timeseries,
    status), and its results as the reference."""
    folder = tmp_path_factory.mktemp("store")
    spec = ishigami_spec(folder, "grid", ISHIGAMI_BODY, extra='replications = 2\n'
                         'timeseries = ["y"]')
    out = folder / "good"
    outcome = sweep(load_spec(spec), out, executor="serial", progress=False, flush_every=2)
    assert outcome.complete
    store = Store(out)
    assert len(list((out / "summary").glob("part-*"))) == 3
    return spec, out, (store.summary(), store.timeseries())


def _parts(d: Path, part: str) -> list[Path]:
    return sorted((d / part).glob("part-*.parquet"))


def _rewrite(path: Path, change) -> None:
    frame = pd.read_parquet(path)
    change(frame).to_parquet(path, index=False)


def _second_part(part: str, damage):
    return lambda d: damage(_parts(d, part)[1])


DAMAGE = {
    # name: (function of the store folder, fragment the error line must name)
    "manifest_garbage": (lambda d: (d / "manifest.json").write_bytes(os.urandom(300)),
                         "manifest.json"),
    "manifest_truncated": (lambda d: (d / "manifest.json").write_bytes(
        (d / "manifest.json").read_bytes()[:200]), "manifest.json"),
    "manifest_empty": (lambda d: (d / "manifest.json").write_bytes(b""), "manifest.json"),
    "manifest_list": (lambda d: (d / "manifest.json").write_text("[1, 2]"), "manifest.json"),
    "manifest_deleted": (lambda d: (d / "manifest.json").unlink(), "manifest.json"),
    "manifest_no_spec": (lambda d: _edit_manifest(d, lambda m: m.pop("spec")), "spec"),
    "manifest_no_design": (lambda d: _edit_manifest(d, lambda m: m.pop("design")), "design"),
    "manifest_bad_method": (lambda d: _edit_manifest(
        d, lambda m: m["design"].update(method="bogus")), "design"),
    "manifest_no_outputs": (lambda d: _edit_manifest(
        d, lambda m: m["spec"].update(outputs=None)), "spec"),
    "design_deleted": (lambda d: (d / "design.parquet").unlink(), "design.parquet"),
    "design_truncated": (lambda d: _truncate(d / "design.parquet"), "design.parquet"),
    "design_short": (lambda d: _rewrite(d / "design.parquet", lambda f: f.iloc[:1]),
                     "design.parquet"),
    "runs_deleted": (lambda d: (d / "runs.parquet").unlink(), "runs.parquet"),
    "runs_garbage": (lambda d: (d / "runs.parquet").write_bytes(os.urandom(500)),
                     "runs.parquet"),
    "runs_empty": (lambda d: (d / "runs.parquet").write_bytes(b""), "runs.parquet"),
    "runs_no_column": (lambda d: _rewrite(d / "runs.parquet",
                                          lambda f: f.drop(columns="spawn_key")),
                       "runs.parquet"),
    "status_dir_deleted": (lambda d: shutil.rmtree(d / "status"), "status"),
    "summary_dir_deleted": (lambda d: shutil.rmtree(d / "summary"), "summary"),
    "timeseries_dir_deleted": (lambda d: shutil.rmtree(d / "timeseries"), "timeseries"),
    "duplicated_parts": (lambda d: [shutil.copy(p, p.with_name("part-0000-000099.parquet"))
                                    for part in ("summary", "timeseries", "status")
                                    for p in _parts(d, part)[:1]], "part-0000-000099"),
    "status_deleted_one": (lambda d: _parts(d, "status")[0].unlink(), "part-0000-000000"),
    "summary_drops_a_run": (lambda d: _rewrite(_parts(d, "summary")[1], lambda f: f.iloc[:1]),
                            "part-0000-000001"),
    "summary_run_out_of_range": (lambda d: _rewrite(
        _parts(d, "summary")[0], lambda f: f.assign(run_id=f["run_id"] + 999)),
        "part-0000-000000"),
    "status_run_id_text": (lambda d: _rewrite(
        _parts(d, "status")[2], lambda f: f.assign(run_id=f["run_id"].astype(str))),
        "part-0000-000002"),
}
for _part in ("summary", "timeseries", "status"):
    for _how, _fn in (("truncated", lambda p: _truncate(p)),
                      ("garbage", lambda p: p.write_bytes(os.urandom(700))),
                      ("empty", lambda p: p.write_bytes(b"")),
                      ("wrong_schema", lambda p: pq.write_table(pa.table({"other": [1]}), p))):
        DAMAGE[f"{_part}_{_how}"] = (_second_part(_part, _fn), f"{_part}/part-0000-000001")


def _edit_manifest(d: Path, change) -> None:
    m = json.loads((d / "manifest.json").read_text())
    change(m)
    (d / "manifest.json").write_text(json.dumps(m))


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def test_damaged_stores_are_refused_by_analyze_and_resume_then_repaired(good_store, tmp_path,
                                                                        capsys):
    """36 kinds of damage: `analyze`, a resume and a dry run each refuse in one line naming
    the damaged part, changing nothing; `sweep --repair` then gives results equal to the
    undamaged run."""
    spec, good, (want_summary, want_series) = good_store
    assert len(DAMAGE) >= 30
    for case, (damage, where) in sorted(DAMAGE.items()):
        d = tmp_path / case
        shutil.copytree(good, d)
        damage(d)
        line = refused(capsys, ["analyze", d], [d], [d / "analysis"], (str(d), where))
        assert "--repair" in line, (case, line)
        refused(capsys, ["sweep", spec, "--out", d, "--executor", "serial", "--quiet"], [d],
                names=(where,))
        refused(capsys, ["sweep", spec, "--out", d, "--dry-run"], [d], names=(where,))
        assert main(["sweep", "--repair", str(d), str(spec), "--executor", "serial",
                     "--quiet"]) == 0, (case, capsys.readouterr())
        repaired = capsys.readouterr().out
        assert "repair: " in repaired, case
        store = Store(d)
        assert store.verify() == [], case
        status = store.status()
        assert not status.loc[status["status"] == "ok", "run_id"].duplicated().any(), case
        pd.testing.assert_frame_equal(store.summary(), want_summary, obj=case)
        pd.testing.assert_frame_equal(store.timeseries(), want_series, obj=case)
        assert any(p.is_file() for p in (d / "damaged").rglob("*")) or case.endswith(
            ("_deleted", "deleted_one")), case  # set aside, not deleted
    # a repaired store analyses
    assert main(["analyze", str(tmp_path / "summary_garbage"), "--quiet"]) == 0


def test_repair_uses_the_recorded_spec_and_a_foreign_directory_is_never_touched(
        good_store, tmp_path, capsys):
    spec, good, _ = good_store
    d = tmp_path / "d"
    shutil.copytree(good, d)
    _parts(d, "summary")[0].write_bytes(b"junk")
    assert main(["sweep", "--repair", str(d), "--executor", "serial", "--quiet"]) == 0
    assert Store(d).verify() == []
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    refused(capsys, ["sweep", spec, "--repair", foreign, "--executor", "serial"], [foreign],
            names=("not an experiment directory",))
    other = tmp_path / "other.json"
    shutil.copytree(good, tmp_path / "other")
    _edit_manifest(tmp_path / "other", lambda m: m.update(format="someone-else/2"))
    refused(capsys, ["sweep", spec, "--repair", tmp_path / "other", "--executor", "serial"],
            [tmp_path / "other"], names=("not a mutualsim-experiment/1 manifest",))
    assert not other.exists()


# --- hypothesis: random bytes and random overrides ------------------------------------------

@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.binary(max_size=300),
                 st.text(alphabet=st.sampled_from(list('[]{}=."\'\n #abcxyz0123456789,-+')),
                         max_size=200)))
def test_any_bytes_as_a_scenario_file_are_accepted_or_refused_in_one_line(tmp_path_factory,
                                                                          capsys, data):
    folder = tmp_path_factory.mktemp("h")
    path = folder / "s.toml"
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    rc = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert rc in (0, 2) and "Traceback" not in err
    if rc == 2:
        assert len(err.strip().splitlines()) == 1 and str(path) in err


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(st.text(max_size=60), st.text(max_size=40).map(lambda t: f"organisation.{t}"),
                 st.text(max_size=40).map(lambda t: f"membership.staff.promotion={t}")))
def test_any_override_text_is_accepted_or_refused_in_one_line(tmp_path_factory, capsys, text):
    afile = tmp_path_factory.getbasetemp() / "a_file"
    afile.write_text("x")
    # an accepted --set still ends at the --out check, so nothing ever runs
    rc = main(["run", "base", f"--set={text}", "--out", str(afile)])
    _, err = capsys.readouterr()
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert err.startswith("error: ") and afile.read_text() == "x"


# --- viz start-up ------------------------------------------------------------------------------

def test_viz_refuses_a_bad_scenario_a_busy_port_and_an_unknown_host(tmp_path, capsys,
                                                                    monkeypatch):
    from sim.viz import serve

    def no_exec(*args):
        raise AssertionError("the server would have started")

    monkeypatch.setattr(serve.os, "execve", no_exec)
    bad = tmp_path / "bad.toml"
    bad.write_text('[membership.staff]\nrulez = "opt_out"\n')
    binary = tmp_path / "bin.toml"
    binary.write_bytes(os.urandom(100))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        cases = [(["viz", bad], ("bad.toml", "membership.staff.rulez")),
                 (["viz", binary], ("bin.toml", "UTF-8")),
                 (["viz", "no_such_scenario"], ("not found",)),
                 (["viz", "--port", port], ("--port", "in use")),
                 (["viz", "--host", "no-such-host.invalid"], ("--host", "resolve")),
                 (["viz", "--host", ""], ("--host",)),
                 (["viz", "--host", "192.0.2.1"], ("--host",)),  # not this machine's address
                 (["viz", "--port", "65536"], ("--port",))]
        for argv, names in cases:
            refused(capsys, argv, [tmp_path], names=names)


def test_viz_warns_when_the_app_is_reachable_from_the_network(capsys, monkeypatch):
    from sim.viz import serve

    monkeypatch.setattr(serve.os, "execve", lambda *a: None)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    assert main(["viz", "--host", "0.0.0.0", "--port", str(port)]) == 0
    err = capsys.readouterr().err
    assert "warning: --host 0.0.0.0: anyone who can reach this machine" in err
    assert main(["viz", "--port", str(port)]) == 0
    assert "warning: --host" not in capsys.readouterr().err


# --- SIGKILL at random moments -----------------------------------------------------------------

class _Killed(BaseException):
    pass


def _count_writes(monkeypatch_target: dict, kill_at: int | None) -> list[str]:
    """Wrap the file-system calls that change a store; at call number ``kill_at`` SIGKILL this
    process just before the call. Returns the log of calls."""
    log: list[str] = []

    def wrap(name, fn):
        def hooked(*args, **kwargs):
            log.append(f"{name} {args[0] if args else ''}")
            if kill_at is not None and len(log) - 1 == kill_at:
                os.kill(os.getpid(), signal.SIGKILL)
            return fn(*args, **kwargs)
        return hooked

    for name in ("replace", "rename", "mkdir", "fsync", "unlink", "rmdir"):
        monkeypatch_target[name] = getattr(os, name)
        setattr(os, name, wrap(name, getattr(os, name)))
    return log


def _restore(saved: dict) -> None:
    for name, fn in saved.items():
        setattr(os, name, fn)


def _sweep_argv(spec: Path, out: Path) -> list[str]:
    return ["sweep", str(spec), "--out", str(out), "--executor", "serial", "--quiet",
            "--flush-every", "3"]


def test_sigkill_at_random_moments_including_directory_creation(tmp_path, capsys):
    """A sweep is SIGKILLed (a forked copy of this process, so no start-up cost) just before
    one of the file-system calls it makes: 14 calls drawn at random (seed 5) from all of them,
    4 of those inside the creation of the directory. After each kill the same command resumes;
    no run is lost or duplicated and the results equal an uninterrupted sweep."""
    spec = ishigami_spec(tmp_path, "grid", "[set]\nnoise = 1.0\n[vary.x1]\nvalues = "
                         "[0.0, 0.5, 1.0, 1.5, 2.0]", extra='replications = 3\ntimeseries = ["y"]')
    reference = tmp_path / "reference"
    saved: dict = {}
    log = _count_writes(saved, None)
    try:
        assert main(_sweep_argv(spec, reference)) == 0
    finally:
        _restore(saved)
    calls = list(log)
    creation = next(i for i, c in enumerate(calls) if c.startswith("rename ")) + 1
    assert creation >= 8 and len(calls) > creation + 20
    rng = random.Random(5)
    moments = sorted(rng.sample(range(creation), 4) +
                     rng.sample(range(creation, len(calls)), 10))
    want = Store(reference).summary(), Store(reference).timeseries()
    capsys.readouterr()
    for k in moments:
        out = tmp_path / f"killed-{k}"
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # fork with threads
            pid = os.fork()
        if pid == 0:  # the child: run the sweep and be killed at call k
            try:
                _count_writes({}, k)
                os._exit(main(_sweep_argv(spec, out)) + 10)
            finally:
                os._exit(99)
        _, status = os.waitpid(pid, 0)
        assert os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL, (k, status)
        assert main(_sweep_argv(spec, out)) == 0, (k, calls[k], capsys.readouterr().err)
        store = Store(out)
        assert store.verify() == [], k
        ok = store.status().query("status == 'ok'")["run_id"]
        assert ok.is_unique and len(ok) == 15, k  # none lost, none run twice
        pd.testing.assert_frame_equal(store.summary(), want[0], obj=f"kill {k}")
        pd.testing.assert_frame_equal(store.timeseries(), want[1], obj=f"kill {k}")
        assert not list(tmp_path.glob(f".killed-{k}.creating-*")), k  # leftovers cleared
    capsys.readouterr()


# --- workers die with the sweep; a lost worker's runs are re-run ----------------------------

def _descendants(pid: int) -> set[int]:
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":
            children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    out, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.add(child)
            todo.append(child)
    return out


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _busy_spec(folder: Path, runs: int, seconds: float) -> Path:
    path = folder / "busy.toml"
    path.write_text(f"""
[experiment]
model = "sim.batch.busymodel:busy"
design = "grid"
seed = 3
outputs = ["y"]
[set]
seconds = {seconds}
[vary.x]
values = {[float(i) for i in range(runs)]}
""")
    return path


def _start_sweep(spec: Path, out: Path) -> subprocess.Popen:
    """The sweep in a fresh interpreter (the process a user would kill)."""
    return subprocess.Popen([sys.executable, "-m", "sim", "sweep", str(spec), "--out", str(out),
                             "--executor", "process", "--workers", "2", "--chunk-size", "1",
                             "--flush-every", "1", "--quiet"], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _wait_for_workers(proc: subprocess.Popen, out: Path, n: int, timeout: float = 90
                      ) -> set[int]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        family = _descendants(proc.pid)
        if len(family) >= n and (out / "status").is_dir():
            return family
        time.sleep(0.05)
    raise AssertionError("the workers did not start")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_killed_worker_s_runs_are_re_run_and_killing_the_sweep_leaves_no_process(tmp_path):
    """One sweep process (two workers): SIGKILL one worker — its runs are recorded as lost and
    re-run, and the sweep carries on; then SIGKILL the sweep process alone — the forkserver,
    the workers and everything else it started are gone within seconds."""
    spec = _busy_spec(tmp_path, runs=400, seconds=0.1)
    out = tmp_path / "out"
    proc = _start_sweep(spec, out)
    family = _wait_for_workers(proc, out, 3)  # the forkserver and two workers (and a tracker)
    time.sleep(0.3)
    workers = [p for p in family if _parent(p) != proc.pid]  # forked by the forkserver
    assert workers, family
    os.kill(workers[0], signal.SIGKILL)
    deadline = time.monotonic() + 90
    while True:  # the lost runs succeed later, in the same session, on a new pool
        assert proc.poll() is None, proc.communicate()
        status = Store(out).status()
        lost = set(status.loc[status["error"].fillna("").str.startswith("worker lost"),
                              "run_id"])
        redone = lost & set(status.loc[status["status"] == "ok", "run_id"])
        if lost and redone == lost:
            break
        assert time.monotonic() < deadline, "lost runs were not re-run"
        time.sleep(0.1)
    assert set(status["session"]) == {0}
    family = _descendants(proc.pid)
    assert len(family) >= 3, family
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while any(_running(p) for p in family) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not [p for p in family if _running(p)], "orphaned processes still running"
    ok = Store(out).status().query("status == 'ok'")["run_id"]
    assert ok.is_unique and len(ok) < 400  # killed part-way; every stored run once


def _parent(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except OSError:
        return -1


def test_design_size_is_checked_before_allocating(tmp_path):
    """The limit is checked from the spec's numbers: a 10^9-run design is refused in
    milliseconds, without numpy being asked for gigabytes."""
    from sim.batch.spec import MAX_RUNS, SpecError

    spec = ishigami_spec(tmp_path, "grid", "[vary.x1]\nrange = [0.0, 1.0]\nlevels = "
                         f"{MAX_RUNS + 1}\n")
    started = time.process_time()
    with pytest.raises(SpecError, match="limit"):
        load_spec(spec)
    assert time.process_time() - started < 1.0
    spec.write_text(spec.read_text().replace(f"levels = {MAX_RUNS + 1}", "levels = 1000"))
    assert load_spec(spec).factors[0].levels == 1000
    assert np.isfinite(MAX_RUNS)
