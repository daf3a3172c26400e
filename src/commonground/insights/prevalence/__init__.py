"""The dark figure: multiple systems estimation of how many people no list saw.

A faithful port of the method of the R package SparseMSE (Chan, Silverman and Vincent 2019):
Poisson log-linear models over every observable capture history, two-list terms whose lists
never overlap handled as −∞ parameters, a linear-programming check that the maximum likelihood
estimate exists (a model without one is reported as such, never as a huge number), stepwise
selection by Poisson p-values, and bootstrap BCa limits with the selection redone on every
replicate. Works on aggregate counts only; no records come in.
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
from commonground.insights.prevalence.model import (
    ModelFit,
    all_pairs,
    estimate_exists,
    fit_model,
)
from commonground.insights.prevalence.stepwise import StepwiseResult, stepwise
from commonground.insights.prevalence.tables import CaptureTable, capture_table, read_captures

__all__ = [
    "BootstrapResult",
    "CaptureTable",
    "Existence",
    "ModelFit",
    "StepwiseResult",
    "all_pairs",
    "bca_interval",
    "bootstrap_ci",
    "bootstrap_replicates",
    "capture_table",
    "estimate_exists",
    "fit_model",
    "jackknife_acceleration",
    "quantile_type8",
    "read_captures",
    "stepwise",
]
