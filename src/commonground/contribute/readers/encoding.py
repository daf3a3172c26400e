"""Which text encoding a delimited file is in, and whether it holds any double quote.

UTF-8 (with or without BOM), UTF-16 (by BOM, or by its NULs when the BOM is missing), else
Windows-1252 as councils' Excel writes; a UTF-8 file with a stray foreign byte is refused rather
than read as Windows-1252 with every accented letter garbled.
"""

from __future__ import annotations

import codecs
import itertools
import mmap
import re
from collections.abc import Iterator
from pathlib import Path

from commonground.contribute.readers.base import ReadError


def detect_encoding(path: Path) -> str:
    """UTF-8 (with or without BOM), UTF-16 by BOM, else Windows-1252 as councils' Excel writes."""
    return scan(path)[0]


def scan(path: Path) -> tuple[str, bool]:
    """(encoding, whether the file has any double quote) in one pass over the bytes.

    Without quotes no field can hold a newline, and the CSV parser can split the file at
    any line: about twice as fast.
    """
    quoted = False
    with path.open("rb") as fh:
        head = fh.read(4)
        if head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            return "utf-16", True  # quotes cannot be seen in the raw bytes: assume some
        else:
            encoding = "utf-8"
        fh.seek(0)
        # UTF-16 without a byte-order mark is valid UTF-8 (text with a NUL after or before
        # every letter), so it was read as UTF-8 and its header never matched any contract.
        wide = _utf16_without_bom(fh.read(4096))
        if wide:
            return wide, True
        fh.seek(0)
        decoder = codecs.getincrementaldecoder("utf-8")()
        consumed, multibyte = 0, False
        for block in iter(lambda: fh.read(16 << 20), b""):
            quoted = quoted or b'"' in block
            if encoding != "cp1252":
                pending = len(decoder.getstate()[0])
                try:
                    decoder.decode(block)
                except UnicodeDecodeError as exc:
                    # UTF-8 letters before a byte UTF-8 forbids: a UTF-8 file with a stray byte
                    # (or two files pasted together). Read as Windows-1252 every ë in it would
                    # silently become Ã«, so the file is refused instead. Two letters at least:
                    # Windows-1252 text can hold one by chance ('é££' is valid UTF-8).
                    at = max(exc.start - pending, 0)
                    if (multibyte or not block[:at].isascii()) and _utf8_letters(
                            path, consumed + at) >= 2:
                        _refuse_mixed(path, consumed + at, block[at])
                    encoding = "cp1252"
                multibyte = multibyte or not block.isascii()
            consumed += len(block)
        if encoding != "cp1252":
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                encoding = "cp1252"
    return encoding, quoted


def _utf16_without_bom(head: bytes) -> str | None:
    """'utf-16-le' or 'utf-16-be' when the bytes look like UTF-16 text that has no BOM."""
    even, odd = head[0::2], head[1::2]
    if len(head) < 8:
        return None
    if odd.count(0) >= 0.4 * len(odd) and even.count(0) <= 0.05 * len(even):
        return "utf-16-le"
    if even.count(0) >= 0.4 * len(even) and odd.count(0) <= 0.05 * len(odd):
        return "utf-16-be"
    return None


_UTF8_LEAD = re.compile(rb"[\xc2-\xf4]")


def _prefix_blocks(path: Path, end: int) -> Iterator[bytes]:
    with path.open("rb") as fh:
        while end > 0:
            block = fh.read(min(end, 16 << 20))
            if not block:
                return
            end -= len(block)
            yield block


def _utf8_letters(path: Path, end: int, enough: int = 2) -> int:
    """How many UTF-8 multi-byte letters the (valid UTF-8) bytes before `end` hold, up to
    `enough`."""
    found = 0
    for block in _prefix_blocks(path, end):
        found += len(list(itertools.islice(_UTF8_LEAD.finditer(block), enough - found)))
        if found >= enough:
            break
    return found


def _refuse_mixed(path: Path, offset: int, byte: int) -> None:
    line = sum(block.count(b"\n") for block in _prefix_blocks(path, offset)) + 1
    raise ReadError(path, f"mixes encodings: it is UTF-8 before line {line}, which has a byte "
                          f"(0x{byte:02x}) UTF-8 does not allow; save it as UTF-8 and send it "
                          "again")


def quick_scan(path: Path) -> tuple[str, bool]:
    """Like `scan`, but trusts a file without a byte-order mark to be UTF-8.

    The CSV parser checks UTF-8 itself as it converts each field, so the common file pays only
    for a search for quotes (memchr speed); the rare file that is not UTF-8 fails in the
    parser and is scanned in full (`read_csv`). Scanning every file first cost a quarter of
    reading it.
    """
    with path.open("rb") as fh:
        head = fh.read(4096)
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _utf16_without_bom(
                head):
            return scan(path)
        encoding = "utf-8-sig" if head.startswith(codecs.BOM_UTF8) else "utf-8"
        # Searched in place (memory-mapped): reading the file into blocks copied every byte.
        with mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            quoted = mapped.find(b'"') != -1
    return encoding, quoted
