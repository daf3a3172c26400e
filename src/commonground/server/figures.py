"""Charts and maps for the analyst's and the board's pages, from an operation's result.

Each chart is a Vega-Lite specification built here, from numbers an operation returned, and
handed to the page as JSON; `static/chart.js` draws it. Every chart sits beside a table of the
same numbers, so nothing is shown by colour or shape alone. Maps hand `static/map.js` the
counts per LSOA; the boundaries come from `GET /api/geography/lsoa.geojson`.
"""

from __future__ import annotations

from typing import Any

from commonground.insights.reports import lsoa_boundaries

WIDTH = "container"


def _spec(description: str, data: list[dict[str, Any]], **layers: Any) -> dict[str, Any]:
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json",
            "description": description, "width": WIDTH, "data": {"values": data},
            "config": {"font": "arial", "axis": {"labelFontSize": 13, "titleFontSize": 14},
                       "legend": {"labelFontSize": 13, "titleFontSize": 14}}, **layers}


def review_chart(steps: list[dict[str, Any]]) -> dict[str, Any]:
    """A match-weight waterfall: from the prior, each comparison moves the weight up or down."""
    bars, total = [], 0.0
    for order, step in enumerate(steps):
        start, total = total, total + float(step["weight"])
        label = step["column"] + (f" ({step['level']})" if step.get("level") else "")
        bars.append({"order": order, "step": label, "start": start, "end": total,
                     "weight": float(step["weight"]),
                     "direction": "for a match" if step["weight"] >= 0 else "against"})
    bars.append({"order": len(bars), "step": "final match weight", "start": 0.0,
                 "end": total, "weight": total, "direction": "final"})
    return _spec(
        "Match weight waterfall: each comparison's weight added to the prior's", bars,
        height={"step": 24},
        encoding={"y": {"field": "step", "type": "nominal", "sort": {"field": "order"},
                        "title": None}},
        layer=[
            {"mark": {"type": "bar"},
             "encoding": {"x": {"field": "start", "type": "quantitative",
                                "title": "match weight (log2 Bayes factor)"},
                          "x2": {"field": "end"},
                          "color": {"field": "direction", "type": "nominal", "title": None,
                                    "scale": {"domain": ["for a match", "against", "final"],
                                              "range": ["#00703c", "#d4351c", "#1d70b8"]}},
                          "tooltip": [{"field": "step"}, {"field": "weight", "format": ".2f"}]}},
            {"mark": {"type": "text", "align": "left", "dx": 4},
             "encoding": {"x": {"field": "end", "type": "quantitative"},
                          "text": {"field": "weight", "format": "+.2f"}}},
        ])


def risk_chart(contributions: list[dict[str, Any]]) -> dict[str, Any]:
    """Each indicator's contribution to an address's score, coloured by the partner."""
    data = [c for c in contributions if c["contribution"] > 1e-6] or contributions[:5]
    return _spec(
        "Indicators' contributions to the address's risk score, by partner", data,
        height={"step": 24}, mark={"type": "bar"},
        encoding={"y": {"field": "indicator", "type": "nominal", "sort": "-x", "title": None},
                  "x": {"field": "contribution", "type": "quantitative",
                        "title": "contribution to the score"},
                  "color": {"field": "partner", "type": "nominal", "title": "partner"},
                  "tooltip": [{"field": "indicator"}, {"field": "partner"},
                              {"field": "contribution", "format": ".3f"}]})


def _interval_chart(description: str, rows: list[dict[str, Any]], x_title: str,
                    colour: str | None = None, domain: list[float] | None = None
                    ) -> dict[str, Any]:
    """Bars with 95% interval rules: rows of {label, value, low, high[, group]}."""
    x: dict[str, Any] = {"field": "value", "type": "quantitative", "title": x_title,
                         "axis": {"format": "~g"}}
    if domain:
        x["scale"] = {"domain": domain}
    bar: dict[str, Any] = {
        "mark": {"type": "bar"},
        "encoding": {"x": x,
                     "tooltip": [{"field": "label"}, {"field": "value", "format": ".3f"},
                                 {"field": "low", "format": ".3f", "title": "95% low"},
                                 {"field": "high", "format": ".3f", "title": "95% high"}]}}
    rule: dict[str, Any] = {"mark": {"type": "rule", "color": "#0b0c0c", "strokeWidth": 2},
                            "encoding": {"x": {"field": "low", "type": "quantitative"},
                                         "x2": {"field": "high"}}}
    encoding: dict[str, Any] = {"y": {"field": "label", "type": "nominal", "title": None,
                                      "sort": None}}
    if colour:
        bar["encoding"]["color"] = {"field": colour, "type": "nominal", "title": None}
        encoding["yOffset"] = {"field": colour, "type": "nominal"}
    return _spec(description, rows, height={"step": 18 if colour else 28}, encoding=encoding,
                 layer=[bar, rule])


def _interval(value: Any, ci: Any) -> dict[str, Any]:
    low, high = (ci if isinstance(ci, list | tuple) and len(ci) == 2 else (None, None))
    return {"value": value, "low": low, "high": high}


def uplift_rows(uplift: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """The uplift report as rows: Shapley shares, and precision alone and left out."""
    shapley = [{"label": partner, **_interval(share, uplift["shapley_ci95"].get(partner))}
               for partner, share in uplift.get("shapley", {}).items()]
    precision = [{"label": "all partners", "group": "all partners",
                  **_interval(uplift["all_partners"]["precision_at_k"],
                              uplift["all_partners"]["ci95"])}]
    for partner, alone in uplift.get("single_partner", {}).items():
        out = uplift["leave_one_out"][partner]
        precision.append({"label": partner, "group": "this partner alone",
                          **_interval(alone["precision_at_k"], alone["ci95"])})
        precision.append({"label": partner, "group": "everyone but this partner",
                          **_interval(out["precision_at_k"], out["ci95"])})
    return {"shapley": shapley, "precision": precision}


def uplift_charts(rows: dict[str, list[dict[str, Any]]], k: int) -> dict[str, Any]:
    return {
        "shapley": _interval_chart(
            f"Each partner's Shapley share of precision at {k}, with 95% intervals",
            rows["shapley"], f"Shapley share of precision at {k}"),
        "precision": _interval_chart(
            f"Precision at {k}: all partners, each alone and each left out, with 95% intervals",
            rows["precision"], f"precision at {k}", colour="group", domain=[0.0, 1.0]),
    }


def dark_rows(dark: dict[str, Any]) -> list[dict[str, Any]]:
    """Each method's estimate of the total (seen and unseen) with its intervals."""
    rows = []
    for method in dark.get("methods") or [dark]:
        ci95, ci80 = method.get("ci95"), method.get("ci80")
        rows.append({"label": method.get("method", ""), "terms": method.get("terms") or [],
                     "ci80": ci80, **_interval(method.get("estimate"), ci95)})
    return rows


def dark_chart(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    drawn = [r for r in rows if r["value"] is not None]
    if not drawn:
        return None
    return _interval_chart("The dark figure: each method's estimate of all potential victims, "
                           "seen or not, with 95% intervals", drawn, "estimated people")


def _names() -> dict[str, str]:
    return {f["properties"]["code"]: f["properties"]["name"]
            for f in lsoa_boundaries()["features"]}


def lsoa_page_data(counts: dict[str, Any]) -> dict[str, Any]:
    """Map data and accessible tables from `report_lsoa_counts`: per layer, the counts by
    LSOA (only those of at least the pack's threshold), and how many areas were withheld."""
    names = _names()
    layers = {}
    for layer in ("hotspots", "risk"):
        part = counts["lsoa"].get(layer, {})
        areas = part.get("areas", [])
        layers[layer] = {
            "what": part.get("what", ""), "unavailable": part.get("unavailable"),
            "unplaced": part.get("unplaced"),
            "counts": {a["lsoa"]: a["count"] for a in areas},
            "shown": sorted(({"lsoa": a["lsoa"], "name": names.get(a["lsoa"], a["lsoa"]),
                              "count": a["count"]} for a in areas),
                            key=lambda a: (-a["count"], a["lsoa"])),
            "suppressed": part.get("withheld_areas", 0)}
    return {"report": counts, "layers": layers, "small": counts["small_cells"]}


def _number(value: Any, digits: int = 3) -> str:
    return f"{value:.{digits}f}" if isinstance(value, int | float) else "—"


def trial_rows(evaluations: list[dict[str, Any]]) -> list[list[str]]:
    """One row per recorded evaluation: method, SMS level, estimate, interval, p, effect."""
    rows = []
    for e in evaluations:
        primary = (e.get("result") or {}).get("primary") or e.get("result") or {}
        low, high = primary.get("ci_low"), primary.get("ci_high")
        effect = primary.get("relative_effect")
        rows.append([
            str(e.get("method", "")), str(e.get("sms_level") or "—"),
            _number(primary.get("estimate")),
            f"{_number(low)} to {_number(high)}" if low is not None else "—",
            _number(primary.get("p_value")),
            f"{effect:+.0%}" if isinstance(effect, int | float) else "—",
            str(e.get("created_at", ""))[:10]])
    return rows


def trial_chart(evaluations: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Each evaluation's relative effect with its 95% interval (none if none reports one)."""
    rows = []
    for e in evaluations:
        primary = (e.get("result") or {}).get("primary") or {}
        effect = primary.get("relative_effect")
        if isinstance(effect, int | float):
            rows.append({"label": f"{e.get('method', '')} (evaluation {e.get('id')})",
                         "value": effect, "low": primary.get("relative_ci_low"),
                         "high": primary.get("relative_ci_high")})
    if not rows:
        return None
    spec = _interval_chart("Each evaluation's relative effect on the outcome, with 95% "
                           "intervals (0 is no effect)", rows, "relative effect")
    spec["layer"][0]["encoding"]["x"]["axis"] = {"format": "+~%"}
    return spec
