"""Does a model's maximum likelihood estimate exist, and is it identifiable?

As SparseMSE does (Fienberg and Rinaldo 2012, as corrected by Chan, Silverman and Vincent):
the MLE of a Poisson log-linear model exists iff some strictly positive table has the same
sufficient statistics as the data. The linear program maximises s subject to Aᵀx = Aᵀy,
x ≥ s, x ≥ 0; an optimum of 0 means every such table has a zero where the model needs a
positive cell, so the fitted dark figure runs off to infinity. A rank-deficient design
cannot be estimated at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linprog

# HiGHS solves to about 1e-7; a genuine positive optimum here is at least a fraction of a case.
LP_ZERO = 1e-6


@dataclass(frozen=True)
class Existence:
    """The two checks on a model for a table."""

    finite: bool
    identifiable: bool

    @property
    def ok(self) -> bool:
        return self.finite and self.identifiable

    @property
    def reason(self) -> str:
        problems = []
        if not self.finite:
            problems.append("the maximum likelihood estimate does not exist (it is infinite)")
        if not self.identifiable:
            problems.append("the model is not identifiable (its design is rank deficient)")
        return "; ".join(problems) or "the estimate exists and is identifiable"


def lp_optimum(matrix: NDArray[np.float64], counts: NDArray[np.float64]) -> float:
    """max s such that Aᵀx = Aᵀy, x ≥ s, x ≥ 0 (cells in rows of `matrix`)."""
    cells, params = matrix.shape
    target = matrix.T @ counts
    objective = np.zeros(cells + 1)
    objective[-1] = -1.0  # linprog minimises
    a_eq = np.hstack([matrix.T, np.zeros((params, 1))])
    a_ub = np.hstack([-np.eye(cells), np.ones((cells, 1))])  # s − x_i ≤ 0
    result = linprog(
        objective,
        A_ub=a_ub,
        b_ub=np.zeros(cells),
        A_eq=a_eq,
        b_eq=target,
        bounds=(0, None),
        method="highs",
    )
    if result.status != 0:  # infeasible cannot happen (x = y is feasible); treat as no MLE
        return 0.0
    return float(-result.fun)


def rank_deficiency(matrix: NDArray[np.float64]) -> int:
    return int(matrix.shape[1] - np.linalg.matrix_rank(matrix))


def check_design(matrix: NDArray[np.float64], counts: NDArray[np.number[Any]]) -> Existence:
    """Both checks on a design (cells × parameters) and its cells' counts."""
    matrix = np.ascontiguousarray(matrix, dtype=np.float64)
    support = np.ascontiguousarray(np.asarray(counts) > 0)
    return _check_support(matrix.tobytes(), matrix.shape, support.tobytes())


@lru_cache(maxsize=65536)
def _check_support(matrix_bytes: bytes, shape: tuple[int, int], support_bytes: bytes) -> Existence:
    """Cached: the answer depends only on the design and on which cells are zero (the MLE
    exists iff the margins lie inside the marginal cone, and the face they lie in is set by
    the positive cells alone), and bootstrap tables repeat both many times."""
    matrix = np.frombuffer(matrix_bytes, dtype=np.float64).reshape(shape)
    support = np.frombuffer(support_bytes, dtype=np.bool_)
    identifiable = rank_deficiency(matrix) == 0
    finite = (
        # Every cell positive: the data themselves are a positive table with the same margins.
        bool(support.all())
        # The positive cells alone pin every parameter: no direction c with Ac = 0 on them and
        # Ac ≤ 0 elsewhere can raise the likelihood, so the MLE exists (Haberman 1974). This
        # skips most linear programs in a bootstrap; the LP decides every other case.
        or (identifiable and rank_deficiency(matrix[support]) == 0)
        or lp_optimum(matrix, support.astype(np.float64)) > LP_ZERO
    )
    return Existence(finite=finite, identifiable=identifiable)
