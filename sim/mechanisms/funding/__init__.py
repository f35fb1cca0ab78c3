"""The funding side: the market's state (``market``), commissioning (budgets, expiries, new
tenders), procurement (bid/no-bid, scoring, award, TUPE), finance (the books, loans, staffing,
pay) and growth (diversification, acquisitions, the leaner model)."""
