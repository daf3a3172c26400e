"""The standard mention tables every dataset is brought to before linkage.

Partners name their columns as they like and record a person under one or several identifier
kinds; linkage needs one shape. A *person mention* is one person named in one record (a crime
names a victim and a suspect: two mentions); an *address mention* is one address line in one
record. Columns hold tokens at the hub and normalised plaintext in the raw baseline; the model
cannot tell them apart, which is the point.
"""

from __future__ import annotations

from typing import Literal

EntityKind = Literal["person", "address"]
KINDS: tuple[EntityKind, ...] = ("person", "address")

ID = "unique_id"
SOURCE = "source_dataset"
# Key columns carried beside the comparison columns of every mention.
KEYS = (ID, SOURCE, "record_id", "subject")

PERSON_COLUMNS = ("given", "given_canonical", "given_phonetic", "given_letters", "given_forms",
                  "family",
                  "family_phonetic", "family_letters",
                  "dob", "dob_unordered", "dob_year", "postcode", "sector", "district",
                  "address", "street", "national_id", "given_bloom", "family_bloom",
                  "address_bloom")
# `uprn`: the address's UPRN token, where the partner resolved it at source against the
# gazetteer (`<address>__uprn`) or holds it (a column of kind `uprn`).
ADDRESS_COLUMNS = ("address", "street", "postcode", "sector", "district", "address_bloom",
                   "uprn")
COLUMNS: dict[EntityKind, tuple[str, ...]] = {"person": PERSON_COLUMNS,
                                              "address": ADDRESS_COLUMNS}

# identifier kind -> {token suffix: standard column}; the token domains are shared across
# kinds (pseudonymise.SHARED_DOMAINS), so `given` from a full name equals `given` from a
# given-name column.
FROM_KIND: dict[str, dict[str, str]] = {
    "given_name": {"token": "given", "canonical": "given_canonical",
                   "phonetic": "given_phonetic", "letters": "given_letters",
                   "forms": "given_forms", "bloom": "given_bloom"},
    "family_name": {"token": "family", "phonetic": "family_phonetic",
                    "letters": "family_letters", "bloom": "family_bloom"},
    "full_name": {"given": "given", "family": "family", "given_canonical": "given_canonical",
                  "given_phonetic": "given_phonetic", "family_phonetic": "family_phonetic",
                  "given_letters": "given_letters", "family_letters": "family_letters",
                  "given_forms": "given_forms",
                  "given_bloom": "given_bloom", "family_bloom": "family_bloom"},
    "dob": {"token": "dob", "unordered": "dob_unordered", "year": "dob_year"},
    "postcode": {"token": "postcode", "sector": "sector", "district": "district"},
    "address": {"token": "address", "street": "street", "bloom": "address_bloom",
                "uprn": "uprn"},
    "uprn": {"token": "uprn"},
    "nhs_number": {"token": "national_id"},
}
NAME_KINDS = ("given_name", "family_name", "full_name")
# Why a person mention is listed as unlinkable, wherever one is (a hub run, `link files`).
UNLINKABLE = "no given name or surname to link on; each is an entity of its own"


def mention_id(dataset: str, record_id: str, subject: str) -> str:
    """'org/dataset|record|subject': stable across runs, readable in an export."""
    return f"{dataset}|{record_id}|{subject}"
