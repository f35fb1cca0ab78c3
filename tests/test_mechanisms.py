"""The person-level mechanisms, one rule at a time."""

import numpy as np
import pytest

import sim
from sim.mechanisms.people import engagement, membership
from sim.params import view
from sim.population import STAFF_SCHEMA, Columns, group_mean
from sim.scenario import load_scenario


def make_model(**overrides):
    base = {"organisation.users": 0, "organisation.staff": 200}
    return sim.MutualModel("base", rng=3, overrides={**base, **overrides})


def test_columns_grow_compact_and_keep_agents_pointing_at_their_rows():
    model = make_model()
    staff = model.staff
    before = {a.unique_id: (a.affinity, a.tenure) for a in staff.agents}
    gone = np.arange(0, staff.size, 3)
    model.remove_staff(gone)
    staff.compact()
    assert staff.size == staff.count() == 200 - len(gone)
    for agent in staff.agents:
        assert (agent.affinity, agent.tenure) == before[agent.unique_id]
    # removed agents left the Mesa model too (directors, commissioners and providers are
    # agents as well)
    assert len(model.agents_by_type[sim.agents.StaffMember]) == staff.size


def test_finished_models_are_freed():
    """No reference cycle hides from the garbage collector: long sweeps must not leak."""
    import gc
    import weakref

    refs = []
    for seed in range(3):
        model = sim.MutualModel("base", rng=seed, overrides={"organisation.staff": 30,
                                                             "organisation.users": 20})
        model.run_for(13)  # through a year end and its compaction
        refs.append(weakref.ref(model))
    del model
    gc.collect()
    assert all(r() is None for r in refs)


def test_in_place_column_arithmetic_writes_the_store():
    cols = Columns(STAFF_SCHEMA, capacity=2)
    cols.append(5, affinity=0.5)
    cols.affinity += 0.25          # rebinding must not detach the view
    cols.append(3, affinity=0.1)   # growing copies the store
    assert np.allclose(cols.affinity, [0.75] * 5 + [0.1] * 3)


def test_group_mean_leaves_out_self_and_the_dead():
    groups = np.array([0, 0, 0, 1, 1])
    values = np.array([1.0, 2.0, 3.0, 4.0, 10.0])
    alive = np.array([True, True, False, True, True])
    peers = group_mean(groups, values, alive, 2)
    assert np.allclose(peers[:2], [2.0, 1.0])
    assert np.allclose(peers[3:], [10.0, 4.0])
    assert np.allclose(group_mean(groups, values, alive, 2, exclude_self=False)[0], 1.5)


def test_agent_attributes_are_rows_of_the_columns():
    model = make_model()
    agent = model.staff.agents[7]
    agent.ownership = 0.9
    assert model.staff.ownership[7] == 0.9
    assert isinstance(agent, sim.agents.StaffMember)
    assert agent.engagement_label in sim.agents.LADDER


@pytest.mark.parametrize("rule", ["opt_in", "opt_out", "automatic", "none"])
def test_only_eligible_staff_are_ever_members(rule):
    model = make_model(**{"membership.staff.rule": rule, "months": 24})
    for _ in range(24):
        model.step()
        s = model.staff
        eligible = membership.staff_eligible(s, model.params)
        assert not (s.member & s.alive & ~eligible).any()
    if rule == "none":
        assert not model.staff.member.any()


def test_automatic_membership_has_no_way_out():
    model = make_model(**{"membership.staff.rule": "automatic",
                          "membership.staff.opt_out_rate": 0.1})
    for _ in range(24):
        model.step()
        assert model.month_counts["staff_opt_outs"] == 0
        s = model.staff
        assert (s.member == membership.staff_eligible(s, model.params)).all()


def test_opt_out_enrols_at_the_end_of_probation_and_lets_people_leave():
    model = make_model(**{"membership.staff.rule": "opt_out",
                          "membership.staff.opt_out_rate": 0.05})
    outs = 0
    for _ in range(36):
        model.step()
        outs += model.month_counts["staff_opt_outs"]
    assert outs > 0  # a high opt-out rate really lets people out ...
    s = model.staff
    left = s.alive & s.defaulted & ~s.member
    assert left.any()  # ... and they are not re-enrolled
    assert not (s.alive & ~s.defaulted & membership.staff_eligible(s, model.params)).any()


def test_opt_in_join_hazard_follows_its_levers():
    p = load_scenario("base").values
    rules = membership.Rules.for_constituency(view(p), "staff")
    h0 = rules.join_hazard(0.0)
    assert h0 == pytest.approx(p["membership.staff.base_join_rate"]
                               * (1 + p["membership.staff.promotion_effect"]
                                  * p["membership.staff.promotion"]))
    assert rules.join_hazard(0.5) == pytest.approx(h0 * (1 + 0.5 * rules.peer_effect))


def test_stationary_levels_match_a_long_simulation_of_the_ladder():
    """The month-0 rungs are drawn from the ladder's long-run distribution: check it against
    simulating the same birth-death chain for many months."""
    p = view(load_scenario("base").values)
    rng = np.random.default_rng(0)
    drive = np.full(20_000, 0.3)
    drawn = np.bincount(engagement.stationary_levels(drive, p, rng), minlength=4) / 20_000
    level = np.zeros(20_000, dtype=np.int8)
    for _ in range(600):
        up, down = engagement.rung_chances(level, drive, p)
        r = rng.random(level.size)
        up_now = (r < up) & (level < 3)
        level[up_now] += 1
        level[~up_now & (r > 1 - down)] -= 1
    simulated = np.bincount(level, minlength=4) / 20_000
    assert np.allclose(drawn, simulated, atol=0.015), (drawn, simulated)


def test_workload_pushes_engagement_down():
    light = [sim.run("base", seed=s, overrides={"workforce.workload": 0.8}).final["active_share"]
             for s in range(3)]
    heavy = [sim.run("base", seed=s, overrides={"workforce.workload": 1.5}).final["active_share"]
             for s in range(3)]
    assert np.mean(heavy) < np.mean(light)


def test_dispersion_across_sites_lowers_engagement_at_remote_sites():
    # pooled over four runs: a run that loses its core contract can end with a dozen staff at
    # head office, too few to compare on their own
    rungs = {"hq": [], "remote": []}
    for seed in range(4):
        s = sim.run("base", seed=seed, overrides={"organisation.sites": 30},
                    keep_model=True).model.staff
        rungs["hq"] += s.engagement[s.alive & (s.site == 0)].tolist()
        rungs["remote"] += s.engagement[s.alive & (s.site != 0)].tolist()
    assert np.mean(rungs["hq"]) > np.mean(rungs["remote"])


def test_fixed_term_posts_keep_their_share():
    ts = sim.run("base", seed=2).timeseries
    model = sim.run("base", seed=2, keep_model=True).model
    s = model.staff
    share = (s.fixed_term & s.alive).sum() / s.count()
    assert abs(share - model.p["workforce.fixed_term_share"]) < 0.05
    vacancy_rate = ts["vacancies"] / (ts["headcount"] + ts["vacancies"])
    assert vacancy_rate.mean() < 0.1  # recruitment keeps up with the establishment


def test_representatives_never_exceed_seats():
    ts = sim.run("base", seed=4, overrides={"governance.rep_body.staff_seats": 5,
                                             "governance.board.staff_seats": 0,
                                             "engagement.pipeline_investment": 1000.0}).timeseries
    assert ts["representatives"].max() <= 5
    assert ts["representatives"].iloc[-1] == 5  # with a strong pipeline the seats fill


def test_month_0_ownership_is_the_monthly_target():
    """One formula (engagement.ownership_target) for month 0 and every month: with the other
    weights summing above 1 affinity has no weight in the target, so month-0 ownership must not
    fall as affinity rises (it did: 0.159 at affinity < 0.4, 0.049 above 0.8, seed 1)."""
    import sim

    over = {"ownership.voice_weight": 0.5, "ownership.member_weight": 0.3,
            "ownership.engagement_weight": 0.4}
    s = sim.MutualModel("base", rng=1, overrides=over).staff
    low, high = s.alive & (s.affinity < 0.4), s.alive & (s.affinity > 0.8)
    assert abs(s.ownership[high].mean() - s.ownership[low].mean()) < 0.02


def test_person_agents_are_made_lazily_behind_mesa_api():
    """Sweeps make (almost) no person agents; asking for them (model.agents, the columns'
    agents, one row's agent) makes them, with the same row state and Mesa bookkeeping."""
    model = sim.MutualModel("base", rng=5, overrides={"organisation.staff": 60,
                                                      "organisation.users": 80})
    model.run_for(14)  # arrivals, leavers, a year end (compaction, elections)
    made = sum(a is not None for a in model.staff._agents + model.users._agents)
    assert made < 20  # only elected representatives were asked for
    one = model.staff.agent(3)
    assert one is model.staff.agent(3) and one.row == 3
    everyone = model.agents  # Mesa's registry: makes every present person's agent
    staff = model.agents_by_type[sim.agents.StaffMember]
    assert len(staff) == model.staff.count() and one in staff
    assert len(model.agents_by_type[sim.agents.ServiceUser]) == model.users.count()
    assert all(a.row == i for i, a in enumerate(model.staff.agents) if a is not None)
    assert len(everyone) > model.staff.count() + model.users.count()  # directors etc. too
    model.remove_staff(np.array([3]))
    assert one not in model.agents
    model.run_for(2)  # new arrivals after the first ask are made lazily again
    assert model.users.count() == len(model.agents_by_type[sim.agents.ServiceUser])


def test_group_mean_of_no_one_is_empty():
    """An organisation with no staff left (hypothesis found it: 5 staff, a quarter of the
    budget) has no peers; the peer mean is an empty float array, not a casting error."""
    empty = np.array([], dtype=np.int32)
    out = group_mean(empty, np.array([], dtype=float), np.array([], dtype=bool), 1)
    assert out.shape == (0,) and out.dtype == float
