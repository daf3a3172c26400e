"""Risk models: a transparent checklist, a regularised logistic regression, boosted trees.

All three rank address entities by their indicators. The checklist is what an analyst builds
from the published signs, one point per sign seen, and is the baseline to beat. The two
learned models train on the known cases (addresses referred before the cut-off) against every
other address: positive and unlabelled data, so a high score means "looks like the places we
already know", the assumption every referral-trained model makes. Both are calibrated
(Platt scaling, cross-validated) so a score reads as a probability of being a known case.

Inputs are counts, taken as log(1 + count) so one busy address does not dominate; no input
is a protected characteristic (`PROTECTED` is checked by `fit`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa
from sklearn.calibration import CalibratedClassifierCV
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from commonground.errors import InvalidInput
from commonground.insights.risk.indicators import BY_NAME
from commonground.insights.risk.signed import SignedLogistic

MODELS = ("checklist", "logistic", "boosted")
# Never inputs, nor anything named like them (a partner's column could be added carelessly).
PROTECTED = ("nationality", "ethnicity", "ethnic", "sex", "gender", "religion", "community")
# One point per published sign (Home Office "spot the signs"; GLAA; fire and health guidance).
CHECKLIST = ("intel_slavery", "complaints_crowding", "hmo_expired", "asc_slavery",
             "ts_workers", "fire_overcrowding", "fire_locked_doors", "fire_mattresses",
             "ae_spoken_for", "ae_no_gp", "unlicensed_crowding")
MIN_POSITIVES = 2


class ProtectedInput(InvalidInput):
    """A protected characteristic (or a name like one) was offered as a model input."""


def check_inputs(names: list[str]) -> None:
    bad = [n for n in names if any(word in n.lower() for word in PROTECTED)]
    if bad:
        raise ProtectedInput(f"protected characteristics cannot be model inputs: {bad}")


def matrix(table: pa.Table, names: list[str]) -> np.ndarray:
    """log(1 + count) of each indicator, addresses in rows."""
    if not names:
        return np.zeros((table.num_rows, 0))
    raw = np.column_stack([table[n].to_numpy(zero_copy_only=False).astype(float)
                           for n in names])
    logged: np.ndarray = np.log1p(np.maximum(raw, 0.0))
    return logged


@dataclass
class Fitted:
    kind: str
    names: list[str]
    model: Any = None
    baseline: np.ndarray = field(default_factory=lambda: np.zeros(0))
    positives: int = 0

    def score(self, x: np.ndarray) -> np.ndarray:
        if self.kind == "checklist" or self.model is None:
            signs = [i for i, n in enumerate(self.names) if n in CHECKLIST]
            points = (x[:, signs] > 0).sum(axis=1) if signs else np.zeros(len(x))
            # Ties (most addresses share a point count) break on how much was recorded; the
            # score is the share of the signs seen, so it reads on the same 0-1 scale.
            tie = 0.01 * np.tanh(x.sum(axis=1)) if len(x) else 0.0
            share: np.ndarray = (points + tie) / (len(signs) + 1)
            return share
        scores: np.ndarray = self.model.predict_proba(x)[:, 1]
        return scores

    def contributions(self, x: np.ndarray) -> np.ndarray:
        """Each indicator's share of each row's score: the change when it is set back to
        the typical address's value (the model-agnostic occlusion; for the logistic model
        this is its linear term on the log-odds scale, up to calibration)."""
        base = self.score(x)
        out = np.zeros_like(x)
        for j in range(x.shape[1]):
            moved = x.copy()
            moved[:, j] = self.baseline[j] if len(self.baseline) else 0.0
            out[:, j] = base - self.score(moved)
        return out


def fit(kind: str, x: np.ndarray, y: np.ndarray, names: list[str], seed: int = 0) -> Fitted:
    """Train one model on the known cases (y = 1) against every other address."""
    check_inputs(names)
    if kind not in MODELS:
        raise InvalidInput(f"unknown model '{kind}'; choose from {', '.join(MODELS)}")
    baseline = np.median(x, axis=0) if len(x) else np.zeros(len(names))
    positives = int(y.sum())
    if kind == "checklist" or positives < MIN_POSITIVES or x.shape[1] == 0:
        return Fitted("checklist" if kind == "checklist" else kind, names, None, baseline,
                      positives)
    if kind == "logistic":
        base: Any = make_pipeline(StandardScaler(), SignedLogistic(C=0.05))
    else:
        base = HistGradientBoostingClassifier(
            # Few known cases: shallow trees, no early stopping (its 10 % hold-out would
            # hold one or two cases), and every sign may only raise the risk (monotone).
            max_depth=2, learning_rate=0.05, max_iter=150, min_samples_leaf=5,
            l2_regularization=1.0, class_weight="balanced", early_stopping=False,
            monotonic_cst=[1] * x.shape[1], random_state=seed)
    folds = StratifiedKFold(min(3, positives), shuffle=True, random_state=seed)
    model = CalibratedClassifierCV(base, method="sigmoid", cv=folds).fit(x, y)
    return Fitted(kind, names, model, baseline, positives)


def partners_of(name: str) -> str:
    return " ".join(BY_NAME[name].partners)
