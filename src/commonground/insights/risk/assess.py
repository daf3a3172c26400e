"""A list judged against the truth: models side by side, partners' uplift, fairness.

Used where a truth exists: the demo, the bench and `insights uplift --truth` on a synthetic
county. The time split is the one a partnership lives with: indicators and known cases up to
the cut-off, and the list judged on the sites that were active then and nobody had referred.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa

from commonground.insights.risk.fairness import by_group, proxies
from commonground.insights.risk.indicators import PARTNERS
from commonground.insights.risk.metrics import calibration_curve, ranked_metrics
from commonground.insights.risk.models import MODELS
from commonground.insights.risk.ranking import Ranked, rank
from commonground.insights.risk.truth import Targets
from commonground.insights.risk.uplift import Subset, subsets


def judge(indicators: pa.Table, known: set[str], targets: Targets,
          kinds: Iterable[str] = MODELS, seed: int = 0) -> dict[str, dict[str, Any]]:
    """Each model's precision and recall at k, average precision, Brier and calibration."""
    out = {}
    for kind in kinds:
        ranked = rank(indicators, known, kind, seed=seed)
        truth, site = targets.vectors(ranked.address_ids)
        figures = ranked_metrics(ranked.scores, truth, site, targets.sites)
        figures["calibration"] = calibration_curve(ranked.scores, truth)
        out[kind] = figures
    return out


def fairness(ranked: Ranked, targets: Targets, k: int) -> dict[str, Any]:
    """Selection and recall by district and by the residents' community; proxy flags."""
    listed = np.zeros(len(ranked.address_ids), bool)
    listed[:k] = True
    truth, _ = targets.vectors(ranked.address_ids)
    district = [targets.district.get(a, "unknown") for a in ranked.address_ids]
    community = [targets.community.get(a, "unknown") for a in ranked.address_ids]
    migrant = np.array([c not in ("british", "unknown", "no residents") for c in community])
    return {"k": k, "by_district": by_group(listed, truth, district),
            "by_community": by_group(listed, truth, community),
            "proxies": proxies(ranked.x, ranked.fitted.names, migrant)}


def subset_sites(indicators: pa.Table, known: set[str], targets: Targets, k: int,
                 model: str = "logistic", seed: int = 0, offset: int = 0
                 ) -> dict[Subset, np.ndarray]:
    """For every non-empty subset of partners, the site numbers of its list's top `k`
    (+ `offset`, so several counties' sites can be pooled; -1 for no site)."""
    lists = {}
    for subset in subsets(PARTNERS):
        if subset:
            ranked = rank(indicators, known, model, subset, seed)
            _, site = targets.vectors(ranked.address_ids[:k])
            lists[subset] = np.where(site >= 0, site + offset, -1)
    return lists
