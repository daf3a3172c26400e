"""Which column of an agency's file means what: names, date of birth, address, record id.

Agencies name their columns as their systems do: `SUBJECT_SURNAME`, `PV_SURNAME`, `Full Name`,
`Date of Birth`, `DateOfBirth`, `Address Found`, `client_name`, `INTEL_REF`, `Case Ref`. A
column name is read as words (split at spaces, underscores, dashes, dots and camelCase), and a
concept is recognised by a phrase among those words: `surname` in `PV_SURNAME`, `date of
birth` in `Date of Birth`. Two rules keep this precise:
1. whole words only, so `REFERRAL_DATE` is no date of birth and `Ref` is not `REFERRAL`;
2. words that say the column is about someone else or something else (`GP_NAME`,
   `Officer Name`, `Previous Surname`, `Email Address`, `Address 2`) rule it out.
Of several candidates for one concept the one with the fewest other words wins (`POSTCODE`
before `INCIDENT_POSTCODE`), then the leftmost.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc

from commonground.errors import InvalidInput

Phrase = tuple[str, ...]


@dataclass(frozen=True)
class Concept:
    phrases: tuple[Phrase, ...]  # found anywhere among the column's words
    whole: tuple[Phrase, ...] = ()  # only when they are the column's only words
    excluded: frozenset[str] = frozenset()  # words that rule a column out


# Someone other than the record's person, or a name or address they no longer use.
SOMEONE_ELSE = frozenset({
    "officer", "worker", "staff", "referrer", "reporter", "author", "recorder", "gp",
    "doctor", "practice", "school", "employer", "business", "company", "organisation",
    "organization", "agency", "team", "parent", "mother", "father", "carer", "guardian",
    "kin", "contact", "emergency", "partner", "landlord", "previous", "former", "prior",
    "old", "maiden", "alias", "aka", "other", "middle", "second", "alternative", "alt"})
NOT_A_PERSON = frozenset({"street", "road", "place", "file", "product", "brand", "site",
                          "premises", "venue", "trading", "shop", "vehicle", "team", "event"})
NOT_A_HOME = frozenset({"email", "e", "ip", "web", "url", "mac", "incident", "offence",
                        "crime", "occurrence", "2", "3", "4", "5", "line2", "line3"})

CONCEPTS: dict[str, Concept] = {
    "given_name": Concept(
        (("forename",), ("forenames",), ("first", "name"), ("first", "names"),
         ("given", "name"), ("given", "names"), ("christian", "name")),
        (("first",), ("given",), ("fname",)), SOMEONE_ELSE | NOT_A_PERSON),
    "family_name": Concept(
        (("surname",), ("last", "name"), ("family", "name")),
        (("last",), ("family",), ("lname",)), SOMEONE_ELSE | NOT_A_PERSON),
    "full_name": Concept((("name",), ("names",)), (), SOMEONE_ELSE | NOT_A_PERSON),
    "dob": Concept(
        (("dob",), ("date", "of", "birth"), ("birth", "date"), ("birthdate",)),
        (), SOMEONE_ELSE),
    "postcode": Concept(
        (("postcode",), ("post", "code"), ("postal", "code"), ("zipcode",), ("zip", "code")),
        (("zip",), ("pcode",)), SOMEONE_ELSE | NOT_A_HOME),
    "street_number": Concept(
        (), (("street", "number"), ("house", "number"), ("house", "no"), ("number",)),
        SOMEONE_ELSE),
    "address": Concept(
        (("address",), ("addr",), ("address", "1"), ("address", "line", "1")),
        (("street",),), SOMEONE_ELSE | NOT_A_HOME),
    "nhs_number": Concept(
        (("nhs", "number"), ("nhs", "no"), ("nhs", "num")),
        (("nhs",), ("soc", "sec", "id"), ("ssn",), ("national", "id"), ("id", "number")),
        SOMEONE_ELSE),
}
NAMES = ("given_name", "family_name", "full_name")
# A record id is named so: its last word, or the whole name run together.
ID_WORDS = frozenset({"ref", "reference", "id", "urn", "key"})
ID_WHOLE = frozenset({"id", "ref", "urn", "recid", "recordid", "reference", "caseref"})


def words(name: str) -> tuple[str, ...]:
    """A column name as lower-case words: 'DateOfBirth' and 'date_of_birth' alike."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", " ", name.strip())
    return tuple(w for w in re.split(r"[^0-9a-zA-Z]+", spaced.lower()) if w)


def _contains(found: tuple[str, ...], phrase: Phrase) -> bool:
    n = len(phrase)
    if any(found[i:i + n] == phrase for i in range(len(found) - n + 1)):
        return True
    return len(phrase) > 1 and "".join(phrase) in found  # 'FIRSTNAME', 'POSTCODE'


def _fits(column: str, concept: Concept) -> int | None:
    """How many other words the column has when it means `concept`, else None."""
    found = words(column)
    if not found or set(found) & concept.excluded:
        return None
    run_together = "".join(found)
    if any(found == w or run_together == "".join(w) for w in concept.whole + concept.phrases):
        return 0
    for phrase in concept.phrases:
        if _contains(found, phrase):
            return len(found) - len(phrase)
    return None


def detect_columns(columns: Sequence[str], given: Mapping[str, str] | None = None,
                   file: str = "the file") -> dict[str, str]:
    """concept -> column, from the mapping first, then from the column names."""
    found = dict(given or {})
    unknown = sorted(set(found) - set(CONCEPTS))
    if unknown:
        raise InvalidInput(f"unknown --map name(s) {', '.join(unknown)}; known: "
                           f"{', '.join(CONCEPTS)}")
    missing = sorted(c for c in found.values() if c not in columns)
    if missing:
        raise InvalidInput(f"--map names column(s) not in {file}: {', '.join(missing)} "
                           f"(its columns: {', '.join(columns)})")
    taken = set(found.values())
    for concept, rule in CONCEPTS.items():
        if concept in found:
            continue
        fits = [(extra, i, c) for i, c in enumerate(columns) if c not in taken
                and (extra := _fits(c, rule)) is not None]
        if fits:
            column = min(fits)[2]
            found[concept] = column
            taken.add(column)
    if not set(NAMES) & set(found):
        raise InvalidInput(f"no name column found in {file} (its columns: "
                           f"{', '.join(columns)}); say which with --map "
                           "given_name=COL,family_name=COL (or full_name=COL)")
    return found


def looks_like_id(column: str) -> bool:
    found = words(column)
    return bool(found) and (found[-1] in ID_WORDS or "".join(found) in ID_WHOLE)


def usable_id(values: pa.ChunkedArray | pa.Array) -> bool:
    """Whether a column can name every record: a value in every row, no value twice."""
    return values.null_count == 0 and len(pc.unique(values)) == len(values)


def detect_id(table: pa.Table, taken: set[str]) -> str | None:
    """The leftmost column named like a record id whose values name every record once."""
    for column in table.column_names:
        if column not in taken and looks_like_id(column) and usable_id(table[column]):
            return str(column)
    return None
