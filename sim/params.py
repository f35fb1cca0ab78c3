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

from sim.mechanisms.governance.bodies import REP_BODY_POWERS

MEMBERSHIP_RULES = ("opt_in", "opt_out", "automatic", "none")
LEGAL_FORMS = ("cic", "cbs", "charity", "council_owned_cic", "employee_trust")
GOVERNANCE_PRESETS = ("custom", "stewardship", "staff_council", "council_of_governors",
                      "multi_stakeholder_cbs", "council_owned")


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
    _p("workforce.redeployment_months", 3, "months", 0, 120,
       source="§3.5 (staff who do not transfer are 'recruited or redeployed'); UK collective "
              "consultation of 45 days before 20+ redundancies; assumption for the length",
       doc="Months the mutual carries staff beyond the posts its work funds (after a lost "
           "contract), redeploying them into vacancies as they open, before it makes the rest "
           "redundant. 120 = never (they leave only by attrition)."),
    _p("workforce.redeployment_slack", 0.05, "share of funded posts", 0.0, 1.0,
       source="assumption",
       doc="Staff above the funded posts the mutual carries indefinitely (cover and "
           "turnover); only the excess beyond this is released."),
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
    # --- funding: commissioning, procurement, finance, growth ---------------------------
    # Money is in pounds per year unless the unit says otherwise; the model keeps its books
    # in whole pence (mechanisms/funding/finance.py). Everything is in real terms (no inflation).
    _p("organisation.legal_form", "cic", "legal form", choices=LEGAL_FORMS,
       source="§4.1, Table 4.1 (CIC CLG, CBS, charity CLG; Case 6 owned by 3 LAs; Case 10 an "
              "employee trust)",
       doc="Legal form. cbs: community anchoring lowers geographic expansion (§3.3); "
           "council_owned_cic: the owning councils renew by direct award instead of "
           "re-tendering (Case 6); charity: more grant income; cic and employee_trust: the "
           "default behaviour."),
    _p("organisation.regions", 1, "regions", 1, 30,
       source="§3.3: two thirds of the cases had expanded beyond their home territory",
       doc="Regions (council or NHS areas) where the mutual holds contracts at month 0; "
           "region 0 is home."),
    _p("organisation.core_contract_share", 0.6, "share of contract income", 0.0, 1.0,
       source="§2.2: 'anchor' contracts; 'a few were reliant on a single contract for more "
              "than half their income'",
       doc="Share of public contract income that comes from the core (anchor) contract."),
    _p("organisation.core_contract_years", 5, "years", 1, 15,
       source="§2.2: core contracts 'usually for 3 or 5 years'; Cases 7, 10 and 12 held 5-year "
              "core contracts",
       doc="Term of the core contract (at month 0 and each time it is re-let)."),
    _p("organisation.service_quality", 0.65, "index 0–1", 0.0, 1.0,
       source="§2.3 (innovation since spin-out); assumption for the level",
       doc="Quality of the mutual's service as a commissioner would score it, before track "
           "record, relationship and bid writing."),
    _p("organisation.social_value_strength", 0.85, "index 0–1", 0.0, 1.0,
       source="§2.4: social value 'at the heart of the mission' of mutuals",
       doc="How well the mutual evidences social value in a bid (competitors: 0.3 corporate "
           "to 0.8 other mutuals); stretched, disengaged staff deliver less of it."),
    _p("organisation.social_value_ratio", 0.2, "£ social value per £ turnover", 0.0, 5.0,
       source="§2.4 (SROI used by some mutuals); assumption for the ratio",
       doc="Social value delivered per pound of turnover at full strength (the output "
           "`social_value`)."),
    _p("commissioning.regions", 5, "regions", 1, 30,
       source="§3.3 (contracts won in 'other regions'); assumption for the count",
       doc="Regions in the market: home plus neighbours, each with a council and an NHS "
           "commissioner."),
    _p("commissioning.budget_index", 1.0, "ratio to today's budget", 0.0, 2.0,
       source="§2.5 (a decade of austerity); 0 means no public money at all",
       doc="Commissioners' budgets at month 0 relative to the cost of today's services; "
           "scales the value of contracts, re-tenders and new tenders."),
    _p("commissioning.budget_trend_per_year", -0.01, "share per year", -0.2, 0.2,
       source="§2.5: 'considerable spending cuts over the last decade'; assumption for the rate",
       doc="Drift of each commissioner's budget per year (negative: austerity)."),
    _p("commissioning.budget_shock_per_year", 0.1, "probability per year", 0.0, 1.0,
       source="§2.2 Case 10 (budget cut by two thirds); Case 8 (arts funding under review)",
       doc="Chance per year that a commissioner's budget takes a sudden cut."),
    _p("commissioning.budget_shock_size", 0.15, "share of budget", 0.0, 1.0,
       source="§2.2 Case 10; assumption for the typical size",
       doc="Size of a budget shock (share of the budget cut at once)."),
    _p("commissioning.officer_churn_per_year", 0.7, "officer changes per year", 0.0, 12.0,
       source="§2.5: 'four commissioners in the last three years' (Case 5); five in two years "
              "(Case 3)",
       doc="Expected changes of the commissioning officer per year (monthly chance = rate/12; "
           "12 = a new officer every month). A new officer resets relationship capital."),
    _p("commissioning.relationship_build_per_year", 0.6, "per year (exponential rate)",
       0.0, 6.0,
       source="§2.5: 'We needed time to build relationships ... it really helps if they know "
              "you'",
       doc="Rate at which relationship capital with an officer grows while the mutual works "
           "for them (0.6: about half the way to full in a year)."),
    _p("commissioning.team_capacity", 0.5, "index 0–1", 0.05, 1.0,
       source="§2.5: 'where there was a team of sixty there is now six'",
       doc="Capacity of commissioning teams. Low capacity means more single-year extensions "
           "instead of re-tendering, bigger consolidated lots and shorter bid windows."),
    _p("commissioning.risk_aversion", 0.5, "index 0–1", 0.0, 1.0,
       source="§2.5: 'many commissioners were risk averse and narrowly focused on compliance'",
       doc="How much more readily commissioners drop small providers (withdrawal, "
           "non-renewal, in-housing)."),
    _p("commissioning.size_reference", 10_000_000.0, "£ turnover", 100_000.0, 1e9,
       source="§2.2: the two smaller cases that lost contracts (1, 10) lost them without "
              "re-tender; Case 8 was 'at risk' (§3.2); the size: assumption",
       doc="Turnover above which a provider counts as fully 'safe' to a risk-averse "
           "commissioner; smaller providers face proportionally (square root) higher "
           "withdrawal and non-renewal risk, up to 3×."),
    _p("commissioning.lot_consolidation", 1.0, "services per lot", 1.0, 5.0,
       source="§2.5: 'the policy of consolidation of multiple contracts into a single "
              "contract'; the 'missing middle'",
       doc="How many services a commissioner bundles into one tendered lot (1 = none)."),
    _p("commissioning.capacity_consolidation", 0.5, "extra services per lot at zero capacity",
       0.0, 3.0,
       source="§2.5: consolidation 'driven, in part, by the reduction of commissioner numbers'",
       doc="Lots grow by this × (1 − team capacity) on top of lot_consolidation."),
    _p("commissioning.framework_share", 0.25, "share of tenders", 0.0, 1.0,
       source="§2.5: 'getting included in commissioning frameworks ... often requires' a "
              "minimum turnover",
       doc="Share of tenders let through a framework with a turnover entry rule."),
    _p("commissioning.framework_turnover_multiple", 2.0, "× annual lot value", 0.0, 10.0,
       source="§2.5: 'their turnover was double the size of the contract'",
       doc="Framework entry rule: a bidder's turnover must be at least k × the lot's annual "
           "value (a consortium pools turnover)."),
    _p("commissioning.extension_propensity", 0.5, "probability at expiry", 0.0, 1.0,
       source="§2.2: half of SEUK respondents still on original contracts, the rest after "
              "extension or re-tender; §2.5 'plus one'",
       doc="Base chance that an expiring contract with an extension option is extended; "
           "higher with relationship capital and when the team lacks capacity to re-tender."),
    _p("commissioning.in_house_propensity", 0.03, "probability at expiry", 0.0, 1.0,
       source="§2.2 Case 10 ('effectively brought back in house')",
       doc="Base chance a council brings an expiring service back in house (or to its trading "
           "company); scaled up for small providers."),
    _p("commissioning.withdrawal_at_expiry", 0.03, "probability at expiry", 0.0, 1.0,
       source="§2.2 (Case 8 arts funding under review; 'not being renewed without ... "
              "re-tendering')",
       doc="Base chance an expiring service is decommissioned; higher after budget cuts and "
           "for small providers."),
    _p("commissioning.early_withdrawal_per_year", 0.01, "probability per contract-year",
       0.0, 1.0,
       source="§2.2 Case 1: contract 'withdrawn by LA after 9 months' with 'no explanation'",
       doc="Base chance per year that a commissioner ends a contract early; higher after budget "
           "cuts and for small providers."),
    _p("commissioning.home_tenders_per_year", 1.5, "tenders per year", 0.0, 24.0,
       source="§2.2, §3.3 (portfolios of contracts); assumption for the rate",
       doc="New tender opportunities in the mutual's service areas in its home region."),
    _p("commissioning.other_tenders_per_year", 4.0, "tenders per year", 0.0, 48.0,
       source="§3.3 (contracts won 'in other regions'); assumption for the rate",
       doc="New tender opportunities in the other regions together."),
    _p("procurement.price_weight", 0.6, "weight 0–1", 0.0, 1.0,
       source="§2.6: 'Scoring criteria continue to be heavily weighted towards price'; "
              "assumption for 60 %",
       doc="Weight of the price score; quality takes 1 − price − social value (weights are "
           "rescaled if they add up to more than 1)."),
    _p("procurement.social_value_weight", 0.02, "weight 0–1", 0.0, 1.0,
       source="§2.4: social value 'often as little as between 1% and 3% of the scoring' "
              "(Cases 1, 3, 4)",
       doc="Weight of the social-value score in tender evaluation. Raising it takes the "
           "weight from quality, not from price: quality gets 1 − price − social value "
           "(weights are rescaled if they add up to more than 1); to take it from price, "
           "lower procurement.price_weight too."),
    _p("procurement.contract_years", 3, "years", 1, 15,
       source="§2.2: core contracts 'usually for 3 or 5 years'",
       doc="Length of a contract before its extension option."),
    _p("procurement.extension_years", 1, "years", 0, 5,
       source="§2.5: 'The plus one bit of those [contracts]'",
       doc="Extension option of each contract."),
    _p("procurement.efficiency_demand", 0.02, "share per year", 0.0, 0.2,
       source="§2.5: 'efficiencies of between 1% and 3% within a year'",
       doc="Annual cut in each contract's value demanded by its commissioner."),
    _p("procurement.efficiency_spec_cut", 0.3, "share of the cut", 0.0, 1.0,
       source="§2.5 Case 4: 'one way we could do it would be to stop this element of the "
              "service'",
       doc="Share of the efficiency demand met by cutting the specification (less work); the "
           "rest must come from productivity, margin or pay."),
    _p("procurement.bid_window_months", 2, "months", 1, 12,
       source="§2.5: 'The short notice and limited time allowed for preparing some bids'",
       doc="Typical time from a tender's notice to its bid deadline (each tender draws 0.5–1.5 "
           "× this, shorter when commissioning teams are stretched)."),
    _p("procurement.bid_cost_share", 0.015, "share of annual lot value", 0.0, 0.2,
       source="§2.5: bids 'would have cost tens of thousands of pounds'",
       doc="Cost of preparing a bid as a share of the lot's annual value."),
    _p("procurement.bid_cost_min", 5_000.0, "£ per bid", 0.0, 200_000.0,
       source="§2.5; assumption",
       doc="Minimum cost of a bid (heavier for small organisations relative to turnover)."),
    _p("procurement.bid_team_per_1000_staff", 4.0, "concurrent bids per 1,000 staff", 0.0,
       50.0,
       source="§2.5: 'Larger organisations often have bid writing teams'",
       doc="Bids the mutual can prepare at once: 1 + this × staff/1,000 (rounded down)."),
    _p("procurement.tender_median_staff", 20.0, "staff (FTE) per service", 1.0, 2_000.0,
       source="assumption: a typical community health or care service",
       doc="Median size of a new service put out to tender, in staff needed to deliver it."),
    _p("procurement.tender_size_spread", 0.8, "log-sd", 0.0, 2.0,
       source="assumption",
       doc="Spread of new services' sizes (lognormal)."),
    _p("procurement.price_per_fte", 36_000.0, "£ per FTE per year", 10_000.0, 200_000.0,
       source="assumption: UK health and care staff cost (~£30k with on-costs) plus overheads",
       doc="What a commissioner budgets per staff-year of service at budget index 1; the value "
           "of every contract at month 0 follows from its staff."),
    _p("procurement.tupe_transfer_share", 0.7, "share of the service's staff", 0.0, 1.0,
       source="§3.5: 'some contracts require that staff ... be TUPE'd across'",
       doc="Share of a service's staff who transfer with it under TUPE (in on a win, out on "
           "a loss); the rest are recruited or redeployed."),
    _p("procurement.consortium_access", 0.5, "probability", 0.0, 1.0,
       source="§3.3: consortia 'with other mutuals or ... small social/voluntary sector' "
              "partners (Cases 1, 2, 4)",
       doc="Chance the mutual finds consortium partners when it cannot bid alone (framework "
           "rule or capacity)."),
    _p("procurement.consortium_share", 0.5, "share of value", 0.1, 1.0,
       source="§3.3; assumption",
       doc="The mutual's share of a contract won in consortium (its share of staff too)."),
    _p("procurement.quality_noise", 0.08, "sd of quality score", 0.0, 0.5,
       source="§2.5: 'we award the contract to the best bid writer rather than the best bid'",
       doc="Noise in the commissioner's quality judgement; larger for inexperienced officers."),
    _p("finance.pay_per_staff", 31_000.0, "£ per head per year", 5_000.0, 150_000.0,
       source="assumption: UK health and care pay with employer on-costs",
       doc="Average pay cost of a member of staff at pay index 1."),
    _p("finance.overhead_share", 0.1, "share of income", 0.0, 0.5,
       source="assumption: premises, IT, management",
       doc="Variable overheads as a share of income."),
    _p("finance.fixed_overhead", 40_000.0, "£ per year", 0.0, 5_000_000.0,
       source="§2.5: small organisations 'working to very tight margins'; assumption",
       doc="Fixed central costs (governance, finance, CEO), heavy for small mutuals."),
    _p("finance.opening_reserves_months", 3.0, "months of costs", 0.0, 36.0,
       source="§2.5: frameworks require 'financial reserves'; assumption",
       doc="Reserves at month 0."),
    _p("finance.trading_share", 0.12, "share of income", 0.0, 0.9,
       source="§2.2 (Case 5: 50 % trading with the public); §2.1 (80 % public on average)",
       doc="Share of month-0 income from trading with the public."),
    _p("finance.rent_share", 0.0, "share of income", 0.0, 1.0,
       source="§2.2 Case 11: rents from tenants 95 % of income",
       doc="Share of month-0 income from rents."),
    _p("finance.grant_share", 0.06, "share of income", 0.0, 0.5,
       source="§2.2 ('Grants were also important'); §3.6",
       doc="Share of income from grants; new grants arrive to keep about this share."),
    _p("finance.grant_public_share", 0.5, "share of grant income", 0.0, 1.0,
       source="§3.6: grants 'mainly from parent LAs'; Lottery, Arts Council, EU",
       doc="Share of grant income from public bodies (counts as public income)."),
    _p("finance.grants_per_year", 0.5, "grants per year", 0.0, 12.0,
       source="§3.6; assumption",
       doc="New grants awarded per year (charities get 1.5 × this)."),
    _p("finance.grant_years", 2, "years", 1, 10,
       source="Table 3.1 Case 1 (£700k over 2 years), Case 9 (£1m over 4 years)",
       doc="Length of a grant."),
    _p("finance.bank_rate", 0.05, "interest per year", 0.0, 0.3,
       source="§3.6: 'cheaper bank loans via their parent LAs'; assumption",
       doc="Interest on bank loans."),
    _p("finance.social_investment_rate", 0.065, "interest per year", 0.0, 0.3,
       source="§3.6: 'Big Society Capital at 6%'; 'plus 7% interest rates'",
       doc="Interest on social investment loans, used when no bank will lend."),
    _p("finance.bank_access", 0.6, "probability", 0.0, 1.0,
       source="§3.6: 'we're pretty bankable now'; assumption",
       doc="Chance a bank lends when the mutual needs a loan and made a surplus last year; "
           "otherwise social investment."),
    _p("finance.loan_years", 5, "years", 1, 30,
       source="assumption",
       doc="Repayment period of a loan (equal monthly principal repayments)."),
    _p("finance.max_loan_share", 0.25, "share of annual turnover", 0.0, 2.0,
       source="§3.6 (average investment sought just over £500,000); assumption",
       doc="Most the mutual may owe at once."),
    _p("finance.insolvency_months", 3, "months", 1, 24,
       source="MODEL.md §3 step 9; assumption",
       doc="Consecutive months with reserves below zero (after any loan) before the mutual "
           "fails and the run stops."),
    _p("finance.target_margin", 0.03, "share of income", 0.0, 0.3,
       source="§2.5: 'very tight margins and making little, if any, surplus'",
       doc="Surplus the mutual prices for in bids and aims for in pay decisions."),
    _p("finance.pay_restraint_step", 0.02, "pay index per year", 0.0, 0.2,
       source="§3.5: mutuals cannot match NHS/LA terms; assumption",
       doc="Annual fall of the pay index (relative to public-sector pay) in a year of pay "
           "restraint (deficit); the same step back up in a good year."),
    _p("finance.productivity_gain_per_year", 0.01, "share per year", 0.0, 0.1,
       source="§2.4 (SEUK 2019: productivity gains since leaving the public sector); §2.5 "
              "'leaner and a bit more productive'",
       doc="Growth of output per member of staff (fewer staff needed for the same work)."),
    _p("finance.redundancy_months", 3.0, "months of pay per redundancy", 0.0, 24.0,
       source="assumption (statutory plus contractual terms)",
       doc="Cost of each redundancy in a leaner restructuring or a decommissioned service."),
    _p("workforce.tupe_pension_premium", 0.12, "share of pay", 0.0, 0.4,
       source="§3.5: TUPE'd staff keep 'NHS pensions and terms and conditions'; assumption: "
              "NHS/LGPS employer rates of ~20 % against ~5–8 % for recruits",
       doc="Extra cost of a transferred-in member of staff (protected pension and terms)."),
    _p("growth.expansion_appetite", 0.9, "probability", 0.0, 1.0,
       source="§3.3: two thirds of the cases (7 of the 8 that are not CBSs) had expanded beyond "
              "their home territories",
       doc="Chance the mutual considers a tender in a region it does not yet serve, at full "
           "track record and partners."),
    _p("growth.partners", 0.5, "index 0–1", 0.0, 1.0,
       source="§3.3: success 'dependent on ... prior track records and ... partnerships'",
       doc="Strength of the mutual's partnerships with other providers."),
    _p("growth.cbs_anchoring", 0.3, "multiplier", 0.0, 1.0,
       source="§3.3: expansion 'less evident amongst the four Community Benefit Society "
              "cases', 'anchored by strong community ownership structures'",
       doc="Expansion appetite of a CBS relative to other forms."),
    _p("growth.diversification_per_year", 0.15, "probability per year", 0.0, 1.0,
       source="§3.1: over half had diversified into new markets (SEUK 2021)",
       doc="Chance per year of starting a related service or trading line (doubled after "
           "losing the core contract)."),
    _p("growth.diversification_size", 0.03, "share of turnover", 0.0, 0.5,
       source="assumption",
       doc="Size of a new trading line relative to turnover."),
    _p("growth.acquisition_per_year", 0.1, "probability per year", 0.0, 1.0,
       source="§3.1: 'Around 1 in 7 had acquired another organisation' (SEUK 2021); Case 4",
       doc="Chance per year of acquiring a business when reserves allow."),
    _p("growth.acquisition_reserve_months", 6.0, "months of costs", 0.0, 60.0,
       source="§3.3 Case 4: acquisitions 'funded by accumulated reserves'",
       doc="Reserves the mutual must keep after paying for an acquisition."),
    _p("growth.acquisition_size", 0.05, "share of turnover", 0.0, 1.0,
       source="assumption",
       doc="Turnover of an acquired business relative to the mutual's."),
    _p("growth.acquired_margin", 0.12, "share of its income", 0.0, 0.5,
       source="§3.3 Case 4: 'profitable subsidiaries ... where profit margins are significant'",
       doc="Profit margin of an acquired business (it needs fewer staff per £)."),
    _p("growth.acquisition_price_multiple", 5.0, "× annual profit", 0.0, 20.0,
       source="assumption: a small private health business",
       doc="Price of an acquisition."),
    _p("growth.lean_trigger", -0.02, "surplus margin", -0.5, 0.2,
       source="Table 3.1 Case 8: 'Plan to be leaner ... with fewer employees'",
       doc="Below this trailing-year margin the mutual adopts a leaner model: it staffs to "
           "what it can afford and makes redundancies."),
    _p("growth.decision_window_months", 3, "months", 1, 24,
       source="MODEL.md §3 step 2; assumption",
       doc="How long an acquisition or diversification opportunity stays open; a slower "
           "strategy decision misses it."),
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
    _p("engagement.voice_heard", 0.42, "index 0–1", 0.0, 1.0,
       source="§4.2 (all 12 cases used surveys, intranets and team briefs); §5.5 (a voice 'that, "
              "most importantly, is heard'); calibrated so the base scenario's voice stays "
              "near the foundation's 0.5",
       doc="Voice heard through informal channels alone (surveys, team briefs, intranet). The "
           "governance procedure adds formal voice on top (governance.voice.*) and conflict "
           "takes some away; the result is the model's voice_heard."),
    _p("engagement.representative_confidence", 0.55, "confidence 0–1", 0.0, 1.0,
       source="§5.4: candidates need confidence and skills; assumption for the threshold",
       doc="Minimum confidence to stand for an elected seat (rung 4) on the board or the "
           "representative body."),
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
    # --- governance (MODEL.md §3 steps 2 and 8; sim/mechanisms/governance/) ------------
    # Presets bundle the structure keys below (mechanisms/governance/presets.py, Table 4.1); keys
    # set explicitly in the same or a more derived scenario file win over the preset.
    _p("governance.preset", "custom", "archetype", choices=GOVERNANCE_PRESETS,
       source="§4.2 (stewardship vs democratic multi-stakeholder); Table 4.1 structures",
       doc="A governance archetype whose bundle of governance.* values applies before the "
           "scenario's own keys: stewardship (Cases 7-8), staff_council (Cases 2, 6), "
           "council_of_governors (Case 4), multi_stakeholder_cbs (Case 11), council_owned "
           "(Case 6). custom applies no bundle."),
    # who decides: depth of the procedure per decision level (§5.2)
    _p("governance.depth.strategy", 0.3, "index 0–1", 0.0, 1.0,
       source="§5.2: strategy = 'forward business planning, growth, diversification and "
              "innovation'; 0 = stewardship (board and executive alone), 1 = democratic "
              "multi-stakeholder",
       doc="Depth of the strategy procedure: the representative body is consulted on a share "
           "min(1, 2·depth) of decisions and the wider membership on max(0, 2·depth − 1)."),
    _p("governance.depth.policy", 0.4, "index 0–1", 0.0, 1.0,
       source="§5.2: policy and procedures, HR and people management",
       doc="Depth of the policy procedure (as for strategy)."),
    _p("governance.depth.operations", 0.4, "index 0–1", 0.0, 1.0,
       source="§5.2: operations, 'delegated decision-making, empowerment of frontline workers'",
       doc="Depth of the operations procedure (as for strategy; no board stage)."),
    # the board (§4.2, Table 4.1)
    _p("governance.board.size", 9, "seats", 3, 30,
       source="Table 4.1 (boards of 8–12, e.g. Case 5: 9, Case 9: 12)",
       doc="Board seats of all kinds; those not executive, elected, council-appointed or "
           "co-opted are independent non-executives. If those seats add up to more, the board "
           "grows to hold them (with no independents)."),
    _p("governance.board.executive_seats", 3, "seats", 1, 10,
       source="Table 4.1 (Case 1: 3 from the senior leadership team; Case 5: 4; Case 11: 2)",
       doc="Executive directors (CEO and senior team); always filled."),
    _p("governance.board.staff_seats", 1, "seats", 0, 15,
       source="Table 4.1 (Case 1: 3 nominated employees; Case 5: one staff director)",
       doc="Board seats elected by staff (vacant when no one stands, §4.2)."),
    _p("governance.board.user_seats", 0, "seats", 0, 15,
       source="Table 4.1 / 5.1 (Case 9: 4 community-elected directors)",
       doc="Board seats elected by service users or community members."),
    _p("governance.board.council_seats", 0, "seats", 0, 15,
       source="Table 4.1 (Case 9: 2 council-appointed; Case 6: directors appointed by 3 LAs)",
       doc="Board seats appointed by the local authority owner or partner; always filled."),
    _p("governance.board.coopted_seats", 0, "seats", 0, 15,
       source="Table 4.1 (Case 9: 4 co-opted)",
       doc="Co-opted board seats (skills brought in by the board); always filled."),
    _p("governance.board.skill", 0.65, "index 0–1", 0.05, 0.95,
       source="§4.2, §4.3: external board members 'an important source of professional skills "
              "and specialist knowledge'; assumption for the level",
       doc="Mean skill of appointed directors (executives, independents, council-appointed, "
           "co-opted); elected directors bring their own confidence instead."),
    _p("governance.term_years", 3, "years", 1, 10,
       source="assumption: three-year terms are usual for directors and representatives",
       doc="Term of every board and representative-body seat; terms are staggered at month 0."),
    # the representative body (§4.2: staff council / council of governors / representative body)
    _p("governance.rep_body.powers", "advisory", "powers", choices=REP_BODY_POWERS,
       source="§4.2; Table 4.1 (Case 2: staff council gives a 'voice'; Case 11: approves "
              "strategy and appoints the board)",
       doc="Powers of the representative body; 'none' means there is no representative body "
           "(its seats are not used)."),
    _p("governance.rep_body.staff_seats", 10, "seats", 0, 200,
       source="Table 4.1 (Case 2: 13 staff; Case 6: 8 grown to 16; Case 11: 8 employees)",
       doc="Representative-body seats elected by staff."),
    _p("governance.rep_body.user_seats", 0, "seats", 0, 200,
       source="Table 4.1 (Case 11: 15 elected tenant representatives)",
       doc="Representative-body seats elected by service users (needs a user membership rule "
           "or aware users)."),
    _p("governance.rep_body.appointed_seats", 0, "seats", 0, 50,
       source="Table 4.1 (Case 11: 1 from the tenant management organisation, 4 from the LA)",
       doc="Representative-body seats appointed by partner bodies; always filled."),
    # elections (annual, §4.2 'not replaced', §5.4 'Pipeline of Engagement')
    _p("governance.elections.members_only", False, "flag",
       source="Table 4.1 Case 11 ('elected from and by tenant and employee members'); Case 2 "
              "(a staff council without staff shareholding)",
       doc="Whether only legal members may stand and vote. Otherwise every staff member (or "
           "aware user) of the constituency may, as for a staff council."),
    _p("governance.elections.candidacy_rate", 0.35, "probability per election", 0.0, 1.0,
       source="§5.4 ('not interested in being part of running an organisation'; lack of "
              "confidence); assumption for the level",
       doc="Chance that an eligible person (rung 3, confident enough, a member where there is "
           "a membership rule) stands for an open seat, with no talent spotting."),
    _p("governance.elections.talent_spotting", 1.5, "multiplier at saturated pipeline",
       0.0, 10.0,
       source="§5.4 Case 11: 'talent spot', nurture and train prospective candidates",
       doc="Candidacy × (1 + this × pipeline support), support from "
           "engagement.pipeline_investment (0–1, saturating)."),
    _p("governance.elections.restand_rate", 0.6, "probability", 0.0, 1.0,
       source="assumption",
       doc="Chance that a representative whose term ends stands again."),
    _p("governance.elections.vote_chance_passive", 0.1, "probability", 0.0, 1.0,
       source="§5.4 Case 9: a membership of tens of thousands 'largely passive'; assumption",
       doc="Chance that an eligible voter on rung 0-1 votes at the annual election/AGM."),
    _p("governance.elections.vote_chance_engaged", 0.7, "probability", 0.0, 1.0,
       source="MODEL.md §2: rung 2 = 'occasional (votes, surveys)'; assumption",
       doc="Chance that an eligible voter on rung 2 or above votes."),
    _p("governance.seats.resign_per_year", 0.1, "share per year", 0.0, 1.0,
       source="§4.2 Case 3: representatives 'subsequently left and were not replaced'; "
              "assumption for the rate",
       doc="Yearly chance that a satisfied representative steps down mid-term (more when "
           "dissatisfied); leaving the organisation vacates the seat too."),
    # decision latency (§5.2: deliberation is slower; still faster than the public sector)
    _p("governance.latency.executive_months", 0.25, "months", 0.0, 6.0,
       source="assumption: a fortnight for the executive team to form a view",
       doc="Time for the executive (or manager) stage, present in every decision."),
    _p("governance.latency.board_months", 1.0, "months", 0.0, 6.0,
       source="assumption: boards meet about every two months (mean wait one month)",
       doc="Board stage of strategy and policy decisions."),
    _p("governance.latency.rep_body_months", 1.5, "months", 0.0, 12.0,
       source="Table 4.1 (Case 2: staff council meets bi-monthly; Case 11: joint meetings "
              "twice yearly); assumption",
       doc="Representative-body stage when it is consulted (plus the size term)."),
    _p("governance.latency.membership_months", 2.0, "months", 0.0, 12.0,
       source="§5.2 Case 8 ('really laborious and slow'); Case 12: a '6 month process with "
              "input from staff and citizen members'",
       doc="Wider membership consultation stage when it is consulted (plus the size term)."),
    _p("governance.latency.size_months", 0.3, "months per doubling", 0.0, 3.0,
       source="assumption: larger bodies take longer to hear everyone (MODEL.md §3 step 2)",
       doc="A consulted stage takes this × log2(1 + participants / 8) months more."),
    _p("governance.latency.operations_scale", 0.25, "ratio", 0.05, 1.0,
       source="§5.2: operational decisions are delegated to teams and take place locally",
       doc="Operations decisions take this share of the time of the same stages."),
    _p("governance.latency.external_approval_months", 0.0, "months", 0.0, 12.0,
       source="Table 4.1 Case 6: an LA joint committee 'adjudicates on major decisions'",
       doc="Owner's approval added to every strategy decision (council-owned mutuals)."),
    _p("governance.latency.conflict_delay", 1.0, "ratio at conflict 1", 0.0, 5.0,
       source="§5.3 Case 11: approved 'after several rounds of negotiations'",
       doc="Consultation stages take × (1 + this × conflict index)."),
    _p("governance.latency.noise_cv", 0.3, "coefficient of variation", 0.0, 1.0,
       source="assumption",
       doc="Spread of a decision's actual latency around its expected value (gamma)."),
    _p("governance.public_sector_latency.strategy", 12.0, "months", 0.5, 48.0,
       source="§5.2 Cases 9, 11: decisions 'still faster than had been possible in the public "
              "sector'; §5.1 Case 6 ('highly centralised corporate structure'); assumption",
       doc="Reference: how long a strategy decision took inside the parent public body (P6)."),
    _p("governance.public_sector_latency.policy", 6.0, "months", 0.5, 48.0,
       source="as for strategy; assumption",
       doc="Reference latency of a policy decision in the public sector (P6)."),
    _p("governance.public_sector_latency.operations", 2.0, "months", 0.1, 24.0,
       source="as for strategy; assumption",
       doc="Reference latency of an operational decision in the public sector (P6)."),
    # opportunities and decisions arising each month (§5.2)
    _p("governance.opportunities.strategy.per_year", 4.0, "decisions per year", 0.0, 100.0,
       source="§5.2 (growth, diversification, innovation); §3.2; assumption for the rate",
       doc="Strategy decisions generated by the model itself (set 0 when the funding side "
           "routes its tenders through governance.decide)."),
    _p("governance.opportunities.strategy.deadline_months", 3.0, "months (mean)", 0.1, 36.0,
       source="§5.2 Case 7 ('he'll have, like, a week window'); assumption: tenders give "
              "weeks to a few months",
       doc="Mean time before a strategy opportunity closes (gamma, shape 2)."),
    _p("governance.opportunities.policy.per_year", 6.0, "decisions per year", 0.0, 100.0,
       source="§5.2 (HR and people management policies); assumption",
       doc="Policy decisions per year."),
    _p("governance.opportunities.policy.deadline_months", 6.0, "months (mean)", 0.1, 36.0,
       source="assumption",
       doc="Mean time before a policy decision is overdue."),
    _p("governance.opportunities.operations.per_year", 24.0, "decisions per year", 0.0, 500.0,
       source="§5.2 (day-to-day service delivery); assumption",
       doc="Operational decisions per year."),
    _p("governance.opportunities.operations.deadline_months", 1.5, "months (mean)", 0.1, 36.0,
       source="assumption",
       doc="Mean time before an operational decision is overdue."),
    _p("governance.urgent_delegation", 0.5, "probability", 0.0, 1.0,
       source="§5.2 Case 1 ('learning about which decisions to consult on'), Case 8 "
              "(working groups, 'leaner, more efficient at making decisions')",
       doc="Chance that a decision whose deadline is shorter than the full procedure is taken "
           "by the executive alone (in time, without voice) instead."),
    # decision quality: pooled noisy judgements (Condorcet, Gaussian-signal form)
    _p("governance.judgement.signal", 0.67, "z per unit knowledge", 0.05, 3.0,
       source="Grofman, Owen & Feld 1983 (pooling noisy judgements); assumption: a fully "
              "informed person is right 3 times in 4 (Φ(0.67) = 0.75)",
       doc="A person of knowledge k judges a decision right with chance Φ(signal · k)."),
    _p("governance.judgement.correlation", 0.2, "correlation", 0.0, 1.0,
       source="Ladha 1992 (correlated votes); assumption: members of one body share "
              "information",
       doc="Error correlation within a body; n members count as n / (1 + (n−1)·this)."),
    _p("governance.judgement.frontline.strategy", 0.6, "ratio", 0.0, 2.0,
       source="§5.4 Case 11 CEO: people 'get caught up in the immediate'",
       doc="Knowledge of staff and users (their confidence) × this on strategy decisions."),
    _p("governance.judgement.frontline.policy", 1.0, "ratio", 0.0, 2.0,
       source="assumption",
       doc="As above, for policy decisions."),
    _p("governance.judgement.frontline.operations", 1.3, "ratio", 0.0, 2.0,
       source="§4.2 Case 6: 'you know [our clients] best because you work with them'",
       doc="As above, for operations (capped at knowledge 1)."),
    # voice and psychological ownership (§5.3, §5.5)
    _p("governance.voice.board_channel", 0.25, "voice share", 0.0, 1.0,
       source="Table 4.1 (staff directors on most boards); assumption",
       doc="Formal voice of a constituency in a board decision when it holds a filled seat."),
    _p("governance.voice.rep_body_channel", 0.6, "voice share", 0.0, 1.0,
       source="§5.3 Case 2 (a staff council that the board listens to); assumption",
       doc="Voice when the representative body is consulted, × its power (advisory 0.5 … "
           "appoints the board 1) × the constituency's filled share of its seats."),
    _p("governance.voice.ownership_gain", 0.05, "share of gap per decision", 0.0, 0.5,
       source="§5.2 Case 11: 'quality decisions that have significant levels of ownership'",
       doc="Psychological ownership gained by each participant of a consulted decision."),
    _p("governance.voice.imposition_loss", 0.04, "share per decision", 0.0, 0.5,
       source="§5.3 Case 11: 'I thought you were a mutual. Are you not listening to us?'",
       doc="Ownership lost by engaged staff (rung ≥ 3) per strategy or policy decision imposed "
           "without their voice (× 1 − their voice share)."),
    # trust and conflict (§5.3, §5.5)
    _p("governance.trust.gain", 0.05, "share of gap per month", 0.0, 1.0,
       source="§5.3 ('learning to listen', 'trust building'); §5.5 (deliberative democracy, "
              "Curato et al. 2017)",
       doc="Trust moves toward the formal voice share of recent decisions at this rate; "
           "conflict erodes it at the same rate."),
    _p("governance.conflict.decay", 0.06, "share per month", 0.0, 1.0,
       source="§5.3 Case 11: 'quite a rocky period for quite a while'; assumption",
       doc="Monthly decay of grievances and conflict with no trust."),
    _p("governance.conflict.trust_decay", 0.12, "share per month at full trust", 0.0, 1.0,
       source="§5.3 Case 2: 'they listen to us and now ... the Board are listening to us as "
              "well'",
       doc="Extra monthly decay of grievances with trust built by deliberation."),
    _p("governance.conflict.voice_weight", 0.5, "ratio at grievance 1", 0.0, 1.0,
       source="§5.3: 'a dysfunctional clash ... who feel that their voice is not being heard' "
              "(§5.5)",
       doc="A group's voice heard × (1 − this × its grievance over the surplus)."),
    # surplus allocation (§5.3, Cases 2, 4, 8, 11)
    _p("governance.surplus.source", "ledger", "rule", choices=("ledger", "fixed"),
       source="§5.3 (the surplus contested is the organisation's own); 'fixed' is a trainer's "
              "and tester's device",
       doc="Where the surplus to allocate comes from: 'ledger' = last year's operating surplus "
           "from the books (nothing to allocate after a deficit), with the staff and users' "
           "shares paid out of reserves; 'fixed' = governance.surplus.per_staff × funded posts, "
           "with no money moving."),
    _p("governance.surplus.per_staff", 250.0, "£ per staff member per year", 0.0, 20_000.0,
       source="§6: 'very tight margins ... making little, if any, surplus'; assumption",
       doc="Annual surplus to allocate per funded post when governance.surplus.source = "
           "'fixed'."),
    _p("governance.surplus.salience_per_staff", 2_000.0, "£ per staff member per year",
       1.0, 100_000.0,
       source="assumption: a surplus of about £2,000 a head (a few per cent of pay) is fully "
              "worth fighting over",
       doc="Surplus per head at which the contest is fully salient (smaller ones count less)."),
    _p("governance.surplus.allocation", "procedure", "rule",
       choices=("procedure", "board", "staff", "users"),
       source="§5.3 (the procedure decides); Case 11 (members decide the community fund)",
       doc="Who allocates the surplus: the governance procedure (weights by voice), or one "
           "group imposing its own preference (a trainer's counterfactual)."),
    _p("governance.surplus.preference", 0.7, "share", 1 / 3, 1.0,
       source="§5.3 Case 11: staff want pay, tenants lower rents and charges, the board "
              "reserves and development",
       doc="Share of the surplus each group wants for its own use (staff: pay; users: lower "
           "charges or the community fund; board: reserves and innovation); the rest split "
           "evenly."),
    _p("governance.surplus.grievance", 0.4, "per unit distance", 0.0, 2.0,
       source="§5.3 ('challenging conversations', 'quite acrimonious'); assumption",
       doc="Grievance (satisfaction lost, 0–1) of a group per unit of distance between the "
           "allocation and its preference, at full salience."),
    _p("governance.surplus.acceptance", 0.6, "share at full trust", 0.0, 1.0,
       source="§5.3 Case 2 ('you see both sides'); §5.5 (deliberative outcomes 'more "
              "acceptable to the majority')",
       doc="Share of the grievance that trust built by deliberation removes."),
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
