"""The modern-slavery report as one HTML file with Vega-Lite charts (altair), offline.

The charts' JavaScript is inlined (`inline=True`), so the file opens on a machine with no
internet, as a partnership's secure network often is: the precision-at-k curve per model,
what each partner adds (alone, left out, all) with the Shapley shares, calibration, and the
list's selection rate and recall by district, and how many potential victims no list saw.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Any

import altair as alt
import pandas as pd

from commonground.insights.risk.indicators import PARTNERS


def _precision_curve(models: dict[str, dict[str, Any]]) -> Any:
    rows = [{"model": m, "k": k, "precision": f[f"precision_at_{k}"]}
            for m, f in models.items() for k in (25, 50, 100)]
    return alt.Chart(pd.DataFrame(rows), title="Precision at k against the truth").mark_line(
        point=True).encode(x="k:Q", y=alt.Y("precision:Q", title="precision at k"),
                           color="model:N")


def _uplift(report: dict[str, Any]) -> Any:
    rows = [{"partners": "all partners", "kind": "all",
             "precision": report["all_partners"]["precision_at_k"]}]
    for p in PARTNERS:
        rows.append({"partners": f"{p} alone", "kind": "alone",
                     "precision": report["single_partner"][p]["precision_at_k"]})
        rows.append({"partners": f"all but {p}", "kind": "left out",
                     "precision": report["leave_one_out"][p]["precision_at_k"]})
    return alt.Chart(pd.DataFrame(rows), title=f"Precision at {report['k']}: what each "
                     "partner adds").mark_bar().encode(
        y=alt.Y("partners:N", sort="-x"), x="precision:Q", color="kind:N")


def _shapley(report: dict[str, Any]) -> Any:
    rows = [{"partner": p, "share": report["shapley"][p],
             "low": report["shapley_ci95"][p][0], "high": report["shapley_ci95"][p][1]}
            for p in PARTNERS]
    frame = pd.DataFrame(rows)
    base = alt.Chart(frame, title="Shapley share of the all-partner precision (95% interval)")
    return base.mark_bar().encode(y="partner:N", x="share:Q") + base.mark_rule().encode(
        y="partner:N", x="low:Q", x2="high:Q")


def _calibration(models: dict[str, dict[str, Any]]) -> Any:
    rows = [{"model": m, **point} for m, f in models.items() if m != "checklist"
            for point in f["calibration"]]
    return alt.Chart(pd.DataFrame(rows), title="Calibration: predicted against observed "
                     "(highest-scored addresses)").mark_line(point=True).encode(
        x="predicted:Q", y="observed:Q", color="model:N")


def _districts(fairness: dict[str, Any]) -> Any:
    rows = [{"district": g, "measure": m, "value": v[m]}
            for g, v in fairness["by_district"]["groups"].items()
            for m in ("selection_rate", "recall") if v[m] is not None]
    return alt.Chart(pd.DataFrame(rows), title="The list by district").mark_bar().encode(
        y="district:N", x="value:Q", color="measure:N", yOffset="measure:N")


def _estimates(methods: list[dict[str, Any]]) -> Any:
    rows = [{"method": m["method"], "estimate": m["estimate"],
             "low": (m["ci95"] or [None, None])[0], "high": (m["ci95"] or [None, None])[1]}
            for m in methods if m["estimate"] is not None]
    base = alt.Chart(pd.DataFrame(rows), title="How many potential victims: the estimate by "
                     "method (multiple systems estimation, 95% BCa)")
    return base.mark_point(filled=True, size=80).encode(y="method:N", x="estimate:Q") + \
        base.mark_rule().encode(y="method:N", x="low:Q", x2="high:Q")


def _by_threshold(sweep: list[dict[str, Any]]) -> Any:
    rows = [{"threshold": r["threshold"], "estimate": r["estimate"], "people seen": r["observed"]}
            for r in sweep if r["estimate"] is not None]
    long = pd.DataFrame(rows).melt("threshold", var_name="count", value_name="people")
    return alt.Chart(long, title="The estimate by linkage threshold: false non-links (high "
                     "thresholds) inflate it, false links (low) deflate it").mark_line(
        point=True).encode(x="threshold:Q", y="people:Q", color="count:N")


def write_report(report: dict[str, Any], path: Path,
                 estimates: list[dict[str, Any]] | None = None,
                 by_threshold: list[dict[str, Any]] | None = None) -> Path:
    """Write the uplift report (with `models` and `fairness`, as judged on a truth), and the
    dark figure's estimates by method and by linkage threshold when given."""
    charts = [_precision_curve(report["models"]), _uplift(report), _shapley(report),
              _calibration(report["models"]), _districts(report["fairness"])]
    if estimates and any(m["estimate"] is not None for m in estimates):
        charts.append(_estimates(estimates))
    if by_threshold and any(r["estimate"] is not None for r in by_threshold):
        charts.append(_by_threshold(by_threshold))
    chart = alt.vconcat(*charts,
                        title="Modern slavery: addresses at risk and what each partner adds")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.html")
    try:
        chart.save(str(staging), inline=True)
        os.replace(staging, path)
    finally:
        staging.unlink(missing_ok=True)
    return path
