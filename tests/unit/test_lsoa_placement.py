"""Points are placed in the LSOA whose shipped boundary holds them (the board's risk map)."""

from __future__ import annotations

import numpy as np
import shapely.geometry

from commonground.insights.hotspots.points import to_bng
from commonground.insights.reports import lsoa_boundaries, lsoa_of


def test_a_point_inside_a_boundary_is_placed_in_that_lsoa_not_the_nearest_centroid() -> None:
    features = lsoa_boundaries()["features"]
    inside = [shapely.geometry.shape(f["geometry"]).representative_point() for f in features]
    east, north = to_bng(np.array([p.x for p in inside]), np.array([p.y for p in inside]))
    codes, gaps = lsoa_of(east, north)
    assert gaps == 0
    assert codes == [f["properties"]["code"] for f in features]  # all 1,077, each its own
    # Some of those points are nearer another LSOA's population centroid: the boundary, not
    # the distance, decides.
    centroids = np.array([[f["properties"]["bng_e"], f["properties"]["bng_n"]]
                          for f in features])
    nearest = [int(np.argmin(((centroids - point) ** 2).sum(axis=1)))
               for point in np.column_stack([east, north])]
    assert any(i != j for i, j in enumerate(nearest))


def test_a_point_in_no_boundary_takes_the_nearest_centroid_and_is_counted() -> None:
    features = lsoa_boundaries()["features"]
    first = features[0]["properties"]
    # 30 km out into the North Sea, due east of the first area's centroid.
    sea = np.array([first["bng_e"] + 30_000.0, first["bng_n"]])
    codes, gaps = lsoa_of(sea[:1], sea[1:])
    nearest = min(features, key=lambda f: (f["properties"]["bng_e"] - sea[0]) ** 2
                  + (f["properties"]["bng_n"] - sea[1]) ** 2)
    assert gaps == 1 and codes == [nearest["properties"]["code"]]
