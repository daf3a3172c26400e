"""A risk list in the files analysts open: CSV and Excel for the visit plan, GeoJSON for QGIS.

Each writer takes the checked four-column list and writes one file atomically (a temporary
file in the same folder, renamed into place), so a reader never sees half a list. The
spreadsheet columns are the list's own plus `reasons`, the explanation in words.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from commonground.insights.risk.schema import contributions

FORMATS = ("csv", "xlsx", "geojson")
SHEET_COLUMNS = ("address_id", "rank", "score", "reasons", "explanation")


def reasons(explanation: str, top: int = 3) -> str:
    """'indicator (partner) +0.42; ...' for the largest contributions."""
    return "; ".join(f"{c['indicator']} ({c['partner']}) {c['contribution']:+.3f}"
                     for c in contributions(explanation)[:top])


def _rows(table: pa.Table) -> Iterator[tuple[Any, ...]]:
    for row in table.to_pylist():
        yield (row["address_id"], row["rank"], row["score"], reasons(row["explanation"]),
               row["explanation"])


@contextmanager
def _atomic(path: Path) -> Iterator[Path]:
    """A temporary path beside `path`, renamed onto it when the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    try:
        yield temporary
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_csv(table: pa.Table, path: Path) -> None:
    with _atomic(path) as temporary, temporary.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(SHEET_COLUMNS)
        writer.writerows(_rows(table))


def write_xlsx(table: pa.Table, path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook always has one sheet
    sheet.title = "risk list"
    sheet.append(list(SHEET_COLUMNS))
    for row in _rows(table):
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    with _atomic(path) as temporary:
        book.save(temporary)


def write_geojson(table: pa.Table, path: Path,
                  places: Mapping[str, tuple[float, float]]) -> int:
    """A FeatureCollection in WGS84 (RFC 7946); `places` maps address_id to (lon, lat).

    An address with no place is kept with a null geometry, so the file is still the whole
    list; returns how many were unplaced.
    """
    features, unplaced = [], 0
    for row in table.to_pylist():
        place = places.get(row["address_id"])
        unplaced += place is None
        geometry = ({"type": "Point", "coordinates": [round(place[0], 6), round(place[1], 6)]}
                    if place is not None else None)
        features.append({"type": "Feature", "geometry": geometry, "properties": {
            "address_id": row["address_id"], "rank": row["rank"], "score": row["score"],
            "reasons": reasons(row["explanation"]),
            "contributions": contributions(row["explanation"])}})
    with _atomic(path) as temporary:
        temporary.write_text(json.dumps({"type": "FeatureCollection", "features": features}),
                             encoding="utf-8")
    return unplaced


def wgs84_places(locations: pa.Table) -> dict[str, tuple[float, float]]:
    """(entity_id, easting, northing) in British National Grid to {entity_id: (lon, lat)}."""
    from commonground.insights.hotspots.points import to_wgs84

    if locations.num_rows == 0:
        return {}
    lon, lat = to_wgs84(np.asarray(locations["easting"].to_numpy(zero_copy_only=False), float),
                        np.asarray(locations["northing"].to_numpy(zero_copy_only=False),
                                   float))
    ids = locations["entity_id"].to_pylist()
    return {i: (float(x), float(y)) for i, x, y in zip(ids, lon, lat, strict=True)
            if np.isfinite(x) and np.isfinite(y)}


WRITERS: dict[str, Callable[[pa.Table, Path], None]] = {"csv": write_csv, "xlsx": write_xlsx}
