"""Pre-registration: the design, analysis plan and allocation, frozen before any outcome.

The three are written as canonical JSON (sorted keys, no spaces, ASCII, no NaN) and hashed
with SHA-256. The hash is stored with the trial; an evaluation recomputes it and refuses to
run if anything changed, so the analysis reported is the analysis promised.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from commonground.errors import Conflict


class PlanChanged(Conflict):
    """The stored design, plan or allocation no longer matches its pre-registered hash."""


def canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=True,
                      allow_nan=False)


def registration(design: Mapping[str, Any], plan: Mapping[str, Any],
                 allocation: Mapping[str, Any]) -> dict[str, Any]:
    return {"design": dict(design), "plan": dict(plan), "allocation": dict(allocation)}


def registration_sha256(design: Mapping[str, Any], plan: Mapping[str, Any],
                        allocation: Mapping[str, Any]) -> str:
    text = canonical(registration(design, plan, allocation))
    return hashlib.sha256(text.encode("ascii")).hexdigest()


def verify_registration(design: Mapping[str, Any], plan: Mapping[str, Any],
                        allocation: Mapping[str, Any], expected: str) -> None:
    if registration_sha256(design, plan, allocation) != expected:
        raise PlanChanged("the trial's design, plan or allocation changed after it was "
                          "pre-registered; the evaluation will not run")
