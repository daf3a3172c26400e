"""Addresses resolved to UPRNs at source, before anything leaves the partner.

UK partners hold the council's gazetteer (an LLPG, or AddressBase under the Public Sector
Geospatial Agreement). With it, each address column of a file is matched to a UPRN
(`commonground.address`) on the partner's machine, with the postcode of the same subject
beside it; the UPRN becomes a keyed token like any identifier (`<column>__uprn`, in the
domain of a declared UPRN column's token) and the match's score is kept
(`<column>__uprn_score`, a number). No UPRN in clear and no more of the address leaves than
without a gazetteer. The hub then links addresses exactly on their UPRN tokens where they
resolved and fuzzily where they did not.

Matching runs once per distinct (address, postcode) of the accepted rows, and the package's
SQL joins the result back to the rows, as the token lookups are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from commonground.address import Gazetteer, match_addresses
from commonground.contribute.contract import Column, Contract
from commonground.contribute.pseudonymise import Tokeniser, uprn_tokens
from commonground.contribute.validate import PROBLEMS
from commonground.engines import Engine, Pipeline, Session, ident


@dataclass(frozen=True)
class Resolved:
    """One address column's lookup: its name in the session and the postcode beside it."""

    lookup: str
    postcode: str | None


def uprn_columns(column: Column) -> list[str]:
    return [f"{column.name}__uprn", f"{column.name}__uprn_score"]


def postcode_of(contract: Contract, column: Column, present: list[str]) -> str | None:
    """The postcode column of the address's subject (the first, as linkage pairs them)."""
    return next((c.name for c in contract.identifiers
                 if c.identifier == "postcode" and c.subject == column.subject
                 and c.name in present), None)


def resolve_addresses(session: Session, contract: Contract, present: list[str],
                      tokeniser: Tokeniser, gazetteer: Gazetteer, engine: Engine
                      ) -> tuple[dict[str, pa.Table], dict[str, Resolved], dict[str, Any]]:
    """Per kept address column: a lookup of its distinct (address, postcode) values with the
    UPRN token and score, the lookups' names, and counts for the manifest."""
    lookups: dict[str, pa.Table] = {}
    resolved: dict[str, Resolved] = {}
    figures = _figures(gazetteer)
    for index, column in enumerate(contract.columns):
        if column.identifier != "address" or not column.keep or column.name not in present:
            continue
        postcode = postcode_of(contract, column, present)
        pairs = session.run(Pipeline.of((
            f"addresses_{index}",
            f"SELECT DISTINCT {ident(column.name)} AS value, "
            f"{ident(postcode) if postcode else 'CAST(NULL AS VARCHAR)'} AS postcode "
            f"FROM checked WHERE {ident(PROBLEMS)} = '' AND {ident(column.name)} IS NOT NULL")))
        lookup, counts = resolve_pairs(pairs, column, tokeniser, gazetteer, engine)
        lookups[f"_uprns_{index}"] = lookup
        resolved[column.name] = Resolved(f"_uprns_{index}", postcode)
        figures["columns"][column.name] = counts
    return lookups, resolved, figures


def _figures(gazetteer: Gazetteer) -> dict[str, Any]:
    return {"gazetteer": gazetteer.source, "gazetteer_sha256": gazetteer.sha256,
            "gazetteer_records": len(gazetteer), "columns": {}}


def resolve_pairs(pairs: pa.Table, column: Column, tokeniser: Tokeniser, gazetteer: Gazetteer,
                  engine: Engine) -> tuple[pa.Table, dict[str, int]]:
    """`pairs` (distinct value, postcode) with the column's UPRN token and score, and counts."""
    ids = pa.array([str(i) for i in range(pairs.num_rows)], pa.string())
    matching = match_addresses(ids, pc.cast(pairs["value"], pa.string()),
                               pc.cast(pairs["postcode"], pa.string()), gazetteer, engine)
    found = pa.table({"id": ids}).join(matching.matches, "id", join_type="left outer")
    found = found.take(pc.sort_indices(pc.cast(found["id"], pa.int64())))
    token, score = uprn_columns(column)
    lookup = pa.table({"value": pairs["value"], "postcode": pairs["postcode"],
                       token: pc.dictionary_encode(uprn_tokens(tokeniser, found["uprn"])),
                       score: pc.cast(found["score"], pa.float64())})
    counts = {"addresses": pairs.num_rows, "exact": matching.figures["exact"],
              "splink": matching.figures["splink"], "unmatched": matching.figures["unmatched"]}
    return lookup, counts


def with_uprns(table: pa.Table, contract: Contract, tokeniser: Tokeniser,
               gazetteer: Gazetteer, engine: Engine) -> pa.Table:
    """`table` (accepted rows, identifiers in clear) with each address column's UPRN token
    and score beside it: what a package carries, for callers that hold rows in memory (the
    county's benchmark) rather than a validated file in the engine."""
    present = table.column_names
    for column in contract.identifiers:
        if column.identifier != "address" or column.name not in present:
            continue
        postcode = postcode_of(contract, column, present)
        values = pc.cast(table[column.name], pa.string())
        codes = (pc.cast(table[postcode], pa.string()) if postcode
                 else pa.nulls(table.num_rows, pa.string()))
        rows = pa.table({"value": values, "postcode": codes,
                         "_key": pc.fill_null(codes, "")})
        pairs = rows.filter(pc.is_valid(rows["value"])).group_by(["value", "_key"]).aggregate([])
        pairs = pairs.append_column("postcode", pc.if_else(
            pc.equal(pairs["_key"], ""), pa.scalar(None, pa.string()), pairs["_key"]))
        lookup, _ = resolve_pairs(pairs, column, tokeniser, gazetteer, engine)
        lookup = lookup.append_column("_key", pairs["_key"]).drop_columns(["postcode"])
        joined = rows.append_column("_row", pa.array(range(table.num_rows), pa.int64())).join(
            lookup, ["value", "_key"], join_type="left outer").sort_by("_row")
        for name in uprn_columns(column):
            table = table.append_column(name, joined[name])
    return table


def join_sql(column: Column, resolved: Resolved) -> tuple[list[str], str]:
    """The select items and the join that bring a resolved column's UPRN token and score."""
    name = resolved.lookup
    on = f"c.{ident(column.name)} = {name}.value"
    if resolved.postcode:
        on += f" AND c.{ident(resolved.postcode)} IS NOT DISTINCT FROM {name}.postcode"
    else:
        on += f" AND {name}.postcode IS NULL"
    return [f"{name}.{ident(c)}" for c in uprn_columns(column)], f"LEFT JOIN {name} ON {on}"
