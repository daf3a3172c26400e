"""One pipeline for every use: train on the known cases, rank the addresses nobody knows.

The hub's build, the uplift analysis and the bench all call `rank`, so what is measured is
what ships.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from commonground.insights.risk.indicators import PARTNERS, indicators_for
from commonground.insights.risk.models import Fitted, fit, matrix


@dataclass
class Ranked:
    address_ids: list[str]  # unknown addresses, highest score first
    scores: np.ndarray
    x: np.ndarray  # their indicator rows, in the same order
    fitted: Fitted
    known: int  # known cases the model learnt from


def _among(indicators: pa.Table, ids: Iterable[str]) -> np.ndarray:
    chosen = pa.array(sorted(set(ids)), pa.string())
    found: np.ndarray = pc.is_in(indicators["address_id"], chosen).to_numpy(
        zero_copy_only=False)
    return found


def rank(indicators: pa.Table, known: Iterable[str], kind: str = "logistic",
         partners: Iterable[str] = PARTNERS, seed: int = 0,
         positives: Iterable[str] | None = None) -> Ranked:
    """Fit `kind` on the partners' indicators and rank every address not in `known`.

    The model learns `positives` (default: `known`) against all other addresses; `known`
    may also hold addresses already visited and cleared, which are labelled 0 and not
    listed again."""
    known = set(known)
    names = indicators_for(partners)
    x = matrix(indicators, names)
    is_known = _among(indicators, known)
    y = _among(indicators, known if positives is None else positives).astype(int)
    fitted = fit(kind, x, y, names, seed)
    scores = fitted.score(x)
    rows = np.flatnonzero(~is_known)
    # Stable order: score, then address id, so the same data gives the same list.
    ids = np.array(indicators["address_id"].to_pylist(), dtype=object)[rows]
    order = np.lexsort((ids.astype(str), -scores[rows]))
    chosen = rows[order]
    return Ranked([str(a) for a in ids[order]], scores[chosen], x[chosen], fitted,
                  int(y.sum()))
