"""Forecast next month's hot cells with one method, for patrol plans and maps (GeoJSON)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from commonground.engines import Engine
from commonground.errors import InvalidInput
from commonground.insights.hotspots.backtest import prepare_history
from commonground.insights.hotspots.methods import method
from commonground.insights.hotspots.points import CrimePoints, month_index, month_label, to_wgs84


def predict(points: CrimePoints, *, method_name: str = "learned", crime_type: str | None = None,
            cell_size: float = 250.0, month: str | None = None, coverage: float = 0.05,
            engine: Engine | None = None,
            covariates: Mapping[str, CrimePoints] | None = None) -> dict[str, Any]:
    """The top `coverage` share of cells for `month` (default: the month after the data)."""
    score_of = method(method_name)
    if not 0.0 < coverage <= 1.0:
        raise InvalidInput("coverage must be a share of cells between 0 and 1")
    history = prepare_history(points, crime_type, cell_size, engine, covariates)
    target = month_index(month) if month else points.months()[-1] + 1
    if target <= points.months()[0]:
        raise InvalidInput("the month to predict needs at least one earlier month of data")
    origin, horizon = history.month_span(target)
    scores = score_of(history, origin, horizon)
    k = max(1, int(round(coverage * len(scores))))
    top = np.argsort(-scores, kind="stable")[:k]
    grid = history.grid
    x, y = grid.centres()
    lon, lat = to_wgs84(x[top], y[top])
    cells = [{"rank": rank + 1, "ix": int(grid.ix[c]), "iy": int(grid.iy[c]),
              "easting": float(x[c]), "northing": float(y[c]), "longitude": float(lon[rank]),
              "latitude": float(lat[rank]), "score": float(scores[c])}
             for rank, c in enumerate(top)]
    return {"region": grid.describe(), "data": points.describe(), "method": method_name,
            "crime_type": crime_type or "all crime", "month": month_label(target),
            "coverage": coverage, "cells": cells}


def to_geojson(prediction: dict[str, Any]) -> dict[str, Any]:
    """The predicted cells as WGS84 squares (GeoJSON's CRS), ready for QGIS or ArcGIS."""
    size = float(prediction["region"]["cell_size_m"])
    features = []
    for cell in prediction["cells"]:
        x0, y0 = cell["ix"] * size, cell["iy"] * size
        xs = np.array([x0, x0 + size, x0 + size, x0, x0])
        ys = np.array([y0, y0, y0 + size, y0 + size, y0])
        lon, lat = to_wgs84(xs, ys)
        ring = [[round(float(a), 6), round(float(b), 6)] for a, b in zip(lon, lat, strict=True)]
        features.append({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [ring]},
                         "properties": {k: cell[k] for k in ("rank", "score", "easting",
                                                             "northing")}})
    return {"type": "FeatureCollection", "features": features,
            "properties": {k: prediction[k] for k in ("method", "crime_type", "month",
                                                       "coverage")}}
