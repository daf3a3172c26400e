"""Quarantine: every rejected row with its reason — file, row, column, expected, found.

Two copies are made at source. The full one (with the values found) stays on the partner's
machine so the steward can fix the rows. The one sent to the hub withholds the values of
identifiers and free text, which must never reach the hub in clear.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from commonground.contribute.contract import Contract
from commonground.contribute.readers import ROW, Extract
from commonground.contribute.validate import PROBLEMS, expected_text

SCHEMA = pa.schema([
    ("file", pa.string()), ("row", pa.int64()), ("line", pa.int64()), ("column", pa.string()),
    ("problem", pa.string()), ("expected", pa.string()), ("found", pa.string()),
])
WITHHELD = "(withheld: identifier)"
FOUND_CHARS = 60


# The quarantine is read in a spreadsheet (quarantine-full.csv is made for the steward to open):
# a found value that starts like a formula, such as the `=cmd|' /C calc'!A0` it was quarantined
# for, would run there. A leading apostrophe makes a spreadsheet show it as text; plain signed
# numbers (-3) are left as they are.
FORMULA_START = r"^[=+@-]"
PLAIN_NUMBER = r"^[+-]?[0-9][0-9.,]*$"


def _inert(text: pa.Array) -> pa.Array:
    risky = pc.and_(pc.match_substring_regex(text, FORMULA_START),
                    pc.invert(pc.match_substring_regex(text, PLAIN_NUMBER)))
    return pc.if_else(risky, pc.binary_join_element_wise(pa.scalar("'"), text, ""), text)


def _shown(values: pa.Array) -> pa.Array:
    """What was found, short and printable: control characters made visible, long text cut,
    and nothing a spreadsheet would run as a formula."""
    text = pc.fill_null(values, "")
    text = pc.replace_substring(text, "\x00", "\\0")
    text = pc.replace_substring_regex(text, r"[\x01-\x1f]", "?")
    lengths = pc.cast(pc.utf8_length(text), pa.string())
    annotated = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(text, 0, FOUND_CHARS), pa.scalar("… ("), lengths,
        pa.scalar(" characters)"), "")
    return _inert(pc.if_else(pc.greater(pc.utf8_length(text), FOUND_CHARS), annotated, text))


def _rejection_expected(code: str, columns: int) -> str:
    if code == "unclosed_quote":
        return 'a closing double quote (") for every opening one'
    return f"{columns} fields, as in the header"


def quarantine_tables(extract: Extract, contract: Contract, checked: pa.Table
                      ) -> tuple[pa.Table, pa.Table]:
    """(for the hub, for the steward): one row per problem found, the validation problems of
    `checked` plus the reader's rejections. The hub's copy withholds what was found in
    identifier and free-text columns."""
    problems = _problem_items(extract, contract, checked)
    return (_quarantine(extract, contract, problems, withhold=True),
            _quarantine(extract, contract, problems, withhold=False))


def _problem_items(extract: Extract, contract: Contract, checked: pa.Table) -> pa.Table:
    """One row per (row, column, code) that failed, with what the file held there.

    Whole-column Arrow operations: a file with hundreds of thousands of bad rows was spending
    seconds in Python loops here.
    """
    bad = checked.filter(pc.not_equal(checked[PROBLEMS], ""))
    items = pc.split_pattern(bad[PROBLEMS], ";")
    flat = pc.list_flatten(items)
    pieces = pc.split_pattern(flat, ":", max_splits=1)
    index = pc.cast(pc.list_element(pieces, 0), pa.int64())
    rows = pc.take(bad[ROW], pc.list_parent_indices(items))
    # What was found comes from the file's own text, looked up column by column by position:
    # _row ascends in every reader's table, so a binary search finds it.
    position = np.searchsorted(extract.table[ROW].to_numpy(), rows.to_numpy())
    column_of = index.to_numpy()
    order: list[np.ndarray] = []
    found: list[pa.Array] = []
    for column_index in np.unique(column_of).tolist():
        name = contract.columns[column_index].name
        where = np.flatnonzero(column_of == column_index)
        order.append(where)
        if name not in extract.table.column_names:
            found.append(pa.nulls(len(where), pa.string()))
            continue
        found.append(_shown(_take(extract.table[name], position[where])).cast(pa.string()))
    back = np.empty(len(column_of), dtype=np.int64)
    if order:
        back[np.concatenate(order)] = np.arange(len(column_of))
    shown = (pa.concat_arrays(found) if found else pa.array([], pa.string())).take(back)
    return pa.table({"item": flat, "index": index, "code": pc.list_element(pieces, 1),
                     "row": rows, "found": shown})


def _take(column: pa.ChunkedArray, positions: np.ndarray) -> pa.Array:
    """column[positions], chunk by chunk: Arrow's take on a chunked array first joins every
    chunk into one, copying all ten million strings to pick out a few thousand."""
    ends = np.cumsum([len(chunk) for chunk in column.chunks])
    chunk_of = np.searchsorted(ends, positions, side="right")
    parts: list[pa.Array] = []
    order: list[np.ndarray] = []
    for chunk_index in np.unique(chunk_of).tolist():
        where = np.flatnonzero(chunk_of == chunk_index)
        start = ends[chunk_index] - len(column.chunks[chunk_index])
        parts.append(column.chunks[chunk_index].take(pa.array(positions[where] - start)))
        order.append(where)
    if not parts:
        return pa.array([], column.type)
    back = np.empty(len(positions), dtype=np.int64)
    back[np.concatenate(order)] = np.arange(len(positions))
    return pa.concat_arrays(parts).take(pa.array(back))


def _quarantine(extract: Extract, contract: Contract, problems: pa.Table, withhold: bool
                ) -> pa.Table:
    parts: list[pa.Table] = []
    # File names are the partner's too, and repeated on every row (`=calc.csv` is legal).
    file_name = _inert(pa.array([extract.path.name], pa.string()))[0].as_py()
    if problems.num_rows:
        count = problems.num_rows
        pairs = pc.unique(problems["item"])
        meanings = pa.array([expected_text(contract.columns[int(i)], code) for i, code in
                             (item.split(":", 1) for item in pairs.to_pylist())], pa.string())
        found = problems["found"]
        if withhold:
            hidden = [i for i, c in enumerate(contract.columns)
                      if c.is_identifier or c.role == "free_text"]
            secret = pc.and_(pc.is_in(problems["index"], pa.array(hidden, pa.int64())),
                             pc.is_valid(found))  # a column missing from the file held nothing
            found = pc.if_else(secret, pa.scalar(WITHHELD), found)
        parts.append(pa.table({
            "file": pa.array([file_name] * count, pa.string()),
            "row": problems["row"], "line": pa.nulls(count, pa.int64()),
            "column": pc.take(pa.array(contract.names, pa.string()), problems["index"]),
            "problem": problems["code"],
            "expected": pc.take(meanings, pc.index_in(problems["item"], value_set=pairs)),
            "found": found,
        }, schema=SCHEMA))
    if extract.rejections:
        rejected = extract.rejections
        parts.append(pa.table({
            "file": [file_name] * len(rejected),
            "row": [r.row for r in rejected], "line": [r.line for r in rejected],
            "column": [None] * len(rejected), "problem": [r.code for r in rejected],
            "expected": [_rejection_expected(r.code, len(extract.columns)) for r in rejected],
            "found": [r.problem for r in rejected],
        }, schema=SCHEMA))
    if not parts:
        return SCHEMA.empty_table()
    return pa.concat_tables(parts).sort_by([("row", "ascending"), ("column", "ascending")])

