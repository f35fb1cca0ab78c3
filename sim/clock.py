"""The model's calendar: one step is one month, and the year turns every twelfth month
(docs/ODD.md §3). Every "is this the month of the year when ..." test goes through
:func:`is_year_end`, so the once-a-year processes share one definition of the year."""

from __future__ import annotations

MONTHS_PER_YEAR = 12


def is_year_end(month: int) -> bool:
    """Whether ``month`` closes a model year (months 12, 24, ...; month 0 is the start).

    In such a month commissioners set next year's budgets (``commissioning.advance``), the
    year-end processes run after the month's (``MutualModel.year_end``, a recurring event
    from month 12 every 12 months) and the year's counts are reported (``events.annual``)."""
    return month > 0 and month % MONTHS_PER_YEAR == 0
