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
    """One row per (row, column, code) that failed: the column's index and name, what was
    expected and what the file held there.

    Whole-column Arrow operations: a file with hundreds of thousands of bad rows was spending
    seconds in Python loops here.
    """
    bad = checked.filter(pc.not_equal(checked[PROBLEMS], ""))
    items = pc.split_pattern(bad[PROBLEMS], ";")
    flat = pc.list_flatten(items)
    pieces = pc.split_pattern(flat, ":", max_splits=1)
    index = pc.cast(pc.list_element(pieces, 0), pa.int64())
    rows = pc.take(bad[ROW], pc.list_parent_indices(items))
    pairs = pc.unique(flat)  # each (column, code) is spelt out once
    meanings = pa.array([expected_text(contract.columns[int(i)], code) for i, code in
                         (item.split(":", 1) for item in pairs.to_pylist())], pa.string())
    # What was found comes from the file's own text, looked up column by column by position:
    # _row ascends in every reader's table, so a binary search finds it.
    position = np.searchsorted(extract.table[ROW].to_numpy(), rows.to_numpy())
    column_of = index.to_numpy()
    groups: list[np.ndarray] = []
    found: list[pa.Array] = []
    for column_index in np.unique(column_of).tolist():
        name = contract.columns[column_index].name
        where = np.flatnonzero(column_of == column_index)
        groups.append(where)
        found.append(pa.nulls(len(where), pa.string()) if name not in extract.table.column_names
                     else _shown(_take(extract.table[name], position[where])).cast(pa.string()))
    return pa.table({
        "index": index, "row": rows, "code": pc.list_element(pieces, 1),
        "column": pc.take(pa.array(contract.names, pa.string()), index),
        "expected": pc.take(meanings, pc.index_in(flat, value_set=pairs)),
        "found": _in_original_order(found, groups, len(column_of), pa.string()),
    })


def _in_original_order(parts: list[pa.Array], groups: list[np.ndarray], count: int,
                       kind: pa.DataType) -> pa.Array:
    """Parts computed group by group (`groups[i]` holds the positions of `parts[i]`'s values)
    put back in the order of the positions."""
    if not parts:
        return pa.array([], kind)
    back = np.empty(count, dtype=np.int64)
    back[np.concatenate(groups)] = np.arange(count)
    return pa.concat_arrays(parts).take(pa.array(back))


def _take(column: pa.ChunkedArray, positions: np.ndarray) -> pa.Array:
    """column[positions], chunk by chunk: Arrow's take on a chunked array first joins every
    chunk into one, copying all ten million strings to pick out a few thousand."""
    ends = np.cumsum([len(chunk) for chunk in column.chunks])
    chunk_of = np.searchsorted(ends, positions, side="right")
    parts: list[pa.Array] = []
    groups: list[np.ndarray] = []
    for chunk_index in np.unique(chunk_of).tolist():
        where = np.flatnonzero(chunk_of == chunk_index)
        start = ends[chunk_index] - len(column.chunks[chunk_index])
        parts.append(column.chunks[chunk_index].take(pa.array(positions[where] - start)))
        groups.append(where)
    return _in_original_order(parts, groups, len(positions), column.type)


def _quarantine(extract: Extract, contract: Contract, problems: pa.Table, withhold: bool
                ) -> pa.Table:
    parts: list[pa.Table] = []
    # File names are the partner's too, and repeated on every row (`=calc.csv` is legal).
    file_name = _inert(pa.array([extract.path.name], pa.string()))[0].as_py()
    if problems.num_rows:
        count = problems.num_rows
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
            "column": problems["column"], "problem": problems["code"],
            "expected": problems["expected"], "found": found,
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

