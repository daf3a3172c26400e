"""The risk room's two analyses on a hub: build a list, and measure what each partner adds.

Both read every partner's dataset through the policy for the safeguarding purpose (each read
checked and audited), the linked entity index, and the referrals as labels; both run the same
`rank` as the bench. The uplift report has no truth to judge by, so it does what a
partnership can: it steps back `horizon` days, trains on the referrals known then, and judges
each subset's list by the addresses referred since, which no list could have known.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from commonground.engines import Engine
from commonground.errors import CommonGroundError, InvalidInput
from commonground.governance import Actor, Resource, require
from commonground.governance.models import Agreement
from commonground.insights.risk.assess import subset_sites
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


def build_risk_list(hub: Hub, actor: Actor, engine: Engine, *, model: str = "logistic",
                    k: int = 100, cutoff: date | None = None, agreement: str | None = None,
                    days: int = 28) -> dict[str, Any]:
    """Score every linked address and keep the top `k` as a list for safeguarding visits.

    Labels are the addresses referred before the cut-off and the visits that found a
    concern; addresses a visit found no concern at are left off the new list.
    """
    _check_model(model)
    decision = require(hub, actor, "risk.build", Resource("risk_list"), PURPOSE,
                       under=agreement, details={"step": "build", "model": model})
    agreement = agreement or agreement_slug(hub, decision.agreement_id)
    addresses, people, tables = hub_inputs(hub, actor)
    day = cutoff or data_cutoff(tables)
    indicators = compute_indicators(engine, day, addresses, people, tables)
    known = set(known_cases(addresses, tables, day)["address_id"].to_pylist())
    visits = visit_labels(hub, actor)
    found = {a for a, y in zip(visits["address_id"].to_pylist(),
                               visits["label"].to_pylist(), strict=True) if y == 1}
    cleared = set(visits["address_id"].to_pylist()) - found
    ranked = rank(indicators, known | found | cleared, model,
                  positives=known | found)
    table = explained(ranked, k)
    metrics = {"addresses_scored": len(ranked.address_ids), "known_cases": len(known),
               "visit_labels": {"concern_found": len(found), "no_concern": len(cleared)},
               "indicators": len(ranked.fitted.names)}
    facts = {"purpose": PURPOSE, "organisation": actor.organisation, "agreement": agreement,
             "model": model, "cutoff": day.isoformat(), "k": table.num_rows, "days": days,
             "partners": list(PARTNERS), "datasets": sorted(SOURCES),
             "indicators": [{"name": d["indicator"], "partner": d["partners"],
                             "description": d["description"]}
                            for d in describe(ranked.fitted.names)],
             "metrics": metrics}
    saved = save_list(hub, actor, table, model=model, agreement=agreement,
                      cutoff=day, metrics=metrics, card=model_card(facts), days=days)
    return {**saved, **metrics}


def uplift_report(hub: Hub, actor: Actor, engine: Engine, *, k: int = 50,
                  model: str = "logistic", cutoff: date | None = None,
                  horizon: int = 182, boot: int = 1_000, seed: int = 0,
                  truth: Path | None = None) -> dict[str, Any]:
    """Precision at k of every subset of partners, with Shapley shares and intervals.

    Validated on referrals made in the `horizon` days before the cut-off, at addresses
    nobody had referred before (each counts once); or, on a synthetic county, against its
    `truth`: the sites active at the cut-off that nobody had referred.
    """
    _check_model(model)
    require(hub, actor, "risk.read", Resource("risk_list"), PURPOSE,
            details={"step": "uplift", "model": model})
    addresses, people, tables = hub_inputs(hub, actor)
    end = cutoff or data_cutoff(tables)
    if truth is not None:
        indicators = compute_indicators(engine, end, addresses, people, tables)
        known = set(known_cases(addresses, tables, end)["address_id"].to_pylist())
        contracts = {d.ref: d.contract for d in lake_inputs(hub)[0]}
        targets = true_targets(truth, addresses, address_columns(contracts), end)
        lists = subset_sites(indicators, known, targets, k, model, seed)
        report = uplift_table(lists, PARTNERS, targets.sites, k, boot, seed)
        return {**report, "model": model, "cutoff": end.isoformat(), "known_cases": len(known),
                "validation_sites": targets.sites,
                "validated_on": "the truth: sites active at the cut-off that nobody had "
                                "referred"}
    start = end - timedelta(days=horizon)
    indicators = compute_indicators(engine, start, addresses, people, tables)
    before = set(known_cases(addresses, tables, start)["address_id"].to_pylist())
    since = [a for a in known_cases(addresses, tables, end)["address_id"].to_pylist()
             if a not in before]
    number = {a: i for i, a in enumerate(since)}
    lists = {}
    for subset in subsets(PARTNERS):
        if subset:
            ranked = rank(indicators, before, model, subset, seed)
            lists[subset] = np.array([number.get(a, -1) for a in ranked.address_ids[:k]])
    report = uplift_table(lists, PARTNERS, len(number), k, boot, seed)
    return {**report, "model": model, "trained_to": start.isoformat(),
            "validated_to": end.isoformat(), "known_cases": len(before),
            "validation_addresses": len(number),
            "validated_on": f"addresses first referred in the {horizon} days before "
                            f"{end.isoformat()}"}
