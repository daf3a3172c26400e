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
    {"name": "S_NAME", "role": "identifier", "identifier": "full_name", "subject": "suspect"},
]})

#  URN | LOCATION__token | V_SURNAME__token | V_FORENAME__token | S_NAME__given | S_NAME__family
#  c1  | a1              | f1               | g1                | g2            | f2
#  c2  | a2              |                  |                   | g3            | f3
ROWS = pa.table({
    "_row": [1, 2], "URN": ["c1", "c2"], "LOCATION__token": ["a1", "a2"],
    "LOCATION__street": ["s1", "s2"], "V_SURNAME__token": ["f1", None],
    "V_FORENAME__token": ["g1", None], "S_NAME__given": ["g2", "g3"],
    "S_NAME__family": ["f2", "f3"]})


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
    ]
