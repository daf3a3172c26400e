"""Preventative action and its evaluation: register, randomise, pre-register, analyse.

    from commonground.insights.evaluation import wdd_test
    wdd_test(treated=(207, 110), control=(308, 318), displacement=(178, 157),
             displacement_control=(150, 140)).z   # -2.98
"""

from commonground.insights.evaluation.allocation import SCHEMES, Allocation, allocate, balance
from commonground.insights.evaluation.analysis import check_plan, default_plan, run_plan
from commonground.insights.evaluation.did import DidResult, did, event_study
from commonground.insights.evaluation.panel import Panel
from commonground.insights.evaluation.permutation import (
    PermutationResult,
    arm_redraw,
    permutation_test,
    twfe_statistic,
)
from commonground.insights.evaluation.power import PowerResult, places_needed, trial_power
from commonground.insights.evaluation.preregistration import (
    PlanChanged,
    canonical,
    registration_sha256,
    verify_registration,
)
from commonground.insights.evaluation.readers import (
    before_after,
    places_from,
    read_outcomes,
    read_place_values,
)
from commonground.insights.evaluation.register import (
    InterventionView,
    TrialError,
    add_intervention,
    allocate_trial,
    evaluate_trial,
    list_evaluations,
    list_interventions,
    record_evaluation,
    trial_allocation,
)
from commonground.insights.evaluation.scale import SMS_LEVELS, sms_level
from commonground.insights.evaluation.synthetic_control import (
    SyntheticControlResult,
    synthetic_control,
)
from commonground.insights.evaluation.wdd import WddResult, displacement_ring, wdd_test

__all__ = [
    "SCHEMES", "SMS_LEVELS", "Allocation", "DidResult", "InterventionView", "Panel",
    "PermutationResult", "PlanChanged", "PowerResult", "SyntheticControlResult", "TrialError",
    "WddResult", "add_intervention", "allocate", "allocate_trial", "arm_redraw", "balance",
    "before_after", "canonical", "check_plan", "default_plan", "did", "displacement_ring",
    "evaluate_trial", "event_study", "list_evaluations", "list_interventions",
    "permutation_test", "places_from", "places_needed", "read_outcomes", "read_place_values",
    "record_evaluation", "registration_sha256", "run_plan", "sms_level",
    "synthetic_control", "trial_allocation", "trial_power", "twfe_statistic",
    "verify_registration", "wdd_test",
]
