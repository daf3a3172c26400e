"""Matching a file of addresses to a gazetteer, for an analyst without a hub:
`commonground address match MESSY.csv --gazetteer G.csv --out OUT.csv`.

Columns are found by name (or given): a record id (the row number where there is none), one
or several address columns (joined in file order: "address_line_1", "address_line_2", ...)
and a postcode. The output keeps each row's id, address and postcode beside the UPRN chosen,
its score and stage, and the gazetteer's address for it, so that a match can be checked by
eye.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from commonground.address.gazetteer import (
    POSTCODE,
    column_key,
    find_column,
    read_gazetteer,
    read_strings,
)
from commonground.address.match import match_addresses
from commonground.engines import Engine
from commonground.errors import InvalidInput

ID_NAMES = ("id", "unique_id", "record_id", "ref", "reference")
ADDRESS_NAMES = ("address", "full_address", "address_line", "single_line_address",
                 "address_concat", "street_address", "property_address", "premises_address")
LINE_PREFIXES = ("address_line_", "address_", "addr_", "line_")


def address_columns(columns: Sequence[str]) -> list[str]:
    """The address columns found by name: one whole-address column, else the numbered
    lines ("Address Line 1", "address_2", ...) in file order."""
    whole = find_column(columns, ADDRESS_NAMES)
    if whole is not None:
        return [whole]
    return [c for c in columns
            if any(column_key(c).startswith(p) and column_key(c)[len(p):].isdigit()
                   for p in LINE_PREFIXES)]


def _require(table: pa.Table, names: Sequence[str], path: Path, what: str) -> None:
    missing = [n for n in names if n not in table.column_names]
    if missing:
        raise InvalidInput(f"{path.name} has no {what} column {', '.join(missing)}")


def _joined(table: pa.Table, columns: Sequence[str]) -> pa.Array:
    filled = [pc.fill_null(table[c], "") for c in columns]
    joined = filled[0] if len(filled) == 1 else pc.binary_join_element_wise(*filled, ", ")
    text = pc.utf8_trim(pc.replace_substring_regex(joined, r"(, )+", ", "), ", ")
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def match_file(messy: Path, gazetteer: Path, out: Path, engine: Engine, *,
               id_column: str | None = None, address: Sequence[str] = (),
               postcode_column: str | None = None) -> dict[str, Any]:
    """Match every row of `messy` (CSV or Parquet) to the gazetteer; write `out` (CSV) with
    id, address, postcode, uprn, score, stage, matched_address and matched_postcode."""
    clock = time.perf_counter()
    messy, out = Path(messy), Path(out)
    table = read_strings(messy)
    columns = list(address) or address_columns(table.column_names)
    if not columns:
        raise InvalidInput(f"{messy.name}: no address column found; say which with "
                           "--address-column (several: address_line_1,address_line_2)")
    _require(table, columns, messy, "address")
    postcode = postcode_column or find_column(table.column_names, POSTCODE)
    if postcode is not None:
        _require(table, [postcode], messy, "postcode")
    ids_column = id_column or find_column(table.column_names, ID_NAMES)
    if ids_column is not None:
        _require(table, [ids_column], messy, "id")
        ids = pc.cast(table[ids_column], pa.string())
        if pc.count_distinct(ids).as_py() != table.num_rows or ids.null_count:
            raise InvalidInput(f"{messy.name}: the id column {ids_column} must be filled and "
                               "unique in every row")
    else:
        ids = pa.array([str(i + 1) for i in range(table.num_rows)], pa.string())
    lines = _joined(table, columns)
    codes = table[postcode] if postcode else pa.nulls(table.num_rows, pa.string())
    reference = read_gazetteer(gazetteer)
    matching = match_addresses(ids, lines, codes, reference, engine)
    records = reference.records
    spaced = pc.binary_join_element_wise(pc.utf8_slice_codeunits(records["postcode"], 0, -3),
                                         pc.utf8_slice_codeunits(records["postcode"], -3), " ")
    found = pa.table({"uprn": records["uprn"], "matched_address": records["address"],
                      "matched_postcode": spaced})
    result = pa.table({"id": ids, "address": lines, "postcode": pc.cast(codes, pa.string())})
    result = result.join(matching.matches, "id", join_type="left outer")
    result = result.join(found, "uprn", join_type="left outer")
    order = pc.index_in(result["id"], value_set=ids)
    result = result.take(pc.sort_indices(order))
    out.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(result, out)
    matched = matching.figures["exact"] + matching.figures["splink"]
    return {"out": str(out), "gazetteer_records": len(reference), **matching.figures,
            "match_rate": round(matched / max(table.num_rows, 1), 4),
            "seconds": round(time.perf_counter() - clock, 1)}
