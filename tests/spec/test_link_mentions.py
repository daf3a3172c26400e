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
