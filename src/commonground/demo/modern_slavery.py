"""The demo's modern-slavery stage: a risk list for safeguarding visits, judged on the truth.

The police analyst builds a list from every partner's records through the linked index (the
referrals are its labels), then measures, against the county's truth, each model's precision
at k, what each partner's data adds (every subset of partners, Shapley shares), the list's
fairness, and how many site pairs run by one controller the network of linked records ties.
The HTML report with the charts goes to the analyst's side (HUB-partners/police/reports/).
"""

from __future__ import annotations

from typing import Any

from commonground.demo.context import DemoContext
from commonground.governance import actor_for
from commonground.insights.networks import network_report, score_network
from commonground.insights.risk import build_risk_list, uplift_report
from commonground.insights.risk.report import write_report
from commonground.link import entity_index

ANALYST = "police-analyst"


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def stage_modern_slavery(ctx: DemoContext) -> dict[str, Any]:
    hub = ctx.require_hub()
    analyst = actor_for(hub, ANALYST)
    ctx.progress("modern slavery: risk list", 0.0)
    built = build_risk_list(hub, analyst, ctx.engine, k=100)
    ctx.progress("modern slavery: what each partner adds", 0.3)
    report = uplift_report(hub, analyst, ctx.engine, k=50, truth=ctx.truth, boot=500)
    # The report leaves the hub for the analyst's own machine, as released outputs do.
    path = write_report(report, ctx.partners_dir / "police" / "reports" /
                        "modern_slavery.html")
    ctx.progress("modern slavery: networks", 0.8)
    network = network_report(hub, analyst)
    scored = score_network(network, ctx.truth, entity_index(hub, analyst, "address"))
    models = {m: {k: f[k] for k in ("precision_at_25", "precision_at_50", "precision_at_100",
                                    "recall_at_100", "average_precision", "brier")}
              for m, f in report["models"].items()}
    fairness = report["fairness"]
    figures: dict[str, Any] = _rounded({
        "list": built["list"], "listed": built["k"], "expires_on": built["expires_on"],
        "known_cases": built["known_cases"], "cutoff": report["cutoff"],
        "undiscovered_sites_in_truth": report["validation_sites"],
        "models_against_truth": models,
        "uplift": {"k": report["k"], "all_partners": report["all_partners"],
                   "single_partner": report["single_partner"],
                   "leave_one_out": report["leave_one_out"], "shapley": report["shapley"],
                   "all_minus_best_single": report["all_minus_best_single"]},
        "fairness": {"listed_by_district": {g: v["listed"] for g, v in
                                            fairness["by_district"]["groups"].items()},
                     "listed_by_community": {g: v["listed"] for g, v in
                                             fairness["by_community"]["groups"].items()},
                     "district_selection_difference": fairness["by_district"]
                     ["selection_rate_difference"],
                     "community_selection_difference": fairness["by_community"]
                     ["selection_rate_difference"],
                     "proxy_indicators": [p["indicator"] for p in fairness["proxies"]
                                          if p["proxy"]]},
        "network": {k: scored[k] for k in scored if not isinstance(scored[k], list)},
        "report": str(path),
    })
    return figures
