"""The compiled person update (sim/mechanisms/people/kernels.py) does what the numpy update
does, to the last bit (issue 14): the same columns after the same months, and the same
outputs, on scenarios that exercise councils, working groups, TUPE staff, unaware users and
the opt-out default."""

import os

import numpy as np
import pytest

import sim
from sim.mechanisms.people import kernels

if kernels.numba is None and os.environ.get("CI", "").lower() == "true":
    # numba is a declared dependency: under CI a missing one fails, it does not skip
    raise ImportError("under CI the compiled kernels' tests must run: numba is not installed")
pytestmark = pytest.mark.skipif(kernels.numba is None, reason="numba not installed")


def _run(monkeypatch, name, compiled, **kw):
    monkeypatch.setattr(kernels, "ENABLED", compiled)
    return sim.run(name, seed=3, months=36, keep_model=True, **kw)


@pytest.mark.parametrize("name", ["base", "cbs_multi_stakeholder", "opt_in", "opt_out"])
def test_compiled_person_update_is_bit_identical_to_numpy(monkeypatch, name):
    overrides = {"organisation.staff": 300, "organisation.users": 900}
    ref = _run(monkeypatch, name, False, overrides=overrides)
    jit = _run(monkeypatch, name, True, overrides=overrides)
    for side in ("staff", "users"):
        a, b = getattr(ref.model, side), getattr(jit.model, side)
        assert a.size == b.size, side
        for col in a._schema:
            x, y = getattr(a, col), getattr(b, col)
            assert np.array_equal(x, y), f"{side}.{col}"
            if x.dtype.kind == "f":
                assert x.tobytes() == y.tobytes(), f"{side}.{col} differs in the last bit"
    assert ref.timeseries.equals(jit.timeseries)
    assert ref.final == jit.final


def test_the_numpy_path_is_what_jit_off_runs(monkeypatch):
    # MUTUALSIM_JIT=0 (or no numba) runs engagement.update_numpy: a guard that the switch works
    from sim.mechanisms.people import engagement
    called = []
    monkeypatch.setattr(kernels, "ENABLED", False)
    monkeypatch.setattr(engagement, "update_numpy",
                        lambda model: called.append(model.month))
    engagement.update(sim.MutualModel("small_cic", rng=0))
    assert called == [0]


def test_warm_calls_every_kernel_with_its_current_arity():
    """kernels.warm() (run once in every worker process's forkserver, before any run) passes
    dummy arguments by arity: a kernel whose signature changed without it would break every
    parallel batch at start-up, which the serial tests never see."""
    kernels.warm()
