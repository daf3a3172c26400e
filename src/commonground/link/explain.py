"""Why a pair scored what it did: a match-weight waterfall from the model and the pair.

Splink keeps each comparison's match weight (`mw_<name>`) and term-frequency adjustment
(`mw_tf_adj_<name>`) when asked; the waterfall is the prior's weight, then each comparison's
weight, adding up to the pair's match weight. The level is named by finding the model level
with that weight: labels come from the model, never from the records' values.
"""

from __future__ import annotations

import math
from typing import Any


def _levels(model: dict[str, Any]) -> dict[str, list[tuple[str, float | None]]]:
    out: dict[str, list[tuple[str, float | None]]] = {}
    for comparison in model.get("comparisons", []):
        levels = []
        for level in comparison["comparison_levels"]:
            m, u = level.get("m_probability"), level.get("u_probability")
            weight = math.log2(m / u) if m and u else (0.0 if level.get("is_null_level")
                                                        else None)
            levels.append((str(level.get("label_for_charts", "")), weight))
        out[comparison["output_column_name"]] = levels
    return out


def _name_level(weight: float, levels: list[tuple[str, float | None]]) -> str:
    known = [(abs(weight - w), label) for label, w in levels if w is not None]
    return min(known)[1] if known else ""


def waterfall(pair: dict[str, Any], model: dict[str, Any]) -> list[dict[str, Any]]:
    """Steps [{'column', 'level', 'weight'}], from the prior to the final match weight."""
    prior = float(model.get("probability_two_random_records_match", 1e-4))
    steps = [{"column": "prior", "level": "", "weight": round(math.log2(prior / (1 - prior)), 3)}]
    for name, levels in _levels(model).items():
        weight = pair.get(f"mw_{name}")
        if weight is None:
            continue
        tf = pair.get(f"mw_tf_adj_{name}") or 0.0
        steps.append({"column": name, "level": _name_level(float(weight), levels),
                      "weight": round(float(weight) + float(tf), 3)})
    steps.append({"column": "total", "level": "",
                  "weight": round(float(pair.get("match_weight") or 0.0), 3)})
    return steps
