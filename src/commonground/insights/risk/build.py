"""The risk room's two analyses on a hub: build a list, and measure what each partner adds.

Both read every partner's dataset through the policy for the safeguarding purpose (each read
checked and audited), the linked entity index, and the referrals as labels; both run the same
`rank` as the bench. The uplift report has no truth to judge by, so it does what a
partnership can: it steps back `horizon` days, trains on the referrals known then, and judges
each subset's list by the addresses referred since, which no list could have known.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from commonground.engines import Engine
from commonground.errors import CommonGroundError, InvalidInput
from commonground.governance import Actor, Resource, require
from commonground.governance.models import Agreement
from commonground.insights.risk.assess import fairness, judge, subset_sites
from commonground.insights.risk.card import model_card
from commonground.insights.risk.cases import REFERRALS, known_cases
from commonground.insights.risk.indicators import (
    BY_NAME,
    PARTNERS,
    SOURCES,
    compute_indicators,
    describe,
)
from commonground.insights.risk.lists import PURPOSE, save_list, visit_labels
from commonground.insights.risk.models import MODELS
from commonground.insights.risk.ranking import Ranked, rank
from commonground.insights.risk.schema import risk_table
from commonground.insights.risk.truth import targets as true_targets
from commonground.insights.risk.uplift import subsets, uplift_table
from commonground.link.county import address_columns
from commonground.link.index import read_index
from commonground.link.lake import lake_inputs, live_datasets, read_live
from commonground.store.hub import Hub


def _check_model(model: str) -> None:
    if model not in MODELS:
        raise InvalidInput(f"unknown model '{model}'; choose from {', '.join(MODELS)}")


def hub_inputs(hub: Hub, actor: Actor, purpose: str = PURPOSE
               ) -> tuple[pa.Table, pa.Table, dict[str, pa.Table]]:
    """The entity index and each needed dataset's few columns, every read checked."""
    live = live_datasets(hub)
    missing = sorted(set(SOURCES) - live)
    if missing:
        raise CommonGroundError(f"the risk indicators need datasets not in the hub: "
                                f"{', '.join(missing)}")
    tables: dict[str, pa.Table] = {}
    for ref, source in SOURCES.items():
        tables[ref], _ = read_live(hub, actor, ref, purpose,
                                   [source.date, *source.columns])
    for ref, referral in REFERRALS.items():
        if ref in live:
            tables[ref], _ = read_live(hub, actor, ref, purpose, [referral.date])
    addresses, people = read_index(hub.root, "address"), read_index(hub.root, "person")
    if addresses is None or people is None:
        raise CommonGroundError("no linked entities yet: run `commonground link run` first")
    return addresses, people, tables


def data_cutoff(tables: dict[str, pa.Table]) -> date:
    """The day after the newest dated record: the data's own 'today'."""
    newest = max(
        pa.compute.max(pa.compute.cast(tables[ref][s.date], pa.date32())).as_py()
        for ref, s in SOURCES.items() if tables[ref].num_rows)
    return newest + timedelta(days=1)  # type: ignore[no-any-return]


def explained(ranked: Ranked, k: int) -> pa.Table:
    """The top `k` as a list: address ids, scores and each indicator's contribution."""
    top = min(k, len(ranked.address_ids))
    effect = ranked.fitted.contributions(ranked.x[:top])
    rows = []
    for i in range(top):
        parts = [{"indicator": name, "partner": "+".join(BY_NAME[name].partners),
                  "value": float(np.expm1(ranked.x[i, j])),
                  "contribution": float(effect[i, j])}
                 for j, name in enumerate(ranked.fitted.names) if ranked.x[i, j] > 0]
        rows.append((ranked.address_ids[i], float(ranked.scores[i]), parts))
    return risk_table(rows)


def agreement_slug(hub: Hub, agreement_id: int | None) -> str:
    """The slug of the agreement version the policy allowed the build under."""
    with hub.sessions()() as session:
        row = session.get(Agreement, agreement_id) if agreement_id is not None else None
        if row is None:
            raise CommonGroundError("no agreement allowed the build")
        return str(row.slug)


@dataclass
class Inputs:
    """What every analysis reads from the hub, read once through the policy."""

    addresses: pa.Table
    people: pa.Table
    tables: dict[str, pa.Table]
    cutoff: date

    def indicators(self, engine: Engine, day: date | None = None) -> pa.Table:
        return compute_indicators(engine, day or self.cutoff, self.addresses, self.people,
                                  self.tables)

    def known(self, day: date | None = None) -> set[str]:
        return set(known_cases(self.addresses, self.tables, day or self.cutoff)
                   ["address_id"].to_pylist())


def read_inputs(hub: Hub, actor: Actor, cutoff: date | None) -> Inputs:
    addresses, people, tables = hub_inputs(hub, actor)
    return Inputs(addresses, people, tables, cutoff or data_cutoff(tables))


def later_referrals(inputs: Inputs, engine: Engine, model: str, k: int, horizon: int,
                    partners: frozenset[str] | None = None, seed: int = 0
                    ) -> tuple[dict[frozenset[str], np.ndarray], int, date]:
    """Every subset's top-k judged by the referrals of the last `horizon` days: each list
    is trained on what was known `horizon` days before the cut-off (site numbers, -1 none)."""
    start = inputs.cutoff - timedelta(days=horizon)
    indicators = inputs.indicators(engine, start)
    before = inputs.known(start)
    number = {a: i for i, a in enumerate(sorted(inputs.known() - before))}
    lists = {}
    for subset in ([partners] if partners else [s for s in subsets(PARTNERS) if s]):
        ranked = rank(indicators, before, model, subset, seed)
        lists[subset] = np.array([number.get(a, -1) for a in ranked.address_ids[:k]])
    return lists, len(number), start


def build_risk_list(hub: Hub, actor: Actor, engine: Engine, *, model: str = "logistic",
                    k: int = 100, cutoff: date | None = None, agreement: str | None = None,
                    days: int = 28, horizon: int = 182) -> dict[str, Any]:
    """Score every linked address and keep the top `k` as a list for safeguarding visits.

    Labels are the addresses referred before the cut-off and the visits that found a
    concern; addresses a visit found no concern at are left off the new list. The model is
    also checked the way a partnership can: trained `horizon` days back, judged by the
    referrals since (in the list's metrics and model card).
    """
    _check_model(model)
    decision = require(hub, actor, "risk.build", Resource("risk_list"), PURPOSE,
                       under=agreement, details={"step": "build", "model": model})
    agreement = agreement or agreement_slug(hub, decision.agreement_id)
    inputs = read_inputs(hub, actor, cutoff)
    known = inputs.known()
    visits = visit_labels(hub, actor)
    found = {a for a, y in zip(visits["address_id"].to_pylist(),
                               visits["label"].to_pylist(), strict=True) if y == 1}
    cleared = set(visits["address_id"].to_pylist()) - found
    ranked = rank(inputs.indicators(engine), known | found | cleared, model,
                  positives=known | found)
    table = explained(ranked, k)
    everyone = frozenset(PARTNERS)
    lists, later, start = later_referrals(inputs, engine, model, k, horizon, everyone)
    hits = int((lists[everyone] >= 0).sum())
    metrics = {"addresses_scored": len(ranked.address_ids), "known_cases": len(known),
               "visit_labels": {"concern_found": len(found), "no_concern": len(cleared)},
               "indicators": len(ranked.fitted.names),
               "validation": {"trained_to": start.isoformat(), "referred_since": later,
                              f"found_in_top_{k}": hits,
                              "recall": hits / later if later else None}}
    facts = {"purpose": PURPOSE, "organisation": actor.organisation, "agreement": agreement,
             "model": model, "cutoff": inputs.cutoff.isoformat(), "k": table.num_rows,
             "days": days, "partners": list(PARTNERS), "datasets": sorted(SOURCES),
             "indicators": [{"name": d["indicator"], "partner": d["partners"],
                             "description": d["description"]}
                            for d in describe(ranked.fitted.names)],
             "metrics": metrics}
    saved = save_list(hub, actor, table, model=model, agreement=agreement,
                      cutoff=inputs.cutoff, metrics=metrics, card=model_card(facts), days=days)
    return {**saved, **metrics}


def uplift_report(hub: Hub, actor: Actor, engine: Engine, *, k: int = 50,
                  model: str = "logistic", cutoff: date | None = None,
                  horizon: int = 182, boot: int = 1_000, seed: int = 0,
                  truth: Path | None = None) -> dict[str, Any]:
    """Precision at k of every subset of partners, with Shapley shares and intervals.

    Validated on referrals made in the `horizon` days before the cut-off, at addresses
    nobody had referred before (each counts once); or, on a synthetic county, against its
    `truth` (the sites active at the cut-off that nobody had referred), with every model
    judged side by side and the list's fairness by district and community.
    """
    _check_model(model)
    require(hub, actor, "risk.read", Resource("risk_list"), PURPOSE,
            details={"step": "uplift", "model": model})
    inputs = read_inputs(hub, actor, cutoff)
    if truth is None:
        lists, later, start = later_referrals(inputs, engine, model, k, horizon, seed=seed)
        report = uplift_table(lists, PARTNERS, later, k, boot, seed)
        return {**report, "model": model, "trained_to": start.isoformat(),
                "validated_to": inputs.cutoff.isoformat(),
                "known_cases": len(inputs.known(start)), "validation_addresses": later,
                "validated_on": f"addresses first referred in the {horizon} days before "
                                f"{inputs.cutoff.isoformat()}"}
    indicators, known = inputs.indicators(engine), inputs.known()
    contracts = {d.ref: d.contract for d in lake_inputs(hub)[0]}
    targets = true_targets(truth, inputs.addresses, address_columns(contracts), inputs.cutoff)
    lists = subset_sites(indicators, known, targets, k, model, seed)
    report = uplift_table(lists, PARTNERS, targets.sites, k, boot, seed)
    return {**report, "model": model, "cutoff": inputs.cutoff.isoformat(),
            "known_cases": len(known), "validation_sites": targets.sites,
            "validated_on": "the truth: sites active at the cut-off that nobody had referred",
            "models": judge(indicators, known, targets, seed=seed),
            "fairness": fairness(rank(indicators, known, model, seed=seed), targets, k)}
