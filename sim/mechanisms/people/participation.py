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

from sim.mechanisms.people import kernels
from sim.parameter import param

# --- parameters (collected into the registry by sim/params.py) ------------------------

PARAMS = [
    # --- participation channels and informal voice (sim/mechanisms/people/participation.py) ----
    param("participation.staff.surveys_per_year", 1.0, "surveys per year", 0.0, 12.0,
          source="§4.2 and C17 (all 12 cases used surveys); Table 4.1 (Case 6 annual, Case 11 "
                 "six-monthly, Cases 1, 2, 7 a staff survey)",
          doc="Staff surveys a year; they serve rung 2 ('votes, surveys') with a saturating "
              "effect n / (n + 1)."),
    param("participation.users.surveys_per_year", 1.0, "surveys per year", 0.0, 12.0,
          source="§5.4 ('all 12 cases also engaged with their users ... surveys'); Table 5.1 "
                 "(Case 11 quarterly tenant surveys)",
          doc="User surveys a year; they serve users' rung 2."),
    param("participation.surveys_weight", 1.0, "log-odds at saturation", 0.0, 5.0,
          source="assumption (a survey makes 'having a say' easy; the effect on the 1-2 step only)",
          doc="Log-odds a saturated survey programme adds to the step between rungs 1 and 2."),
    param("participation.staff.forums_site_share", 0.25, "share of sites", 0.0, 1.0,
          source="Table 4.1 (Case 2 delivery forums at each site, Case 9 a staff forum, Case 4 a "
                 "partnership forum); assumption: by default a forum at headquarters only",
          doc="Share of sites where a staff forum meets (headquarters first); it serves rung 3."),
    param("participation.users.forums_site_share", 0.25, "share of sites", 0.0, 1.0,
          source="Table 5.1 (Case 2 'delivery boards/forums at each site'; users' advisory groups "
                 "and community forums, §5.4); assumption for the default",
          doc="Share of sites with a user forum (headquarters first); it serves users' rung 3."),
    param("participation.forums_weight", 0.8, "log-odds", 0.0, 5.0,
          source="assumption (a forum on the doorstep makes the 2-3 step easier)",
          doc="Log-odds a forum at one's site adds to the step between rungs 2 and 3."),
    param("participation.working_groups.places_per_100_staff", 1.0, "places per 100 staff",
          0.0, 20.0,
          source="Table 4.1 (Case 11 'Task and Finish groups', Case 8 working groups, Case 7 Staff "
                 "Progress Group, Case 9 four standing committees); assumption for the number",
          doc="Places in working / task-and-finish groups per 100 staff; a member is on rung 3 "
              "(active) while the group runs."),
    param("participation.working_groups.months", 6, "months", 1, 36,
          source="assumption: a task-and-finish group reports back within about half a year",
          doc="Term of a working-group place."),
    param("participation.working_groups.choice_noise", 0.2, "confidence units", 0.0, 2.0,
          source="assumption (as the election count's noise)",
          doc="Noise on confidence when choosing who fills a working-group place."),
    param("participation.working_groups.full_reach", 0.1, "share of staff", 0.01, 1.0,
          source="assumption: a tenth of staff in working groups counts as full reach",
          doc="Share of staff in working groups at which that channel's reach is full."),
    param("participation.working_groups.acceptance", 0.3, "probability per month", 0.0, 1.0,
          source="§5.4 ('not interested in being part of running an organisation'); assumption",
          doc="Chance that a person on rung 2+ offered a free place takes it this month."),
    param("participation.councils.team_weight", 0.5, "log-odds", 0.0, 5.0,
          source="Table 4.1 Case 2 (a staff council of '13 staff members representing each "
                 "service area'); assumption for the size",
          doc="Log-odds added to the 2-3 step of staff whose team has a colleague in an "
              "elected seat (a council close to hand)."),
    param("participation.leadership.openness", 0.5, "index 0–1", 0.0, 1.0,
          source="§5.5 (leadership style); Case 8 'strong informal culture of participation'; "
                 "Case 2 CEO attends the staff council; assumption for the default",
          doc="How participative the leadership's style is (0 directive, 1 open); it moves the "
              "informal-voice target."),
    param("participation.leadership.responsiveness", 0.5, "share 0–1", 0.0, 1.0,
          source="§5.5 (a voice 'that, most importantly, is heard'); §5.3 'Are you not "
                 "listening to us?'; assumption",
          doc="Share of what the channels hear that leadership acts on: channels beyond the "
              "default raise informal voice only as far as they are listened to."),
    param("participation.voice.openness_weight", 2.0, "log-odds per unit", 0.0, 10.0,
          source="assumption",
          doc="Log-odds of the informal-voice target per unit of leadership openness."),
    param("participation.voice.channel_weight", 3.0, "log-odds per unit reach", 0.0, 20.0,
          source="assumption",
          doc="Log-odds of the informal-voice target per unit of channel reach (beyond the "
              "default channels) × responsiveness."),
    param("participation.voice.size_weight", 0.15, "log-odds per doubling", 0.0, 2.0,
          source="Case 8 ('strong informal culture of participation in this very small "
                 "organisation'); §3.5 (30 dispersed sites); assumption for the size",
          doc="Log-odds of the informal-voice target lost per doubling of headcount above 400 "
              "staff (gained below it)."),
    param("participation.voice.adjust_rate", 0.05, "share of the gap per month", 0.0, 1.0,
          source="assumption: a culture changes over a few years",
          doc="Monthly speed at which informal voice moves toward its target."),
]

TOP = 4  # shape: the ladder's rungs are 0..4
ACTIVE = 3  # shape: rung 3 is 'active (forums, working groups, volunteering)'
REFERENCE_STAFF = 400  # shape: the reference organisation's size (engagement.voice_heard)


def _saturating(n: float) -> float:
    return n / (n + 1.0) if n > 0 else 0.0


def forum_sites(model, who: str) -> np.ndarray:
    """Boolean per site: whether a forum meets there (headquarters first)."""
    out = np.zeros(model.org.n_sites, dtype=bool)
    out[:forum_count(model, who)] = True
    return out


def forum_count(model, who: str) -> int:
    """How many sites have a forum (the True entries of :func:`forum_sites`)."""
    share = getattr(model.params.participation, who).forums_site_share
    n = math.ceil(share * model.org.n_sites - 1e-9)  # shape: rounding
    return min(max(n, 0), model.org.n_sites)


def staff_boost_parts(model) -> tuple[float, np.ndarray, np.ndarray]:
    """The channels' boosts by step, before they are spread over the rows: column 1's (the
    surveys, the same for everyone), column 2's per site (a forum) and per team (a member on
    a council); :func:`staff_boost` spreads them, the compiled update reads them directly."""
    p = model.params
    b1, by_site = _site_boosts(model, "staff")
    tw = p.participation.councils.team_weight
    by_team = (tw * represented_teams(model) if tw
               else np.zeros(model.org.n_teams))
    return b1, by_site, by_team


def user_boost_parts(model) -> tuple[float, np.ndarray]:
    """As :func:`staff_boost_parts`, for users (no councils)."""
    return _site_boosts(model, "users")


_SITE_BOOSTS: dict = {}  # who -> (parameters, number of sites, (column 1's boost, by site))


def _site_boosts(model, who: str) -> tuple[float, np.ndarray]:
    """The surveys' boost and the forums' boost per site: set by the parameters and the
    number of sites alone, so made once per parameter set (a timed event makes a new
    ``model.params``) instead of every month; the same values. The array is shared between
    months: nothing writes it."""
    p, n_sites = model.params, model.org.n_sites
    hit = _SITE_BOOSTS.get(who)
    if hit is not None and hit[0] is p and hit[1] == n_sites:
        return hit[2]
    b1 = p.participation.surveys_weight * _saturating(
        getattr(p.participation, who).surveys_per_year)
    boosts = b1, np.multiply(forum_sites(model, who), p.participation.forums_weight)
    _SITE_BOOSTS[who] = (p, n_sites, boosts)
    return boosts


def staff_boost(model) -> np.ndarray:
    """Per staff row, the log-odds each channel adds to each step: shape (rows, TOP); column
    k tilts the step between rung k and rung k + 1."""
    s = model.staff
    b1, by_site, by_team = staff_boost_parts(model)
    boost = np.zeros((s.size, TOP))
    boost[:, 1] = b1
    boost[:, 2] = by_site.take(s.site)
    if model.params.participation.councils.team_weight:
        boost[:, 2] += by_team.take(s.team)
    return boost


def user_boost(model) -> np.ndarray:
    u = model.users
    b1, by_site = user_boost_parts(model)
    boost = np.zeros((u.size, TOP))
    boost[:, 1] = b1
    boost[:, 2] = by_site.take(u.site)
    return boost


def represented_teams(model) -> np.ndarray:
    """Boolean per team: a member of the team holds an elected seat (board or council)."""
    out = np.zeros(model.org.n_teams, dtype=bool)
    s = model.staff
    seated = s.alive & (s.engagement >= TOP)
    out[s.team[seated]] = True
    return out


# --- working groups ----------------------------------------------------------------------------

def working_group_places(model) -> int:
    per_100 = model.params.participation.working_groups.places_per_100_staff
    return int(round(per_100 * model.staff.count() / 100.0))


def fill_working_groups(model) -> int:
    """Offer empty places to people on rung 2 or above; return how many joined this month."""
    p, s, rng = model.params, model.staff, model.rng
    wg = s.group_months
    if kernels.ENABLED:  # the same counts and rows in one pass (kernels.py)
        held, pool = kernels.working_group_pool(wg, s.alive, s.engagement, TOP)
        free = working_group_places(model) - held
        if free <= 0:
            return 0
    else:
        wg[wg > 0] -= 1
        wg[~s.alive] = 0
        free = working_group_places(model) - int(np.count_nonzero(wg > 0))
        if free <= 0:
            return 0
        pool = np.flatnonzero(s.alive & (s.engagement >= 2) & (s.engagement < TOP) & (wg == 0))
    if len(pool) == 0:
        return 0
    accept = rng.random(len(pool)) < p.participation.working_groups.acceptance
    pool = pool[accept]
    if len(pool) == 0:
        return 0
    score = s.confidence[pool] + rng.normal(0.0, p.participation.working_groups.choice_noise,
                                             len(pool))
    chosen = pool[np.argsort(-score)[:free]]
    wg[chosen] = p.participation.working_groups.months
    s.engagement[chosen] = np.maximum(s.engagement[chosen], ACTIVE)
    return len(chosen)


def hold_group_members(model) -> None:
    """People in a working group stay on rung 3 at least until its term ends."""
    s = model.staff
    held = s.alive & (s.group_months > 0) & (s.engagement < 3)
    s.engagement[held] = ACTIVE


# --- informal voice ------------------------------------------------------------------------------

def _logit(x: float) -> float:
    x = min(max(x, 1e-6), 1 - 1e-6)  # shape: finite logit
    return math.log(x / (1 - x))


def channel_reach(model, who: str) -> float:
    """0-1: how much of the organisation the channels reach (surveys, forums, groups)."""
    p = model.params
    surveys = _saturating(getattr(p.participation, who).surveys_per_year)
    # the mean of forum_sites (a count over the sites, as the mean of booleans is)
    forums = forum_count(model, who) / model.org.n_sites
    if who == "staff":
        s = model.staff
        n = max(1, s.count())
        full = p.participation.working_groups.full_reach
        groups = min(1.0, working_group_places(model) / n / full)
        return (surveys + forums + groups) / 3.0  # shape: mean of three
    return (surveys + forums) / 2.0  # shape: mean of two


# The reference organisation's channels (one survey a year, a forum at a quarter of the
# sites, one working-group place per 100 staff: the registry defaults), at which
# responsiveness adds nothing to the informal-voice target.
REFERENCE_CHANNELS = {"surveys_per_year": 1.0, "forums_site_share": 0.25,  # shape: defaults
                      "places_per_100": 1.0}


def reference_reach(who: str, full_reach: float) -> float:
    return reach_of(who, REFERENCE_CHANNELS["surveys_per_year"],
                    REFERENCE_CHANNELS["forums_site_share"], REFERENCE_CHANNELS["places_per_100"],
                    full_reach)


def reach_of(who: str, surveys_per_year: float, forums_site_share: float,
             places_per_100: float, full_reach: float) -> float:
    """Channel reach (as :func:`channel_reach`) of an organisation with these channels."""
    surveys = _saturating(surveys_per_year)
    forums = forums_site_share
    if who == "staff":
        groups = min(1.0, places_per_100 / 100.0  # shape: per 100
                     / full_reach)
        return (surveys + forums + groups) / 3.0  # shape: mean of three
    return (surveys + forums) / 2.0  # shape: mean of two


def voice_target(p, openness: float, responsiveness: float, reach: float, ref_reach: float,
                 headcount: int) -> float:
    """The informal-voice target of an organisation with this leadership (openness,
    responsiveness), channel reach (against the reference channels' reach) and headcount: the
    mutual's (:func:`informal_target`) and the parent public body's
    (``sim/mechanisms/governance/public_sector.informal_voice``) come from the same rule."""
    size = max(1, headcount)
    z = (_logit(p.engagement.voice_heard)
         + p.participation.voice.openness_weight * (openness - 0.5)
         + p.participation.voice.channel_weight * responsiveness * (reach - ref_reach)
         - p.participation.voice.size_weight * math.log2(size / REFERENCE_STAFF))
    return 1.0 / (1.0 + math.exp(-z))


def informal_target(model, who: str) -> float:
    p = model.params
    return voice_target(p, p.participation.leadership.openness,
                        p.participation.leadership.responsiveness, channel_reach(model, who),
                        reference_reach(who, p.participation.working_groups.full_reach),
                        model.staff.count())


def start_informal_voice(model) -> None:
    model.people.informal_voice = {"staff": informal_target(model, "staff"),
                            "users": informal_target(model, "users")}


def update_informal_voice(model) -> None:
    rate = model.params.participation.voice.adjust_rate
    for who in ("staff", "users"):
        v = model.people.informal_voice[who]
        model.people.informal_voice[who] = v + rate * (informal_target(model, who) - v)


def monthly(model) -> None:
    """Working-group places are filled and informal voice moves (before the ladder)."""
    model.month_counts["working_group_joins"] = fill_working_groups(model)
    update_informal_voice(model)


# --- voting --------------------------------------------------------------------------------------

def vote_chance(p, engagement: np.ndarray) -> np.ndarray:
    """Only people engaged enough to vote (rung 2 'votes, surveys' or above) vote."""
    return np.where(engagement >= 2, p.governance.elections.vote_chance_engaged, 0.0)


def engaged_share(cols, voters: np.ndarray) -> float:
    n = np.count_nonzero(voters)
    return float(np.count_nonzero(voters & (cols.engagement >= 2)) / n) if n else 0.0

