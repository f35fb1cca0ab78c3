"""MutualModel: one public service mutual, its staff and its service users, month by month."""

from __future__ import annotations

import math
from functools import partial

import mesa
import numpy as np
from mesa.time import Priority, Schedule

from sim import events, metrics, timeline
from sim.agents import ServiceUser, StaffMember
from sim.clock import MONTHS_PER_YEAR, is_year_end
from sim.mechanisms.funding import commissioning, finance, growth, market, procurement
from sim.mechanisms.funding.state import Funding
from sim.mechanisms.governance import cycle
from sim.mechanisms.governance.state import Governance
from sim.mechanisms.organisation import Organisation
from sim.mechanisms.people import (
    engagement,
    kernels,
    membership,
    participation,
    service,
    users,
    workforce,
)
from sim.mechanisms.people.state import People
from sim.params import view
from sim.population import STAFF_SCHEMA, USER_SCHEMA, Columns
from sim.scenario import MutualScenario, Scenario, load_scenario


class MutualModel(mesa.Model):
    """A public service mutual under its membership rules (docs/ODD.md §2–§3).

    Build it from a resolved :class:`~sim.scenario.Scenario` (or a bundled scenario name or a
    path) and a seed: ``MutualModel("opt_out", rng=42)``. One step is one month.

    Each side's state is one dataclass, declared in its own package and created here:
    ``model.people`` (sim/mechanisms/people/state.py), ``model.governance``
    (governance/state.py), ``model.funding`` (funding/state.py) and ``model.org``, the sites
    and teams (sim/mechanisms/organisation.py). The staff and users are the columns
    ``model.staff`` and ``model.users`` (sim/population.py). A seam between the sides lives in
    the state of the side that writes it: the funding side drives ``funding.workload``,
    ``pay_index``, ``staff_target`` and ``surplus``; the governance side drives
    ``governance.decision_latency``, ``voice_heard``, ``user_voice_heard``, ``grievance``,
    ``conflict_index`` and ``trust`` (sim/mechanisms/governance/cycle.py).
    """

    def __init__(self, scenario: Scenario | str | None = None, rng=None,
                 overrides: dict | None = None, sweep: bool = False,
                 series: tuple[str, ...] = ()):
        super().__init__(rng=rng)
        # sweep mode (docs/ODD.md §8 "Sweep mode"): every output at the last month (or the failure
        # month), only `series` (and what the model reads back, metrics.FEEDBACK) before it;
        # no DataCollector rows and no detected events
        self.sweep = sweep
        self.series = tuple(series)
        self.series_rows: list[list] = []
        if not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario or "base")
        if overrides:
            scenario = scenario.with_overrides(overrides)
        # model.scenario is ours: Mesa's Scenario with the registry's values (same rng record)
        self.scenario = MutualScenario(scenario, rng=self.scenario.rng)
        # the model's own copy: timed events change it mid-run (sim/timeline.py), the
        # scenario (and the summary's record of it) keeps the values the run started with.
        # The rules read the typed view of it, model.params (sim/params.py view), which
        # assigning model.p rebuilds
        self.p = dict(scenario.values)
        p = self.params
        self.months = p.months

        # each side's state, declared in its own module (no model attribute is created
        # outside __init__; tests/test_state.py). Seams between the sides start at their
        # parameters and become outputs of the side that owns them.
        staff_target = p.organisation.staff
        self.funding = Funding(
            workload=p.workforce.workload, pay_index=p.workforce.pay_index,
            staff_target=staff_target,
            # surplus to allocate at the year end, £ per year (the funding side may set it)
            surplus=p.governance.surplus.per_staff * staff_target
            if p.governance.surplus.source == "fixed" else 0.0)
        self.governance = Governance(voice_heard=p.engagement.voice_heard,
                                     user_voice_heard=p.engagement.voice_heard)
        n_teams = max(1, math.ceil(staff_target / p.organisation.team_size))
        self.org = Organisation(n_sites=p.organisation.sites, n_teams=n_teams,
                                team_site=np.arange(n_teams) % p.organisation.sites,
                                team_open=np.ones(n_teams, dtype=bool))
        self.people = People(staff_rules=membership.Rules.for_constituency(p, "staff"),
                             user_rules=membership.Rules.for_constituency(p, "users"))

        # shape: storage to start with (the columns grow when needed)
        self.staff = Columns(STAFF_SCHEMA, capacity=int(self.funding.staff_target * 1.5) + 8)
        self.users = Columns(USER_SCHEMA, capacity=p.organisation.users + 1)
        # person agents are made lazily, when something asks (sim/population.py Columns.bind)
        self.staff.bind(partial(StaffMember, self))
        self.users.bind(partial(ServiceUser, self))
        self.events: list[dict] = []
        self.month_counts: dict[str, int] = {}
        self.year_counts: dict[str, int] = {}
        self.milestones: dict[tuple[str, float], bool] = {}  # which side of each milestone

        self._populate_staff()
        self._populate_users()
        participation.start_informal_voice(self)  # informal voice is a state (ODD §12.1)
        users.start(self)           # occupancy, charges, surplus effects (ODD §12.3)
        self.failed = False
        self.funding.market = market.build(self)  # commissioners, competitors, contracts
        self.funding.ledger = finance.open_books(self)

        self.datacollector = mesa.DataCollector(
            model_reporters={name: partial(_reporter, name) for name in metrics.COLUMNS})
        self.latest: dict = {}
        self.schedule_recurring(self.year_end, Schedule(interval=MONTHS_PER_YEAR,
                                                         start=MONTHS_PER_YEAR))
        self.schedule_recurring(self.observe, Schedule(interval=1, start=1),
                                priority=Priority.LOW)
        events.starting(self)
        cycle.setup(self)      # board, representative body, founding election
        service.setup(self)         # service quality, innovation, reputation (ODD §13)
        self.timeline = timeline.install(self, scenario.events)  # timed events (ODD §7)
        self.observe()

    # --- the month -------------------------------------------------------------------------

    def step(self) -> None:
        """One month: the process calls in the order of docs/ODD.md §3 (steps 1-7; the year end,
        steps 8-9, and observation, step 10, are recurring events scheduled in __init__)."""
        if not self._start_month():     # insolvent: the run has stopped
            return
        commissioning.advance(self)      # 1. budgets, officers, expiries, new tenders
        cycle.monthly(self)         # 2. opportunities and decisions through the procedure
        procurement.bid_and_award(self)  # 3. bid/no-bid, scoring, award, TUPE in/out
        finance.settle_month(self)       # 4. income, costs, loans, staffing, insolvency
        if self.failed:
            return
        workforce.turn_over(self)   # 5. recruitment, attrition, tenure
        users.monthly(self)         # 5. users arrive and leave (ODD §12.3)
        membership.update(self)     # 6. joins and opt-outs per rule and constituency
        participation.monthly(self)  # 7. channels (working groups), informal voice
        engagement.update(self)     # 7. ladder, ownership, satisfaction, confidence
        service.update(self)        # 7b. what the staff make: quality, innovation, reputation
        self._end_month()

    def _start_month(self) -> bool:
        """Reset the month's counters; False once the mutual has failed."""
        self.month_counts = {}
        return not self.failed

    def _end_month(self) -> None:
        """Add the month's counts to the year's; stop at the horizon."""
        for key, value in self.month_counts.items():
            self.year_counts[key] = self.year_counts.get(key, 0) + value
        if self.month >= self.months:
            self.running = False

    def year_end(self) -> None:
        """Once a year, after the month's processes: pay and productivity, growth (docs/ODD.md §3
        step 9), annual governance (step 8: elections, surplus allocation), tidying."""
        if self.failed:
            return
        finance.year_end(self)      # pay award or restraint, productivity
        growth.year_end(self, procurement.mobilisation_room)  # 9. leaner, diversify, acquire
        if self.staff.dead_share() > 0.3:  # shape: housekeeping (squeeze out leavers)
            self.staff.compact()
        if self.users.dead_share() > 0.3:  # shape: housekeeping (squeeze out leavers)
            self.users.compact()
        allocation = cycle.annual_cycle(self)  # 8. elections, surplus allocation
        finance.pay_out_surplus(self, allocation)   # the staff and users' shares leave reserves

    def observe(self) -> None:
        """Record this month's outputs and events (docs/ODD.md §3 step 10)."""
        if self.failed and self.latest.get("failed"):
            return                  # the failure month was the last one recorded
        finance.record_month(self)
        if self.sweep:
            if self.series or self.failed or self.month >= self.months:
                self.latest = metrics.compute(self)
                if self.series:
                    self.series_rows.append([self.latest[n] for n in ("month", *self.series)])
            else:
                self.latest = metrics.feedback(self)
            return
        previous = self.latest
        self.latest = metrics.compute(self)
        self.datacollector.collect(self)
        events.detect(self, previous, self.latest)
        if is_year_end(self.month):
            events.annual(self)
            self.year_counts = {}

    @property
    def p(self) -> dict:
        """The run's parameter values by dotted key (a timed event changes one in place and
        rebuilds ``params``, sim/timeline.py); assigning a new mapping rebuilds ``params``."""
        return self._p

    @p.setter
    def p(self, values: dict) -> None:
        self._p = values
        self.params = view(values)

    def set_param(self, key: str, value) -> None:
        """Change one parameter from now on (a timed event, sim/timeline.py): the value, its
        typed view and what the model derived from it at month 0 (the membership rules)."""
        self._p[key] = value
        self.params = p = view(self._p)
        if key.startswith("membership.staff."):
            self.people.staff_rules = membership.Rules.for_constituency(p, "staff")
        if key.startswith("membership.users."):
            self.people.user_rules = membership.Rules.for_constituency(p, "users")

    @property
    def month(self) -> int:
        # half-way times round up: timed events run at month - 0.5 (sim/timeline.py) and
        # belong to the month they name (time + 0.5 >= 0, so int() is floor(); it is read
        # ~70 times a month). Mesa's `time` is an Observable descriptor that keeps the value
        # in `_time`: reading that skips the descriptor's Python-level __get__ (0.3 µs a read;
        # nothing here is a mesa_signals Computed that would need to see the read)
        return int(self._time + 0.5)

    def log(self, kind: str, text: str) -> None:
        """Add a plain-language event ("month 14: ...") to the run's event log."""
        self.events.append({"month": self.month, "kind": kind, "text": text})

    # --- people come and go ----------------------------------------------------------------

    def add_staff(self, n: int, tupe: bool, fixed_term: int | None = None,
                  tenure: np.ndarray | int = 0, teams: np.ndarray | None = None) -> np.ndarray:
        """Recruit (or, with ``tupe=True``, transfer in under TUPE) ``n`` staff; return rows.

        ``fixed_term`` is how many of them hold fixed-term posts (default: drawn at the
        workforce's share)."""
        p, rng, funding = self.params, self.rng, self.funding
        voice = self.governance.voice_heard
        if teams is None:
            teams = self._teams_with_vacancies(n)
        affinity = rng.beta(p.population.staff_affinity.a, p.population.staff_affinity.b, n)
        deficit = np.minimum(affinity, p.workforce.tupe_affinity_gap if tupe else 0.0)
        affinity = affinity - deficit
        if fixed_term is None:
            fixed_term = rng.random(n) < p.workforce.fixed_term_share
        else:
            # rng.permutation of a fresh array is rng.shuffle of it (the same draws), less
            # its Python-side checks and copy (~3 µs of a month's recruitment)
            fixed_term = np.arange(n) < fixed_term
            rng.shuffle(fixed_term)
        part_time = rng.random(n) < p.workforce.part_time_share
        confidence = rng.beta(p.population.staff_confidence.a, p.population.staff_confidence.b,
                              n)
        # a newcomer holds no grievance and had no share of last year's surplus
        ownership, satisfaction = self._newcomer_targets(affinity, voice, funding.workload,
                                                         funding.pay_index)
        return self.staff.append(
            n, site=self.org.team_site[teams], team=teams, fixed_term=fixed_term,
            part_time=part_time, tenure=tenure, tupe=tupe, affinity=affinity,
            tupe_deficit=deficit, confidence=confidence, ownership=ownership,
            satisfaction=satisfaction)

    def add_users(self, n: int) -> np.ndarray:
        """``n`` service users arrive (month 0's and those who come later); return rows."""
        p, rng, voice = self.params, self.rng, self.governance.user_voice_heard
        affinity = rng.beta(p.population.user_affinity.a, p.population.user_affinity.b, n)
        site = rng.integers(0, self.org.n_sites, n)
        vulnerability = rng.beta(p.population.user_vulnerability.a,
                                 p.population.user_vulnerability.b, n)
        aware = rng.random(n) < p.membership.users.awareness
        confidence = rng.beta(p.population.user_confidence.a, p.population.user_confidence.b, n)
        # the users' target (engagement.update): the service and charges as they are now;
        # a newcomer holds no grievance over the surplus allocation
        ownership, satisfaction = self._newcomer_targets(affinity, voice, 1.0, 1.0,
                                                         users.satisfaction_extra(self))
        return self.users.append(
            n, site=site, vulnerability=vulnerability, aware=aware, affinity=affinity,
            confidence=confidence, ownership=ownership, satisfaction=satisfaction)

    def remove_staff(self, rows: np.ndarray) -> None:
        """Staff leave: their agents are removed and their rows marked as gone."""
        self.staff.remove_agents(rows)
        self.staff.leave(rows)
        self.staff.member[rows] = False
        self.staff.engagement[rows] = 0

    def governing_bodies(self) -> list:
        """The board and, if there is one, the representative body (governance/bodies.py)."""
        return [b for b in (self.governance.board, self.governance.rep_body) if b is not None]

    def _teams_with_vacancies(self, n: int) -> np.ndarray:
        team_open = self.org.team_open  # teams of lost contracts take no one
        size = max(1, math.ceil(self.funding.staff_target / int(np.count_nonzero(team_open))))
        if kernels.ENABLED:  # the same pool in one pass (kernels.py)
            pool = kernels.vacancy_pool(self.staff.team, self.staff.alive, team_open, size)
        else:
            counts = np.bincount(self.staff.team[self.staff.alive], minlength=self.org.n_teams)
            open_teams = np.flatnonzero(team_open)
            pool = np.repeat(open_teams, np.maximum(size - counts[open_teams], 0))
        if len(pool) < n:  # more hires than gaps: spread the rest at random
            open_teams = np.flatnonzero(team_open)
            # rng.choice(open_teams, k) with replacement, without its Python-side checks:
            # it draws integers(0, len, k) and indexes (the same draws and values)
            pool = np.concatenate([pool, open_teams[self.rng.integers(
                0, len(open_teams), n - len(pool))]])
        self.rng.shuffle(pool)  # rng.permutation(pool), pool being fresh: the same draws
        return pool[:n]

    def _newcomer_targets(self, affinity: np.ndarray, voice: float, workload: float,
                          pay: float, extra: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
        """A newcomer's ownership (:meth:`_ownership_start`, a non-member on rung 0) and
        satisfaction (engagement.satisfaction_target, no grievance): in one compiled pass
        where the kernels are on (the same arithmetic in the same order; a month's recruits
        are a handful of rows, so the ~15 numpy calls were mostly call overhead)."""
        p = self.params
        if not kernels.ENABLED:
            return (self._ownership_start(affinity, voice),
                    engagement.satisfaction_target(affinity, voice, workload, pay, p,
                                                   extra=extra))
        o, sp = p.ownership, p.satisfaction
        w_aff = max(0.0, 1.0 - o.voice_weight - o.member_weight - o.engagement_weight)
        own, sat = np.empty(len(affinity)), np.empty(len(affinity))
        # ownership_target's scalar terms as numpy adds them: voice, member 0.0, rung 0
        kernels.newcomers(affinity, w_aff, o.voice_weight * voice, o.member_weight * 0.0,
                          o.engagement_weight * 0 / engagement.TOP, sp.affinity_weight,
                          sp.voice_weight * (voice - 0.5), sp.workload_weight * (workload - 1.0),
                          sp.pay_weight * (pay - 1.0), 0.0, float(extra), own, sat)
        return own, sat

    def _ownership_start(self, affinity: np.ndarray, voice: float,
                         member: np.ndarray | float = 0.0) -> np.ndarray:
        """Month-0 ownership: the monthly target itself (engagement.ownership_target), for a
        person on rung 0 (their rung is settled afterwards)."""
        return np.clip(engagement.ownership_target(affinity, voice, member, 0, self.params), 0, 1)

    # --- Mesa's agent registry, with the people's agents made on demand ---------------------

    def materialise_people(self) -> None:
        """Make the Mesa agents of every present staff member and user that has none yet."""
        staff, users = self.__dict__.get("staff"), self.__dict__.get("users")
        if staff is not None:
            staff.materialise()
        if users is not None:
            users.materialise()

    @property
    def agents(self):
        """Mesa's ``model.agents``: every agent, people included (made now if not yet)."""
        self.materialise_people()
        return self._all_agents

    @property
    def agents_by_type(self):
        self.materialise_people()
        return self._agents_by_type

    @property
    def agent_types(self) -> list[type]:
        self.materialise_people()
        return list(self._agents_by_type)

    # --- month 0 ---------------------------------------------------------------------------

    def settled_tenure(self, n: int) -> np.ndarray:
        """Months of continuous service of ``n`` settled staff: exponential with the mean stay
        that the baseline attrition implies, capped at a working life (docs/ODD.md §3)."""
        p = self.params
        # shape: a floor against division by zero
        mean_stay = 1.0 / max(workforce.monthly_hazard(p.workforce.attrition_per_year), 1e-3)
        return np.minimum(self.rng.exponential(mean_stay, n).astype(int),
                          p.population.max_tenure_months)

    def _populate_staff(self) -> None:
        """The starting workforce: recent TUPE transfers plus recruits with settled tenure."""
        p, rng, n = self.params, self.rng, self.funding.staff_target
        n_tupe = int(rng.binomial(n, p.workforce.tupe_share))
        teams = self.rng.permutation(np.arange(n) % self.org.n_teams)
        tenure = self.settled_tenure(n - n_tupe)
        recent = rng.integers(0, p.population.tupe_recent_months + 1, n_tupe)
        self.add_staff(n_tupe, tupe=True, tenure=recent, teams=teams[:n_tupe])
        rows = self.add_staff(n - n_tupe, tupe=False, tenure=tenure, teams=teams[n_tupe:])
        s = self.staff
        ft = s.fixed_term[rows]
        s.tenure[rows[ft]] %= p.workforce.fixed_term_months

        eligible_for = s.tenure - p.membership.staff.probation_months
        eligible_for = np.where(membership.staff_eligible(s, p), eligible_for, -1)
        s.member[:], s.defaulted[:], s.chose[:] = membership.initial_members(
            self.people.staff_rules, eligible_for, p.membership.staff.history_months,
            p.membership.staff.enrol_existing, rng)
        s.ownership[:] = self._ownership_start(
            s.affinity, self.governance.voice_heard,
            engagement.member_term(s.member, s.chose, p))
        self._settle_engagement(s, engagement.staff_drive, rows,
                                boost_fn=participation.staff_boost)

    def _populate_users(self) -> None:
        p, rng = self.params, self.rng
        n = p.organisation.users
        if n == 0:
            return
        rows = self.add_users(n)
        u = self.users
        history = p.membership.users.history_months
        eligible_for = np.where(u.aware, history, -1)
        u.member[:], u.defaulted[:], u.chose[:] = membership.initial_members(
            self.people.user_rules, eligible_for, history, True, rng)
        u.ownership[:] = self._ownership_start(u.affinity, self.governance.user_voice_heard,
                                               engagement.member_term(u.member, u.chose, p))
        self._settle_engagement(u, engagement.user_drive, rows,
                                rate_factor=p.engagement.user_rate_factor,
                                ceiling=np.where(u.aware, 3, 1),  # shape: rungs
                                boost_fn=participation.user_boost)

    def _settle_engagement(self, cols, drive_fn, rows, rate_factor=1.0, ceiling=None,
                           boost_fn=None) -> None:
        """Start people on the rung their ladder settles at (a few passes let peer effects
        settle too); rung 4 is filled by the founding election (governance.setup)."""
        for _ in range(3):  # shape: passes for the peer effects to settle
            boost = boost_fn(self)[rows] if boost_fn is not None else None
            level = engagement.stationary_levels(drive_fn(self)[rows], self.params, self.rng,
                                                 rate_factor, boost=boost)
            if ceiling is not None:
                level = np.minimum(level, ceiling[rows])
            cols.engagement[rows] = level



def _reporter(name: str, model: MutualModel):
    return model.latest[name]
