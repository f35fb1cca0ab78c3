"""Compiled (numba) kernels for the monthly person update (docs/ODD.md §3 steps 5-7: the rules
of ``engagement.update`` and ``membership.update``, users' departures and awareness, and a
decision's ownership effects, ``decisions.apply_ownership_effects``): one pass over the
columns per step instead of ~80 numpy calls a month.

The kernels do, person by person, exactly the floating-point operations the numpy code in
``sim/mechanisms/people/engagement.py`` does array by array, in the same order and with the
same roundings (no ``fastmath``, so no fused multiply-adds or reassociation); the group sums
are accumulated in row order, as ``np.bincount`` does. Two things stay outside:

- the exponentials of the ladder's drive: numba's ``exp`` (the C library's) differs from
  numpy's SIMD ``exp`` in the last bit for some values, so the kernels stop before it and
  numpy computes it (``engagement._update_compiled``); and
- every random draw (``model.rng``), made in the same order as the numpy path.

So the compiled path's results are bit-identical to the numpy path's (``tests/test_golden.py``
holds either; ``tests/test_kernels.py`` runs both and compares every column). Set
``MUTUALSIM_JIT=0`` to run the numpy path (or when numba is not installed, which falls back
to it). The kernels are compiled on first use and cached on disk (``cache=True``, in
``__pycache__``), so only the first run on a machine pays the compile time
(benchmarks/README.md gives the figure).
"""

from __future__ import annotations

import os

import numpy as np

try:  # numba is a declared dependency; the numpy path remains the reference
    import numba
except ImportError:  # pragma: no cover - exercised only where numba is absent
    numba = None

ENABLED = numba is not None and os.environ.get("MUTUALSIM_JIT", "1") != "0"

TOP = 4  # shape: the ladder's rungs are 0..4 (docs/ODD.md §2)


def _jit(fn):
    return numba.njit(cache=True, error_model="numpy")(fn) if numba is not None else fn


@_jit
def _clip20(z):
    # np.clip(z, -20, 20): no overflow in exp
    if z < -20.0:  # shape: no overflow in exp
        return -20.0  # shape: no overflow in exp
    if z > 20.0:  # shape: no overflow in exp
        return 20.0  # shape: no overflow in exp
    return z


@_jit
def _live_sums(groups, values, alive, n_groups, sums, counts):
    """np.bincount over the live rows (the dead in an extra group), in row order."""
    for g in range(n_groups + 1):
        sums[g] = 0.0
        counts[g] = 0.0
    dead = np.uint32(n_groups)
    for i in range(groups.shape[0]):
        # an unsigned index: no test for a negative one (numpy's wrap-around) per look-up
        g = np.uint32(groups[i]) if alive[i] else dead
        sums[g] += values[i]
        counts[g] += 1.0


@_jit
def _peer_mean(sums, counts, groups, values, alive, i):
    """group_mean(exclude_self=True) for row i: the mean of the other live members."""
    a = 1.0 if alive[i] else 0.0
    g = np.uint32(groups[i])  # unsigned, as in _live_sums
    n = counts[g] - a
    if n > 0:
        return (sums[g] - values[i] * a) / n
    return 0.0


@_jit
def _peer_table(sums, counts):
    """_peer_mean for 0/1 values, per group: column 0 for a row that has left (its value
    counts in no group), 1 for a present row valued 0, 2 for a present row valued 1: the same
    subtraction and division as per row, done once per group and case."""
    table = np.empty((sums.shape[0], 3))  # shape: three cases (left, present 0, present 1)
    for g in range(sums.shape[0]):
        for case in range(3):  # shape: the three cases above
            a = 0.0 if case == 0 else 1.0
            v = 1.0 if case == 2 else 0.0
            n = counts[g] - a
            table[g, case] = (sums[g] - v * a) / n if n > 0 else 0.0
    return table


@_jit
def _group_means(sums, counts):
    """group_mean(exclude_self=False) per group: sums / counts, 0 for an empty group."""
    means = np.empty(sums.shape[0])
    for g in range(sums.shape[0]):
        means[g] = sums[g] / counts[g] if counts[g] > 0 else 0.0
    return means


@_jit
def _active_sums(level, groups, alive, n_groups):
    """Per group, the live rows' count of the active (rung >= 3) and of all rows: the peer
    inputs both ladders start from (np.bincount of the 0/1 active column, in row order)."""
    n = level.shape[0]
    active = np.empty(n)
    for i in range(n):
        active[i] = 1.0 if level[i] >= 3 else 0.0
    sums = np.empty(n_groups + 1)
    counts = np.empty(n_groups + 1)
    _live_sums(groups, active, alive, n_groups, sums, counts)
    return sums, counts


@_jit
def staff_z(level, own, conf, sat, member, chose, part_time, site, team, alive, n_teams,
            w_own, w_conf, w_sat, w_peer, pipe, w_member, w_default_member, pt_load, overload,
            w_load, remote,
            b1, b2_site, b2_team, z_up, z_down):
    """The staff ladder's drive (engagement.staff_drive) plus each step's channel boost
    (participation.staff_boost), clipped: the arguments of the exponentials in
    engagement.rung_chances, for the move up (z_up) and down (z_down)."""
    n = level.shape[0]
    sums, counts = _active_sums(level, team, alive, n_teams)
    peers = _peer_table(sums, counts)
    col = _boost_columns(b1)
    for i in range(n):
        t, s = np.uint32(team[i]), np.uint32(site[i])  # unsigned look-ups (_live_sums)
        peer = peers[t, 2 if level[i] >= 3 else 1]
        d = (own[i] - 0.5) * w_own
        d += (conf[i] - 0.5) * w_conf
        d += (sat[i] - 0.5) * w_sat
        d += peer * w_peer
        d += pipe
        d += (1.0 if member[i] else 0.0) * (w_member if chose[i] else w_default_member)
        load = (1.0 if part_time[i] else 0.0) * pt_load
        load += overload
        load *= w_load
        d -= load
        d -= remote * (1.0 if s != 0 else 0.0)
        col[2] = b2_site[s] + b2_team[t]
        lv = np.uint8(level[i])
        up = _clip20(col[lv if lv < TOP - 1 else TOP - 1] + d)
        down = _clip20(col[lv - 1 if lv > 1 else 0] + d)
        # climb moves no one who has left: their chances are never read, and are 0; a
        # select, not a branch (those who left are scattered through the rows)
        z_up[i] = up if alive[i] else 0.0
        z_down[i] = down if alive[i] else 0.0


@_jit
def user_z(level, own, conf, member, chose, vuln, site, alive, n_sites,
           w_own, w_conf, w_peer, pipe, w_member, w_default_member, neg_w_vuln, remote, b1,
           b2_site,
           z_up, z_down):
    """The users' drive (engagement.user_drive) plus each step's boost
    (participation.user_boost), clipped (see :func:`staff_z`)."""
    n = level.shape[0]
    sums, counts = _active_sums(level, site, alive, n_sites)
    means = _group_means(sums, counts)
    col = _boost_columns(b1)
    for i in range(n):
        s = np.uint32(site[i])  # unsigned look-ups (_live_sums)
        peer = means[s]  # group_mean(exclude_self=False)
        d = (own[i] - 0.5) * w_own
        d += (conf[i] - 0.5) * w_conf
        d += peer * w_peer
        d += pipe
        d += (1.0 if member[i] else 0.0) * (w_member if chose[i] else w_default_member)
        d += vuln[i] * neg_w_vuln
        d -= remote * (1.0 if s != 0 else 0.0)
        col[2] = b2_site[s]
        lv = np.uint8(level[i])
        up = _clip20(col[lv if lv < TOP - 1 else TOP - 1] + d)
        down = _clip20(col[lv - 1 if lv > 1 else 0] + d)
        z_up[i] = up if alive[i] else 0.0  # as in staff_z
        z_down[i] = down if alive[i] else 0.0


@_jit
def _boost_columns(b1):
    """A person's boost by step (columns 0..3 of participation.staff_boost: none, the surveys,
    the person's forum and council, none); column 2 is filled per person. The step up from
    rung lv reads column min(lv, 3), the step down column max(lv − 1, 0): a look-up, not a
    branch per rung."""
    col = np.zeros(TOP)
    col[1] = b1
    return col


@_jit
def climb(level, e_up, e_down, r, alive, rung_factor, up_scale, down_rate, cap,
          ceiling_on, aware, group_months, hold):
    """engagement.climb from the exponentials: one rung up or down at most, up to rung 3;
    with ``ceiling_on``, users not ``aware`` stay at rung ≤ 1; with ``hold``, working-group
    members are held at rung 3 (participation.hold_group_members)."""
    for i in range(level.shape[0]):
        lv = level[i]
        up = rung_factor[np.uint8(lv)] * up_scale  # unsigned look-up (_live_sums)
        up *= e_up[i]
        down = down_rate / e_down[i]
        if up > cap:
            up = cap
        if down > cap:
            down = cap
        if lv <= 0:
            down = 0.0
        goes_up = r[i] < up and lv < TOP - 1 and alive[i]
        # the way down is decided before the ceiling (as engagement.climb does)
        goes_down = lv < TOP and r[i] > 1.0 - down and alive[i] and not goes_up
        if ceiling_on and goes_up:
            goes_up = lv < (TOP if aware[i] else 1)
        if goes_up:
            lv += 1
        elif goes_down:
            lv -= 1
        if hold and alive[i] and group_months[i] > 0 and lv < 3:
            lv = 3  # shape: a seat holder is on rung 3 at least (engagement's hold)
        level[i] = lv


@_jit
def _satisfaction_target(a, s_aff, s_voice, s_work, s_pay, grievance, extra):
    """engagement.satisfaction_target for one person of affinity ``a``, clipped to 0-1: the
    numpy code's additions in its order (settle and newcomers both use it)."""
    st = (a - 0.5) * s_aff
    st += 0.5
    st += s_voice
    st -= s_work
    st += s_pay
    st -= grievance
    st += extra
    return 0.0 if st < 0.0 else (1.0 if st > 1.0 else st)


@_jit
def settle(level, affinity, deficit, own, sat, conf, member, chose, groups, alive, n_groups,
           tupe_rate, w_aff, voice_term, w_member, w_default_member, rung_term, adjust_rate,
           contagion,
           s_aff, s_voice, s_work, s_pay, grievance, extra, s_rate, conf_gain):
    """After the ladder: TUPE acceptance (staff: ``tupe_rate`` > 0), ownership toward its
    target and the group's mean, satisfaction toward its target, confidence
    (engagement.tupe_acceptance, adjust_ownership, adjust_satisfaction, build_confidence)."""
    sums = np.empty(n_groups + 1)
    counts = np.empty(n_groups + 1)
    _live_sums(groups, own, alive, n_groups, sums, counts)  # before anyone moves
    for i in range(level.shape[0]):
        lv = np.uint8(level[i])  # unsigned look-ups (_live_sums)
        if tupe_rate >= 0.0:
            regained = tupe_rate * deficit[i]
            affinity[i] += regained
            deficit[i] -= regained
        a = affinity[i]
        o = own[i]
        t = w_aff * a
        t += voice_term
        t += (1.0 if member[i] else 0.0) * (w_member if chose[i] else w_default_member)
        t += rung_term[lv]
        peers = _peer_mean(sums, counts, groups, own, alive, i)
        t -= o
        t *= adjust_rate
        peers -= o
        peers *= contagion
        t += peers
        o += t
        own[i] = 0.0 if o < 0.0 else (1.0 if o > 1.0 else o)
        st = _satisfaction_target(a, s_aff, s_voice, s_work, s_pay, grievance, extra)
        s = sat[i]
        st -= s
        st *= s_rate
        sat[i] = s + st
        c = conf[i]
        g = conf_gain[lv] * (1.0 - c)
        conf[i] = c + g




@_jit
def membership(member, defaulted, alive, eligible, groups, n_groups, exclude_self, sat, draws,
               peer_effect, join_scale, opt_out_scale, default_once):
    """membership.update_constituency for the opt-in and opt-out rules: the peer member share
    (group_mean of ``member``), opt-outs, joins and, under opt-out (``default_once``), the
    default applied once; returns (joins, opt-outs)."""
    n = member.shape[0]
    sums = np.empty(n_groups + 1)
    counts = np.empty(n_groups + 1)
    _live_sums(groups, member, alive, n_groups, sums, counts)  # adds 1.0 or 0.0 a row
    # shape: the peer table's three cases
    peers = _peer_table(sums, counts) if exclude_self else np.empty((0, 3))
    means = np.empty(0) if exclude_self else _group_means(sums, counts)
    joins = 0
    outs = 0
    # every row's two hazards, and selects instead of branches: who is a member, who has
    # left and who is eligible are scattered through the rows (44 % members, a fifth gone in
    # the largest case), so branches on them mispredict; each row's arithmetic and its test
    # against its draw are those of the numpy path
    for i in range(n):
        m = member[i]
        present = alive[i]
        h = 1.0 - sat[i]
        h = 0.0 if h < 0.0 else (1.0 if h > 1.0 else h)
        h *= opt_out_scale
        leaves = m & present & (draws[i] < h)
        candidate = (not m) & present & eligible[i]
        # present, eligible and not a member: the table's case 1
        g = np.uint32(groups[i])  # unsigned look-ups (_live_sums)
        peer = peers[g, 1] if exclude_self else means[g]
        j = peer * peer_effect
        j += 1
        j *= join_scale
        if j > 1.0:
            j = 1.0
        chooses = candidate & (draws[i] < j)
        if default_once:  # the default, applied once, before the join hazard
            enrolled = candidate & (not defaulted[i])
            defaulted[i] = defaulted[i] | enrolled
            chooses = chooses & (not enrolled)
            joins += enrolled
            member[i] = (m & (not leaves)) | enrolled | chooses
        else:
            member[i] = (m & (not leaves)) | chooses
        joins += chooses
        outs += leaves
    return joins, outs


@_jit
def ownership_effects(own, took_part, members, engaged, impose, active, gain, loss_scale,
                      user_own, users_too, consultable):
    """decisions.apply_ownership_effects after the seats: staff who took part (a seat, or
    engaged when the members were consulted) gain ownership, other active staff lose some
    when the decision is imposed; consulted users gain."""
    if members and users_too:
        for i in range(user_own.shape[0]):
            if consultable[i]:
                u = user_own[i]
                user_own[i] = u + gain * (1 - u)
    for i in range(own.shape[0]):
        o = own[i]
        if took_part[i] or (members and engaged[i]):
            own[i] = o + gain * (1 - o)
        elif impose and active[i]:
            own[i] = o - loss_scale * o


@_jit
def newcomers(affinity, w_aff, voice_term, member_term, rung_term, s_aff, s_voice, s_work,
              s_pay, grievance, extra, own, sat):
    """A newcomer's ownership and satisfaction (MutualModel._ownership_start for a non-member
    on rung 0 and engagement.satisfaction_target, each clipped to 0-1): the numpy code's
    operations in its order, for the few rows a month's recruits or arriving users add."""
    for i in range(affinity.shape[0]):
        a = affinity[i]
        o = w_aff * a
        o += voice_term
        o += member_term
        o += rung_term
        own[i] = 0.0 if o < 0.0 else (1.0 if o > 1.0 else o)
        sat[i] = _satisfaction_target(a, s_aff, s_voice, s_work, s_pay, grievance, extra)


@_jit
def become_aware(aware, alive, r, chance):
    """engagement.spread_awareness after the draw: present, unaware users with r < chance."""
    for i in range(aware.shape[0]):  # a select, not branches (as in membership)
        aware[i] = aware[i] | (alive[i] & (r[i] < chance))


@_jit
def leaving_argument(satisfaction, weight, out):
    """users.monthly's exponent, weight · (0.5 − satisfaction), for numpy's exp."""
    for i in range(satisfaction.shape[0]):
        out[i] = weight * (0.5 - satisfaction[i])


@_jit
def leavers(alive, r, e, base):
    """The rows of present users who leave this month: r < base · e (users.monthly)."""
    rows = np.empty(alive.shape[0], dtype=np.int64)
    n = 0
    for i in range(alive.shape[0]):
        if alive[i] & (r[i] < base * e[i]):  # one rare branch, not one on who has left
            rows[n] = i
            n += 1
    return rows[:n]


@_jit
def resignation_argument(sat, own, w_dissatisfaction, w_ownership, out):
    """workforce.leavers' exponent, w_d · (0.5 − satisfaction) − w_o · (ownership − 0.5)."""
    for i in range(sat.shape[0]):
        out[i] = w_dissatisfaction * (0.5 - sat[i]) - w_ownership * (own[i] - 0.5)


@_jit
def staff_leavers(alive, r, e, base, fixed_term, tenure, term_months):
    """The rows of present staff who leave this month (workforce.leavers): r < base · e
    (resignation) or a fixed-term contract at its end."""
    rows = np.empty(alive.shape[0], dtype=np.int64)
    n = 0
    for i in range(alive.shape[0]):
        if alive[i] & ((r[i] < base * e[i]) | (fixed_term[i] & (tenure[i] >= term_months))):
            rows[n] = i
            n += 1
    return rows[:n]


@_jit
def working_group_pool(group_months, alive, level, top):
    """participation.fill_working_groups' first pass: a month off every working-group place
    held, none held by those who left; returns (places still held, the rows of present people
    on rungs 2 to top − 1 in no group), as the numpy masks give them."""
    rows = np.empty(alive.shape[0], dtype=np.int64)
    n = 0
    held = 0
    for i in range(alive.shape[0]):
        g = group_months[i]
        if g > 0:
            g -= 1
        if not alive[i]:
            g = 0
        group_months[i] = g
        if g > 0:
            held += 1
        elif alive[i] and level[i] >= 2 and level[i] < top:
            rows[n] = i
            n += 1
    return held, rows[:n]


@_jit
def vacancy_pool(team, alive, team_open, size):
    """MutualModel._teams_with_vacancies' pool: each open team repeated once per vacancy
    (``size`` less its present staff, if positive), teams in order, as np.repeat of the open
    teams by their gaps gives it."""
    n_teams = team_open.shape[0]
    counts = np.zeros(n_teams, dtype=np.int64)
    for i in range(team.shape[0]):
        if alive[i] and team[i] < n_teams:  # only the open teams' counts are read
            counts[team[i]] += 1
    total = 0
    for t in range(n_teams):
        if team_open[t] and size > counts[t]:
            total += size - counts[t]
    pool = np.empty(total, dtype=np.int64)
    k = 0
    for t in range(n_teams):
        if team_open[t]:
            for _ in range(size - counts[t]):
                pool[k] = t
                k += 1
    return pool


def warm() -> None:
    """Load (or, the first time on a machine, compile) every kernel for the argument types a
    run passes, so a process forked afterwards starts with them ready: the batch engine's
    forkserver calls this once (sim/batch/_worker_guard.py) instead of each worker loading
    them at its first run (about 0.7 s a process)."""
    if not ENABLED:
        return
    f, b = np.ones(1), np.zeros(1, dtype=bool)
    lv, i32, gm = np.zeros(1, dtype=np.int8), np.zeros(1, dtype=np.int32), np.zeros(1, np.int16)
    rungs = np.zeros(TOP + 1)
    factors = rungs.copy()
    factors.flags.writeable = False  # as engagement._rung_factor hands it over
    # shape: warm-up arguments: one row, zero parameters (the counts are the kernels' arities)
    staff_z(lv, f, f, f, b, b, b, i32, i32, b, 1, *([0.0] * 12), f, f, np.zeros(1), np.zeros(1))
    user_z(lv, f, f, b, b, f, i32, b, 1, *([0.0] * 9), f, np.zeros(1), np.zeros(1))  # shape: arity
    climb(lv, f, f, f, b, factors, 0.0, 0.0, 0.0, False, b, gm, True)
    # shape: warm-up arguments, as above
    settle(lv, f, f, f, f, f, b, b, i32, b, 1, *([0.0] * 5), rungs, *([0.0] * 9), rungs)
    ownership_effects(f, b, True, b, True, b, 0.0, 0.0, f, True, b)
    newcomers(f, *([0.0] * 10), f.copy(), f.copy())  # shape: arity
    working_group_pool(gm.copy(), b, lv, TOP)
    vacancy_pool(i32, b, b, 1)
    become_aware(b.copy(), b, f, 0.0)
    leaving_argument(f, 0.0, f.copy())
    leavers(b, f, f, 0.0)
    resignation_argument(f, f, 0.0, 0.0, f.copy())
    staff_leavers(b, f, f, 0.0, b, i32, 0.0)
    for exclude_self in (True, False):
        membership(b.copy(), b.copy(), b, b, i32, 1, exclude_self, f, f, 0.0, 0.0, 0.0, True)
