"""The governance side's state (docs/ODD.md §2, §3 steps 2 and 8): its bodies, decisions,
elections and the seams it drives (``voice_heard``, ``user_voice_heard``,
``decision_latency``, ``grievance``, ``conflict_index``, ``trust``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from sim.mechanisms.governance.bodies import Body
    from sim.mechanisms.governance.decisions import Decision, Participants


@dataclass(frozen=True, slots=True)
class Election:
    """One constituency's contest at an annual election (cycle.elect)."""

    month: int
    constituency: str           # "staff" or "users"
    open: int                   # seats open
    candidates: int
    filled: int


@dataclass(frozen=True, slots=True)
class Turnout:
    """One constituency's turnout at an annual vote (elections.turnout)."""

    month: int
    constituency: str
    turnout: float              # share of those entitled who voted
    engaged: float              # share of the voters on rung 2 or above


@dataclass
class Governance:
    """Created in ``MutualModel.__init__`` as ``model.governance``; its bodies are built and
    the founding election held by ``cycle.setup``."""

    voice_heard: float              # staff's sense that their voice is heard (read by people)
    user_voice_heard: float
    # months a decision takes at each level (§5.2); the funding side misses shorter deadlines
    decision_latency: dict[str, float] = field(
        default_factory=lambda: {"strategy": 0.0, "policy": 0.0, "operations": 0.0})
    grievance: dict[str, float] = field(  # lowers each group's satisfaction target
        default_factory=lambda: {"staff": 0.0, "users": 0.0, "board": 0.0})
    conflict_index: float = 0.0
    trust: float = 0.0
    board: Body | None = None
    rep_body: Body | None = None
    decisions: list[Decision] = field(default_factory=list)   # the last 12 months'
    participants: Participants | None = None                  # this month's survey
    turnout: dict[str, float] = field(default_factory=lambda: {"all": 0.0})
    turnout_history: list[Turnout] = field(default_factory=list)
    elections: list[Election] = field(default_factory=list)
    surplus_allocation: dict[str, float] = field(default_factory=dict)
    # the parent body's shadow procedure (public_sector.py): its own random stream
    public_rng: np.random.Generator | None = None
    public_decisions: list[tuple] = field(default_factory=list)  # (month, level, latency)
