"""Person and address mentions: every contributed dataset brought to one shape, in SQL.

Each contract says which columns are identifiers, of which kind and about which subject; that
is enough to write, per dataset, a SELECT that renames its token columns to the standard ones
(`schema.py`). The SELECTs are stacked with UNION ALL and run by any engine.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from commonground.contribute.contract import Column, Contract
from commonground.engines import Pipeline, ident, literal
from commonground.link.schema import (
    ADDRESS_COLUMNS,
    FROM_KIND,
    ID,
    NAME_KINDS,
    PERSON_COLUMNS,
    SOURCE,
    EntityKind,
)


@dataclass(frozen=True)
class DatasetInput:
    """One dataset's token table as an engine input: its ref, contract and input name."""

    ref: str  # org/dataset
    contract: Contract
    table: str  # the engine input holding its rows (tokens, record id in clear)
    columns: frozenset[str]  # the columns the table actually has
    version: int = 1  # a later version's record replaces an earlier one's
    # token column -> standard column, for what the kinds do not say (standalone files whose
    # postcodes are not British are tokenised as plain ids but are still postcodes).
    aliases: Mapping[str, str] = field(default_factory=dict)


def person_groups(contract: Contract) -> dict[str, list[Column]]:
    """Identifier columns by the person they describe; only groups that carry a name.

    Where a contract names subjects (a crime's victim and suspect), columns without one
    describe the event (its location), not a person; otherwise all describe the one person.
    """
    identifiers = contract.identifiers
    subjects = {c.subject for c in identifiers if c.subject}
    groups: dict[str, list[Column]] = {}
    for column in identifiers:
        if subjects and not column.subject:
            continue
        groups.setdefault(column.subject, []).append(column)
    return {s: cols for s, cols in groups.items()
            if any(c.identifier in NAME_KINDS for c in cols)}


def _sources(columns: Iterable[Column], data: DatasetInput) -> dict[str, list[str]]:
    """standard column -> the token columns (in contract order) that can fill it."""
    found: dict[str, list[str]] = {}
    for column in columns:
        mapping = dict(FROM_KIND.get(column.identifier or "", {}))
        for token_column, standard in data.aliases.items():
            if token_column.split("__", 1)[0] == column.name:
                mapping[token_column.split("__", 1)[1]] = standard
        for suffix, standard in mapping.items():
            token = f"{column.name}__{suffix}"
            if token in data.columns:
                found.setdefault(standard, []).append(token)
    return found


def _fill(standard: str, sources: Mapping[str, list[str]]) -> str:
    cols = sources.get(standard, [])
    if not cols:
        return f"CAST(NULL AS VARCHAR) AS {standard}"
    if len(cols) == 1:
        return f"CAST({ident(cols[0])} AS VARCHAR) AS {standard}"
    joined = ", ".join(f"CAST({ident(c)} AS VARCHAR)" for c in cols)
    return f"coalesce({joined}) AS {standard}"


def _record_id(data: DatasetInput) -> str:
    rid = data.contract.record_id
    if rid is None or rid not in data.columns:
        return "CAST(_row AS VARCHAR)"  # no record id in the contract: the row number
    return f"CAST({ident(rid)} AS VARCHAR)"


def _keys(data: DatasetInput, subject: str) -> str:
    rid = _record_id(data)
    prefix = literal(f"{data.ref}|")
    return (f"{prefix} || {rid} || {literal('|' + subject)} AS {ID}, "
            f"{literal(data.ref)} AS {SOURCE}, {rid} AS record_id, "
            f"{literal(subject)} AS subject, {int(data.version)} AS _version")


def person_selects(data: DatasetInput) -> list[str]:
    """One SELECT per person group: its rows that name someone or describe someone (a date
    of birth, a national id, with no name), flagged `_named` when the model can link them."""
    selects = []
    for subject, columns in person_groups(data.contract).items():
        sources = _sources(columns, data)
        if "given" not in sources and "family" not in sources:
            continue
        fills = ", ".join(_fill(c, sources) for c in PERSON_COLUMNS)
        named = _any_present(sources, ("given", "family"))
        described = _any_present(sources, ("given", "family", *DESCRIBING))
        inner = (f"SELECT {_keys(data, subject)}, {fills}, ({named}) AS _named "
                 f"FROM {ident(data.table)} WHERE {described}")
        selects.append(f"SELECT {ID}, {SOURCE}, record_id, subject, _version, _named, "
                       f"{_given_fixed()} FROM ({inner}) AS filled")
    return selects


# Identifiers that say a record is about a person even where it gives no name: a mention the
# model cannot link, kept so that it is counted and named (an address or postcode alone may
# be a place's record, not a person's).
DESCRIBING = ("dob", "national_id")


def _any_present(sources: Mapping[str, list[str]], standards: Iterable[str]) -> str:
    present = [f"{ident(c)} IS NOT NULL" for s in standards for c in sources.get(s, [])]
    return " OR ".join(present) if present else "FALSE"


def _given_fixed() -> str:
    """The person columns, with no given name where it is only the surname again.

    A full name of one word ("Smith", or "Smith, " with the forename left blank) yields a
    given-name token equal to the family-name token (one token domain, so equality shows on
    tokens too). Kept, two such records of one surname would agree on both names and, worse,
    look like a name written the wrong way round: strong evidence built from one surname.
    """
    out = []
    for column in PERSON_COLUMNS:
        if column.startswith("given"):
            out.append(f"CASE WHEN given = family THEN NULL ELSE {column} END AS {column}")
        else:
            out.append(column)
    return ", ".join(out)


def address_selects(data: DatasetInput) -> list[str]:
    """One mention per address column, with the postcode of the same subject if any, and
    its UPRN: a UPRN column of the same subject (what the partner's system holds), else the
    one the partner resolved the address to at source."""
    selects = []
    identifiers = data.contract.identifiers
    for column in identifiers:
        if column.identifier != "address" or f"{column.name}__token" not in data.columns:
            continue
        postcodes = [c for c in identifiers
                     if c.identifier == "postcode" and c.subject == column.subject]
        uprns = [c for c in identifiers if c.identifier == "uprn" and c.subject == column.subject]
        sources = _sources([*uprns[:1], column, *postcodes[:1]], data)
        fills = ", ".join(_fill(c, sources) for c in ADDRESS_COLUMNS)
        selects.append(f"SELECT {_keys(data, column.name)}, {fills}, TRUE AS _named "
                       f"FROM {ident(data.table)} "
                       f"WHERE {ident(column.name + '__token')} IS NOT NULL")
    return selects


def mentions_pipeline(kind: EntityKind, datasets: Iterable[DatasetInput], *,
                      unnamed: bool = False) -> Pipeline:
    """One step per dataset and a last step stacking them, ordered by mention id.

    The mentions the model links: those with a name (people) or an address line. With
    `unnamed`, instead the keys (id, dataset, record id, subject) of the person mentions with
    no name, which the model cannot link; the latest version of a record decides which it is.
    """
    if unnamed and kind != "person":
        raise ValueError("only person mentions can lack a name")
    build = person_selects if kind == "person" else address_selects
    steps: list[tuple[str, str]] = []
    for i, data in enumerate(datasets):
        selects = build(data)
        if selects:
            steps.append((f"{kind}_mentions_{i}", " UNION ALL ".join(selects)))
    columns = () if unnamed else PERSON_COLUMNS if kind == "person" else ADDRESS_COLUMNS
    name = f"{kind}_unnamed" if unnamed else f"{kind}_mentions"
    if not steps:
        empty = ", ".join(f"CAST(NULL AS VARCHAR) AS {c}"
                          for c in (ID, SOURCE, "record_id", "subject", *columns))
        return Pipeline.of((name, f"SELECT {empty} WHERE 1 = 0"))
    union = " UNION ALL ".join(f"SELECT * FROM {step}" for step, _ in steps)
    keep = ", ".join((ID, SOURCE, "record_id", "subject", *columns))
    # A record sent again in a later version replaces the earlier one (latest wins).
    ranked = (f"SELECT *, row_number() OVER (PARTITION BY {ID} ORDER BY _version DESC) AS _rank "
              f"FROM ({union}) AS stacked")
    wanted = "NOT _named" if unnamed else "_named"
    return Pipeline.of(*steps, (name, f"SELECT {keep} FROM ({ranked}) AS ranked "
                                      f"WHERE _rank = 1 AND {wanted} ORDER BY {ID}"))
