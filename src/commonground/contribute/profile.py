"""What a file's text columns can hold, read off the raw bytes before validation.

Validation checks every value for spaces to trim, NUL bytes, over-long text and formula
starts. Most columns of most files have none of these, and the checks cost more than the rest
of validation together. A profile made from the Arrow buffers (one vectorised pass, no string
is copied) says which checks cannot fail for a column, and the validation SQL leaves them out.
The profile only ever removes checks that are certain to pass, so the accepted and quarantined
rows are the same with or without it, on every engine.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

# First bytes that start a value an engine's trim() may change: a space, or the lead byte of
# a multi-byte Unicode space (U+00A0, U+1680, U+2000-U+205F, U+3000; DuckDB trims some).
_TRIM_FIRST = np.zeros(256, dtype=bool)
_TRIM_FIRST[[0x20, 0xC2, 0xE1, 0xE2, 0xE3]] = True
# Last bytes of those characters (a space, or the final byte of a multi-byte space).
_TRIM_LAST = np.zeros(256, dtype=bool)
_TRIM_LAST[[0x20, 0x85, 0x9F, 0xA0, 0xA8, 0xA9, 0xAF, *range(0x80, 0x8B)]] = True
# First characters that make a value look like a spreadsheet formula (see validate.py).
_FORMULA_FIRST = np.zeros(256, dtype=bool)
_FORMULA_FIRST[[ord(c) for c in "=@+-\t\r\n"]] = True


@dataclass(frozen=True)
class TextProfile:
    """For one text column: which kinds of value it holds at all."""

    padded: bool  # some value may start or end with a space an engine would trim
    nul: bool  # some value holds a NUL byte
    max_bytes: int  # the longest value, in UTF-8 bytes (never fewer than its characters)
    formula_start: bool  # some value starts like a formula

    @classmethod
    def unknown(cls) -> TextProfile:
        """Assume everything: every check stays."""
        return cls(padded=True, nul=True, max_bytes=1 << 62, formula_start=True)


def profile_column(column: pa.ChunkedArray | pa.Array) -> TextProfile:
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    padded = nul = formula = False
    longest = 0
    for chunk in chunks:
        if len(chunk) == 0:
            continue
        if not (pa.types.is_string(chunk.type) or pa.types.is_large_string(chunk.type)):
            return TextProfile.unknown()
        width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
        _, offsets_buffer, data_buffer = chunk.buffers()
        offsets = np.frombuffer(offsets_buffer, dtype=width)[chunk.offset:
                                                            chunk.offset + len(chunk) + 1]
        if data_buffer is None or offsets[-1] == offsets[0]:
            continue  # every value empty
        data = np.frombuffer(data_buffer, dtype=np.uint8)[offsets[0]:offsets[-1]]
        starts = offsets[:-1] - offsets[0]
        # An empty value's first byte is read as its neighbour's (a byte that is checked in
        # its own right); at the very ends the index is clipped, which can only add a check.
        first = np.bincount(data[np.minimum(starts, len(data) - 1)], minlength=256)
        last = np.bincount(data[np.maximum(offsets[1:] - offsets[0] - 1, 0)], minlength=256)
        padded = padded or bool(first[_TRIM_FIRST].any() or last[_TRIM_LAST].any())
        formula = formula or bool(first[_FORMULA_FIRST].any())
        nul = nul or bool(data.min() == 0)  # a reduction: no mask of the whole text
        longest = max(longest, int(np.diff(offsets).max()))
    return TextProfile(padded=padded, nul=nul, max_bytes=longest, formula_start=formula)


def profile_table(table: pa.Table, columns: list[str]) -> dict[str, TextProfile]:
    return {name: profile_column(table.column(name)) for name in columns}
