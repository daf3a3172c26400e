"""SparseMSE's stepwise selection of two-list terms by Poisson p-values.

Start from main effects. For each pair not yet in, λ* is the current model's fitted total over
the cells holding both lists and n* the observed count on both; p = min(P(X ≤ n*), P(X ≥ n*))
for X ~ Poisson(λ*), or 1 when the model with that pair added fails the existence or rank
check. Add the pair with the smallest p (ties to the first in (1,2), (1,3), … order) until the
smallest p reaches the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass

from scipy.special import pdtr, pdtrc

from commonground.insights.prevalence.existence import Existence, check_design
from commonground.insights.prevalence.model import (
    ModelFit,
    Pair,
    all_pairs,
    design,
    fit_design,
    fit_model,
    pair_name,
)
from commonground.insights.prevalence.tables import CaptureTable

THRESHOLD = 0.02


@dataclass(frozen=True)
class Candidate:
    pair: Pair
    name: str
    p_value: float  # 1 when the enlarged model fails a check
    existence: Existence  # of the model with this pair added


@dataclass(frozen=True)
class Step:
    """One round: every candidate's p-value and the pair added (None when the search stopped)."""

    candidates: tuple[Candidate, ...]
    added: Pair | None


@dataclass(frozen=True)
class StepwiseResult:
    terms: tuple[Pair, ...]  # in order of entry
    term_names: tuple[str, ...]
    fit: ModelFit
    steps: tuple[Step, ...]

    @property
    def estimate(self) -> float | None:
        return self.fit.estimate

    @property
    def models_without_estimate(self) -> tuple[tuple[str, ...], ...]:
        """Models the search looked at whose MLE does not exist or is not identifiable."""
        found = []
        for k, step in enumerate(self.steps):  # step k tried the first k terms plus one
            for c in step.candidates:
                if not c.existence.ok:
                    found.append((*self.term_names[:k], c.name))
        return tuple(found)


def poisson_p(observed: int, expected: float) -> float:
    """min(P(X ≤ n), P(X ≥ n)) for X ~ Poisson(expected), as SparseMSE's ppois pair."""
    lower = float(pdtr(observed, expected))
    upper = float(pdtrc(observed - 1, expected)) if observed > 0 else 1.0
    return min(lower, upper)


def stepwise(
    table: CaptureTable, threshold: float = THRESHOLD, trace: bool = True
) -> StepwiseResult:
    """Select two-list terms as SparseMSE's `stepwisefit` does and fit the chosen model.

    `trace=False` keeps only the result (the bootstrap runs this thousands of times).
    """
    pairs = all_pairs(len(table.lists))
    h = table.histories
    both = [(h[:, i] * h[:, j]).astype(bool) for i, j in pairs]
    n_star = [int(table.counts[mask].sum()) for mask in both]
    chosen: list[Pair] = []
    current = fit_model(table, ())
    steps: list[Step] = []
    if threshold <= 0 or current.fitted is None:
        return _result(table, chosen, current, steps)
    while len(chosen) < len(pairs):
        fitted = current.fitted
        assert fitted is not None  # every model added passed the checks
        best_p, best = 1.0, -1
        candidates: list[Candidate] = []
        for k, pair in enumerate(pairs):
            if pair in chosen:
                continue
            built = design(table, [*chosen, pair])
            existence = check_design(built.matrix, table.counts[built.kept])
            p = poisson_p(n_star[k], float(fitted[both[k]].sum())) if existence.ok else 1.0
            if trace:
                candidates.append(Candidate(pair, pair_name(table, pair), p, existence))
            if p < best_p:  # strict: ties stay with the first pair in order
                best_p, best = p, k
        if best_p >= threshold:
            steps.append(Step(tuple(candidates), None))
            break
        steps.append(Step(tuple(candidates), pairs[best]))
        chosen.append(pairs[best])
        built = design(table, chosen)
        current = fit_design(table, built, check_design(built.matrix, table.counts[built.kept]))
        if current.fitted is None:  # cannot happen after the check; stop rather than guess
            break
    return _result(table, chosen, current, steps)


def _result(
    table: CaptureTable, chosen: list[Pair], fit: ModelFit, steps: list[Step]
) -> StepwiseResult:
    names = tuple(pair_name(table, p) for p in chosen)
    return StepwiseResult(tuple(chosen), names, fit, tuple(steps))


def estimate_only(table: CaptureTable, threshold: float = THRESHOLD) -> float:
    """The stepwise estimate, or +inf when it does not exist (sorts above every real one)."""
    value = stepwise(table, threshold, trace=False).estimate
    return float("inf") if value is None else value
