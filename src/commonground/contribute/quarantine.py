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


def quarantine_table(extract: Extract, contract: Contract, checked: pa.Table,
                     withhold: bool) -> pa.Table:
    """One row per problem found: validation problems of `checked` plus the reader's rejections.

    `withhold` replaces what was found in identifier and free-text columns by a marker.
    """
    bad = checked.filter(pc.not_equal(checked[PROBLEMS], ""))
    parts: list[pa.Table] = []
    # File names are the partner's too, and repeated on every row (`=calc.csv` is legal).
    file_name = _inert(pa.array([extract.path.name], pa.string()))[0].as_py()
    if bad.num_rows:
        items = pc.split_pattern(bad[PROBLEMS], ";")
        parents = pc.list_parent_indices(items)
        flat = pc.list_flatten(items)
        pieces = pc.split_pattern(flat, ":", max_splits=1)
        index = pc.cast(pc.list_element(pieces, 0), pa.int64()).to_pylist()
        codes = pc.list_element(pieces, 1).to_pylist()
        rows = pc.take(bad[ROW], parents)
        names = [contract.columns[i].name for i in index]
        meanings = {(i, code): expected_text(contract.columns[i], code)
                    for i, code in set(zip(index, codes, strict=True))}
        expected = [meanings[i, code] for i, code in zip(index, codes, strict=True)]
        # What was found comes from the file's own text, looked up by row number.
        # _row ascends in every reader's table: a binary search, not a hash of every row.
        raw_rows = extract.table[ROW].to_numpy()
        position = pa.array(np.searchsorted(raw_rows, rows.to_numpy()))
        found: list[str | None] = [None] * len(names)
        for column_name in sorted(set(names)):
            column = contract.column(column_name)
            hidden = withhold and (column.is_identifier or column.role == "free_text")
            if column_name not in extract.table.column_names:
                continue
            mask = [n == column_name for n in names]
            where = [i for i, m in enumerate(mask) if m]
            if hidden:
                for i in where:
                    found[i] = WITHHELD
                continue
            values = _shown(pc.take(extract.table[column_name],
                                    pc.take(position, pa.array(where))))
            for i, value in zip(where, values.to_pylist(), strict=True):
                found[i] = value
        parts.append(pa.table({
            "file": pa.array([file_name] * len(names), pa.string()),
            "row": rows, "line": pa.nulls(len(names), pa.int64()),
            "column": pa.array(names, pa.string()), "problem": pa.array(codes, pa.string()),
            "expected": pa.array(expected, pa.string()), "found": pa.array(found, pa.string()),
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

