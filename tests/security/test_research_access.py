"""A researcher reads nothing outside approved columns, before approval, or after the end."""

from __future__ import annotations

from datetime import timedelta

import pyarrow.parquet as pq
import pytest

from commonground.errors import CommonGroundError
from commonground.governance import PermissionDenied, actor_for, add_person
from commonground.research.projects import decide, propose_project, today_utc
from commonground.research.workspace import Workspace
from commonground.store import Hub

PROJECT = "modern-slavery-signals"


def test_views_hold_only_the_approved_columns(demo_hub: Hub) -> None:
    views = Workspace(demo_hub, actor_for(demo_hub, "uni-researcher"), PROJECT).views()
    fire = set(views["fire_safety_visits"]["columns"])
    assert fire == {"_row", "visit_date", "postcode__token", "occupants_observed",
                    "overcrowding", "locked_internal_doors", "mattresses_in_communal_areas",
                    "address_entity"}  # the linked address, re-keyed for the project
    assert "address__token" not in fire and "uprn" not in fire
    police = set(views["police_intelligence"]["columns"])
    assert "SUBJECT_SURNAME__token" not in police and "VEHICLE_VRM__token" not in police


def test_tokens_are_rekeyed_for_the_project(demo_hub: Hub) -> None:
    views = Workspace(demo_hub, actor_for(demo_hub, "uni-researcher"), PROJECT)
    inside = set(views.sql("SELECT postcode__token FROM fire_safety_visits")
                 .column("postcode__token").drop_null().to_pylist())
    lake = set(pq.read_table(demo_hub.root / "lake" / "fire" / "safety_visits" / "v1")
               .column("postcode__token").drop_null().to_pylist())
    assert inside and lake and not (inside & lake)


def test_linked_entity_ids_are_rekeyed_for_the_project(demo_hub: Hub) -> None:
    import pyarrow.compute as pc

    from commonground.link.index import read_index

    workspace = Workspace(demo_hub, actor_for(demo_hub, "uni-researcher"), PROJECT)
    complaints = workspace.sql("SELECT * FROM district_council_housing_complaints")
    linked = [c for c in complaints.column_names if c.endswith("address_entity")]
    assert linked, complaints.column_names
    inside = set(complaints.column(linked[0]).drop_null().to_pylist())
    assert inside and all(len(v) == 64 for v in inside)
    hub_ids = set(pc.unique(read_index(demo_hub.root, "address")["entity_id"]).to_pylist())
    assert not inside & hub_ids


def test_no_column_outside_the_agreement_can_be_asked_for(demo_hub: Hub) -> None:
    researcher = actor_for(demo_hub, "uni-researcher")
    today = today_utc()
    with pytest.raises(CommonGroundError, match="name the columns"):
        propose_project(demo_hub, researcher, slug="greedy", title="t", question="q",
                        commissioned_by="police", purpose="research:modern-slavery",
                        researchers=["uni-researcher"],
                        datasets={"fire/safety_visits": {"columns": []}},
                        ethics_reference="E1", starts_on=today, ends_on=today)
    with pytest.raises(CommonGroundError, match="no agreement in force allows purpose"):
        propose_project(demo_hub, researcher, slug="offpurpose", title="t", question="q",
                        commissioned_by="police", purpose="research:marketing",
                        researchers=["uni-researcher"],
                        datasets={"fire/safety_visits": {"columns": ["visit_date"]}},
                        ethics_reference="E1", starts_on=today, ends_on=today)


def test_nothing_before_every_provider_approves(demo_hub: Hub) -> None:
    researcher = actor_for(demo_hub, "uni-researcher")
    today = today_utc()
    propose_project(demo_hub, researcher, slug="pending-project", title="t", question="q",
                    commissioned_by="police", purpose="research:modern-slavery",
                    researchers=["uni-researcher"],
                    datasets={"fire/safety_visits": {"columns": ["visit_date"]},
                              "police/intelligence": {"columns": ["CATEGORY"]}},
                    ethics_reference="E2", starts_on=today, ends_on=today + timedelta(days=9))
    decide(demo_hub, actor_for(demo_hub, "fire-ig-lead"), "pending-project", "approved")
    workspace = Workspace(demo_hub, researcher, "pending-project")
    with pytest.raises(CommonGroundError, match="waiting for every data provider"):
        workspace.sql("SELECT count(*) FROM fire_safety_visits")
    with pytest.raises(CommonGroundError, match="provides no data"):  # not a provider
        decide(demo_hub, actor_for(demo_hub, "health-ig-lead"), "pending-project", "approved")
    decide(demo_hub, actor_for(demo_hub, "police-ig-lead"), "pending-project", "approved")
    assert workspace.sql("SELECT count(*) AS n FROM fire_safety_visits").num_rows == 1


def test_nothing_after_the_end_date_or_revocation(demo_hub: Hub) -> None:
    researcher = actor_for(demo_hub, "uni-researcher")
    later = today_utc() + timedelta(days=400)
    with pytest.raises(CommonGroundError, match="ended on"):
        Workspace(demo_hub, researcher, PROJECT, today=later).sql("SELECT 1 AS x")


def test_only_named_researchers_may_query(demo_hub: Hub) -> None:
    add_person(demo_hub, "other-researcher", "university", ["researcher"],
               actor=actor_for(demo_hub, "admin"))
    outsider = actor_for(demo_hub, "other-researcher")
    with pytest.raises(CommonGroundError, match="not a researcher on project"):
        Workspace(demo_hub, outsider, PROJECT).sql("SELECT 1 AS x")
    analyst = actor_for(demo_hub, "police-analyst")
    with pytest.raises(PermissionDenied):
        Workspace(demo_hub, analyst, PROJECT).sql("SELECT 1 AS x")
