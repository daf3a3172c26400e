"""Risk indicators in SQL: what each counts, the cut-off, and DuckDB and Spark agreeing."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from commonground.insights.risk.cases import REFERRALS, known_cases
from commonground.insights.risk.indicators import INDICATORS, SOURCES, compute_indicators
from commonground.link.index import read_index

CUTOFF = date(2018, 10, 1)
KINDS: dict[str, pa.DataType] = {"Max Occupants": pa.int64(), "occupants_observed": pa.int64(),
                                 "overcrowding": pa.bool_(), "locked_internal_doors": pa.bool_(),
                                 "mattresses_in_communal_areas": pa.bool_(),
                                 "smoke_alarm_fitted": pa.bool_(), "gp_registered": pa.bool_(),
                                 "interpreter_required": pa.bool_(), "Expiry Date": pa.date32()}


def _table(ref: str, rows: list[dict[str, Any]]) -> pa.Table:
    source = SOURCES[ref]
    names = [source.record_id, source.date, *source.columns]
    kinds = {n: KINDS.get(n, pa.string()) for n in names}
    kinds[source.date] = pa.date32()
    return pa.table({n: pa.array([r.get(n) for r in rows], kinds[n]) for n in names})


def _index(rows: list[tuple[str, str, str, str]]) -> pa.Table:
    ref, record, subject, entity = zip(*rows, strict=True) if rows else ((), (), (), ())
    return pa.table({"source_dataset": pa.array(ref, pa.string()),
                     "record_id": pa.array(record, pa.string()),
                     "subject": pa.array(subject, pa.string()),
                     "entity_id": pa.array(entity, pa.string())})


def _world() -> tuple[pa.Table, pa.Table, dict[str, pa.Table]]:
    early, late = date(2018, 3, 1), date(2018, 11, 1)
    rows: dict[str, list[dict[str, Any]]] = {ref: [] for ref in SOURCES}
    rows["fire/safety_visits"] = [
        {"visit_id": "F1", "visit_date": early, "occupants_observed": 7, "overcrowding": True,
         "locked_internal_doors": True, "mattresses_in_communal_areas": False,
         "smoke_alarm_fitted": True},
        {"visit_id": "F2", "visit_date": late, "occupants_observed": 9, "overcrowding": True,
         "locked_internal_doors": True, "mattresses_in_communal_areas": True,
         "smoke_alarm_fitted": False}]
    rows["district_council/council_tax"] = [{"Account Ref": "C1", "Liable From": early},
                                            {"Account Ref": "C2", "Liable From": early}]
    rows["county_council/trading_standards"] = [
        {"Case No": "T1", "Date Opened": early, "Category": "Workers living on premises"}]
    rows["health/ae_attendances"] = [
        {"attendance_id": "H1", "arrival_time": early, "gp_registered": False,
         "interpreter_required": True, "accompanied_by": "Other adult (spoke for patient)",
         "presenting_complaint": "Burn"},
        {"attendance_id": "H2", "arrival_time": early, "gp_registered": True,
         "interpreter_required": False, "accompanied_by": None,
         "presenting_complaint": "Fever"},
        {"attendance_id": "H3", "arrival_time": date(2018, 8, 1), "gp_registered": True,
         "interpreter_required": False, "accompanied_by": None,
         "presenting_complaint": "Fever"}]
    rows["police/intelligence"] = [{"INTEL_REF": "I1", "DATE_RECORDED": early,
                                    "CATEGORY": "Organised crime"}]
    rows["district_council/hmo_licences"] = [
        {"Licence No": "L1", "Issue Date": early, "Expiry Date": date(2018, 6, 1)}]
    tables = {ref: _table(ref, r) for ref, r in rows.items()}
    addresses = _index([
        ("fire/safety_visits", "F1", "address", "A1"), ("fire/safety_visits", "F2", "address",
                                                         "A1"),
        ("district_council/council_tax", "C1", "Property Address", "A1"),
        ("district_council/council_tax", "C2", "Property Address", "A3"),
        ("county_council/trading_standards", "T1", "Premises Address", "A2"),
        ("health/ae_attendances", "H1", "address", "A1"),
        ("health/ae_attendances", "H2", "address", "A1"),
        ("health/ae_attendances", "H3", "address", "A1"),
        ("police/intelligence", "I1", "ADDRESS", "A2"),
        ("district_council/hmo_licences", "L1", "Property Address", "A3")])
    people = _index([
        ("district_council/council_tax", "C1", "", "P1"),
        ("district_council/council_tax", "C2", "", "P9"),
        ("county_council/trading_standards", "T1", "", "P1"),
        ("health/ae_attendances", "H1", "", "P2"), ("health/ae_attendances", "H2", "", "P3"),
        ("health/ae_attendances", "H3", "", "P4"), ("police/intelligence", "I1", "", "P1")])
    return addresses, people, tables


def test_each_indicator_counts_what_it_says_before_the_cutoff(engine: Any) -> None:
    addresses, people, tables = _world()
    got = {r["address_id"]: r for r in compute_indicators(
        engine, CUTOFF, addresses, people, tables).to_pylist()}
    assert set(got) == {"A1", "A2", "A3"}
    a1 = got["A1"]
    # The November visit is after the cut-off: only March's counts.
    assert (a1["fire_overcrowding"], a1["fire_locked_doors"], a1["fire_mattresses"],
            a1["fire_occupants"], a1["fire_no_alarm"]) == (1, 1, 0, 7, 0)
    # Cross-agency: crowded by the fire crew and no HMO licence; the payer is a trader in a
    # trading-standards workers case (linked as the same person).
    assert a1["unlicensed_crowding"] == 1 and a1["payer_is_trader"] == 1
    assert (a1["ae_spoken_for"], a1["ae_injury"], a1["ae_interpreter"], a1["ae_no_gp"],
            a1["ae_adults"], a1["ae_newcomers"]) == (1, 1, 1, 1, 3, 1)
    # The payer is named in intelligence (about another address): a cross-agency sign.
    assert a1["payer_in_intel"] == 1 and got["A3"]["payer_in_intel"] == 0
    assert got["A2"]["intel_other"] == 1
    assert got["A2"]["ts_workers"] == 1 and got["A2"]["council_tax_people"] == 0
    assert got["A3"]["hmo_licensed"] == 1 and got["A3"]["hmo_expired"] == 1
    assert got["A3"]["unlicensed_crowding"] == 0 and got["A3"]["payer_is_trader"] == 0
    assert list(got["A1"]) == ["address_id", *[i.name for i in INDICATORS]]


def test_known_cases_are_the_referred_addresses_before_the_cutoff() -> None:
    source = REFERRALS["ngo/referrals"]
    table = pa.table({source.record_id: ["R1", "R2", "R3"],
                      source.date: pa.array([date(2018, 2, 1), date(2018, 5, 1),
                                             date(2018, 12, 1)], pa.date32())})
    index = _index([("ngo/referrals", "R1", source.address, "A7"),
                    ("ngo/referrals", "R2", source.address, "A7"),
                    ("ngo/referrals", "R3", source.address, "A8")])
    found = known_cases(index, {"ngo/referrals": table}, CUTOFF).to_pylist()
    assert found == [{"address_id": "A7", "first_referred": date(2018, 2, 1), "referrals": 2}]


def _lake(hub: Path) -> dict[str, pa.Table]:
    return {ref: pq.read_table(sorted((hub / "lake" / ref).glob("v*"))[-1]) for ref in SOURCES}


@pytest.mark.spark
def test_duckdb_and_spark_give_the_demo_hub_the_same_indicators(demo_hub_path: Path,
                                                                 spark_engine: Any) -> None:
    from commonground.engines import get_engine

    addresses, people = read_index(demo_hub_path, "address"), read_index(demo_hub_path,
                                                                          "person")
    assert addresses is not None and people is not None
    tables = _lake(demo_hub_path)
    with get_engine("duckdb") as duck:
        expected = compute_indicators(duck, CUTOFF, addresses, people, tables)
    got = compute_indicators(spark_engine, CUTOFF, addresses, people, tables)
    assert expected.num_rows > 1000
    assert got.sort_by("address_id").to_pylist() == expected.sort_by("address_id").to_pylist()
    flagged = sum(pc.sum(pc.greater(expected[i.name], 0)).as_py() for i in INDICATORS)
    assert flagged > 100  # the comparison is about rows that hold something
