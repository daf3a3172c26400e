"""Modern-slavery indicators at linked addresses, from every partner's records, in SQL.

Each indicator counts something a partner recorded at an address entity before the cut-off:
the Home Office and GLAA "spot the signs" lists made into counts (many unrelated adults,
crowding, locked internal doors and mattresses, someone speaking for a patient, no GP,
licensing gaps, intelligence, businesses at risk). Each names the partner or partners whose
records it needs, so the uplift analysis can leave a partner's data out and see what is lost.

What no single agency can compute is marked by two partners: a house that fire crews found
crowded and that holds no HMO licence; a council-tax payer who is also a trader named in a
trading-standards case about workers. Those exist only because linkage made the same address
and person one entity across agencies.

The SQL is written once (DuckDB dialect) and runs on DuckDB or Spark. Its inputs are the
entity index and each dataset's few non-identifying columns, renamed to the names in
`SOURCES` (a partnership configuring its own datasets maps its columns here). Referral
datasets are never inputs: they are the labels.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import pyarrow as pa
import pyarrow.compute as pc

from commonground.engines import Engine, Pipeline, literal
from commonground.errors import NotFound

PARTNERS = ("police", "district_council", "county_council", "fire", "health")


@dataclass(frozen=True)
class Source:
    """One dataset as the indicators read it: record id, date, address and the columns kept."""

    ref: str
    record_id: str
    date: str
    address: str  # the contract's column for the record's own address (the index subject)
    columns: Mapping[str, str]  # dataset column -> plain name used in the SQL
    person: str | None = ""  # person-index subject naming the record's person (None: none)


SOURCES: dict[str, Source] = {s.ref: s for s in (
    Source("police/intelligence", "INTEL_REF", "DATE_RECORDED", "ADDRESS",
           {"CATEGORY": "category", "VEHICLE_VRM__token": "vehicle"}),
    Source("police/calls", "CAD_REF", "CALL_DATETIME", "LOCATION",
           {"INCIDENT_TYPE": "incident"}, person=None),
    Source("district_council/housing_complaints", "Ref", "Date Received", "Address",
           {"Complaint Type": "complaint"}, person=None),
    Source("district_council/hmo_licences", "Licence No", "Issue Date", "Property Address",
           {"Expiry Date": "expiry", "Max Occupants": "max_occupants"}, person="holder"),
    Source("district_council/council_tax", "Account Ref", "Liable From", "Property Address",
           {}),
    Source("county_council/adult_social_care", "Ref", "Referral Date", "Address",
           {"Primary Reason": "reason"}),
    Source("county_council/trading_standards", "Case No", "Date Opened", "Premises Address",
           {"Category": "category"}),
    Source("fire/safety_visits", "visit_id", "visit_date", "address",
           {"occupants_observed": "occupants", "overcrowding": "overcrowding",
            "locked_internal_doors": "locked_doors",
            "mattresses_in_communal_areas": "mattresses", "smoke_alarm_fitted": "alarm"},
           person=None),
    Source("health/ae_attendances", "attendance_id", "arrival_time", "address",
           {"gp_registered": "gp", "interpreter_required": "interpreter",
            "accompanied_by": "accompanied", "presenting_complaint": "complaint"}),
)}


@dataclass(frozen=True)
class Indicator:
    name: str
    partners: tuple[str, ...]  # whose records it needs (all of them)
    description: str


def _i(name: str, partners: str, description: str) -> Indicator:
    return Indicator(name, tuple(partners.split()), description)


INDICATORS: tuple[Indicator, ...] = (
    _i("intel_slavery", "police", "intelligence reports graded as modern slavery"),
    _i("intel_other", "police", "other intelligence reports naming the address"),
    _i("intel_vehicle_elsewhere", "police",
       "a vehicle named here is named at another address too"),
    _i("calls_concern", "police", "calls about welfare or suspicious activity"),
    _i("complaints_crowding", "district_council",
       "complaints of overcrowding, people coming and going, or an unlicensed HMO"),
    _i("complaints_other", "district_council", "other housing complaints"),
    _i("hmo_licensed", "district_council", "licences held for the address as an HMO"),
    _i("hmo_expired", "district_council", "HMO licences expired before the cut-off"),
    _i("holder_several", "district_council",
       "the licence holder holds licences for three or more properties"),
    _i("council_tax_people", "district_council", "people liable for council tax here"),
    _i("asc_slavery", "county_council",
       "social care referrals for a modern-slavery or safeguarding concern"),
    _i("asc_other", "county_council", "other adult social care referrals"),
    _i("ts_workers", "county_council",
       "trading-standards cases about employment or workers living on the premises"),
    _i("ts_other", "county_council", "other trading-standards cases at the premises"),
    _i("fire_overcrowding", "fire", "fire safety visits that found overcrowding"),
    _i("fire_locked_doors", "fire", "fire safety visits that found locked internal doors"),
    _i("fire_mattresses", "fire", "fire safety visits that found mattresses in communal areas"),
    _i("fire_occupants", "fire", "most occupants a fire crew counted"),
    _i("fire_no_alarm", "fire", "fire safety visits that found no smoke alarm"),
    _i("ae_spoken_for", "health",
       "A&E attendances with an injury where another adult spoke for the patient"),
    _i("ae_injury", "health", "A&E attendances with an injury"),
    _i("ae_interpreter", "health", "A&E attendances needing an interpreter"),
    _i("ae_no_gp", "health", "patients with no GP registration"),
    _i("ae_adults", "health", "different adults attending A&E from the address"),
    _i("ae_newcomers", "health",
       "people first seen at A&E from the address in the half-year before the cut-off"),
    _i("unlicensed_crowding", "fire district_council",
       "fire crews found five or more occupants or overcrowding, and no HMO licence is held"),
    _i("payer_is_trader", "district_council county_council",
       "a council-tax payer here is a trader named in a trading-standards workers case"),
    _i("payer_in_intel", "district_council police",
       "a council-tax payer here is named in police intelligence"),
)
BY_NAME = {i.name: i for i in INDICATORS}
INJURIES = ("Head injury", "Laceration", "Burn", "Fracture / sprain", "Assault injury",
            "Fall")


def indicators_for(partners: Iterable[str]) -> list[str]:
    """The indicators a subset of partners can compute (every partner they need is in it)."""
    chosen = set(partners)
    return [i.name for i in INDICATORS if set(i.partners) <= chosen]


def source_table(source: Source, table: pa.Table) -> pa.Table:
    """A dataset's rows as the SQL reads them: rid, day and the plain-named columns."""
    columns = {"rid": pc.cast(table[source.record_id], pa.string()),
               "day": pc.cast(table[source.date], pa.date32())
               if not pa.types.is_timestamp(table[source.date].type)
               else pc.cast(pc.floor_temporal(table[source.date], unit="day"), pa.date32())}
    for column, name in source.columns.items():
        if column in table.column_names:
            columns[name] = table[column]
        else:
            columns[name] = pa.nulls(table.num_rows, pa.string())
    return pa.table(columns)


def _table(ref: str) -> str:
    return "src_" + ref.replace("/", "__")


def _placed(ref: str, cutoff: str, extra: str = "") -> str:
    """A dataset's records before the cut-off with their address entity (and person)."""
    source = SOURCES[ref]
    person = "" if source.person is None else (
        f"LEFT JOIN person_index p ON p.source_dataset = {literal(ref)} "
        f"AND p.subject = {literal(source.person)} AND p.record_id = d.rid")
    who = "CAST(NULL AS VARCHAR)" if source.person is None else "p.entity_id"
    return (f"SELECT d.*, a.entity_id AS address_id, {who} AS person_id "
            f"FROM {_table(ref)} d JOIN address_index a "
            f"ON a.source_dataset = {literal(ref)} AND a.subject = {literal(source.address)} "
            f"AND a.record_id = d.rid {person} WHERE d.day < {cutoff}{extra}")


def _count(condition: str) -> str:
    return f"SUM(CASE WHEN {condition} THEN 1 ELSE 0 END)"


def indicator_pipeline(cutoff: date) -> Pipeline:
    """Address entity -> one column per indicator (0 where nothing was recorded)."""
    day = f"DATE {literal(cutoff.isoformat())}"
    injuries = ", ".join(literal(x) for x in INJURIES)
    steps = [
        ("intel", _placed("police/intelligence", day)),
        ("vehicles", "SELECT vehicle FROM intel WHERE vehicle IS NOT NULL "
                     "GROUP BY vehicle HAVING COUNT(DISTINCT address_id) > 1"),
        ("police_intel", f"""SELECT address_id,
            {_count("category = 'Modern slavery'")} AS intel_slavery,
            {_count("category <> 'Modern slavery'")} AS intel_other,
            {_count("vehicle IN (SELECT vehicle FROM vehicles)")} AS intel_vehicle_elsewhere
            FROM intel GROUP BY address_id"""),
        ("police_calls", f"""SELECT address_id,
            {_count("incident IN ('Concern for welfare', 'Suspicious activity')")}
              AS calls_concern
            FROM ({_placed("police/calls", day)}) c GROUP BY address_id"""),
        ("complaints", f"""SELECT address_id,
            {_count("complaint IN ('Overcrowding', 'Many people coming and going', "
                    "'Suspected unlicensed HMO')")} AS complaints_crowding,
            {_count("complaint NOT IN ('Overcrowding', 'Many people coming and going', "
                    "'Suspected unlicensed HMO')")} AS complaints_other
            FROM ({_placed("district_council/housing_complaints", day)}) c
            GROUP BY address_id"""),
        ("hmo", _placed("district_council/hmo_licences", day)),
        ("holders", "SELECT person_id FROM hmo WHERE person_id IS NOT NULL GROUP BY person_id "
                    "HAVING COUNT(DISTINCT address_id) >= 3"),
        ("licences", f"""SELECT address_id, COUNT(*) AS hmo_licensed,
            {_count(f"expiry < {day}")} AS hmo_expired,
            {_count("person_id IN (SELECT person_id FROM holders)")} AS holder_several
            FROM hmo GROUP BY address_id"""),
        ("tax", _placed("district_council/council_tax", day)),
        ("council_tax", "SELECT address_id, COUNT(DISTINCT person_id) AS council_tax_people "
                        "FROM tax GROUP BY address_id"),
        ("social_care", f"""SELECT address_id,
            {_count("reason IN ('Modern slavery concern', 'Safeguarding concern')")}
              AS asc_slavery,
            {_count("reason NOT IN ('Modern slavery concern', 'Safeguarding concern')")}
              AS asc_other
            FROM ({_placed("county_council/adult_social_care", day)}) c GROUP BY address_id"""),
        ("ts", _placed("county_council/trading_standards", day)),
        ("trading", f"""SELECT address_id,
            {_count("category IN ('Employment concerns', 'Workers living on premises')")}
              AS ts_workers,
            {_count("category NOT IN ('Employment concerns', 'Workers living on premises')")}
              AS ts_other
            FROM ts GROUP BY address_id"""),
        ("fire", f"""SELECT address_id,
            {_count("overcrowding")} AS fire_overcrowding,
            {_count("locked_doors")} AS fire_locked_doors,
            {_count("mattresses")} AS fire_mattresses,
            MAX(COALESCE(occupants, 0)) AS fire_occupants,
            {_count("NOT alarm")} AS fire_no_alarm
            FROM ({_placed("fire/safety_visits", day)}) c GROUP BY address_id"""),
        ("patients", _placed("health/ae_attendances", day)),
        ("health", f"""SELECT address_id,
            {_count(f"complaint IN ({injuries}) AND accompanied LIKE 'Other adult%'")}
              AS ae_spoken_for,
            {_count(f"complaint IN ({injuries})")} AS ae_injury,
            {_count("interpreter")} AS ae_interpreter,
            COUNT(DISTINCT CASE WHEN NOT gp THEN person_id END) AS ae_no_gp,
            COUNT(DISTINCT person_id) AS ae_adults
            FROM patients GROUP BY address_id"""),
        ("arrivals", "SELECT address_id, person_id, MIN(day) AS first_day FROM patients "
                     "WHERE person_id IS NOT NULL GROUP BY address_id, person_id"),
        ("newcomers", f"""SELECT address_id,
            {_count(f"first_day >= {day} - INTERVAL 182 DAY")} AS ae_newcomers
            FROM arrivals GROUP BY address_id"""),
        ("intel_people", "SELECT DISTINCT person_id FROM intel WHERE person_id IS NOT NULL"),
        ("payers_intel", """SELECT address_id, COUNT(DISTINCT person_id) AS payer_in_intel
            FROM tax WHERE person_id IN (SELECT person_id FROM intel_people)
            GROUP BY address_id"""),
        ("traders", "SELECT person_id FROM ts t JOIN person_index p "
                    "ON p.source_dataset = 'county_council/trading_standards' "
                    "AND p.record_id = t.rid WHERE t.category IN "
                    "('Employment concerns', 'Workers living on premises')"),
        ("payers", """SELECT address_id, COUNT(DISTINCT person_id) AS payer_is_trader
            FROM tax WHERE person_id IN (SELECT person_id FROM traders)
            GROUP BY address_id"""),
        ("entities", "SELECT DISTINCT entity_id AS address_id FROM address_index"),
    ]
    parts = ("police_intel", "police_calls", "complaints", "licences", "council_tax", "social_care",
             "trading", "fire", "health", "newcomers", "payers", "payers_intel")
    joins = " ".join(f"LEFT JOIN {p} USING (address_id)" for p in parts)
    columns = ", ".join(f"CAST(COALESCE({i.name}, 0) AS DOUBLE) AS {i.name}"
                        for i in INDICATORS if i.name != "unlicensed_crowding")
    crowded = ("CAST(CASE WHEN (COALESCE(fire_occupants, 0) >= 5 OR "
               "COALESCE(fire_overcrowding, 0) > 0) AND COALESCE(hmo_licensed, 0) = 0 "
               "THEN 1 ELSE 0 END AS DOUBLE) AS unlicensed_crowding")
    steps.append(("address_indicators",
                  f"SELECT address_id, {columns}, {crowded} FROM entities {joins} "
                  "ORDER BY address_id"))
    return Pipeline.of(*steps)


def compute_indicators(engine: Engine, cutoff: date, address_index: pa.Table,
                       person_index: pa.Table, tables: Mapping[str, pa.Table]) -> pa.Table:
    """Run the indicator SQL on `engine` over the index and each source's raw lake rows."""
    missing = sorted(set(SOURCES) - set(tables))
    if missing:
        raise NotFound(f"the indicators need datasets that were not given: "
                       f"{', '.join(missing)}")
    keep = pa.array(sorted(SOURCES))
    inputs = {_table(ref): source_table(SOURCES[ref], tables[ref]) for ref in SOURCES}
    inputs["address_index"] = _index(address_index, keep)
    inputs["person_index"] = _index(person_index, keep)
    result = engine.run(indicator_pipeline(cutoff), inputs)
    return result.select(["address_id", *[i.name for i in INDICATORS]])


def _index(index: pa.Table, keep: pa.Array) -> pa.Table:
    rows = index.filter(pc.is_in(index["source_dataset"], keep))
    return rows.select(["source_dataset", "record_id", "subject", "entity_id"])


def describe(names: Sequence[str]) -> list[dict[str, str]]:
    return [{"indicator": n, "partners": " ".join(BY_NAME[n].partners),
             "description": BY_NAME[n].description} for n in names]
