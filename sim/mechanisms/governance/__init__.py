"""Governance: boards, representative bodies, elections, the decision procedure, surplus
allocation and conflict (docs/ODD.md §2, §3 steps 2 and 8; study §4.2, §5.2–5.5).

One concept per module:

- ``presets``   — Table 4.1 archetypes as parameter bundles (used while resolving scenarios);
- ``bodies``    — the board and the representative body: seats, holders, terms, vacancies;
- ``elections`` — the annual elections and the AGM vote (turnout);
- ``decisions`` — the decision procedure per level: latency, quality, voice, ownership;
- ``surplus``   — the contested surplus allocation, grievances, conflict and trust;
- ``cycle``     — what the model calls each month and at the year end.

The model calls them through ``cycle`` (the month and the year).
"""
