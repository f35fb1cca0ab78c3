"""The model's processes, one package per side (docs/ODD.md §3): ``people`` (workforce,
membership, engagement), ``governance`` (bodies, elections, decisions, surplus, the monthly and
annual cycle) and ``funding`` (the market's state, commissioning, procurement, finance, growth).
"""
