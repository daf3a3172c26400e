"""Which model? Selection by AIC and BIC over every model, and how much the answer moves.

SparseMSE selects two-list terms stepwise; AIC and BIC here search every subset of the
t(t−1)/2 two-list terms, so they are offered for at most five lists (2^10 = 1,024 models; six
lists would be 32,768 fits per bootstrap replicate, and MultipleSystemsEstimation limits its
exhaustive search for the same reason). Models whose estimate does not exist are skipped and
named. `compare_methods` sets stepwise, AIC, BIC and independence side by side, each with BCa
limits from a bootstrap that redoes the same selection, and says when the estimates move more
between methods than their intervals allow. `sensitivity` redoes stepwise with each list
dropped and with named lists merged.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import partial
from itertools import combinations
from typing import Any

import numpy as np

from commonground.errors import InvalidInput
from commonground.insights.prevalence.bootstrap import (
    bca_interval,
    bootstrap_replicates,
    jackknife_acceleration,
)
from commonground.insights.prevalence.existence import check_design
from commonground.insights.prevalence.model import (
    ModelFit,
    Pair,
    all_pairs,
    design,
    fit_design,
    fit_model,
    overlap,
    pair_name,
)
from commonground.insights.prevalence.stepwise import THRESHOLD, stepwise
from commonground.insights.prevalence.tables import CaptureTable, capture_table

METHODS = ("stepwise", "aic", "bic", "independence")
MAX_EXHAUSTIVE_LISTS = 5
SHOWN_MISSING = 5  # models without an estimate named in a warning; the rest are counted


@dataclass(frozen=True)
class Selection:
    """The model one method chose, and the models it could not fit."""

    method: str
    fit: ModelFit
    models_without_estimate: tuple[tuple[str, ...], ...] = ()

    @property
    def estimate(self) -> float | None:
        return self.fit.estimate

    @property
    def terms(self) -> tuple[str, ...]:
        return self.fit.term_names


@dataclass(frozen=True)
class MethodResult:
    method: str
    estimate: float | None
    terms: tuple[str, ...]
    ci95: tuple[float, float] | None
    ci80: tuple[float, float] | None
    replicates_without_estimate: int
    models_without_estimate: tuple[tuple[str, ...], ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": self.method,
            "estimate": self.estimate,
            "terms": list(self.terms),
            "ci95": _limits(self.ci95),
            "ci80": _limits(self.ci80),
            "replicates_without_estimate": self.replicates_without_estimate,
            "models_without_estimate": [list(m) for m in self.models_without_estimate],
        }


def _limits(interval: Any) -> list[float | None] | None:
    """An interval as JSON can carry it: a limit with no finite value (too many replicates
    without an estimate) is None, not NaN or infinity."""
    if not interval:
        return None
    return [float(v) if math.isfinite(v) else None for v in interval]


@dataclass(frozen=True)
class Comparison:
    """Every method's answer for one table, and what a reader should worry about."""

    lists: tuple[str, ...]
    observed: int
    results: tuple[MethodResult, ...]
    warnings: tuple[str, ...] = field(default=())

    def result(self, method: str) -> MethodResult:
        return next(r for r in self.results if r.method == method)

    def to_dict(self) -> dict[str, Any]:
        return {
            "lists": list(self.lists),
            "observed": self.observed,
            "methods": [r.to_dict() for r in self.results],
            "warnings": list(self.warnings),
        }


def _check_exhaustive(table: CaptureTable) -> None:
    t = len(table.lists)
    if t > MAX_EXHAUSTIVE_LISTS:
        models = 2 ** (t * (t - 1) // 2)
        raise InvalidInput(
            f"AIC and BIC search every model, and {t} lists have {models:,} of them (too many "
            f"to fit on every bootstrap replicate); they are offered for at most "
            f"{MAX_EXHAUSTIVE_LISTS} lists. Use stepwise, or merge lists first"
        )


def best_by_criterion(table: CaptureTable, criterion: str) -> Selection:
    """The model with the smallest AIC or BIC among every subset of two-list terms.

    Ties go to the model met first (fewer terms, then SparseMSE's pair order).
    """
    _check_exhaustive(table)
    if criterion not in ("aic", "bic"):
        raise InvalidInput(f"unknown information criterion {criterion!r}; expected aic or bic")
    t = len(table.lists)
    pairs = all_pairs(t)
    penalty = 2.0 if criterion == "aic" else math.log(table.observed)
    best: ModelFit | None = None
    best_value = math.inf
    missing: list[tuple[str, ...]] = []
    for size in range(len(pairs) + 1):
        for terms in combinations(pairs, size):
            fit = _fit_checked(table, terms)
            if fit.aic is None:
                missing.append(fit.term_names)
                continue
            # AIC counts 2 per parameter (−∞ terms included); swap that for the BIC penalty.
            value = fit.aic + (penalty - 2.0) * (1 + t + size)
            if value < best_value:
                best, best_value = fit, value
    if best is None:
        best = fit_model(table, ())
    return Selection(criterion, best, tuple(missing))


def _fit_checked(table: CaptureTable, terms: tuple[Pair, ...]) -> ModelFit:
    built = design(table, terms)
    return fit_design(table, built, check_design(built.matrix, table.counts[built.kept]))


def select(table: CaptureTable, method: str, threshold: float = THRESHOLD) -> Selection:
    """The model chosen by stepwise, aic, bic or independence (main effects only)."""
    if method == "stepwise":
        chosen = stepwise(table, threshold, trace=True)
        return Selection("stepwise", chosen.fit, chosen.models_without_estimate)
    if method in ("aic", "bic"):
        return best_by_criterion(table, method)
    if method == "independence":
        fit = fit_model(table, ())
        return Selection("independence", fit, () if fit.estimate is not None else ((),))
    raise InvalidInput(f"unknown method {method!r}; expected one of {', '.join(METHODS)}")


def selected_estimate(table: CaptureTable, method: str, threshold: float = THRESHOLD) -> float:
    """The chosen model's estimate, +inf when it does not exist (what the bootstrap needs)."""
    if method == "stepwise":
        value = stepwise(table, threshold, trace=False).estimate
    else:
        value = select(table, method, threshold).estimate
    return math.inf if value is None else value


def method_result(
    table: CaptureTable,
    method: str,
    *,
    bootstrap: int = 1000,
    seed: int = 1234,
    threshold: float = THRESHOLD,
    workers: int | None = None,
) -> MethodResult:
    """One method's estimate and terms, with BCa 95 % and 80 % limits when `bootstrap` > 0."""
    chosen = select(table, method, threshold)
    ci95 = ci80 = None
    without = 0
    if bootstrap > 0 and chosen.estimate is not None:
        selector = partial(selected_estimate, method=method, threshold=threshold)
        reps = bootstrap_replicates(table, bootstrap, seed, threshold, workers, selector)
        without = int(np.isinf(reps).sum())
        acceleration = jackknife_acceleration(table, threshold, selector)
        limits = bca_interval(reps, chosen.estimate, acceleration, (0.025, 0.1, 0.9, 0.975))
        ci95 = (limits[0.025], limits[0.975])
        ci80 = (limits[0.1], limits[0.9])
    return MethodResult(
        method, chosen.estimate, chosen.terms, ci95, ci80, without, chosen.models_without_estimate
    )


def compare_methods(
    table: CaptureTable,
    *,
    bootstrap: int = 1000,
    seed: int = 1234,
    threshold: float = THRESHOLD,
    workers: int | None = None,
) -> Comparison:
    """Stepwise, AIC, BIC and independence side by side (AIC and BIC only up to five lists)."""
    methods = METHODS if len(table.lists) <= MAX_EXHAUSTIVE_LISTS else ("stepwise", "independence")
    results = tuple(
        method_result(table, m, bootstrap=bootstrap, seed=seed, threshold=threshold,
                      workers=workers)
        for m in methods
    )  # fmt: skip
    notes = [] if methods == METHODS else [
        f"AIC and BIC are left out: they search every model, offered for at most "
        f"{MAX_EXHAUSTIVE_LISTS} lists, and this table has {len(table.lists)}"
    ]  # fmt: skip
    notes += overlap_notes(table)
    return Comparison(table.lists, table.observed, results, tuple(notes + method_warnings(results)))


def method_warnings(results: tuple[MethodResult, ...]) -> list[str]:
    """Estimates that move more than an interval's width between methods; missing models."""
    notes: list[str] = []
    for a, b in combinations(results, 2):
        if a.estimate is None or b.estimate is None:
            continue
        gap = abs(a.estimate - b.estimate)
        widths = [r.ci95[1] - r.ci95[0] for r in (a, b) if r.ci95 is not None]
        if widths and gap > min(widths):
            notes.append(
                f"estimates move more than their intervals between methods: {a.method} "
                f"{a.estimate:,.0f} and {b.method} {b.estimate:,.0f} differ by {gap:,.0f}, more "
                f"than the narrower 95% interval ({min(widths):,.0f} wide)"
            )
    for r in results:
        if r.estimate is None:
            notes.append(f"{r.method}: the chosen model has no estimate (its MLE does not exist)")
        if r.models_without_estimate:
            shown = "; ".join(_model_name(m) for m in r.models_without_estimate[:SHOWN_MISSING])
            more = len(r.models_without_estimate) - SHOWN_MISSING
            notes.append(
                f"{r.method}: {len(r.models_without_estimate)} model(s) without an estimate "
                f"were skipped: {shown}" + (f" and {more} more" if more > 0 else "")
            )
        if r.replicates_without_estimate:
            notes.append(
                f"{r.method}: {r.replicates_without_estimate} bootstrap replicate(s) had no "
                "estimate (counted above every real one)"
            )
    return notes


def _model_name(terms: tuple[str, ...]) -> str:
    return "main effects + " + " + ".join(terms) if terms else "main effects only"


@dataclass(frozen=True)
class Variant:
    """The stepwise answer on a changed table: a list dropped or lists merged."""

    label: str
    lists: tuple[str, ...]
    observed: int
    estimate: float | None
    terms: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "lists": list(self.lists),
            "observed": self.observed,
            "estimate": self.estimate,
            "terms": list(self.terms),
        }


def drop_list(table: CaptureTable, name: str) -> CaptureTable:
    """The table without one list: its histories collapse, and people it alone saw go unseen."""
    keep = [k for k, n in enumerate(table.lists) if n != name]
    if len(keep) == len(table.lists):
        raise InvalidInput(f"no list named {name!r}; the lists are {', '.join(table.lists)}")
    lists = tuple(table.lists[k] for k in keep)
    return capture_table(lists, table.histories[:, keep], table.counts)


def merge_lists(table: CaptureTable, names: tuple[str, ...] | list[str]) -> CaptureTable:
    """The table with `names` as one list (seen on any of them), named by joining their names
    and placed where the first of them was (PF and NCA in UKdat give UKdat_5's PFNCA)."""
    unknown = [n for n in names if n not in table.lists]
    if unknown or len(set(names)) < 2:
        raise InvalidInput(
            f"merging needs two or more of the lists {', '.join(table.lists)}; got "
            f"{', '.join(names) or 'none'}"
        )
    members = [table.lists.index(n) for n in names]
    first = min(members)
    merged = table.histories[:, members].max(axis=1)
    keep = [k for k in range(len(table.lists)) if k not in members or k == first]
    histories = table.histories[:, keep].copy()
    histories[:, keep.index(first)] = merged
    lists = tuple("".join(names) if k == first else table.lists[k] for k in keep)
    return capture_table(lists, histories, table.counts)


def sensitivity(
    table: CaptureTable,
    merges: tuple[tuple[str, ...], ...] | list[tuple[str, ...]] = (),
    threshold: float = THRESHOLD,
) -> tuple[Variant, ...]:
    """Stepwise on the table as given, with each list dropped (when three or more remain
    possible) and with each group in `merges` merged into one list."""
    tables = [("all lists", table)]
    if len(table.lists) > 2:
        tables += [(f"without {n}", drop_list(table, n)) for n in table.lists]
    tables += [(f"{' and '.join(g)} merged", merge_lists(table, g)) for g in merges]
    variants = []
    for label, changed in tables:
        chosen = stepwise(changed, threshold, trace=False)
        variants.append(
            Variant(label, changed.lists, changed.observed, chosen.estimate, chosen.term_names)
        )
    return tuple(variants)


def report(
    table: CaptureTable,
    method: str = "stepwise",
    *,
    bootstrap: int = 1000,
    seed: int = 1234,
    threshold: float = THRESHOLD,
    workers: int | None = None,
    merges: tuple[tuple[str, ...], ...] | list[tuple[str, ...]] | None = None,
) -> dict[str, Any]:
    """One method's answer as a flat dict: observed, estimate, ci95, ci80, terms, warnings;
    with `merges` (even empty), also the stepwise `sensitivity` to each list dropped and to
    each group of lists merged."""
    result = method_result(
        table, method, bootstrap=bootstrap, seed=seed, threshold=threshold, workers=workers
    )
    found = {
        "lists": list(table.lists),
        "observed": table.observed,
        **result.to_dict(),
        "never_overlap": never_overlap(table),
        "warnings": overlap_notes(table) + method_warnings((result,)),
    }
    if merges is not None:
        found["sensitivity"] = [v.to_dict() for v in sensitivity(table, merges, threshold)]
    return found


def never_overlap(table: CaptureTable) -> list[str]:
    """Pairs of lists that share no case: a model with their term fits it at −∞."""
    return [pair_name(table, pair) for pair in all_pairs(len(table.lists))
            if overlap(table, pair) == 0]


def overlap_notes(table: CaptureTable) -> list[str]:
    empty, pairs = len(never_overlap(table)), len(all_pairs(len(table.lists)))
    if not empty:
        return []
    return [f"{empty} of {pairs} pairs of lists share no case: a model with one of their terms "
            "drops the cells holding both lists (the term is -inf), and each such model is "
            "checked for an estimate before it is fitted"]
