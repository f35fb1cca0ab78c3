"""The model's agents.

Staff and service users are Mesa agents (identity, ``model.agents``, Mesa tools), but their
state lives in numpy columns (``sim/population.py``) so that the monthly rules run as array
operations. Each agent knows its row; its attributes read and write that row.
"""

from __future__ import annotations

import mesa

from sim.population import STAFF_SCHEMA, USER_SCHEMA

LADDER = ("not involved", "passive", "occasional", "active", "representative")


def _column_property(name: str) -> property:
    def get(self):
        value = self._columns._data[name][self.row]
        return value.item()

    def set(self, value):
        self._columns._data[name][self.row] = value

    return property(get, set, doc=f"This person's `{name}` (a row of the columns).")


class _ColumnAgent(mesa.Agent):
    """An agent whose attributes are one row of a :class:`~sim.population.Columns`."""

    _columns_attr = ""

    def __init__(self, model: mesa.Model, row: int):
        super().__init__(model)
        self.row = row
        # the model's table, looked up once: it is made with the model and never replaced
        # (it grows and compacts in place); attribute reads are ~20 a month in a sweep
        self._columns = getattr(model, self._columns_attr)

    @property
    def engagement_label(self) -> str:
        return LADDER[self.engagement]

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(id={self.unique_id}, engagement={self.engagement}, "
                f"member={self.member}, ownership={self.ownership:.2f})")


class StaffMember(_ColumnAgent):
    """An employee: site, team, contract, tenure, origin (TUPE or recruited), membership,
    engagement rung, psychological ownership, confidence, satisfaction (docs/ODD.md §2)."""

    _columns_attr = "staff"


class ServiceUser(_ColumnAgent):
    """A service user, tenant or client: locality, vulnerability, awareness of the mutual
    identity, membership, engagement rung, ownership, satisfaction (docs/ODD.md §2)."""

    _columns_attr = "users"


for _cls, _schema in ((StaffMember, STAFF_SCHEMA), (ServiceUser, USER_SCHEMA)):
    for _name in _schema:
        if _name != "alive":
            setattr(_cls, _name, _column_property(_name))


# --- the funding side: few agents, plain Mesa code (ARCHITECTURE.md "Speed") ------------------

class Commissioner(mesa.Agent):
    """A council or NHS commissioning body in one region (docs/ODD.md §2; §2.5).

    Its budget drifts with austerity and takes shocks; its current *officer* has a tenure,
    experience and relationship capital with the mutual, and is replaced with a monthly hazard
    ("four commissioners in the last three years", §2.5). A new officer starts from "ground
    zero": relationship 0 and less experience.
    """

    def __init__(self, model: mesa.Model, name: str, kind: str, region: int):
        super().__init__(model)
        self.name = name            # plain words for events: "the county council"
        self.kind = kind            # "council" or "nhs"
        self.region = region        # 0 is the mutual's home region
        self.budget = model.params.commissioning.budget_index
        # the unit price its efficiency demands have reached (1 at month 0): new tenders and
        # re-tenders are budgeted at it (docs/ODD.md §13.9; §2.5)
        self.price_index = 1.0
        self.officer_tenure = int(model.rng.integers(0, 36))
        self.officer_experience = float(model.rng.beta(4, 2))
        self.relationship = 0.5 if region < model.params.organisation.regions else 0.0
        self.officers = 1

    def new_officer(self) -> None:
        """A new commissioning officer: relationship reset, experience drawn afresh (§2.5:
        newer commissioners 'perceived as being less qualified')."""
        self.officer_tenure = 0
        self.officer_experience = float(self.model.rng.beta(2, 3))
        self.relationship = 0.0
        self.officers += 1

    def __repr__(self) -> str:
        return (f"Commissioner({self.name!r}, region={self.region}, budget={self.budget:.2f}, "
                f"officer tenure={self.officer_tenure}, relationship={self.relationship:.2f})")


class Provider(mesa.Agent):
    """A competitor for public contracts: corporate, large charity, small voluntary
    organisation, council trading company or another mutual (docs/ODD.md §2; §2.5, §3.3)."""

    def __init__(self, model: mesa.Model, kind: str, region: int | None, profile):
        super().__init__(model)
        self.kind = kind
        self.region = region        # None: bids nationally
        self.turnover = profile.turnover
        self.bid_writing = profile.bid_writing
        self.bid_propensity = profile.bid_propensity
        self.price_cut = profile.price_cut          # usual discount on the budget
        self.loss_leading = profile.loss_leading    # chance of bidding below cost (§2.5)
        self.quality = profile.quality
        self.social_value = profile.social_value

    @property
    def label(self) -> str:
        return self.kind.replace("_", " ")

    def __repr__(self) -> str:
        return f"Provider({self.kind}, region={self.region}, turnover=£{self.turnover:,.0f})"


class BoardMember(mesa.Agent):
    """A director (docs/ODD.md §2, Table 4.1): seat type, skill, mission alignment, risk appetite
    and the month their term ends. Elected directors are also a person: ``person`` is their
    :class:`StaffMember` or :class:`ServiceUser` agent (they sit on rung 4 while in office)."""

    def __init__(self, model: mesa.Model, seat_type: str, skill: float,
                 mission_alignment: float, risk_appetite: float, term_end: int,
                 person: _ColumnAgent | None = None):
        super().__init__(model)
        self.seat_type = seat_type
        self.skill = skill
        self.mission_alignment = mission_alignment
        self.risk_appetite = risk_appetite
        self.term_end = term_end
        self.person = person

    @property
    def elected(self) -> bool:
        return self.person is not None

    def __repr__(self) -> str:
        return (f"BoardMember(id={self.unique_id}, seat={self.seat_type}, skill={self.skill:.2f}, "
                f"alignment={self.mission_alignment:.2f}, term_end={self.term_end})")
