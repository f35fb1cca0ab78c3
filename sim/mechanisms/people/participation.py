"""Participation channels, informal voice and who votes (docs/ODD.md §12.1-12.2; §4.2, §5.4, §5.5).

**Channels** are mechanisms an organisation offers (§4.2: 'sub-committees, groups and forums
... other feedback mechanisms ... surveys, organisational intranets'; Table 4.1). Each serves
one step of the engagement ladder and tilts only that step (log-odds added to the drive of
the move up to the rung and of the move down from it):

- **surveys** (rung 1 <-> 2, 'votes, surveys'): ``participation.surveys.per_year`` surveys, with
  a saturating effect n / (n + 1) (Case 6 annual, Case 11 six-monthly; all twelve cases, C17);
- **forums** (rung 2 <-> 3): a staff forum at a share of the sites, headquarters first (Case 2
  'delivery boards/forums at each site', Case 9 staff forum, Case 4 partnership forum);
- **working groups** (rung 3, 'forums, working groups, volunteering'): task-and-finish groups
  with a number of places per 100 staff (Case 11 'Task and Finish groups', Case 8 'working
  groups around certain types of decision-making', Case 7 Staff Progress Group). Empty places
  are offered each month to people on rung 2 or above (the more confident first, with
  noise); a member is on rung 3 at least until the group's term ends;
- **councils** (rung 3 <-> 4): the representative body and board seats themselves
  (``sim/governance/``). A staff member whose team has a representative in a seat is nearer
  the council: their 2 <-> 3 step gains ``participation.councils.team_weight`` (a council
  'representing each service area', Case 2).

Users have their own surveys and forums (Case 11 quarterly tenant surveys; Case 2 user
forums at each site).

**Informal voice** is a state (not a constant): each month it moves toward a target whose
log-odds are those of ``engagement.voice_heard`` (the reference organisation: 400 staff,
average leadership openness, the default channels) plus leadership openness, plus the
channels' reach × how responsive leadership is to what they hear, minus the organisation's
size (log2 of headcount over 400: Case 8's 'strong informal culture of participation in this
very small organisation'; §3.5 dispersion in large ones).

**Voting** is drawn from who is engaged: only people on rung 2 or above vote (rung 2 is
'votes, surveys'), each with ``governance.elections.vote_chance_engaged``, so an electorate's
turnout never exceeds its share engaged enough to vote.
"""

from __future__ import annotations

import math

import numpy as np

TOP = 4
REFERENCE_STAFF = 400  # the size at which the informal-voice target is engagement.voice_heard


def _saturating(n: float) -> float:
    return n / (n + 1.0) if n > 0 else 0.0


def forum_sites(model, who: str) -> np.ndarray:
    """Boolean per site: whether a forum meets there (headquarters first)."""
    share = model.p[f"participation.{who}.forums_site_share"]
    n = math.ceil(share * model.n_sites - 1e-9)
    out = np.zeros(model.n_sites, dtype=bool)
    out[:n] = True
    return out


def staff_boost(model) -> np.ndarray:
    """Per staff row, the log-odds each channel adds to each step: shape (rows, TOP); column
    k tilts the step between rung k and rung k + 1."""
    p, s = model.p, model.staff
    boost = np.zeros((s.size, TOP))
    boost[:, 1] = p["participation.surveys_weight"] * _saturating(
        p["participation.staff.surveys_per_year"])
    forum = forum_sites(model, "staff")[s.site]
    boost[:, 2] = p["participation.forums_weight"] * forum
    if p["participation.councils.team_weight"]:
        boost[:, 2] += p["participation.councils.team_weight"] * represented_teams(model)[s.team]
    return boost


def user_boost(model) -> np.ndarray:
    p, u = model.p, model.users
    boost = np.zeros((u.size, TOP))
    boost[:, 1] = p["participation.surveys_weight"] * _saturating(
        p["participation.users.surveys_per_year"])
    boost[:, 2] = p["participation.forums_weight"] * forum_sites(model, "users")[u.site]
    return boost


def represented_teams(model) -> np.ndarray:
    """Boolean per team: a member of the team holds an elected seat (board or council)."""
    out = np.zeros(model.n_teams, dtype=bool)
    s = model.staff
    seated = s.alive & (s.engagement >= TOP)
    out[np.unique(s.team[seated])] = True
    return out


# --- working groups ----------------------------------------------------------------------------

def working_group_places(model) -> int:
    per_100 = model.p["participation.working_groups.places_per_100_staff"]
    return int(round(per_100 * model.staff.count() / 100.0))


def fill_working_groups(model) -> int:
    """Offer empty places to people on rung 2 or above; return how many joined this month."""
    p, s, rng = model.p, model.staff, model.rng
    wg = s.group_months
    wg[wg > 0] -= 1
    wg[~s.alive] = 0
    free = working_group_places(model) - int(np.count_nonzero(wg > 0))
    if free <= 0:
        return 0
    pool = np.flatnonzero(s.alive & (s.engagement >= 2) & (s.engagement < TOP) & (wg == 0))
    if len(pool) == 0:
        return 0
    accept = rng.random(len(pool)) < p["participation.working_groups.acceptance"]
    pool = pool[accept]
    if len(pool) == 0:
        return 0
    score = s.confidence[pool] + rng.normal(0.0, 0.2, len(pool))
    chosen = pool[np.argsort(-score)[:free]]
    wg[chosen] = p["participation.working_groups.months"]
    s.engagement[chosen] = np.maximum(s.engagement[chosen], 3)
    return len(chosen)


def hold_group_members(model) -> None:
    """People in a working group stay on rung 3 at least until its term ends."""
    s = model.staff
    held = s.alive & (s.group_months > 0) & (s.engagement < 3)
    s.engagement[held] = 3


# --- informal voice ------------------------------------------------------------------------------

def _logit(x: float) -> float:
    x = min(max(x, 1e-6), 1 - 1e-6)
    return math.log(x / (1 - x))


def channel_reach(model, who: str) -> float:
    """0-1: how much of the organisation the channels reach (surveys, forums, groups)."""
    p = model.p
    surveys = _saturating(p[f"participation.{who}.surveys_per_year"])
    forums = float(forum_sites(model, who).mean())
    if who == "staff":
        s = model.staff
        n = max(1, s.count())
        groups = min(1.0, 10.0 * working_group_places(model) / n)  # 10 % in groups = full
        return (surveys + forums + groups) / 3.0
    return (surveys + forums) / 2.0


# The reference organisation's channels (one survey a year, a forum at a quarter of the
# sites, one working-group place per 100 staff: the registry defaults), at which
# responsiveness adds nothing to the informal-voice target.
REFERENCE_CHANNELS = {"surveys_per_year": 1.0, "forums_site_share": 0.25, "places_per_100": 1.0}


def reference_reach(who: str) -> float:
    surveys = _saturating(REFERENCE_CHANNELS["surveys_per_year"])
    forums = REFERENCE_CHANNELS["forums_site_share"]
    if who == "staff":
        groups = min(1.0, 10.0 * REFERENCE_CHANNELS["places_per_100"] / 100.0)
        return (surveys + forums + groups) / 3.0
    return (surveys + forums) / 2.0


def informal_target(model, who: str) -> float:
    p = model.p
    size = max(1, model.staff.count())
    z = (_logit(p["engagement.voice_heard"])
         + p["participation.voice.openness_weight"] * (p["participation.leadership.openness"]
                                                       - 0.5)
         + p["participation.voice.channel_weight"] * p["participation.leadership.responsiveness"]
         * (channel_reach(model, who) - reference_reach(who))
         - p["participation.voice.size_weight"] * math.log2(size / REFERENCE_STAFF))
    return 1.0 / (1.0 + math.exp(-z))


def start_informal_voice(model) -> None:
    model.informal_voice = {"staff": informal_target(model, "staff"),
                            "users": informal_target(model, "users")}


def update_informal_voice(model) -> None:
    rate = model.p["participation.voice.adjust_rate"]
    for who in ("staff", "users"):
        v = model.informal_voice[who]
        model.informal_voice[who] = v + rate * (informal_target(model, who) - v)


def monthly(model) -> None:
    """Working-group places are filled and informal voice moves (before the ladder)."""
    model.month_counts["working_group_joins"] = fill_working_groups(model)
    update_informal_voice(model)


# --- voting --------------------------------------------------------------------------------------

def vote_chance(p, engagement: np.ndarray) -> np.ndarray:
    """Only people engaged enough to vote (rung 2 'votes, surveys' or above) vote."""
    return np.where(engagement >= 2, p["governance.elections.vote_chance_engaged"], 0.0)


def engaged_share(cols, voters: np.ndarray) -> float:
    n = np.count_nonzero(voters)
    return float(np.count_nonzero(voters & (cols.engagement >= 2)) / n) if n else 0.0

