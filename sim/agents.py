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

    @property
    def _columns(self):
        return getattr(self.model, self._columns_attr)

    @property
    def engagement_label(self) -> str:
        return LADDER[self.engagement]

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(id={self.unique_id}, engagement={self.engagement}, "
                f"member={self.member}, ownership={self.ownership:.2f})")


class StaffMember(_ColumnAgent):
    """An employee: site, team, contract, tenure, origin (TUPE or recruited), membership,
    engagement rung, psychological ownership, confidence, satisfaction (MODEL.md §2)."""

    _columns_attr = "staff"


class ServiceUser(_ColumnAgent):
    """A service user, tenant or client: locality, vulnerability, awareness of the mutual
    identity, membership, engagement rung, ownership, satisfaction (MODEL.md §2)."""

    _columns_attr = "users"


for _cls, _schema in ((StaffMember, STAFF_SCHEMA), (ServiceUser, USER_SCHEMA)):
    for _name in _schema:
        if _name != "alive":
            setattr(_cls, _name, _column_property(_name))
