"""numba's ``np.random.Generator`` inside compiled code draws what numpy's does (issue 14).

A ``Generator`` passed into an ``@njit`` function draws from the same bit generator (its
state is shared memory, not a copy): a compiled draw is the value numpy would have drawn at
that point of the stream, and leaves the generator where numpy would have. That is what would
let a kernel take its draws itself, in the model's order, and keep the golden digests. This
file guards it for every ``Generator`` method and argument form the model calls (``rng.`` in
``sim/``), with parameters that take each of numpy's algorithm branches (Poisson below and
above 10, binomial's inversion and BTPE, gamma's shape below and above 1, beta's Johnk and
Cheng, 32-bit buffered and 64-bit integers), so that a numba or numpy upgrade that breaks it
fails here, not in the results. Each compiled function is compared with its own Python source
(``py_func``) run on numpy: the same calls in the same order.

Not supported by numba 0.68 (not tested here, so that a numba that adds them does not fail):
``integers(high)`` with one argument (numba needs ``integers(0, high)``, which draws the same
as numpy's ``integers(high)``: checked below) and ``choice`` (used by the calibration's SMC
and report, sim/calibration/, not by the model). What it costs to use is in
benchmarks/README.md, "Stop 30": a ``Generator`` argument is unboxed at every call (12-24 µs).
"""

import os

import numpy as np
import pytest

from sim.mechanisms.people import kernels

numba = kernels.numba
if numba is None and os.environ.get("CI", "").lower() == "true":
    # numba is a declared dependency: under CI a missing one fails, it does not skip
    raise ImportError("under CI the numba Generator tests must run: numba is not installed")
pytestmark = pytest.mark.skipif(numba is None, reason="numba not installed")

N = 4000  # draws of each form per parameter set


def _njit(fn):
    return numba.njit(cache=True)(fn) if numba is not None else fn


@_njit
def _scalar_forms(g, n, lam, n_trials, p_trial, shape, scale, a, b, lo, hi, sd, u_lo, u_hi,
                  sigma, churn):
    """Every scalar form the model draws, interleaved, in one order (the sites named)."""
    out = np.empty((14, n))
    for i in range(n):
        out[0, i] = g.random()                    # rng.random(): churn, bids, decisions
        out[1, i] = g.poisson(lam)                # cycle.monthly, commissioning tenders
        out[2, i] = g.gamma(shape, scale)         # cycle.monthly, decisions, public_sector
        out[3, i] = g.binomial(n_trials, p_trial)  # workforce hires, users' intake, TUPE
        out[4, i] = g.integers(lo, hi)            # market.py, commissioners' tenure
        out[5, i] = g.integers(0, hi)             # integers(high) (market.py, commissioning)
        out[6, i] = g.beta(a, b)                  # new officer, bodies' skills
        out[7, i] = g.normal(0.0, sd)             # procurement's noise
        out[8, i] = g.uniform(u_lo, u_hi)         # public_sector, bid windows
        out[9, i] = g.lognormal(0.0, sigma)       # tender sizes
        out[10, i] = g.standard_normal()          # sim/batch/testmodels.py
        # a draw between two others, as in commissioning.officers: a new officer's
        # experience is drawn only after a churn draw below the chance
        out[11, i] = g.beta(2.0, 3.0) if out[0, i] < churn else -1.0
        out[12, i] = g.exponential(scale)
        out[13, i] = g.random()
    return out


@_njit
def _array_forms(g, n, lo, hi, a, b, sd, scale, pool, flags):
    """Every array form the model draws (size n), in one order, and the in-place shuffles."""
    r = g.random(n)                       # the per-row draws (climb, leavers, membership)
    sites = g.integers(lo, hi, n)         # model.add_users' sites, add_staff's teams
    affinity = g.beta(a, b, n)            # model.add_staff / add_users
    noise = g.normal(0.0, sd, n)          # elections, working groups
    stay = g.exponential(scale, n)        # model.py's fixed-term stays
    z = g.standard_normal((n, 3))         # sim/calibration/smc.py
    perm = g.permutation(pool)            # elections, market, finance, model.add_staff
    perm_n = g.permutation(n)
    g.shuffle(pool)                       # model._teams_with_vacancies (int)
    g.shuffle(flags)                      # model.add_staff's fixed-term flags (bool)
    return r, sites, affinity, noise, stay, z, perm, perm_n


# parameter sets: (lam, n_trials, p_trial, shape, scale, a, b, lo, hi, sd, u_lo, u_hi, sigma)
# chosen to take each branch of numpy's samplers at least once
SCALAR_SETS = [
    # the model's usual magnitudes: monthly rates, small hires, deadline shapes
    (0.4, 12, 0.3, 2.0, 1.5, 4.0, 2.0, 0, 36, 0.05, 0.8, 1.2, 0.5),
    # Poisson's PTRS (lam >= 10), BTPE (n·p > 30), gamma shape < 1, beta's Johnk (a, b < 1)
    (25.0, 5000, 0.3, 0.5, 2.0, 0.5, 0.7, 1, 12 * 30 + 1, 1.0, 0.0, 12.0, 1.2),
    # binomial with p > 1/2, gamma shape 1, beta far from uniform, integers beyond 32 bits
    (3.7, 40, 0.8, 1.0, 0.25, 30.0, 20.0, 5, 2 ** 40, 0.3, -1.0, 1.0, 0.1),
    # a zero-rate Poisson and a zero-trial binomial (an empty month), a one-value range
    (0.0, 0, 0.5, 9.0, 3.0, 2.0, 3.0, 7, 8, 2.0, 0.0, 1e-9, 0.0),
]


@pytest.mark.parametrize("params", SCALAR_SETS)
def test_every_scalar_form_draws_what_numpy_draws(params):
    lam, n_trials, p_trial, shape, scale, a, b, lo, hi, sd, u_lo, u_hi, sigma = params
    args = (N, lam, n_trials, p_trial, shape, scale, a, b, lo, hi, sd, u_lo, u_hi, sigma, 0.1)
    g_jit, g_ref = np.random.default_rng(2026), np.random.default_rng(2026)
    got = _scalar_forms(g_jit, *args)
    want = _scalar_forms.py_func(g_ref, *args)
    for row in range(want.shape[0]):
        assert got[row].tobytes() == want[row].tobytes(), f"form {row} differs"
    assert g_jit.bit_generator.state == g_ref.bit_generator.state
    assert np.count_nonzero(want[11] >= 0) > 0  # the interleaved draw was taken


@pytest.mark.parametrize("n", [1, 7, 3000])
def test_every_array_form_draws_what_numpy_draws(n):
    g_jit, g_ref = np.random.default_rng(n), np.random.default_rng(n)
    pools = [np.arange(n, dtype=np.int64) % 5 for _ in range(2)]
    flags = [np.arange(n) % 3 == 0 for _ in range(2)]
    got = _array_forms(g_jit, n, 0, 17, 2.0, 3.0, 0.3, 20.0, pools[0], flags[0])
    want = _array_forms.py_func(g_ref, n, 0, 17, 2.0, 3.0, 0.3, 20.0, pools[1], flags[1])
    for k, (x, y) in enumerate(zip(got, want, strict=True)):
        assert x.dtype == y.dtype and x.tobytes() == y.tobytes(), f"array form {k} differs"
    assert pools[0].tobytes() == pools[1].tobytes() and np.array_equal(flags[0], flags[1])
    assert g_jit.bit_generator.state == g_ref.bit_generator.state


@_njit
def _rows_below(g, alive, chance):
    """A kernel that draws its own per-row values, as the person kernels would."""
    out = np.zeros(alive.shape[0], dtype=np.bool_)
    for i in range(alive.shape[0]):
        out[i] = alive[i] & (g.random() < chance)
    return out


def test_compiled_and_python_draws_share_one_stream():
    """Compiled calls and numpy calls on one generator, alternating (as a month would mix
    them), give the draws of numpy alone: a kernel's ``g.random()`` per row is the draw
    ``rng.random(n)`` would have given that row."""
    alive = np.arange(500) % 4 != 0
    g, ref = np.random.default_rng(11), np.random.default_rng(11)
    for month in range(30):
        assert np.array_equal(_rows_below(g, alive, 0.3), alive & (ref.random(500) < 0.3))
        assert g.poisson(0.4) == ref.poisson(0.4)
        assert g.beta(2.0, 3.0) == ref.beta(2.0, 3.0)
        assert np.array_equal(g.integers(0, 9, month), ref.integers(0, 9, month))
    assert g.bit_generator.state == ref.bit_generator.state


@_njit
def _integers_from_zero(g, n, high):
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        out[i] = g.integers(0, high)
    return out


@pytest.mark.parametrize("high", [1, 7, 36, 2 ** 40])
def test_integers_from_zero_is_numpys_one_argument_form(high):
    # numba has no integers(high); integers(0, high) is the form a kernel would use
    g_jit, g_ref = np.random.default_rng(high), np.random.default_rng(high)
    got = _integers_from_zero(g_jit, 500, high)
    assert np.array_equal(got, [g_ref.integers(high) for _ in range(500)])
    assert g_jit.bit_generator.state == g_ref.bit_generator.state
