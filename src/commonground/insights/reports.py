"""Aggregate figures for the partnership board: published by an analyst, read by the board.

The board governs the partnership but holds no grant for record-level data, risk lists or the
linked index. What it sees is a *board pack*: an analyst, who may read the data, computes the
aggregates (what each partner adds to the risk list, the dark figure by each method, counts of
crimes and of risk-list addresses per LSOA) and publishes them (`publish_board_report`); the
board, governance leads and analysts then read the latest pack (`report_uplift`,
`report_dark_figure`, `report_lsoa_counts`). Both steps are checked and audited. Nothing in a
pack names an address or a person, and every count per area under `SMALL` is suppressed
before the pack is written, so a reader never receives it.

Packs sit in the hub as `reports/board-<n>.json`, written once (temporary file, then renamed);
reading one is a file read, so the board's pages stay fast however long the analysis took.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.compute as pc
import shapely
import shapely.geometry

from commonground.engines import Engine, EngineError, EngineUnavailable
from commonground.errors import CommonGroundError, Conflict, NotFound
from commonground.governance import Actor, Resource, require
from commonground.insights.hotspots.points import to_wgs84
from commonground.insights.prevalence import hub_prevalence
from commonground.insights.risk import LOCATION_SOURCES, read_list, uplift_report
from commonground.link import entity_locations
from commonground.link.lake import read_live
from commonground.store.hub import Hub

SMALL = 10  # counts per area below this are suppressed before a pack is written
FOLDER = "reports"
BOUNDARIES = Path(__file__).parent / "data" / "essex_lsoa_2011.geojson"
CRIMES = ("police/crimes", "LSOA_CODE")
CRIME_PURPOSE = "crime-prevention"
RISK_PURPOSE = "safeguarding"
UPLIFT_KEYS = ("k", "all_partners", "single_partner", "leave_one_out", "shapley",
               "shapley_ci95", "best_single_partner", "all_minus_best_single", "model",
               "trained_to", "validated_to", "validated_on", "known_cases",
               "validation_addresses")
DARK_KEYS = ("lists", "lists_from", "observed", "method", "estimate", "ci95", "ci80",
             "methods", "warnings", "captures")


def _resource(number: int | None = None) -> Resource:
    return Resource("report", name=f"board-{number}" if number is not None else "board")


@lru_cache(maxsize=1)
def lsoa_boundaries() -> dict[str, Any]:
    """Essex's LSOA (2011) boundaries as WGS84 GeoJSON: public geography (ONS, OGL v3).

    Each feature carries the area's code, name and population-weighted centroid (BNG metres).
    """
    return dict(json.loads(BOUNDARIES.read_text(encoding="utf-8")))


@lru_cache(maxsize=1)
def _areas() -> tuple[list[str], shapely.STRtree, np.ndarray]:
    """The LSOAs' codes, a spatial index of their boundaries, and their centroids (BNG)."""
    features = lsoa_boundaries()["features"]
    codes = [f["properties"]["code"] for f in features]
    shapes = [shapely.geometry.shape(f["geometry"]) for f in features]
    centroids = np.array([[f["properties"]["bng_e"], f["properties"]["bng_n"]]
                          for f in features], dtype=float)
    return codes, shapely.STRtree(shapes), centroids


def lsoa_of(easting: np.ndarray, northing: np.ndarray) -> tuple[list[str], int]:
    """The LSOA each point (BNG metres) lies in, by its boundary (shapely), and how many
    points no boundary held: the shipped boundaries are simplified, so a point near an edge
    or the coast can fall in a gap; those take the LSOA with the nearest population centroid.
    """
    codes, tree, centroids = _areas()
    longitude, latitude = to_wgs84(np.asarray(easting, float), np.asarray(northing, float))
    points = shapely.points(longitude, latitude)
    found = np.full(len(points), -1)
    point_index, area_index = tree.query(points, predicate="within")
    found[point_index[::-1]] = area_index[::-1]  # the first area listed wins a shared edge
    gaps = np.flatnonzero(found < 0)
    for i in gaps:
        found[i] = int(np.argmin(((centroids - (easting[i], northing[i])) ** 2).sum(axis=1)))
    return [codes[i] for i in found], len(gaps)


def suppressed(counts: Counter[str]) -> dict[str, Any]:
    """Counts per area of at least SMALL; the rest are withheld without saying which areas
    had none and which had a few (only how many areas were withheld)."""
    shown = [{"lsoa": code, "count": n} for code, n in sorted(counts.items()) if n >= SMALL]
    return {"areas": shown, "withheld_areas": sum(1 for n in counts.values() if 0 < n < SMALL)}


def _crimes_per_lsoa(hub: Hub, actor: Actor) -> dict[str, Any]:
    ref, column = CRIMES
    table, _ = read_live(hub, actor, ref, CRIME_PURPOSE, [column])
    counts = Counter(code for code in table[column].to_pylist() if code)
    return {"what": "recorded crimes in police/crimes (its newest version)",
            **suppressed(counts)}


def _risk_per_lsoa(hub: Hub, actor: Actor) -> dict[str, Any]:
    """Addresses on the latest risk list per LSOA, each placed by the police's coordinates
    for the same linked address in the LSOA whose boundary holds them (`lsoa_of`)."""
    meta, rows = read_list(hub, actor)
    places = entity_locations(hub, actor, LOCATION_SOURCES, RISK_PURPOSE)
    listed = set(rows["address_id"].to_pylist())
    wanted = pc.cast(rows["address_id"], places.schema.field("entity_id").type)
    placed = places.filter(pc.is_in(places["entity_id"], value_set=wanted))
    areas, _ = lsoa_of(np.asarray(placed["easting"].to_pylist(), float),
                       np.asarray(placed["northing"].to_pylist(), float))
    counts = Counter(areas)
    return {"what": f"addresses on risk list {meta['list']} (top {meta['k']})",
            "unplaced": len(listed) - placed.num_rows, **suppressed(counts)}


def _section(work: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """One part of the pack; a part the analyst may not compute (or the hub cannot yet) is
    published as unavailable, with why, and the rest of the pack still goes out."""
    try:
        return work()
    except CommonGroundError as exc:
        return {"unavailable": str(exc)}
    except (EngineError, EngineUnavailable):
        return {"unavailable": "the engine could not compute this part"}


def _latest_number(folder: Path) -> int:
    numbers = [int(p.stem.split("-", 1)[1]) for p in folder.glob("board-*.json")
               if p.stem.split("-", 1)[1].isdigit()]
    return max(numbers, default=0)


def _write_once(path: Path, content: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    temporary.write_text(json.dumps(content, allow_nan=False, default=str), encoding="utf-8")
    try:
        # A link fails if the name exists: two analysts publishing at once never overwrite.
        os.link(temporary, path)
    except FileExistsError:
        raise Conflict(f"board pack {path.stem} was published meanwhile; publish again"
                       ) from None
    finally:
        temporary.unlink(missing_ok=True)


def _plain(value: Any) -> Any:
    """JSON-ready, with NaN and infinities as null (a pack is read by browsers)."""
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return _plain(value.item())
    return value


def publish_board_report(hub: Hub, actor: Actor, engine: Engine, *, k: int = 50,
                         boot: int = 200, bootstrap: int = 200, seed: int = 0
                         ) -> dict[str, Any]:
    """Compute the board's aggregate figures and publish them as the next board pack.

    Each part reads the data through its own operation's check (risk.read, link.read,
    dataset.read): what each partner adds (precision at k and Shapley shares with bootstrap
    intervals), the dark figure by every method, and crimes and risk-list addresses per LSOA
    with counts under 10 suppressed. No address or person leaves in the pack.
    """
    folder = hub.root / FOLDER
    number = _latest_number(folder) + 1
    require(hub, actor, "report.publish", _resource(number),
            details={"report": number, "k": k, "boot": boot, "bootstrap": bootstrap})

    def uplift() -> dict[str, Any]:
        found = uplift_report(hub, actor, engine, k=k, boot=boot, seed=seed)
        return {key: found[key] for key in UPLIFT_KEYS if key in found}

    def dark() -> dict[str, Any]:
        found = hub_prevalence(hub, actor, engine, bootstrap=bootstrap, compare=True)
        return {key: found[key] for key in DARK_KEYS if key in found}

    pack = _plain({
        "report": number, "published_by": actor.username,
        "organisation": actor.organisation,
        "published_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "small_cells": SMALL, "uplift": _section(uplift), "dark_figure": _section(dark),
        "lsoa": {"hotspots": _section(lambda: _crimes_per_lsoa(hub, actor)),
                 "risk": _section(lambda: _risk_per_lsoa(hub, actor))},
    })
    _write_once(folder / f"board-{number}.json", pack)
    return {"report": number, "published_at": pack["published_at"],
            "parts": {name: "unavailable" not in pack[name] for name in ("uplift",
                                                                      "dark_figure")}}


def _latest(hub: Hub, actor: Actor, part: str) -> dict[str, Any]:
    folder = hub.root / FOLDER
    number = _latest_number(folder)
    require(hub, actor, "report.read", _resource(number or None),
            details={"report": number, "part": part})
    if not number:
        raise NotFound("no figures have been published for the board yet; an analyst "
                       "publishes them from the analysis pages")
    pack = json.loads((folder / f"board-{number}.json").read_text(encoding="utf-8"))
    return {"report": number, "published_at": pack["published_at"],
            "published_by": pack["published_by"], "small_cells": pack["small_cells"],
            part: pack[part]}


def report_uplift(hub: Hub, actor: Actor) -> dict[str, Any]:
    """What each partner adds to the risk list, from the latest board pack: precision at k
    with all partners, each alone and each left out, and Shapley shares, with intervals."""
    return _latest(hub, actor, "uplift")


def report_dark_figure(hub: Hub, actor: Actor) -> dict[str, Any]:
    """The dark figure from the latest board pack: each method's estimate with its
    intervals, the warnings, and the capture histories with small cells suppressed."""
    return _latest(hub, actor, "dark_figure")


def report_lsoa_counts(hub: Hub, actor: Actor) -> dict[str, Any]:
    """Crimes and risk-list addresses per LSOA from the latest board pack; every count
    under 10 suppressed."""
    return _latest(hub, actor, "lsoa")


__all__ = ["SMALL", "lsoa_boundaries", "publish_board_report", "report_dark_figure",
           "report_lsoa_counts", "report_uplift", "suppressed"]
