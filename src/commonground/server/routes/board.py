"""The partnership board's pages: the partners and their data's freshness, what each partner
adds, the dark figure, maps by LSOA and trial results. Aggregates only: the board's operations
read the board pack an analyst published, never records, lists or the linked index."""

from __future__ import annotations

import json
from collections import defaultdict
from functools import lru_cache
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from commonground.contribute import catalogue
from commonground.errors import NotFound
from commonground.insights.evaluation import list_evaluations, list_interventions
from commonground.insights.reports import (
    lsoa_boundaries,
    report_dark_figure,
    report_lsoa_counts,
    report_uplift,
)
from commonground.server.figures import (
    dark_chart,
    dark_rows,
    lsoa_page_data,
    trial_chart,
    trial_rows,
    uplift_charts,
    uplift_rows,
)
from commonground.server.render import render
from commonground.server.web import Caller, caller_dep, hub_dep
from commonground.store.hub import Hub

router = APIRouter(include_in_schema=False)
geography = APIRouter(tags=["geography"])


def _partners(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The catalogue by organisation: datasets, rows, and the newest and oldest data."""
    by_owner: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for entry in entries:
        by_owner[entry["owner"]].append(entry)
    partners = []
    for owner, datasets in sorted(by_owner.items()):
        dated = [d for d in datasets if d["last_contribution"]]
        ages = [d["age_days"] for d in dated if d["age_days"] is not None]
        partners.append({
            "owner": owner, "datasets": len(datasets),
            "rows": sum(d["rows"] or 0 for d in datasets),
            "newest": max((d["last_contribution"] for d in dated), default=None),
            "stalest_days": max(ages, default=None), "entries": datasets})
    return partners


@router.get("/board")
def board(request: Request, caller: Caller = Depends(caller_dep),  # noqa: B008
          hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    entries = catalogue(hub, caller.actor)
    return render(request, "board/index.html", caller, title="The partnership",
                  partners=_partners(entries))


def _unpublished(request: Request, caller: Caller, title: str, exc: NotFound) -> Any:
    return render(request, "board/unpublished.html", caller, title=title, message=str(exc))


@router.get("/board/partners")
def partners(request: Request, caller: Caller = Depends(caller_dep),  # noqa: B008
             hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    title = "What each partner adds"
    try:
        found = report_uplift(hub, caller.actor)
    except NotFound as exc:
        return _unpublished(request, caller, title, exc)
    uplift = found["uplift"]
    if "unavailable" in uplift:
        return render(request, "board/partners.html", caller, title=title, found=found,
                      uplift=uplift, rows=None, charts=None)
    rows = uplift_rows(uplift)
    return render(request, "board/partners.html", caller, title=title, found=found,
                  uplift=uplift, rows=rows, charts=uplift_charts(rows, uplift["k"]))


@router.get("/board/dark-figure")
def dark_figure(request: Request, caller: Caller = Depends(caller_dep),  # noqa: B008
                hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    title = "The dark figure"
    try:
        found = report_dark_figure(hub, caller.actor)
    except NotFound as exc:
        return _unpublished(request, caller, title, exc)
    dark = found["dark_figure"]
    rows = [] if "unavailable" in dark else dark_rows(dark)
    return render(request, "board/dark_figure.html", caller, title=title, found=found,
                  dark=dark, rows=rows, chart=dark_chart(rows) if rows else None)


@router.get("/board/maps")
def maps(request: Request, caller: Caller = Depends(caller_dep),  # noqa: B008
         hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    title = "Hotspots and risk by area"
    try:
        counts = report_lsoa_counts(hub, caller.actor)
    except NotFound as exc:
        return _unpublished(request, caller, title, exc)
    return render(request, "board/maps.html", caller, title=title, **lsoa_page_data(counts))


@router.get("/board/trials")
def trials(request: Request, caller: Caller = Depends(caller_dep),  # noqa: B008
           hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    found = list_interventions(hub, caller.actor)
    return render(request, "analysis/interventions.html", caller, title="Trials",
                  interventions=found, base="/board/trials")


@router.get("/board/trials/{intervention_id}")
def trial(request: Request, intervention_id: int,
          caller: Caller = Depends(caller_dep),  # noqa: B008
          hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    found = list_evaluations(hub, caller.actor, intervention_id)
    return render(request, "analysis/trial.html", caller,
                  title=f"Trial results for intervention {intervention_id}",
                  intervention_id=intervention_id, rows=trial_rows(found),
                  chart=trial_chart(found),
                  back="/board/trials")


@lru_cache(maxsize=1)
def _boundaries_bytes() -> bytes:
    return json.dumps(lsoa_boundaries(), separators=(",", ":")).encode()


@geography.get("/api/geography/lsoa.geojson")
def lsoa_geojson() -> Response:
    """Essex's LSOA (2011) boundaries, WGS84 GeoJSON (ONS Open Geography, OGL v3)."""
    return Response(_boundaries_bytes(), media_type="application/geo+json",
                    headers={"Cache-Control": "public, max-age=86400"})
