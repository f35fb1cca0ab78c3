"""Columnar person state: the hot per-person variables live here, one numpy array each.

Mesa agents (``sim/agents.py``) stay the identity and the API (a trainer can inspect
``agent.engagement``), but every monthly person-level rule reads and writes these arrays in
one vectorised operation (see ARCHITECTURE.md "Speed"). Rows of people who have left are
flagged ``alive = False`` and squeezed out now and then by :meth:`Columns.compact`.
"""

from __future__ import annotations

import numpy as np

STAFF_SCHEMA: dict[str, type] = {
    "alive": bool,
    "site": np.int32,
    "team": np.int32,
    "fixed_term": bool,     # on a fixed-term contract (§5.4)
    "part_time": bool,
    "tenure": np.int32,     # months of continuous service (TUPE keeps the previous employer's)
    "tupe": bool,           # origin: transferred in under TUPE rather than recruited (§3.5)
    "affinity": float,      # mission affinity 0-1
    "tupe_deficit": float,  # affinity still lost to an unwanted transfer; fades (§5.4)
    "confidence": float,    # confidence and skills to take part 0-1 (§5.4)
    "ownership": float,     # psychological ownership 0-1 (§5.5)
    "satisfaction": float,  # 0-1
    "member": bool,         # legal-formal membership
    "defaulted": bool,      # the opt-out/automatic default has been applied to this person
    "chose": bool,          # a member by their own decision, not enrolled by a default (§4.1)
    "engagement": np.int8,  # ladder rung 0-4 (docs/ODD.md §2)
    "group_months": np.int16,  # months in a working group still (people/participation.py)
}

USER_SCHEMA: dict[str, type] = {
    "alive": bool,
    "site": np.int32,        # locality, served from this site
    "vulnerability": float,  # 0-1; vulnerable users take part less (§5.4, Cases 1, 2)
    "aware": bool,           # sees the organisation as a mutual, not a public body (§5.4)
    "affinity": float,
    "confidence": float,
    "ownership": float,
    "satisfaction": float,
    "member": bool,
    "defaulted": bool,
    "chose": bool,
    "engagement": np.int8,
}


def _column(name: str) -> property:
    # the live-prefix views are made once per change of size or storage (Columns._refresh),
    # not at every access (~170 a month)
    def get(self):
        return self._views[name]

    def set(self, value):
        # `cols.x += y` rebinds the attribute: write into the store instead
        view = self._views[name]
        if value is not view:
            view[...] = value
        if name == "alive":  # the count of the present (Columns.count) is made afresh
            self._count = None

    return property(get, set, doc=f"The live prefix of the `{name}` column (a view).")


_CLASSES: dict[tuple, type] = {}


class Columns:
    """A growable table of equal-length numpy arrays, one per person attribute.

    ``cols.ownership`` is a view of the live prefix of the array; assigning through it
    (``cols.ownership[mask] = x``) writes the store. ``agents`` holds each row's Mesa agent.
    People leave through :meth:`leave` (or by assigning the whole ``alive`` column), never by
    writing into ``cols.alive[...]``: :meth:`count` is kept between changes.

    The agents are kept in a plain list, not a numpy object array: numpy arrays are invisible
    to Python's cycle collector, and agent -> model -> columns -> agent is a cycle, so an object
    array would keep every finished model alive (85 KB a run in a long sweep).
    """

    def __new__(cls, schema: dict[str, type], capacity: int = 64):
        # one subclass per schema with a property per column: column access is a plain
        # attribute look-up, not a __getattr__ fallback (it happens ~200 times a month)
        key = (cls, tuple(schema.items()))
        sub = _CLASSES.get(key)
        if sub is None:
            clash = sorted(set(schema) & set(dir(cls)))
            if clash:
                raise ValueError(f"column names {clash} clash with Columns attributes")
            sub = type(cls.__name__, (cls,), {n: _column(n) for n in schema})
            sub.__module__ = cls.__module__
            _CLASSES[key] = sub
        return object.__new__(sub)

    def __init__(self, schema: dict[str, type], capacity: int = 64):
        self._schema = schema
        self._n = 0
        self._data = {name: np.zeros(max(capacity, 1), dtype=dt) for name, dt in schema.items()}
        self._views: dict[str, np.ndarray] = {}
        self._refresh()
        self._agents: list = []
        self._with_agent: set[int] = set()  # rows whose agent was made (few in a sweep)
        self._factory = None

    def _refresh(self) -> None:
        """Remake the live-prefix views after the size or the storage changed."""
        n = self._n
        self._views = {name: arr[:n] for name, arr in self._data.items()}
        self._count = None  # rows came or went: the count of the present is made afresh

    def __len__(self) -> int:
        return self._n

    def __reduce__(self):  # the per-schema subclass is made at run time: pickle via the schema
        # (the views are not pickled: unpickled, they would be copies, not views of the store)
        state = {k: v for k, v in self.__dict__.items() if k != "_views"}
        return _restore, (self._schema, state)

    def bind(self, factory) -> None:
        """How this table makes a row's Mesa agent: ``factory(row) -> agent``.

        Agents are made lazily (docs/ODD.md §8 "Sweep mode"): a row gets its agent the first time
        something asks for it (:attr:`agents`, :meth:`agents_at`, :meth:`agent`, or
        ``model.agents``). The monthly rules never do, so a sweep creates almost none."""
        self._factory = factory

    def _make(self, row: int):
        agent = self._agents[row]
        if agent is None and self._factory is not None and self._data["alive"][row]:
            agent = self._agents[row] = self._factory(row)
            self._with_agent.add(row)
        return agent

    def materialise(self) -> None:
        """Make the agents of every present person who has none yet (in row order)."""
        if self._factory is None:
            return
        agents = self._agents
        for row in np.flatnonzero(self.alive).tolist():
            if agents[row] is None:
                agents[row] = self._factory(row)
                self._with_agent.add(row)

    @property
    def agents(self) -> list:
        """Each row's Mesa agent (None for rows whose person left before anything asked)."""
        self.materialise()
        return self._agents

    def agent(self, row: int):
        """One row's agent (made now if nothing asked for it before)."""
        return self._make(int(row))

    def agents_at(self, rows) -> list:
        """The agents of some rows (an index array or a boolean mask)."""
        rows = np.flatnonzero(rows) if np.asarray(rows).dtype == bool else rows
        return [self._make(i) for i in np.asarray(rows).tolist()]

    def holds(self, row: int, agent) -> bool:
        """Whether ``row`` is a present person whose agent is ``agent`` (rows move when the
        table is compacted; a departed person's row is dead or reused)."""
        return 0 <= row < self._n and self._agents[row] is agent and \
            bool(self._data["alive"][row])

    def existing_agent(self, row: int):
        """A row's agent if one was made, else None (never makes one)."""
        return self._agents[row]

    def remove_agents(self, rows) -> None:
        """Remove from the model the agents that were made for these rows (people leaving);
        rows without one need nothing."""
        made = self._with_agent
        if not made:  # a sweep makes none for most people: nothing to look up row by row
            return
        rows = np.flatnonzero(rows) if np.asarray(rows).dtype == bool else rows
        rows = np.asarray(rows).tolist()
        hit = made.intersection(rows)
        if not hit:
            return
        agents = self._agents
        for i in (rows if len(hit) > 1 else hit):  # in the order given
            if i in hit:
                agents[i].remove()

    @property
    def size(self) -> int:
        return self._n

    def count(self) -> int:
        """Number of live rows (people currently present): counted once after each change
        (rows appended, :meth:`leave`, :meth:`compact`), not at every call (~18 a month)."""
        n = self._count
        if n is None:
            n = self._count = int(np.count_nonzero(self._views["alive"]))
        return n

    def leave(self, rows) -> None:
        """The people in these rows (an index array or a boolean mask over the live prefix)
        are gone: ``alive`` becomes False."""
        self._views["alive"][rows] = False
        self._count = None

    def append(self, n: int, **values) -> np.ndarray:
        """Add ``n`` rows with the given column values (scalars or length-n arrays)."""
        data = self._data
        if not values.keys() <= data.keys():
            raise KeyError(f"unknown columns {sorted(set(values) - set(data))}")
        start, stop = self._n, self._n + n
        if stop > len(data["alive"]):
            self._grow(stop)
            data = self._data
        # the storage past the live prefix is all zeros (made so, kept so by compact): only
        # the columns given, and `alive`, are written (a month's few arrivals paid ~17 writes)
        if "alive" not in values:
            data["alive"][start:stop] = True
        for name, value in values.items():
            data[name][start:stop] = value
        self._agents.extend([None] * n)
        self._n = stop
        self._refresh()
        return np.arange(start, stop)

    def _grow(self, needed: int) -> None:
        cap = max(needed, 2 * len(self._data["alive"]))
        for name, arr in self._data.items():
            new = np.zeros(cap, dtype=arr.dtype)
            new[: self._n] = arr[: self._n]
            self._data[name] = new
        self._refresh()

    def compact(self) -> None:
        """Drop the rows of people who have left, and tell each agent its new row."""
        alive = self.alive
        keep = np.flatnonzero(alive)
        n = len(keep)
        # only the rows whose agent was made hold one (few in a sweep): move those, instead of
        # going through every row's entry
        moving = sorted(r for r in self._with_agent if alive[r])
        old = self._agents
        before_n = self._n
        for arr in self._data.values():
            arr[:n] = arr[keep]
            arr[n:before_n] = 0  # the storage past the live prefix stays zeros (append)
        self._agents = [None] * n
        self._with_agent = set()
        for before, row in zip(moving, np.searchsorted(keep, moving).tolist(), strict=True):
            agent = self._agents[row] = old[before]
            agent.row = row
            self._with_agent.add(row)
        self._n = n
        self._refresh()

    def dead_share(self) -> float:
        return 1.0 - self.count() / self._n if self._n else 0.0


def column_mean(values: np.ndarray) -> float:
    """``float(values.mean())`` without ndarray.mean's Python wrapper (a few microseconds a
    call): the same pairwise sum (in float64 for integer and boolean columns, as ``mean``
    does) divided by the count, so bit for bit the same value. ``values`` must not be empty."""
    if values.dtype.kind == "f":
        return float(np.add.reduce(values) / values.size)
    return float(np.add.reduce(values, dtype=np.float64) / values.size)


def _restore(schema: dict[str, type], state: dict) -> Columns:
    cols = Columns.__new__(Columns, schema)
    cols.__dict__.update(state)
    cols._refresh()
    return cols


class _Grouping:
    """Who is in which group, for the group means of one month: the live group of each row,
    the live count of each group, and each row's count of live peers. Several rules ask for
    means over the same grouping in a month (membership and engagement: team or site), so
    the last few are kept and reused when the group and alive arrays are unchanged (checked by
    content, so a change of either is never missed)."""

    __slots__ = ("groups", "alive", "n_groups", "live_groups", "counts", "has_members",
                 "peer_count", "has_peers", "everyone_has_peers")

    def __init__(self, groups: np.ndarray, alive: np.ndarray, n_groups: int):
        self.groups, self.alive, self.n_groups = groups.copy(), alive.copy(), n_groups
        self.live_groups = np.where(alive, groups, n_groups)  # the dead: an extra group
        self.counts = np.bincount(self.live_groups, minlength=n_groups + 1).astype(float)
        self.has_members = self.counts > 0
        self.peer_count = self.has_peers = self.everyone_has_peers = None

    def matches(self, groups: np.ndarray, alive: np.ndarray, n_groups: int) -> bool:
        return (n_groups == self.n_groups and len(groups) == len(self.groups)
                and np.array_equal(alive, self.alive) and np.array_equal(groups, self.groups))


_GROUPINGS: list[_Grouping] = []


def _grouping(groups: np.ndarray, alive: np.ndarray, n_groups: int) -> _Grouping:
    for g in _GROUPINGS:
        if g.matches(groups, alive, n_groups):
            return g
    g = _Grouping(groups, alive, n_groups)
    _GROUPINGS.insert(0, g)
    del _GROUPINGS[4:]  # staff by team and users by site, with room to spare
    return g


def group_mean(groups: np.ndarray, values: np.ndarray, alive: np.ndarray,
               n_groups: int, exclude_self: bool = True) -> np.ndarray:
    """Each person's mean of ``values`` over the live members of their group.

    With ``exclude_self`` the person's own value is left out (a peer mean); people alone
    in their group get 0. Dead rows count in no group.

    The sums and counts are per group (small arrays) and gathered once; the arithmetic is
    the same, element by element, as summing per person (so results are bit-identical).
    """
    g = _grouping(groups, alive, n_groups)
    # float even with no one present (bincount of no weights is int64)
    sums = np.bincount(g.live_groups, weights=values, minlength=n_groups + 1).astype(
        float, copy=False)
    if not exclude_self:
        means = np.divide(sums, g.counts, out=np.zeros_like(sums), where=g.has_members)
        return means.take(groups)
    if g.peer_count is None:
        g.peer_count = g.counts.take(groups) - alive
        g.has_peers = g.peer_count > 0
        g.everyone_has_peers = bool(g.has_peers.all())
    total = sums.take(groups)
    total -= values * alive
    count = g.peer_count
    if g.everyone_has_peers:  # no one alone: the same division, without the mask
        return np.divide(total, count, out=total)
    return np.divide(total, count, out=np.zeros_like(total), where=g.has_peers)
