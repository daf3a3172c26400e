"""Risk lists for safeguarding visits: kept under an agreement, expiring, never naming anyone.

A small hub: police and council share under an agreement whose purposes include
safeguarding; fire shares with police under one that does not. A hand-made list of three
addresses is saved by a police analyst and then read, explained, exported and followed up
by visits, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from commonground.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from commonground.governance import (
    Actor,
    add_organisation,
    add_person,
    draft_agreement,
    revoke_agreement,
    sign_agreement,
)
from commonground.governance.audit import entries
from commonground.insights.risk import (
    COLUMNS,
    ListExpired,
    explain_address,
    export_list,
    list_risk_lists,
    read_list,
    record_visit,
    risk_table,
    save_list,
    visit_labels,
)
from commonground.store import Hub, init_hub

DAY = date(2025, 6, 2)  # the day the list is built
# What the hub world was built with that must never reach a list or its exports.
NAMES = ("Stefan Popescu", "Anna Kowalska")
DOBS = ("1990-11-03", "03/11/1990", "1985-12-12")
SAFEGUARDING = {
    "slug": "essex-safeguarding", "title": "Essex safeguarding", "parties": ["police", "council"],
    "purposes": ["crime-prevention", "safeguarding"],
    "legal_bases": ["Crime and Disorder Act 1998 s115"],
    "data_items": {"police/crimes": ["*"], "council/hmo": ["*"]},
    "retention_days": 365, "starts_on": "2020-01-01", "expires_on": "2099-12-31"}
FIRE = {**SAFEGUARDING, "slug": "fire-prevention", "title": "Fire prevention",
        "parties": ["fire", "police"], "purposes": ["crime-prevention"],
        "data_items": {"fire/visits": ["*"]}}


def contribution(indicator: str, partner: str, value: float, weight: float) -> dict[str, Any]:
    return {"indicator": indicator, "partner": partner, "value": value, "contribution": weight}


LIST = risk_table([
    ("A0000007", 0.62, [contribution("hmo_complaints", "council", 3.0, 0.41),
                        contribution("crime_count", "police", 2.0, 0.12)]),
    ("A0000002", 0.35, [contribution("crime_count", "police", 1.0, 0.05)]),
    ("A0000011", 0.08, []),
])


@pytest.fixture
def hub(tmp_path: Path, database_url: str) -> Iterator[Hub]:
    made = init_hub(tmp_path / "hub", database_url)
    for slug in ("police", "council", "fire"):
        add_organisation(made, slug, slug.title(), slug)
    admin = add_person(made, "admin", "police", ["admin"])
    people = {"police-analyst": ("police", "analyst", NAMES[0]),
              "council-analyst": ("council", "analyst", NAMES[1]),
              "council-lead": ("council", "governance_lead", None),
              "police-lead": ("police", "governance_lead", None),
              "fire-analyst": ("fire", "analyst", None),
              "fire-lead": ("fire", "governance_lead", None)}
    for username, (org, role, display) in people.items():
        add_person(made, username, org, [role], display_name=display, actor=admin)
    for document, leads in ((SAFEGUARDING, ("police-lead", "council-lead")),
                            (FIRE, ("fire-lead", "police-lead"))):
        draft_agreement(made, _actor(made, leads[0]), document)
        for lead in leads:
            sign_agreement(made, _actor(made, lead), str(document["slug"]))
    yield made
    made.close()


def _actor(hub: Hub, username: str) -> Actor:
    from commonground.governance import actor_for

    return actor_for(hub, username)


def _save(hub: Hub, table: pa.Table = LIST, **more: Any) -> dict[str, Any]:
    arguments: dict[str, Any] = {"model": "hand-made", "agreement": "essex-safeguarding",
                                 "cutoff": DAY - timedelta(days=1), "metrics": {"auc": 0.8},
                                 "card": {"name": "test"}, "today": DAY, **more}
    return save_list(hub, _actor(hub, "police-analyst"), table, **arguments)


def _last_audit(hub: Hub) -> dict[str, Any]:
    return entries(hub, 1)[0]


def test_a_saved_list_is_read_back_exactly_with_its_expiry(hub: Hub) -> None:
    saved = _save(hub, days=28)
    assert saved["list"] == 1 and saved["k"] == 3 and saved["agreement"] == "essex-safeguarding"
    assert saved["expires_on"] == (DAY + timedelta(days=28)).isoformat()
    assert (hub.root / "risk" / "list-1.parquet").is_file()
    meta, table = read_list(hub, _actor(hub, "council-analyst"), today=DAY + timedelta(days=28))
    assert meta["list"] == 1 and table.equals(LIST)
    listed = list_risk_lists(hub, _actor(hub, "council-lead"), today=DAY)
    assert [item["list"] for item in listed] == [1] and not listed[0]["expired"]


def test_a_list_past_its_expiry_cannot_be_read_and_the_refusal_is_audited(hub: Hub) -> None:
    _save(hub, days=28)
    analyst = _actor(hub, "police-analyst")
    late = DAY + timedelta(days=29)
    with pytest.raises(ListExpired, match="expired on"):
        read_list(hub, analyst, 1, today=late)
    entry = _last_audit(hub)
    assert (entry["action"], entry["outcome"], entry["resource"]) == (
        "risk.read", "refused", "risk_list:list-1")
    assert "expired" in entry["details"]["reason"]
    calls: list[Callable[[], Any]] = [
        lambda: explain_address(hub, analyst, "A0000007", today=late),
        lambda: export_list(hub, analyst, hub.root.parent / "x.csv", "csv", today=late)]
    for call in calls:
        with pytest.raises(ListExpired):
            call()
    assert isinstance(ListExpired("x"), PermissionDenied)
    assert list_risk_lists(hub, analyst, today=late)[0]["expired"] is True


def test_an_analyst_whose_agreement_lacks_safeguarding_is_refused(hub: Hub) -> None:
    _save(hub)
    fire = _actor(hub, "fire-analyst")
    calls: list[Callable[[], Any]] = [
        lambda: read_list(hub, fire, today=DAY),
        lambda: list_risk_lists(hub, fire, today=DAY),
        lambda: explain_address(hub, fire, "A0000007", today=DAY),
        lambda: visit_labels(hub, fire, today=DAY),
        lambda: save_list(hub, fire, LIST, model="m", agreement="fire-prevention", cutoff=DAY,
                          metrics={}, card={}, today=DAY)]
    for call in calls:
        with pytest.raises(PermissionDenied) as caught:
            call()
        assert not isinstance(caught.value, ListExpired)
        # Under the list's own agreement fire is no party; elsewhere none binds it to the purpose.
        assert ("fire is not a party" in str(caught.value)
                or "binds fire to the purpose 'safeguarding'" in str(caught.value))
        entry = _last_audit(hub)
        assert entry["actor"] == "fire-analyst" and entry["outcome"] == "refused"
    assert list(hub.root.joinpath("risk").iterdir()) == [hub.root / "risk" / "list-1.parquet"]


def test_a_list_is_used_only_under_its_own_agreement(hub: Hub) -> None:
    _save(hub)
    with pytest.raises(PermissionDenied, match="binds police to the purpose 'safeguarding'"):
        _save(hub, agreement="fire-prevention")  # police is a party, but not for safeguarding
    revoke_agreement(hub, _actor(hub, "council-lead"), "essex-safeguarding", "ended")
    with pytest.raises(PermissionDenied, match="no agreement is in force"):
        read_list(hub, _actor(hub, "police-analyst"), 1)
    assert _last_audit(hub)["outcome"] == "refused"


def _scan(text: str) -> list[str]:
    return [s for s in (*NAMES, *DOBS) if s.lower() in text.lower()]


def test_a_list_carries_no_name_or_date_of_birth(hub: Hub, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    leaky = LIST.append_column("Full Name", pa.array([NAMES[0], NAMES[1], NAMES[0]])) \
        .append_column("Date of Birth", pa.array([DOBS[0], DOBS[2], DOBS[0]]))
    with pytest.raises(InvalidInput, match="refusing the column") as caught:
        _save(hub, leaky)
    assert _scan(str(caught.value)) == []
    assert not (hub.root / "risk").exists() or not any((hub.root / "risk").iterdir())
    # Free text where an id or a code belongs is refused too.
    named = risk_table([("A0000001", 0.5, [contribution("crime_count", "police", 1, 0.1)])])
    named = named.set_column(0, "address_id", pa.array([NAMES[0]]))
    with pytest.raises(InvalidInput, match="address entity id"):
        _save(hub, named)
    with pytest.raises(InvalidInput, match="indicator"):
        _save(hub, risk_table([("A0000001", 0.5, [contribution(NAMES[1], "police", 1, 1)])]))
    _save(hub)
    stored = pq.read_table(hub.root / "risk" / "list-1.parquet")
    assert tuple(stored.column_names) == COLUMNS
    assert _scan(json.dumps(stored.to_pylist())) == []
    assert _scan((hub.root / "risk" / "list-1.parquet").read_bytes().decode("latin-1")) == []
    monkeypatch.setattr("commonground.insights.risk.lists.entity_locations",
                        lambda *args: _locations())
    analyst = _actor(hub, "police-analyst")
    for fmt in ("csv", "xlsx", "geojson"):
        path = tmp_path / f"list.{fmt}"
        export_list(hub, analyst, path, fmt, today=DAY)
        text = (_xlsx_text(path) if fmt == "xlsx" else path.read_text())
        assert _scan(text) == [] and "A0000007" in text
    assert _scan(json.dumps(entries(hub, 1000))) == []


def _xlsx_text(path: Path) -> str:
    from openpyxl import load_workbook

    sheet = load_workbook(path, read_only=True).active
    assert sheet is not None
    return json.dumps([list(row) for row in sheet.iter_rows(values_only=True)], default=str)


def _locations() -> pa.Table:
    # What link.entity_locations gives: British National Grid metres per address entity.
    return pa.table({"entity_id": ["A0000007", "A0000002", "A0009999"],
                     "easting": [570900.0, 571200.0, 560000.0],
                     "northing": [206900.0, 207300.0, 200000.0],
                     "records": [3, 1, 1]})


def test_export_writes_valid_csv_xlsx_and_geojson(hub: Hub, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    _save(hub)
    analyst = _actor(hub, "police-analyst")
    asked: list[tuple[Any, ...]] = []

    def locations(*args: Any) -> pa.Table:
        asked.append(args)
        return _locations()

    monkeypatch.setattr("commonground.insights.risk.lists.entity_locations", locations)
    done = export_list(hub, analyst, tmp_path / "out" / "list.csv", "csv", today=DAY)
    assert done == {"list": 1, "format": "csv", "path": str(tmp_path / "out" / "list.csv"),
                    "rows": 3}
    with (tmp_path / "out" / "list.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["address_id"] for r in rows] == ["A0000007", "A0000002", "A0000011"]
    assert rows[0]["reasons"].startswith("hmo_complaints (council) +0.410")
    assert json.loads(rows[0]["explanation"])[0]["partner"] == "council"

    export_list(hub, analyst, tmp_path / "list.xlsx", "xlsx", today=DAY)
    from openpyxl import load_workbook

    sheet = load_workbook(tmp_path / "list.xlsx").active
    assert sheet is not None
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values[0][:3] == ["address_id", "rank", "score"] and values[1][:3] == [
        "A0000007", 1, 0.62] and len(values) == 4

    placed = export_list(hub, analyst, tmp_path / "list.geojson", "geojson", today=DAY)
    assert placed["unplaced"] == 1 and placed["rows"] == 3
    assert asked[0][2] == {"police/crimes": ("LOCATION", "EASTING", "NORTHING"),
                           "police/calls": ("LOCATION", "EASTING", "NORTHING")}
    assert asked[0][3] == "safeguarding"
    collection = json.loads((tmp_path / "list.geojson").read_text())
    assert collection["type"] == "FeatureCollection"
    features = {f["properties"]["address_id"]: f for f in collection["features"]}
    lon, lat = features["A0000007"]["geometry"]["coordinates"]
    assert 0.4 < lon < 0.55 and 51.7 < lat < 51.8  # Chelmsford, in WGS84 degrees
    assert features["A0000011"]["geometry"] is None
    assert features["A0000007"]["properties"]["contributions"][0]["indicator"] == \
        "hmo_complaints"
    with pytest.raises(InvalidInput, match="format"):
        export_list(hub, analyst, tmp_path / "list.pdf", "pdf", today=DAY)
    assert not list(tmp_path.glob(".*.partial"))


def test_explain_gives_rank_score_and_contributions_with_partners(hub: Hub) -> None:
    _save(hub)
    lead = _actor(hub, "council-lead")
    told = explain_address(hub, lead, "A0000007", today=DAY)
    assert (told["rank"], told["of"], told["score"]) == (1, 3, 0.62)
    assert [(c["indicator"], c["partner"]) for c in told["contributions"]] == [
        ("hmo_complaints", "council"), ("crime_count", "police")]
    with pytest.raises(NotFound, match="not on list 1"):
        explain_address(hub, lead, "A0000999", today=DAY)


def test_recorded_visits_become_the_next_models_labels(hub: Hub) -> None:
    _save(hub)
    _save(hub, risk_table([("A0000007", 0.5, []), ("A0000005", 0.4, [])]))
    analyst = _actor(hub, "council-analyst")
    visit = DAY + timedelta(days=3)
    record_visit(hub, analyst, 1, "A0000007", "no_concern", visit, today=visit)
    record_visit(hub, analyst, 2, "A0000007", "concern_found", visit, today=visit)
    record_visit(hub, analyst, 1, "A0000002", "no_concern", visit, today=visit)
    done = record_visit(hub, analyst, 1, "A0000011", "no_access", visit, today=visit)
    assert done["outcome"] == "no_access" and done["recorded_by"] == "council-analyst"
    labels = visit_labels(hub, _actor(hub, "police-lead"), today=visit)
    assert labels.schema == pa.schema([("address_id", pa.string()), ("label", pa.int64())])
    assert labels.to_pylist() == [{"address_id": "A0000002", "label": 0},
                                  {"address_id": "A0000007", "label": 1}]
    with pytest.raises(Conflict):
        record_visit(hub, analyst, 1, "A0000002", "no_concern", visit, today=visit)
    with pytest.raises(NotFound, match="not on list 2"):
        record_visit(hub, analyst, 2, "A0000002", "no_concern", visit, today=visit)
    with pytest.raises(InvalidInput, match="outcome"):
        record_visit(hub, analyst, 1, "A0000002", "arrested", visit, today=visit)
    late = DAY + timedelta(days=40)
    with pytest.raises(ListExpired):
        record_visit(hub, analyst, 1, "A0000002", "no_concern", late, today=late)
    with pytest.raises(PermissionDenied, match="needs one of the roles: analyst"):
        record_visit(hub, _actor(hub, "council-lead"), 1, "A0000002", "no_concern", visit,
                     today=visit)
    assert _last_audit(hub)["outcome"] == "refused"


def test_migration_0007_creates_and_drops_the_tables(hub: Hub) -> None:
    import sqlalchemy as sa

    from commonground.store import current_revision, head_revision
    from commonground.store.database import downgrade, migrate

    assert {"risk_lists", "risk_visits"} <= set(sa.inspect(hub.engine).get_table_names())
    downgrade(hub.engine, "0006")
    assert not {"risk_lists", "risk_visits"} & set(sa.inspect(hub.engine).get_table_names())
    migrate(hub.engine)
    assert current_revision(hub.engine) == head_revision()


def test_the_commands_list_explain_export_and_record(hub: Hub, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    from typer.testing import CliRunner

    from commonground.cli import app

    _save(hub, today=date.today())
    monkeypatch.setenv("COMMONGROUND_DATABASE_URL", hub.database_url)
    monkeypatch.setenv("COMMONGROUND_HUB", str(hub.root))
    monkeypatch.setenv("COMMONGROUND_USER", "police-analyst")

    def run(*args: str) -> dict[str, Any]:
        done = CliRunner().invoke(app, [*args, "--json"], catch_exceptions=False)
        assert done.exit_code == 0, done.output
        return dict(json.loads(done.stdout))

    assert [item["list"] for item in run("insights", "risk", "list")["lists"]] == [1]
    assert run("insights", "risk", "explain", "A0000002")["rank"] == 2
    out = tmp_path / "visits.xlsx"
    assert run("insights", "risk", "export", "--format", "xlsx", "--out", str(out))["rows"] == 3
    assert out.is_file()
    assert run("insights", "visit", "record", "--list", "1", "A0000007", "--outcome",
               "concern_found")["outcome"] == "concern_found"
    refused = CliRunner().invoke(app, ["insights", "risk", "list", "--as", "fire-analyst"])
    assert isinstance(refused.exception, PermissionDenied)  # cli.main makes it exit code 1
