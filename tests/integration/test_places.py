"""Placing partners' records on the map through linked address entities, under the policy."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from commonground.governance import PermissionDenied, actor_for
from commonground.link.places import entity_locations, placed_records
from commonground.store import Hub

SOURCES = {"police/crimes": ("LOCATION", "EASTING", "NORTHING")}


def test_fire_visits_are_placed_by_police_coordinates_for_the_same_address(demo_hub: Hub
                                                                          ) -> None:
    analyst = actor_for(demo_hub, "police-analyst")
    locations = entity_locations(demo_hub, analyst, SOURCES, "crime-prevention")
    assert locations.num_rows > 0
    assert 500_000 < min(locations["easting"].to_pylist()) < 700_000
    placed, missing = placed_records(demo_hub, analyst, "fire/safety_visits", "address",
                                     "visit_date", locations, "crime-prevention")
    visits = pq.read_table(demo_hub.root / "lake" / "fire" / "safety_visits" / "v1")
    assert placed.num_rows + missing == visits.num_rows  # every record accounted for
    assert placed.num_rows > 0


def test_the_read_is_checked_against_role_agreement_and_purpose(demo_hub: Hub) -> None:
    with pytest.raises(PermissionDenied):  # a fire steward reads only fire's own data
        entity_locations(demo_hub, actor_for(demo_hub, "fire-steward"), SOURCES,
                         "crime-prevention")
    with pytest.raises(PermissionDenied):  # no agreement allows this purpose
        entity_locations(demo_hub, actor_for(demo_hub, "police-analyst"), SOURCES,
                         "marketing")
