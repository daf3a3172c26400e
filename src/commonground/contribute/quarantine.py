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
    """One row per (row, column, code) that failed, with the row's position in the extract.

    Whole-column Arrow operations: a file with hundreds of thousands of bad rows was spending
    seconds in Python loops here.
    """
    bad = checked.filter(pc.not_equal(checked[PROBLEMS], ""))
    items = pc.split_pattern(bad[PROBLEMS], ";")
    flat = pc.list_flatten(items)
    pieces = pc.split_pattern(flat, ":", max_splits=1)
    index = pc.cast(pc.list_element(pieces, 0), pa.int64())
    codes = pc.list_element(pieces, 1)
    rows = pc.take(bad[ROW], pc.list_parent_indices(items))
    # _row ascends in every reader's table: a binary search, not a hash of every row.
    position = np.searchsorted(extract.table[ROW].to_numpy(), rows.to_numpy())
    return pa.table({"item": flat, "index": index, "code": codes, "row": rows,
                     "position": pa.array(position, pa.int64())})


def _quarantine(extract: Extract, contract: Contract, problems: pa.Table, withhold: bool
                ) -> pa.Table:
    parts: list[pa.Table] = []
    # File names are the partner's too, and repeated on every row (`=calc.csv` is legal).
    file_name = _inert(pa.array([extract.path.name], pa.string()))[0].as_py()
    if problems.num_rows:
        index = problems["index"].to_numpy()
        names = pc.take(pa.array(contract.names, pa.string()), problems["index"])
        pairs = pc.unique(problems["item"])
        meanings = pa.array([expected_text(contract.columns[int(i)], code) for i, code in
                             (item.split(":", 1) for item in pairs.to_pylist())], pa.string())
        expected = pc.take(meanings, pc.index_in(problems["item"], value_set=pairs))
        # What was found comes from the file's own text, column by column.
        order: list[np.ndarray] = []
        found: list[pa.Array] = []
        for column_index in np.unique(index).tolist():
            column = contract.columns[column_index]
            where = np.flatnonzero(index == column_index)
            order.append(where)
            if withhold and (column.is_identifier or column.role == "free_text"):
                found.append(pa.array([WITHHELD] * len(where), pa.string()))
            elif column.name not in extract.table.column_names:
                found.append(pa.nulls(len(where), pa.string()))
            else:
                positions = pc.take(problems["position"], pa.array(where))
                values = pc.take(extract.table[column.name], positions)
                found.append(_shown(values.combine_chunks()
                                    if isinstance(values, pa.ChunkedArray) else values))
        back = np.empty(len(index), dtype=np.int64)
        back[np.concatenate(order)] = np.arange(len(index))
        found_all = pc.take(pa.concat_arrays([f.cast(pa.string()) for f in found]),
                            pa.array(back))
        parts.append(pa.table({
            "file": pa.array([file_name] * len(index), pa.string()),
            "row": problems["row"], "line": pa.nulls(len(index), pa.int64()),
            "column": names, "problem": problems["code"], "expected": expected,
            "found": found_all,
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

