"""Insights: predicting where crime will happen, and proving that prevention worked.

- `hotspots/`: grid counts (SQL on any engine), naive, KDE, prospective, grid ETAS and a
  learned model; rolling-origin backtests with hit rate, PAI and PEI.
- `evaluation/`: the intervention register, randomised trial design and pre-registration,
  difference-in-differences, synthetic control, the weighted displacement difference test
  and permutation inference, each labelled with its Maryland Scientific Methods Scale level.
- `risk/`: modern slavery risk lists for safeguarding visits: indicators at linked addresses,
  models trained on known cases, what each partner adds; lists kept under an agreement for a
  purpose, expiring, explained address by address, exported, and followed by visit outcomes.
- `networks/`: addresses of concern tied together by shared people, vehicles and businesses.
- `prevalence/`: the dark figure, multiple systems estimation as SparseMSE.
- `reports`: the partnership board's aggregate figures, published by an analyst, read by
  the board (no addresses or people; small counts per area suppressed).
"""

from commonground.insights import evaluation, hotspots, networks, prevalence, reports, risk

# The room's public API lives in its parts, each with its own curated `__all__`.
__all__ = ["evaluation", "hotspots", "networks", "prevalence", "reports", "risk"]
