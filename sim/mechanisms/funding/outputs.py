"""The funding side's monthly outputs (appended to ``metrics.COLUMNS``)."""

from __future__ import annotations

from sim.mechanisms.funding import finance
from sim.mechanisms.funding.market import pounds

FUNDING_COLUMNS = [
    "turnover", "reserves", "surplus", "public_income_share", "contracts_held", "regions",
    "bids_made", "bids_won", "core_contract_lost", "social_value", "failed",
    "surplus_margin", "tenders_missed", "loan_balance", "pay_index", "workload",
    "contracts_lost", "contracts_lost_quietly",
]
QUIET_LOSSES = ("withdrawn", "not_renewed", "in_house")  # without a competition (§2.2)


def outputs(model) -> dict:
    """The funding side's monthly outputs (appended to ``metrics.COLUMNS``)."""
    market, ledger = model.funding.market, model.funding.ledger
    income, public, surplus = finance.trailing_year(model)
    regions = {0} | {c.region for c in market.contracts}
    strength = finance.social_value_strength(model)
    return {
        "turnover": pounds(income),
        "reserves": pounds(ledger.balance),
        "surplus": pounds(surplus),
        "public_income_share": public / income if income > 0 else 0.0,
        "contracts_held": len(market.contracts),
        "regions": len(regions),
        "bids_made": market.counts.get("bids_made", 0),
        "bids_won": market.counts.get("bids_won", 0),
        "core_contract_lost": market.core_lost,
        "social_value": pounds(income) * model.params.organisation.social_value_ratio * strength,
        "failed": model.failed,
        "surplus_margin": surplus / income if income > 0 else 0.0,
        "tenders_missed": market.counts.get("tenders_missed", 0),
        "loan_balance": pounds(sum(loan.owed for loan in ledger.loans)),
        "pay_index": model.funding.pay_index,
        "workload": model.funding.workload,
        "contracts_lost": market.counts.get("contracts_lost", 0),
        "contracts_lost_quietly": sum(market.counts.get(f"lost_{how}", 0)
                                      for how in QUIET_LOSSES),
    }
