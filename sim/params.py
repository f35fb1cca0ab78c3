"""The parameter registry: every scenario parameter, declared once.

Each entry carries its unit, default, plausible range (or allowed values) and its source:
a § of the 2021 case-study report in ``shared/seed`` ("§4.1"), another publication, or
"assumption" (with the reasoning). ``mutualsim params`` prints this table and
``docs/parameters.md`` is generated from it.

Rates are per month unless the key or unit says otherwise; indices are dimensionless 0–1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MEMBERSHIP_RULES = ("opt_in", "opt_out", "automatic", "none")
REP_BODY_POWERS = ("none", "advisory", "approves_strategy", "appoints_board")


@dataclass(frozen=True)
class Param:
    key: str
    default: Any
    unit: str
    source: str
    doc: str
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None

    @property
    def kind(self) -> type:
        return type(self.default)

    @property
    def range_text(self) -> str:
        if self.choices:
            return " | ".join(self.choices)
        if self.kind is bool:
            return "true | false"
        if self.low is None and self.high is None:
            return "any"
        return f"{_fmt(self.low)} – {_fmt(self.high)}"


def _fmt(x: Any) -> str:
    if isinstance(x, bool):
        return "true" if x else "false"
    if isinstance(x, float):
        return f"{x:g}"
    return str(x)


def _p(key, default, unit, low=None, high=None, *, source, doc, choices=None) -> Param:
    return Param(key, default, unit, source, doc, low, high, choices)


_PARAMS: list[Param] = [
    # --- run ---------------------------------------------------------------------------
    _p("months", 120, "months", 1, 600,
       source="MODEL.md §2: default horizon 10 years",
       doc="Length of the run; one step is one month."),
    # --- organisation ------------------------------------------------------------------
    _p("organisation.staff", 400, "persons", 5, 100_000,
       source="Table 1.1 (cases range from small to very large); assumption: a medium mutual",
       doc="Funded staff establishment (target headcount) at month 0."),
    _p("organisation.users", 5_000, "persons", 0, 200_000,
       source="Table 5.1: about 1,000 user members (Case 5) to 67,000 (Case 9)",
       doc="Service users, tenants or clients served (fixed over the run)."),
    _p("organisation.sites", 4, "sites", 1, 100,
       source="§3.5: one mutual grew from its home location to 30 dispersed sites",
       doc="Delivery sites; site 0 is the headquarters, the rest are 'remote'."),
    _p("organisation.team_size", 12, "persons", 3, 60,
       source="assumption: typical frontline team size in health and care services",
       doc="Staff per team; teams sit within one site and carry peer effects."),
    # --- workforce ---------------------------------------------------------------------
    _p("workforce.attrition_per_year", 0.14, "share per year", 0.0, 0.6,
       source="assumption: UK health and social care staff turnover of roughly 10–20 % a year; "
              "§3.5 (recruiting and retaining staff a 'major challenge')",
       doc="Baseline voluntary leaving rate of satisfied staff (before dissatisfaction)."),
    _p("workforce.dissatisfaction_attrition", 2.5, "log-hazard per unit", 0.0, 8.0,
       source="assumption: dissatisfied staff leave faster (§5.4 'either moved on or accepted')",
       doc="Leaving hazard is multiplied by exp(k × (0.5 − satisfaction))."),
    _p("workforce.fixed_term_share", 0.15, "share of posts", 0.0, 0.8,
       source="§5.4 (staff 'on part-time or fixed term insecure contracts'); assumption for "
              "the share",
       doc="Share of posts that are fixed-term; a fixed-term post is re-advertised as such."),
    _p("workforce.fixed_term_months", 12, "months", 3, 60,
       source="assumption",
       doc="Length of a fixed-term contract; it ends (and the post is re-advertised) then."),
    _p("workforce.part_time_share", 0.3, "share", 0.0, 0.9,
       source="§5.4 Case 7 (part-time staff hard to involve); assumption for the share",
       doc="Share of staff working part time; they have less spare capacity to engage."),
    _p("workforce.recruitment_fill_per_month", 0.35, "share of vacancies per month", 0.01, 1.0,
       source="§3.5: recruiting skilled staff is hard against NHS/LA pensions (Cases 1, 2, 6, 10); "
              "assumption for the rate",
       doc="Share of open vacancies filled each month."),
    _p("workforce.tupe_share", 0.3, "share", 0.0, 1.0,
       source="§3.5, §5.4 Case 3 (staff 'TUPE'd in, who didn't want to come')",
       doc="Share of the starting workforce just transferred in under TUPE (from the spin-out "
           "or a newly won contract); the rest were recruited by the mutual."),
    _p("workforce.tupe_affinity_gap", 0.25, "affinity points", 0.0, 0.8,
       source="§5.4 Case 3; assumption for the size",
       doc="How much lower transferred-in staff's mission affinity starts than recruits'."),
    _p("workforce.tupe_acceptance_per_year", 0.3, "per year (exponential rate)", 0.0, 3.0,
       source="§5.4 Case 4: older-generation staff 'have either moved on or have accepted'",
       doc="Rate at which transferred-in staff regain the affinity lost to the transfer "
           "(0.3: about a quarter of the gap closes each year)."),
    _p("workforce.workload", 1.0, "ratio of work to capacity", 0.5, 2.0,
       source="§5.4: projects 'lost momentum ... everyone's snowed under with work'",
       doc="Workload signal (1 = normal). A constant here; the funding side will drive it "
           "from contracts per staff member."),
    _p("workforce.pay_index", 1.0, "ratio to public-sector pay", 0.6, 1.4,
       source="§3.5: mutuals cannot match NHS/LA pensions and terms",
       doc="Pay and conditions relative to the public-sector comparator; feeds satisfaction. "
           "A constant here; the funding side will drive it."),
    # --- membership: staff -------------------------------------------------------------
    _p("membership.staff.rule", "opt_in", "rule", choices=MEMBERSHIP_RULES,
       source="§4.1 'The choice of opt-in or opt-out mechanism'; Table 4.1",
       doc="How staff become legal members: opt_in (active choice), opt_out (enrolled after "
           "probation, may leave), automatic (all eligible, no opt-out; Case 10), none."),
    _p("membership.staff.probation_months", 6, "months", 0, 36,
       source="§4.1 ('after a period of full-time working ... e.g. six months'); Table 4.1 Case 10",
       doc="Months of service before a member of staff is eligible for membership."),
    _p("membership.staff.fixed_term_eligible", False, "flag",
       source="§4.1 (eligibility follows 'a period of full-time working'); assumption",
       doc="Whether staff on fixed-term contracts may be members."),
    _p("membership.staff.history_months", 60, "months", 0, 600,
       source="assumption: the rule has been in force about five years at month 0",
       doc="How long the staff rule has been in force before month 0. Opt-in membership at "
           "month 0 is drawn as if each person had faced the join hazard since eligible; 0 "
           "means the rule starts now."),
    _p("membership.staff.enrol_existing", True, "flag",
       source="§4.1: Cases 4 and 5 switched from opt-in to opt-out",
       doc="Under opt_out/automatic with history_months = 0 (a switch), whether staff already "
           "past probation are enrolled at once rather than only new starters."),
    _p("membership.staff.base_join_rate", 0.0006, "probability per month", 0.0, 0.2,
       source="calibrated to P2 / Table 4.1 Case 3 (opt-in take-up < 5 % with little "
              "promotion); §4.1 inertia ('we just didn't get round to filling the form in')",
       doc="Monthly chance that an eligible non-member actively opts in, with no promotion, "
           "no incentive and no member peers."),
    _p("membership.staff.promotion", 0.2, "effort index 0–1", 0.0, 1.0,
       source="§4.1 Case 4 ('we didn't make it easy'); §5.4 engagement strategies",
       doc="Effort spent promoting membership (0 none, 1 a sustained campaign)."),
    _p("membership.staff.promotion_effect", 8.0, "hazard multiplier at full effort", 0.0, 50.0,
       source="assumption: a sustained campaign multiplies the join hazard about ninefold",
       doc="Join hazard × (1 + promotion_effect × promotion)."),
    _p("membership.staff.incentive", 0.0, "index 0–1", 0.0, 1.0,
       source="§4.1 Case 4: members automatically entered in a monthly members' lottery",
       doc="Member benefits such as a lottery (0 none, 1 strong)."),
    _p("membership.staff.incentive_effect", 3.0, "hazard multiplier at full incentive", 0.0, 20.0,
       source="assumption",
       doc="Join hazard × (1 + incentive_effect × incentive)."),
    _p("membership.staff.ease", 1.0, "multiplier", 0.1, 5.0,
       source="§4.1 Case 4: 'now it's really easy ... just a tick in a box on a screen'",
       doc="Ease of the joining or leaving act: multiplies both the opt-in and opt-out hazards."),
    _p("membership.staff.peer_effect", 2.0, "multiplier per member share", 0.0, 10.0,
       source="assumption: social influence within teams (MODEL.md §3 step 6 'peer membership')",
       doc="Join hazard × (1 + peer_effect × share of members among team-mates)."),
    _p("membership.staff.opt_out_rate", 0.0002, "probability per month", 0.0, 0.1,
       source="§4.1 Case 4: 'we've never had anybody opt-out, ever'",
       doc="Monthly chance that a fully dissatisfied member actively leaves; scales with "
           "(1 − satisfaction)."),
    # --- membership: users -------------------------------------------------------------
    _p("membership.users.rule", "none", "rule", choices=MEMBERSHIP_RULES,
       source="§5.4 footnote 16: all four CBSs required users to opt in; Table 5.1",
       doc="How service users become members (only opt_in is observed in the study)."),
    _p("membership.users.history_months", 60, "months", 0, 600,
       source="assumption",
       doc="How long the user rule has been in force before month 0 (as for staff)."),
    _p("membership.users.base_join_rate", 0.0015, "probability per month", 0.0, 0.2,
       source="assumption; Table 5.1 (Case 9: 67,000 user members, Case 5: about 1,000)",
       doc="Monthly chance that an aware, eligible non-member user opts in with no promotion."),
    _p("membership.users.promotion", 0.2, "effort index 0–1", 0.0, 1.0,
       source="§5.4 (newsletters, AGMs, engagement strategies, Case 9)",
       doc="Effort spent promoting user membership and the mutual identity."),
    _p("membership.users.promotion_effect", 6.0, "hazard multiplier at full effort", 0.0, 50.0,
       source="assumption",
       doc="User join hazard × (1 + promotion_effect × promotion)."),
    _p("membership.users.peer_effect", 1.0, "multiplier per member share", 0.0, 10.0,
       source="assumption",
       doc="User join hazard × (1 + peer_effect × share of members in the same locality)."),
    _p("membership.users.opt_out_rate", 0.0003, "probability per month", 0.0, 0.1,
       source="assumption",
       doc="Monthly chance that a fully dissatisfied user member leaves."),
    _p("membership.users.awareness", 0.5, "share", 0.0, 1.0,
       source="§5.4: many users 'continued to see the organisation as a public sector body'",
       doc="Share of users aware of the mutual identity at month 0; only aware users join or "
           "engage beyond level 1."),
    _p("membership.users.awareness_gain", 0.02, "probability per month at full promotion",
       0.0, 0.5,
       source="assumption",
       doc="Monthly chance an unaware user becomes aware: 0.1 × this + promotion × this."),
    # --- engagement --------------------------------------------------------------------
    _p("engagement.up_rate", 0.04, "probability per month", 0.0, 0.5,
       source="assumption; ladder from §5.4 ('passive membership, occasional inputs ... up to "
              "fuller, more active volunteering as well as formalised roles')",
       doc="Base monthly chance of moving one rung up the engagement ladder (0 → 1)."),
    _p("engagement.down_rate", 0.03, "probability per month", 0.0, 0.5,
       source="assumption; §5.4 'It goes up and down, you know' (Case 5)",
       doc="Base monthly chance of moving one rung down."),
    _p("engagement.step_difficulty", 0.35, "ratio per rung", 0.05, 1.0,
       source="assumption: each rung up the ladder is harder (§5.4: time, confidence, skills)",
       doc="The up-rate is multiplied by this once per rung above the first (rung 1→2 × d, "
           "2→3 × d², 3→4 × d³)."),
    _p("engagement.ownership_weight", 2.0, "log-odds per unit", 0.0, 10.0,
       source="§5.5: psychological ownership and a 'voice that is heard' drive participation",
       doc="Weight of psychological ownership (centred at 0.5) in the ladder's drive."),
    _p("engagement.confidence_weight", 1.5, "log-odds per unit", 0.0, 10.0,
       source="§5.4: lack of 'confidence in their ability to contribute'",
       doc="Weight of confidence (centred at 0.5) in the ladder's drive."),
    _p("engagement.peer_weight", 1.5, "log-odds per active share", 0.0, 20.0,
       source="§5.4 Case 3 (newcomers and TUPE staff influence each other); assumption",
       doc="Weight of the share of active (rung ≥ 3) team-mates in the ladder's drive."),
    _p("engagement.workload_weight", 2.0, "log-odds per unit overload", 0.0, 10.0,
       source="§5.4 ('everyone's snowed under with work'; 'people are busy')",
       doc="How much workload above 1 (and part-time hours) lowers the drive."),
    _p("engagement.member_boost", 0.25, "log-odds", 0.0, 3.0,
       source="§5.4: formal membership 'may not readily translate' into engagement; assumption",
       doc="Added drive for legal members (small: membership and engagement diverge)."),
    _p("engagement.dispersion_penalty", 0.6, "log-odds at a remote site", 0.0, 3.0,
       source="§3.5, §5.4: at 30 dispersed sites engagement 'less strong than at core/HQ sites'",
       doc="Drive lost by staff and users away from the headquarters site, scaled by "
           "(1 − 1/sites)."),
    _p("engagement.satisfaction_weight", 1.0, "log-odds per unit", 0.0, 10.0,
       source="MODEL.md §3 step 7 (dissatisfaction moves people down the ladder); assumption",
       doc="Weight of satisfaction (centred at 0.5) in the staff ladder's drive."),
    _p("engagement.vulnerability_weight", 1.5, "log-odds per unit", 0.0, 10.0,
       source="§5.4: users who are vulnerable or disadvantaged are harder to involve (Cases 1, 2)",
       doc="Drive lost by a fully vulnerable user."),
    _p("engagement.confidence_gain", 0.03, "share of the gap per month", 0.0, 0.5,
       source="§5.4: 'talent spot', nurture and train prospective candidates; assumption",
       doc="Monthly confidence gain at full pipeline support (taking part adds half as much)."),
    _p("engagement.pipeline_investment", 50.0, "£ per staff member per year", 0.0, 1_000.0,
       source="§5.4 Case 11: a 'Pipeline of Engagement' (talent spotting, training, nurturing)",
       doc="Spending on training and support for engagement; lifts confidence and the ladder."),
    _p("engagement.pipeline_half_saturation", 150.0, "£ per staff member per year", 1.0, 5_000.0,
       source="assumption: diminishing returns to engagement spending",
       doc="Investment at which the pipeline's effect is half its maximum."),
    _p("engagement.pipeline_weight", 1.5, "log-odds at saturation", 0.0, 10.0,
       source="assumption",
       doc="Drive added by a saturated pipeline of engagement."),
    _p("engagement.voice_heard", 0.5, "index 0–1", 0.0, 1.0,
       source="§5.3 ('Are you not listening to us?'), §5.5 (a voice 'that, most importantly, is "
              "heard')",
       doc="How far staff and users feel their voice is heard. A constant here; the governance "
           "side will make it an output of its decisions."),
    _p("engagement.representative_seats", 20, "seats", 0, 500,
       source="Table 4.1 (e.g. Case 11: 8 employee and 15 tenant representatives; Case 2: a "
              "13-member staff council)",
       doc="Formal representative roles (rung 4) available to staff and users together."),
    _p("engagement.representative_confidence", 0.55, "confidence 0–1", 0.0, 1.0,
       source="§5.4: candidates need confidence and skills; assumption for the threshold",
       doc="Minimum confidence to take a representative role (rung 4)."),
    _p("engagement.user_rate_factor", 0.3, "ratio to staff rates", 0.0, 2.0,
       source="§5.4: engaging users 'pose[s] much more of a challenge than ... employees'",
       doc="Users' up-rate relative to staff's."),
    # --- ownership and culture ---------------------------------------------------------
    _p("ownership.adjust_rate", 0.08, "share of gap per month", 0.0, 1.0,
       source="assumption: ownership feelings move over months, not days",
       doc="Rate at which psychological ownership moves toward its target."),
    _p("ownership.contagion", 0.04, "share of gap per month", 0.0, 1.0,
       source="§5.4 Case 3 (staff influence each other's attitudes); assumption",
       doc="Pull of each person's ownership toward their team's (or locality's) mean."),
    _p("ownership.voice_weight", 0.35, "weight", 0.0, 1.0,
       source="§5.5: agency and a 'voice' that 'is heard'",
       doc="Weight of voice heard in the ownership target."),
    _p("ownership.member_weight", 0.1, "weight", 0.0, 1.0,
       source="§5.5: legal-formal and cultural-psychological ownership are distinct",
       doc="Weight of legal membership in the ownership target."),
    _p("ownership.engagement_weight", 0.15, "weight", 0.0, 1.0,
       source="§5.5: taking part builds belonging; assumption",
       doc="Weight of one's own ladder rung (as rung/4) in the ownership target; mission "
           "affinity takes the weight left over."),
    _p("satisfaction.affinity_weight", 0.5, "per unit", 0.0, 2.0,
       source="assumption: staff who share the mission are more content",
       doc="Effect of mission affinity (centred at 0.5) on the satisfaction target."),
    _p("satisfaction.voice_weight", 0.3, "per unit", 0.0, 2.0,
       source="§5.3 ('Are you not listening to us?')",
       doc="Effect of voice heard (centred at 0.5) on the satisfaction target."),
    _p("satisfaction.workload_weight", 0.5, "per unit overload", 0.0, 2.0,
       source="§5.4 ('snowed under with work')",
       doc="Satisfaction lost per unit of workload above 1."),
    _p("satisfaction.pay_weight", 0.6, "per unit of pay index", 0.0, 3.0,
       source="§3.5 (pay and pensions below NHS/LA)",
       doc="Satisfaction gained per unit of pay index above 1 (lost below)."),
    _p("satisfaction.adjust_rate", 0.1, "share of gap per month", 0.0, 1.0,
       source="assumption",
       doc="Rate at which satisfaction moves toward its target."),
    # --- governance structure (static until the governance mechanisms land) ------------
    _p("governance.board.size", 9, "seats", 3, 30,
       source="Table 4.1 (boards of 8–12, e.g. Case 5: 9, Case 9: 12)",
       doc="Board seats of all kinds."),
    _p("governance.board.staff_seats", 1, "seats", 0, 15,
       source="Table 4.1 (Case 1: 3 nominated employees; Case 5: one staff director)",
       doc="Board seats elected by staff."),
    _p("governance.board.user_seats", 0, "seats", 0, 15,
       source="Table 4.1 / 5.1 (Case 9: 4 community-elected directors)",
       doc="Board seats elected by service users or community members."),
    _p("governance.rep_body.powers", "advisory", "powers", choices=REP_BODY_POWERS,
       source="§4.2; Table 4.1 (Case 11: approves strategy and appoints the board)",
       doc="Powers of the representative body / staff council."),
    # --- ownership indices (Figure 5.1) ------------------------------------------------
    _p("indices.threshold", 0.5, "index 0–1", 0.05, 0.95,
       source="Figure 5.1 (two dimensions, four ideal types); assumption for the cut-off",
       doc="Cut-off on both ownership indices separating the four ideal types."),
    _p("indices.active_share_full", 0.25, "share", 0.01, 1.0,
       source="assumption: an active core of a quarter of staff counts as a strong culture",
       doc="Active share (rung ≥ 3) at which the cultural index's engagement part is full."),
]

REGISTRY: dict[str, Param] = {p.key: p for p in _PARAMS}
assert len(REGISTRY) == len(_PARAMS), "duplicate parameter key"


def defaults() -> dict[str, Any]:
    """Flat {dotted key: default} for every registered parameter."""
    return {p.key: p.default for p in _PARAMS}


def markdown_table() -> str:
    """The registry as the Markdown document docs/parameters.md."""
    lines = [
        "# Parameters",
        "",
        "Generated from `sim/params.py` by `mutualsim params --markdown`; do not edit by hand",
        "(`make docs` regenerates it, and a test fails when it is out of date).",
        "",
        "| key | default | unit | range | source | meaning |",
        "|---|---|---|---|---|---|",
    ]
    for p in _PARAMS:
        cells = [f"`{p.key}`", f"`{_fmt(p.default)}`", p.unit, p.range_text, p.source, p.doc]
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(lines) + "\n"
