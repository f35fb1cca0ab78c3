"""The run and the organisation: the horizon, size, sites, teams, legal form and
portfolio the other sides read at month 0 (docs/ODD.md §2)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.parameter import param

# --- parameters (collected into the registry by sim/params.py) ------------------------
LEGAL_FORMS = ("cic", "cbs", "charity", "council_owned_cic", "employee_trust")

PARAMS = [
    # --- run ---------------------------------------------------------------------------
    param("months", 120, "months", 1, 600,
          source="assumption: a ten-year horizon (docs/ODD.md §2)",
          doc="Length of the run; one step is one month."),
    # --- organisation ------------------------------------------------------------------
    param("organisation.staff", 400, "persons", 5, 100_000,
          source="Table 1.1 (cases range from small to very large); assumption: a medium mutual",
          doc="Funded staff establishment (target headcount) at month 0."),
    param("organisation.users", 5_000, "persons", 0, 200_000,
          source="Table 5.1: about 1,000 user members (Case 5) to 67,000 (Case 9)",
          doc="Places for service users, tenants or clients (users arrive and leave: users.*)."),
    param("organisation.sites", 4, "sites", 1, 100,
          source="§3.5: one mutual grew from its home location to 30 dispersed sites",
          doc="Delivery sites; site 0 is the headquarters, the rest are 'remote'."),
    param("organisation.team_size", 12, "persons", 3, 60,
          source="assumption: typical frontline team size in health and care services",
          doc="Staff per team; teams sit within one site and carry peer effects."),
    # --- the organisation as the funding side sees it --------------------------------
    # Money is in pounds per year unless the unit says otherwise; the model keeps its books
    # in whole pence (mechanisms/funding/finance.py). Everything is in real terms (no inflation).
    param("organisation.legal_form", "cic", "legal form", choices=LEGAL_FORMS,
          source="§4.1, Table 4.1 (CIC CLG, CBS, charity CLG; Case 6 owned by 3 LAs; Case 10 an "
                 "employee trust)",
          doc="Legal form. cbs: community anchoring lowers geographic expansion (§3.3); "
              "council_owned_cic: the owning councils renew by direct award instead of "
              "re-tendering (Case 6); charity: more grant income; cic and employee_trust: the "
              "default behaviour."),
    param("organisation.regions", 1, "regions", 1, 30,
          source="§3.3: two thirds of the cases had expanded beyond their home territory",
          doc="Regions (council or NHS areas) where the mutual holds contracts at month 0; "
              "region 0 is home."),
    param("organisation.core_contract_share", 0.6, "share of contract income", 0.0, 1.0,
          source="§2.2: 'anchor' contracts; 'a few were reliant on a single contract for more "
                 "than half their income'",
          doc="Share of public contract income that comes from the core (anchor) contract, "
              "at spin-out: at month 0 too unless organisation.spinout_staff states a smaller "
              "spin-out (docs/ODD.md §13.15)."),
    param("organisation.spinout_staff", 0, "persons", 0, 100_000,
          source="§2.1: 'most had developed a portfolio of contracts as they have grown'; "
                 "§3.2: all 12 'have grown since their inception ... different starting "
                 "points'; no case's head-count at spin-out is stated (cases.md): the default "
                 "0 (no growth since spin-out stated) is an assumption",
          doc="Staff at spin-out of an established mutual (organisation.founding false): the "
              "month-0 portfolio is a history, the core sized from a mutual of this many staff "
              "(organisation.core_contract_share of its contract income) and the contract "
              "income of the staff added since held as contracts won since spin-out. 0, or at "
              "least organisation.staff: no history, the core is core_contract_share of the "
              "month-0 contract income. Not read in a founding run (docs/ODD.md §13.15)."),
    param("organisation.years_since_spinout", 5, "years", 1, 30,
          source="T1.1, Annex A: the cases were founded 2011-2018 and interviewed to February "
                 "2020, 2-9 years old, median 5.5 (arithmetic)",
          doc="Years from spin-out to month 0 when organisation.spinout_staff states a "
              "history: the contracts won since were won at months drawn uniformly over them "
              "(docs/ODD.md §13.15)."),
    param("organisation.core_contract_years", 5, "years", 1, 15,
          source="§2.2: core contracts 'usually for 3 or 5 years'; Cases 7, 10 and 12 held 5-year "
                 "core contracts",
          doc="Term of the core contract (at month 0 and each time it is re-let)."),
    param("organisation.founding", False, "flag",
          source="§2.2, Table 3.1: the core contract is the one 'which enabled spin-out' (Case "
                 "1's 'main 3 year contract'; Case 9's SLA 'entering 5th year' in its fifth "
                 "year; Case 10's 'ran for 5 years')",
          doc="The run starts at the spin-out: the core contract begins its first term at "
              "month 0, so it ends after organisation.core_contract_years. Otherwise month 0 is "
              "a random point of its term (an established mutual). The case library sets it."),
    param("organisation.core_contract_statutory", True, "flag",
          source="§2.2: the core contract is the service spun out of the council or NHS (the "
                 "parent body's own duty, e.g. Case 6 'statutory, big budget services', T2.1); "
                 "§3.2: Cases 8 and 10 'dependent on vulnerable (non-statutory) LA funding' "
                 "(their scenarios set it false); assumption for the default",
          doc="The core contract is a statutory service: at expiry it is extended, re-let or "
              "taken in house, never decommissioned (docs/ODD.md §13.11)."),
    param("organisation.core_contract_held_months", 0, "months", 0, 600,
          source="the case histories (Tables 2.1, 3.1; §2.2 names the four cases that lost a "
                 "core contract: 1, 2, 4, 10): e.g. Case 8's SLA 'recently renewed for 1 year' "
                 "and 'yet to be impacted' by 2020 (§3.2)",
          doc="A fact of a case's history: the core contract was held until this month. "
              "Before it, the core is not withdrawn early, brought in house or lost at expiry "
              "(it is renewed by direct award for another term); scheduled events still "
              "apply. 0 (the default): no such fact, every loss is simulated."),
    param("organisation.social_value_strength", 0.85, "index 0–1", 0.0, 1.0,
          source="§2.4: social value 'at the heart of the mission' of mutuals",
          doc="How well the mutual evidences social value in a bid (competitors: 0.3 corporate "
              "to 0.8 other mutuals); stretched, disengaged staff deliver less of it."),
    param("organisation.social_value_ratio", 0.2, "£ social value per £ turnover", 0.0, 5.0,
          source="§2.4 (SROI used by some mutuals); assumption for the ratio",
          doc="Social value delivered per pound of turnover at full strength (the output "
              "`social_value`)."),
    # --- who the people are when they arrive (read by sim/model.py) -------------------
    param("population.staff_affinity.a", 5.0, "Beta shape", 0.1, 50.0,
          source="§5.4 (most staff share the mission; some came only with the job); assumption",
          doc="Mission affinity of a new member of staff ~ Beta(a, b) (mean 0.625), before any "
              "TUPE gap."),
    param("population.staff_affinity.b", 3.0, "Beta shape", 0.1, 50.0,
          source="assumption",
          doc="See population.staff_affinity.a."),
    param("population.staff_confidence.a", 2.0, "Beta shape", 0.1, 50.0,
          source="§5.4 (confidence to take part must be built); assumption",
          doc="Confidence of a new member of staff ~ Beta(a, b)."),
    param("population.staff_confidence.b", 3.0, "Beta shape", 0.1, 50.0,
          source="assumption",
          doc="See population.staff_confidence.a."),
    param("population.user_affinity.a", 3.0, "Beta shape", 0.1, 50.0,
          source="assumption",
          doc="Affinity of a service user with the organisation's mission ~ Beta(a, b)."),
    param("population.user_affinity.b", 3.0, "Beta shape", 0.1, 50.0,
          source="assumption",
          doc="See population.user_affinity.a."),
    param("population.user_vulnerability.a", 2.0, "Beta shape", 0.1, 50.0,
          source="§5.4 (vulnerable users are harder to involve, Cases 1, 2); assumption",
          doc="Vulnerability of a service user ~ Beta(a, b)."),
    param("population.user_vulnerability.b", 5.0, "Beta shape", 0.1, 50.0,
          source="assumption",
          doc="See population.user_vulnerability.a."),
    param("population.user_confidence.a", 2.0, "Beta shape", 0.1, 50.0,
          source="assumption",
          doc="Confidence of a service user to take part ~ Beta(a, b)."),
    param("population.user_confidence.b", 4.0, "Beta shape", 0.1, 50.0,
          source="assumption",
          doc="See population.user_confidence.a."),
    param("population.max_tenure_months", 480, "months", 12, 600,
          source="assumption: a working life of 40 years",
          doc="Cap on the tenure drawn for the starting workforce."),
    param("population.tupe_recent_months", 6, "months", 0, 60,
          source="§3.5 (the starting TUPE transfer is recent); assumption",
          doc="Staff transferred in under TUPE at month 0 arrived 0 to this many months ago."),
]


@dataclass
class Organisation:
    """Sites and teams (docs/ODD.md §2): created in ``MutualModel.__init__`` as
    ``model.org``; the funding side opens teams for won contracts and closes those of lost
    ones (``market.open_teams``, ``market.close_teams``)."""

    n_sites: int
    n_teams: int
    team_site: np.ndarray           # site of each team
    team_open: np.ndarray           # teams of lost contracts take no one
    site_region: np.ndarray | None = None   # region of each site (market.build)
