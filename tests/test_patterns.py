"""The calibration patterns of MODEL.md §6 that the people side must reproduce (default levers),
and the monotone responses of the levers. Each claim is checked over several seeds with a
tolerance taken from the spread between seeds."""

import numpy as np
import pytest

import sim

from .conftest import SEEDS, mean_and_sem, runs


@pytest.fixture(scope="module")
def opt_out_runs():
    return runs("opt_out")


@pytest.fixture(scope="module")
def opt_in_runs():
    return runs("opt_in")


def test_p1_opt_out_membership_settles_near_75_to_80_percent(opt_out_runs):
    """P1 (§4.1, Case 4): 'around about 75 %, maybe 80 %' within a few years of the switch."""
    settled = [r.timeseries["staff_membership_rate"].iloc[36:].mean() for r in opt_out_runs]
    mean, sem = mean_and_sem(settled)
    assert 0.75 - 2 * sem <= mean <= 0.80 + 2 * sem, (mean, sem)


def test_p1_active_opt_outs_are_very_rare(opt_out_runs):
    """P1: 'we've never had anybody opt-out, ever' — fewer than 1 in 200 members a year."""
    for r in opt_out_runs:
        ts = r.timeseries
        members = (ts["staff_membership_rate"] * ts["headcount"]).mean()
        per_year = ts["staff_opt_outs"].sum() / (len(ts) / 12)
        assert per_year < members / 200, (per_year, members)


@pytest.mark.xfail(strict=True, reason=(
    "fails since the statutory-services rule (docs/ODD.md §13.11, stop 25) on the test's own "
    "precondition: one opt-in run keeps at least half its starting workforce for only 19 "
    "months (the statistic needs 24) before the rate is looked at; it passed on 8a5edc7. "
    "Diagnosed (docs/patterns.md, P2): seed 3 loses its core contract, withdrawn early at "
    "month 19 (136 staff), after two contracts brought in house and one lost; its peak in "
    "those 19 months is 2.9 %. Kept as a strict xfail, the test not loosened"))
def test_p2_opt_in_with_little_promotion_stays_below_5_percent(opt_in_runs):
    """P2 (Table 4.1, Case 3): take-up 'very low (<5% of staff)' in a working organisation.

    Checked while the mutual keeps at least half its starting workforce: when it loses most of
    its contracts, the few long-serving survivors (who have had longest to opt in) can lift the
    rate of a tiny remnant above 5 %, which is a different story from Case 3's."""
    for r in opt_in_runs:
        ts = r.timeseries
        working = ts["headcount"] >= 0.5 * ts["headcount"].iloc[0]
        assert working.sum() >= 24
        assert ts.loc[working, "staff_membership_rate"].max() < 0.05


def _members_by_tenure(model):
    s = model.staff
    eligible = sim.mechanisms.people.membership.staff_eligible(s, model.params)
    tenure, member = s.tenure[eligible], s.member[eligible]
    return tenure, member


def test_p3_opt_in_membership_rises_with_tenure():
    """P3 (§4.1 inertia): the longer people have been eligible, the likelier they have joined."""
    bands = [(0, 24), (24, 72), (72, 10_000)]
    members, eligible = np.zeros(len(bands)), np.zeros(len(bands))
    for seed in SEEDS:  # pooled over seeds: a shrunken organisation may leave a band empty
        model = sim.run("base", seed=seed, keep_model=True).model
        tenure, member = _members_by_tenure(model)
        for i, (lo, hi) in enumerate(bands):
            band = (tenure >= lo) & (tenure < hi)
            members[i] += member[band].sum()
            eligible[i] += band.sum()
    assert (eligible > 30).all(), eligible
    rate = members / eligible
    assert rate[0] < rate[1] < rate[2], rate


def test_p3_opt_out_membership_is_high_from_the_end_of_probation(opt_out_runs):
    """P3: under opt-out, staff are members as soon as probation ends."""
    model = sim.run("opt_out", seed=0, keep_model=True).model
    tenure, member = _members_by_tenure(model)
    probation = model.p["membership.staff.probation_months"]
    just_eligible = (tenure >= probation) & (tenure < probation + 12)
    assert just_eligible.sum() > 10
    assert member[just_eligible].mean() > 0.95


def test_p4_membership_far_exceeds_active_participation(opt_out_runs):
    """P4 (§5.4): formal membership does not translate into active engagement."""
    for r in opt_out_runs:
        f = r.final
        assert f["staff_membership_rate"] > 3 * f["active_share"]


def test_p4_large_user_membership_is_largely_passive():
    """P4 (Case 9): 'user membership ran to tens of thousands ... largely passive'."""
    overrides = {"membership.users.rule": "opt_in", "membership.users.promotion": 0.6,
                 "organisation.users": 20_000}
    for r in runs("base", seeds=range(3), overrides=overrides, keep_model=True):
        u = r.model.users
        members = u.member & u.alive
        assert members.sum() > 2_000  # a large membership ...
        assert (u.engagement[members] >= 3).mean() < 0.1  # ... that is mostly passive
        assert r.final["user_membership_rate"] > 5 * r.final["user_active_share"]


def test_p10_transferred_staff_engage_less_at_first_and_the_gap_narrows():
    """P10 (§5.4, Cases 3 and 4): the TUPE cohort starts less engaged than colleagues who were
    recruited; the gap narrows as they leave or accept."""
    gaps = {12: [], 96: []}
    # The TUPE cohort still present at month 96 is ~25 people, so the gap is noisy (sd of the
    # narrowing ~0.2 per seed): 18 seeds give a standard error near 0.045 against a narrowing
    # near 0.19 (seeds 0-5 alone happened to give 0.41 before governance seats existed).
    for seed in range(18):
        model = sim.MutualModel("base", rng=seed)
        tupe_ids = {a.unique_id for a in model.staff.agents_at(model.staff.tupe)}
        for month in range(1, 97):
            model.step()
            if month in gaps:
                s = model.staff
                ids = np.array([a.unique_id if a is not None else -1 for a in s.agents])
                in_tupe = np.isin(ids, list(tupe_ids)) & s.alive
                from_start = s.alive & (s.tenure >= month) & ~s.tupe  # recruits there at month 0
                gaps[month].append(s.engagement[in_tupe].mean()
                                   - s.engagement[from_start].mean())
    early, late = np.array(gaps[12]), np.array(gaps[96])
    assert (early < 0).all(), early
    narrowing = np.abs(early) - np.abs(late)
    mean, sem = mean_and_sem(narrowing)
    assert mean - 2 * sem > 0, (early, late)


def _final_mean(key, scenario, overrides, seeds=range(4)):
    return np.mean([r.final[key] for r in runs(scenario, seeds=seeds, overrides=overrides)])


@pytest.mark.parametrize("lever,levels", [
    ("membership.staff.promotion", [0.0, 0.3, 0.6, 1.0]),
    ("membership.staff.incentive", [0.0, 0.4, 1.0]),
])
def test_more_promotion_or_incentive_means_more_opt_in_members(lever, levels):
    rates = [_final_mean("staff_membership_rate", "opt_in", {lever: v}) for v in levels]
    assert all(np.diff(rates) > 0), rates


def test_more_pipeline_investment_means_more_staff_at_rung_3_or_above():
    levels = [0.0, 100.0, 300.0, 1000.0]
    active = [_final_mean("active_share", "base", {"engagement.pipeline_investment": v})
              for v in levels]
    assert all(np.diff(active) > 0), active
