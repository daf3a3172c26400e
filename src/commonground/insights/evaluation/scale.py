"""The Maryland Scientific Methods Scale (Sherman et al. 1997), as the What Works Centre uses it.

1 correlation at one point in time; 2 before and after, no comparison; 3 before and after with
a comparable control; 4 before and after in several treated and control units, controlling
for other influences (matched or synthetic controls); 5 random assignment to treatment.
"""

from __future__ import annotations

SMS_LEVELS = {
    1: "correlation between the intervention and crime at one point in time",
    2: "before and after, with no comparable control",
    3: "before and after, in treated and comparable control areas",
    4: "before and after, several treated and control units, other influences controlled",
    5: "random assignment of units to treatment and control",
}


def sms_level(method: str, *, randomised: bool = False, treated_units: int = 1,
              control_units: int = 1) -> int:
    """The level an evaluation earns from its design, not from the estimator's cleverness."""
    if randomised and treated_units >= 2 and control_units >= 2:
        return 5
    if method in {"before_after"}:
        return 2
    if method == "synthetic_control" or (treated_units >= 2 and control_units >= 2
                                         and method in {"did", "event_study"}):
        return 4
    return 3


def describe(level: int) -> str:
    return f"Maryland SMS level {level}: {SMS_LEVELS[level]}"
