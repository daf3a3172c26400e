"""The dark figure: multiple systems estimation of how many people no list saw.

A faithful port of the method of the R package SparseMSE (Chan, Silverman and Vincent 2019):
Poisson log-linear models over every observable capture history, two-list terms whose lists
never overlap handled as −∞ parameters, a linear-programming check that the maximum likelihood
estimate exists (a model without one is reported as such, never as a huge number), stepwise
selection by Poisson p-values, and bootstrap BCa limits with the selection redone on every
replicate. Beyond SparseMSE: AIC and BIC over every model (up to five lists), the methods side
by side with a warning when they disagree beyond their intervals, and the stepwise estimate
with lists dropped or merged. Works on aggregate counts only; no records come in.
"""

from commonground.insights.prevalence.bootstrap import (
    BootstrapResult,
    bca_interval,
    bootstrap_ci,
    bootstrap_replicates,
    jackknife_acceleration,
    quantile_type8,
)
from commonground.insights.prevalence.existence import Existence
from commonground.insights.prevalence.hub import hub_prevalence, published
from commonground.insights.prevalence.model import (
    ModelFit,
    all_pairs,
    estimate_exists,
    fit_model,
)
from commonground.insights.prevalence.selection import (
    METHODS,
    Comparison,
    MethodResult,
    Selection,
    Variant,
    best_by_criterion,
    compare_methods,
    drop_list,
    merge_lists,
    method_result,
    report,
    select,
    sensitivity,
)
from commonground.insights.prevalence.stepwise import StepwiseResult, stepwise
from commonground.insights.prevalence.tables import CaptureTable, capture_table, read_captures

__all__ = [
    "hub_prevalence",
    "published",
    "METHODS",
    "BootstrapResult",
    "CaptureTable",
    "Comparison",
    "Existence",
    "MethodResult",
    "ModelFit",
    "Selection",
    "StepwiseResult",
    "Variant",
    "all_pairs",
    "bca_interval",
    "best_by_criterion",
    "bootstrap_ci",
    "bootstrap_replicates",
    "capture_table",
    "compare_methods",
    "drop_list",
    "estimate_exists",
    "fit_model",
    "jackknife_acceleration",
    "merge_lists",
    "method_result",
    "quantile_type8",
    "read_captures",
    "report",
    "select",
    "sensitivity",
    "stepwise",
]
