"""How good a ranked list is, against whatever is taken as true."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.metrics import average_precision_score, brier_score_loss

KS = (25, 50, 100)


def precision_at(hits: np.ndarray, k: int) -> float:
    """Share of the top `k` (hits in rank order) that are true."""
    top = hits[:k]
    return float(top.sum() / k) if k else 0.0


def ranked_metrics(scores: np.ndarray, truth: np.ndarray, sites: np.ndarray,
                   total_sites: int, ks: tuple[int, ...] = KS) -> dict[str, Any]:
    """Precision and recall at k, average precision and Brier score.

    `truth` marks addresses that are undiscovered sites; `sites` gives each row's site
    number (-1 none), so recall counts sites found, not addresses (a site with a house and a
    car wash is found once)."""
    order = np.argsort(-scores, kind="stable")
    hits = truth[order].astype(int)
    out: dict[str, Any] = {}
    for k in ks:
        found = np.unique(sites[order][:k][sites[order][:k] >= 0])
        out[f"precision_at_{k}"] = precision_at(hits, k)
        out[f"recall_at_{k}"] = float(len(found) / total_sites) if total_sites else None
    out["average_precision"] = (float(average_precision_score(truth, scores))
                                if truth.any() else None)
    probability = np.clip(scores, 0.0, 1.0)
    out["brier"] = float(brier_score_loss(truth, probability)) if len(truth) else None
    return out


def calibration_curve(scores: np.ndarray, truth: np.ndarray, bins: int = 10
                      ) -> list[dict[str, float]]:
    """Mean predicted against observed rate, in bins of equal count among scored addresses
    with a score above zero (most addresses score near zero)."""
    order = np.argsort(scores)
    rows = []
    for chunk in np.array_split(order[-min(len(order), 2_000):], bins):
        if len(chunk):
            rows.append({"predicted": float(scores[chunk].mean()),
                         "observed": float(truth[chunk].mean()), "n": int(len(chunk))})
    return rows
