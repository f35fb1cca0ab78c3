"""A non-editable install carries the bundled scenarios: `mutualsim run opt_out` works anywhere."""

import os
import subprocess
import sys
import zipfile

import pytest

from .conftest import ROOT


@pytest.mark.slow
def test_wheel_ships_scenarios_and_runs_them_by_name(tmp_path):
    build = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                            str(tmp_path / "dist"), str(ROOT)], capture_output=True, text=True)
    assert build.returncode == 0, build.stderr
    (wheel,) = (tmp_path / "dist").glob("mutualsim-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "sim/_bundled/scenarios/base.toml" in names
    assert "sim/_bundled/scenarios/opt_out.toml" in names

    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target",
                    str(site), str(wheel)], check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(site)}
    code = ("import sim, pathlib; assert 'site' in sim.__file__, sim.__file__; "
            "print(sim.load_scenario('opt_out')['membership.staff.rule'])")
    proc = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "opt_out"
    listed = subprocess.run([sys.executable, "-m", "sim", "scenarios"], cwd=tmp_path, env=env,
                            capture_output=True, text=True)
    assert "opt_out" in listed.stdout, listed.stderr
