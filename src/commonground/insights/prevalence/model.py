"""Poisson log-linear models of a capture table, as SparseMSE fits them.

A model is the main effects of every list plus a set of two-list terms. A term whose two lists
never share a case has its parameter at −∞: the cells holding both lists are dropped from the
fit instead of getting a column (Chan, Silverman and Vincent 2019). The dark figure is
exp(intercept), the fitted count of the all-zero history.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from commonground.errors import InvalidInput
from commonground.insights.prevalence.existence import Existence, check_design
from commonground.insights.prevalence.tables import CaptureTable

Pair = tuple[int, int]

# R's glm stops at a relative deviance change of 1e-8; a tighter stop costs an iteration or two.
TOLERANCE = 1e-10
MAX_ITERATIONS = 100


@dataclass(frozen=True)
class Design:
    """The model's design over the cells it keeps."""

    terms: tuple[Pair, ...]  # as asked, in order
    empty_pairs: tuple[Pair, ...]  # terms whose lists never overlap: parameter −∞
    kept: NDArray[np.bool_]  # over the table's histories
    matrix: NDArray[np.float64]  # kept cells × (intercept, mains, overlapping pairs)
    columns: tuple[str, ...]


@dataclass(frozen=True)
class ModelFit:
    """A fitted model; `estimate` is None when the checks say it does not exist."""

    terms: tuple[Pair, ...]
    term_names: tuple[str, ...]
    empty_pairs: tuple[Pair, ...]
    existence: Existence
    observed: int
    estimate: float | None  # observed + dark figure
    dark_figure: float | None
    coefficients: NDArray[np.float64] | None
    fitted: NDArray[np.float64] | None  # over the table's histories; 0 in dropped cells
    deviance: float | None
    aic: float | None  # with 2 for each −∞ term, as SparseMSE counts them


def _no_estimate(terms: tuple[Pair, ...], names: tuple[str, ...], empty: tuple[Pair, ...],
                 existence: Existence, observed: int) -> ModelFit:
    """A model reported as having no estimate: every fitted figure is None."""
    return ModelFit(terms, names, empty, existence, observed, None, None, None, None, None,
                    None)


def all_pairs(t: int) -> list[Pair]:
    """Two-list terms in SparseMSE's order: (0,1), (0,2), …, (1,2), …"""
    return [(i, j) for i in range(t) for j in range(i + 1, t)]


def pair_name(table: CaptureTable, pair: Pair) -> str:
    return f"{table.lists[pair[0]]}:{table.lists[pair[1]]}"


def overlap(table: CaptureTable, pair: Pair) -> int:
    """Cases seen on both lists, whatever other lists saw them."""
    both = table.histories[:, pair[0]] * table.histories[:, pair[1]]
    return int(both @ table.counts)


def design(table: CaptureTable, terms: list[Pair] | tuple[Pair, ...]) -> Design:
    t = len(table.lists)
    clean: list[Pair] = []
    for pair in terms:
        i, j = sorted(int(k) for k in pair)
        if not 0 <= i < j < t:
            raise InvalidInput(f"a two-list term needs two different lists among {t}: {pair}")
        if (i, j) in clean:
            raise InvalidInput(f"the term {pair_name(table, (i, j))} is given twice")
        clean.append((i, j))
    h = table.histories.astype(np.float64)
    kept = np.ones(len(h), dtype=bool)
    empty: list[Pair] = []
    columns = ["(Intercept)", *table.lists]
    blocks = [np.ones((len(h), 1)), h]
    for i, j in clean:
        both = h[:, i] * h[:, j]
        if both @ table.counts == 0:
            empty.append((i, j))
            kept &= both == 0
        else:
            blocks.append(both[:, None])
            columns.append(pair_name(table, (i, j)))
    matrix = np.hstack(blocks)[kept]
    return Design(tuple(clean), tuple(empty), kept, matrix, tuple(columns))


def irls(
    matrix: NDArray[np.float64], counts: NDArray[np.float64]
) -> tuple[NDArray[np.float64], NDArray[np.float64], bool]:
    """Poisson GLM with log link by iteratively reweighted least squares (as glm does).

    Returns coefficients, fitted means and whether the deviance settled.
    """
    y = counts.astype(np.float64)
    mu = y + 0.1  # glm's start for the Poisson family
    eta = np.log(mu)
    previous = np.inf
    beta = np.zeros(matrix.shape[1])
    for _ in range(MAX_ITERATIONS):
        z = eta + (y - mu) / mu
        weighted = matrix * mu[:, None]
        beta = np.asarray(np.linalg.solve(matrix.T @ weighted, weighted.T @ z), dtype=np.float64)
        eta = matrix @ beta
        mu = np.exp(eta)
        deviance = poisson_deviance(y, mu)
        if abs(deviance - previous) / (abs(deviance) + 0.1) < TOLERANCE:
            return beta, mu, True
        previous = deviance
    return beta, mu, False


def poisson_deviance(y: NDArray[np.float64], mu: NDArray[np.float64]) -> float:
    positive = y > 0
    ratio = np.zeros_like(y)
    ratio[positive] = y[positive] * np.log(y[positive] / mu[positive])
    return float(2.0 * np.sum(ratio - (y - mu)))


def fit_design(table: CaptureTable, built: Design, existence: Existence) -> ModelFit:
    names = tuple(pair_name(table, p) for p in built.terms)
    if not existence.ok:
        return _no_estimate(built.terms, names, built.empty_pairs, existence, table.observed)
    y = table.counts[built.kept].astype(np.float64)
    beta, mu, converged = irls(built.matrix, y)
    if not converged or not np.isfinite(beta).all():
        # The checks passed but the fit ran away: report no estimate rather than a wild one.
        return _no_estimate(built.terms, names, built.empty_pairs,
                            Existence(False, existence.identifiable), table.observed)
    fitted = np.zeros(len(table.counts))
    fitted[built.kept] = mu
    deviance = poisson_deviance(y, mu)
    loglik = float(np.sum(y * np.log(mu) - mu) - np.sum(_log_factorial(y)))
    aic = -2.0 * loglik + 2.0 * built.matrix.shape[1] + 2.0 * len(built.empty_pairs)
    dark = float(np.exp(beta[0]))
    return ModelFit(
        built.terms,
        names,
        built.empty_pairs,
        existence,
        table.observed,
        table.observed + dark,
        dark,
        beta,
        fitted,
        deviance,
        aic,
    )


def _log_factorial(y: NDArray[np.float64]) -> NDArray[np.float64]:
    from scipy.special import gammaln

    return np.asarray(gammaln(y + 1.0), dtype=np.float64)


def estimate_exists(table: CaptureTable, terms: list[Pair] | tuple[Pair, ...] = ()) -> Existence:
    """SparseMSE's two checks (LP existence, rank) for the model with these two-list terms."""
    built = design(table, terms)
    return check_design(built.matrix, table.counts[built.kept])


def fit_model(table: CaptureTable, terms: list[Pair] | tuple[Pair, ...] = ()) -> ModelFit:
    """Fit main effects plus these two-list terms (list indices, 0-based)."""
    built = design(table, terms)
    return fit_design(table, built, check_design(built.matrix, table.counts[built.kept]))
