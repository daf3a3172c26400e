"""Fairness of a list: how it treats districts and the residents' community groups.

Reported with fairlearn's MetricFrame over every scored address: the share of each group's
addresses put on the list (selection rate) and, where the group has undiscovered sites, the
share of them the list finds (recall). A list that visits one community far more often for
the same recall is a list that over-polices it.

An indicator acts as a proxy for a protected characteristic when it leans strongly towards
one group: the addresses where it is seen are twice as often (or half as often) homes of a
migrant community as addresses overall, or its AUC for that group is far from 0.5. Such
indicators are flagged, not silently dropped: an interpreter at A&E is a genuine sign of
exploitation and also a sign of being a migrant, and the partnership must decide with that in
view.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from fairlearn.metrics import MetricFrame, selection_rate
from sklearn.metrics import recall_score, roc_auc_score

PROXY_AUC = 0.6  # an AUC beyond 0.5 +/- 0.1 for the group is flagged


def _recall(y_true: np.ndarray, y_pred: np.ndarray) -> float:
    return float(recall_score(y_true, y_pred, zero_division=np.nan))


def by_group(listed: np.ndarray, target: np.ndarray, groups: list[str]) -> dict[str, Any]:
    """Selection rate and recall per group; the largest gap between groups for each."""
    frame = MetricFrame(metrics={"selection_rate": selection_rate, "recall": _recall},
                        y_true=target.astype(int), y_pred=listed.astype(int),
                        sensitive_features=np.asarray(groups, dtype=object))
    table = frame.by_group
    counts = {g: int(n) for g, n in zip(*np.unique(np.asarray(groups, dtype=object),
                                                   return_counts=True), strict=True)}
    rows = {str(g): {"addresses": counts[g],
                     "listed": int(listed[np.asarray(groups, dtype=object) == g].sum()),
                     "selection_rate": float(table.loc[g, "selection_rate"]),
                     "recall": (None if np.isnan(table.loc[g, "recall"])
                                else float(table.loc[g, "recall"]))}
            for g in table.index}
    # The ratio is 0 whenever a small group has nobody listed; the difference reads better.
    return {"groups": rows,
            "selection_rate_ratio": float(frame.ratio(method="between_groups")
                                          ["selection_rate"]),
            "selection_rate_difference": float(frame.difference(method="between_groups")
                                               ["selection_rate"])}


def proxies(x: np.ndarray, names: list[str], migrant: np.ndarray,
            min_flagged: int = 20) -> list[dict[str, Any]]:
    """Each indicator's lean towards migrant-community addresses, and whether it is a proxy.

    Most indicators are zero at most addresses, so an AUC stays near 0.5 even for a sign seen
    mostly at migrant homes; the lift says it plainly: the migrant share among the addresses
    where the indicator is seen, over the share among all. A lift of 2 or more (or a half or
    less) over at least `min_flagged` addresses, or an AUC beyond 0.5 +/- 0.1, flags it."""
    if migrant.all() or not migrant.any():
        return []
    base = float(migrant.mean())
    out = []
    for j, name in enumerate(names):
        seen = x[:, j] > 0
        auc = float(roc_auc_score(migrant, x[:, j]))
        lift = float(migrant[seen].mean() / base) if seen.any() else None
        leans = lift is not None and seen.sum() >= min_flagged and not 0.5 < lift < 2.0
        out.append({"indicator": name, "auc": round(auc, 3),
                    "lift": None if lift is None else round(lift, 2),
                    "addresses": int(seen.sum()),
                    "proxy": bool(leans or abs(auc - 0.5) > PROXY_AUC - 0.5)})
    return out
