"""Mention SQL: the same small case on every engine, drawn as a table."""

from __future__ import annotations

import pyarrow as pa

from commonground.contribute.contract import parse_contract
from commonground.link.mentions import DatasetInput, mentions_pipeline

CRIMES = parse_contract({"name": "crimes", "record_id": "URN", "columns": [
    {"name": "URN", "role": "record_id"},
    {"name": "LOCATION", "role": "identifier", "identifier": "address"},
    {"name": "V_SURNAME", "role": "identifier", "identifier": "family_name",
     "subject": "victim"},
    {"name": "V_FORENAME", "role": "identifier", "identifier": "given_name",
     "subject": "victim"},
    {"name": "V_DOB", "role": "identifier", "identifier": "dob", "subject": "victim"},
    {"name": "S_NAME", "role": "identifier", "identifier": "full_name", "subject": "suspect"},
]})

#  URN | LOCATION__token | V_SURNAME__token | V_FORENAME__token | V_DOB__token | S_NAME__given
#  c1  | a1              | f1               | g1                |              | g2 (f2)
#  c2  | a2              |                  |                   |              | g3 (f3)
#  c3  | a3              |                  |                   | d3           |
# c2 names no victim: no victim mention. c3's victim has a date of birth and no name: a
# person the model cannot link; c3 has no suspect.
ROWS = pa.table({
    "_row": [1, 2, 3], "URN": ["c1", "c2", "c3"], "LOCATION__token": ["a1", "a2", "a3"],
    "LOCATION__street": ["s1", "s2", "s3"], "V_SURNAME__token": ["f1", None, None],
    "V_FORENAME__token": ["g1", None, None], "V_DOB__token": [None, None, "d3"],
    "S_NAME__given": ["g2", "g3", None], "S_NAME__family": ["f2", "f3", None]})


def test_people_per_subject_and_addresses_per_column(engine) -> None:  # type: ignore[no-untyped-def]
    data = DatasetInput("police/crimes", CRIMES, "crimes", frozenset(ROWS.column_names))
    people = engine.run(mentions_pipeline("person", [data]), {"crimes": ROWS})
    assert people.select(["unique_id", "given", "family", "address"]).to_pylist() == [
        {"unique_id": "police/crimes|c1|suspect", "given": "g2", "family": "f2",
         "address": None},
        {"unique_id": "police/crimes|c1|victim", "given": "g1", "family": "f1",
         "address": None},
        {"unique_id": "police/crimes|c2|suspect", "given": "g3", "family": "f3",
         "address": None},
    ]
    places = engine.run(mentions_pipeline("address", [data]), {"crimes": ROWS})
    assert places.select(["unique_id", "address", "street"]).to_pylist() == [
        {"unique_id": "police/crimes|c1|LOCATION", "address": "a1", "street": "s1"},
        {"unique_id": "police/crimes|c2|LOCATION", "address": "a2", "street": "s2"},
        {"unique_id": "police/crimes|c3|LOCATION", "address": "a3", "street": "s3"},
    ]
    unnamed = engine.run(mentions_pipeline("person", [data], unnamed=True), {"crimes": ROWS})
    assert unnamed.to_pylist() == [
        {"unique_id": "police/crimes|c3|victim", "source_dataset": "police/crimes",
         "record_id": "c3", "subject": "victim"}]


def test_the_latest_version_decides_whether_a_mention_has_a_name(engine) -> None:  # type: ignore[no-untyped-def]
    old = DatasetInput("police/crimes", CRIMES, "v1", frozenset(ROWS.column_names), version=1)
    new = DatasetInput("police/crimes", CRIMES, "v2", frozenset(ROWS.column_names), version=2)
    # Version 2 of c1 has lost its victim's name but keeps a date of birth.
    later = ROWS.slice(0, 1)
    for column, value in (("V_SURNAME__token", None), ("V_FORENAME__token", None),
                          ("V_DOB__token", "d1")):
        at = later.schema.get_field_index(column)
        later = later.set_column(at, column, pa.array([value], pa.string()))
    inputs = {"v1": ROWS, "v2": later}
    named = engine.run(mentions_pipeline("person", [old, new]), inputs)
    unnamed = engine.run(mentions_pipeline("person", [old, new], unnamed=True), inputs)
    assert "police/crimes|c1|victim" not in named["unique_id"].to_pylist()
    assert unnamed["unique_id"].to_pylist() == ["police/crimes|c1|victim",
                                                "police/crimes|c3|victim"]


COUNCIL = parse_contract({"name": "ct", "record_id": "Ref", "columns": [
    {"name": "Ref", "role": "record_id"},
    {"name": "Address", "role": "identifier", "identifier": "address"},
    {"name": "UPRN", "role": "identifier", "identifier": "uprn"},
    {"name": "Holder Address", "role": "identifier", "identifier": "address",
     "subject": "holder"},
]})

#  Ref | Address__token | Address__uprn | UPRN__token | Holder Address__token | ...__uprn
#  r1  | a1             | u1            | u9          | a3                    | u3
#  r2  | a2             | u2            |             | a4                    |
#  r3  | a5             |               |             |                       |
UPRNS = pa.table({
    "_row": [1, 2, 3], "Ref": ["r1", "r2", "r3"], "Address__token": ["a1", "a2", "a5"],
    "Address__uprn": ["u1", "u2", None], "Address__uprn_score": [1.0, 0.97, None],
    "UPRN__token": ["u9", None, None], "Holder Address__token": ["a3", "a4", None],
    "Holder Address__uprn": ["u3", None, None]})


def test_an_address_mention_carries_the_uprn_its_partner_holds_or_resolved(  # type: ignore[no-untyped-def]
        engine) -> None:
    data = DatasetInput("council/ct", COUNCIL, "ct", frozenset(UPRNS.column_names))
    places = engine.run(mentions_pipeline("address", [data]), {"ct": UPRNS})
    # A UPRN column of the record's own subject wins over the one resolved at source (the
    # partner's system holds it); the holder's address has only its own.
    assert places.select(["unique_id", "address", "uprn"]).to_pylist() == [
        {"unique_id": "council/ct|r1|Address", "address": "a1", "uprn": "u9"},
        {"unique_id": "council/ct|r1|Holder Address", "address": "a3", "uprn": "u3"},
        {"unique_id": "council/ct|r2|Address", "address": "a2", "uprn": "u2"},
        {"unique_id": "council/ct|r2|Holder Address", "address": "a4", "uprn": None},
        {"unique_id": "council/ct|r3|Address", "address": "a5", "uprn": None},
    ]
