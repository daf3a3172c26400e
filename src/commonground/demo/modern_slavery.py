"""The demo's modern-slavery stage: a risk list for safeguarding visits, judged on the truth.

The police analyst builds a list from every partner's records through the linked index (the
referrals are its labels), then measures, against the county's truth, each model's precision
at k, what each partner's data adds (every subset of partners, Shapley shares), the list's
fairness, how many site pairs run by one controller the network of linked records ties, and
how many potential victims no list saw (multiple systems estimation on the linked referrals)
beside the true number.
The HTML report with the charts goes to the analyst's side (HUB-partners/police/reports/).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from commonground.demo.context import DemoContext
from commonground.errors import CommonGroundError
from commonground.governance import Actor, actor_for
from commonground.insights.networks import network_report, score_network
from commonground.insights.prevalence import hub_prevalence
from commonground.insights.reports import publish_board_report
from commonground.insights.risk import build_risk_list, uplift_report
from commonground.insights.risk.report import write_report
from commonground.link import entity_index

ANALYST = "police-analyst"
REFERRAL_DATASETS = ["police/nrm_referrals", "county_council/nrm_referrals", "ngo/referrals"]


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 4)
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def _dark_figure(ctx: DemoContext, analyst: Actor) -> dict[str, Any]:
    """The hub's multiple systems estimate beside the county's true numbers."""
    truth = pq.read_table(ctx.truth / "record_truth.parquet",
                          columns=["agency", "dataset", "person_id", "site_id"])
    referred = truth.filter(pc.is_in(pc.binary_join_element_wise(
        truth["agency"], truth["dataset"], "/"), pa.array(REFERRAL_DATASETS)))
    elsewhere = referred.filter(pc.is_null(referred["site_id"]))
    true = {"true_victims_at_sites": pq.read_table(ctx.truth / "victims.parquet").num_rows,
            "people_referred_from_no_site": len(set(elsewhere["person_id"].to_pylist()))}
    try:
        found = hub_prevalence(ctx.require_hub(), analyst, ctx.engine, bootstrap=200,
                               compare=True, linkage=True)
    except CommonGroundError as exc:  # too few referrals in a small county: say so
        return {"not_estimated": str(exc), **true}
    return {k: found[k] for k in ("lists", "observed", "estimate", "ci95", "ci80", "terms",
                                  "methods", "warnings", "linkage")} | true


def stage_modern_slavery(ctx: DemoContext) -> dict[str, Any]:
    hub = ctx.require_hub()
    analyst = actor_for(hub, ANALYST)
    ctx.progress("modern slavery: risk list", 0.0)
    built = build_risk_list(hub, analyst, ctx.engine, k=100)
    ctx.progress("modern slavery: what each partner adds", 0.3)
    report = uplift_report(hub, analyst, ctx.engine, k=50, truth=ctx.truth, boot=500)
    ctx.progress("modern slavery: networks", 0.7)
    network = network_report(hub, analyst)
    scored = score_network(network, ctx.truth, entity_index(hub, analyst, "address"))
    ctx.progress("modern slavery: the dark figure", 0.85)
    dark = _dark_figure(ctx, analyst)
    ctx.progress("modern slavery: the board's figures", 0.95)
    # The partnership board sees aggregates only: the analyst publishes its pack.
    pack = publish_board_report(hub, analyst, ctx.engine, k=50, boot=200, bootstrap=200)
    # The report leaves the hub for the analyst's own machine, as released outputs do.
    path = write_report(report, ctx.partners_dir / "police" / "reports" /
                        "modern_slavery.html", dark.get("methods"), dark.get("linkage"))
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
        "dark_figure": dark,
        "board_pack": pack["report"],
        "report": str(path),
    })
    return figures
