"""Normalising identifiers before they are hashed, so that trivial differences do not matter.

Everything here is vectorised with Arrow compute, and runs once per distinct value: a county's
ten million records hold far fewer distinct names, dates and postcodes than rows.
"""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc

# Letters that Unicode does not decompose into a base letter and an accent.
_UNDECOMPOSED = {"ł": "l", "ø": "o", "ß": "ss", "đ": "d", "ð": "d", "æ": "ae", "œ": "oe",
                 "ı": "i", "þ": "th", "ŀ": "l", "ħ": "h"}

# Common street-type abbreviations, expanded so "12 High St." equals "12 high street".
STREET_WORDS = {"st": "street", "rd": "road", "ave": "avenue", "av": "avenue", "ln": "lane",
                "dr": "drive", "cl": "close", "ct": "court", "cres": "crescent",
                "gdns": "gardens", "gr": "grove", "pl": "place", "sq": "square",
                "ter": "terrace", "terr": "terrace", "wy": "way", "pde": "parade",
                "apt": "flat", "apartment": "flat"}


def fold(values: pa.Array) -> pa.Array:
    """Lower case, accents removed, punctuation to spaces, spaces collapsed; '' becomes null."""
    text = pc.utf8_normalize(pc.utf8_lower(values), "NFKD")
    text = pc.replace_substring_regex(text, r"\p{Mn}", "")
    for letter, plain in _UNDECOMPOSED.items():
        text = pc.replace_substring(text, letter, plain)
    text = pc.replace_substring_regex(text, r"['’`]", "")  # O'Brien -> obrien
    text = pc.replace_substring_regex(text, r"[^a-z0-9]+", " ")
    text = pc.utf8_trim_whitespace(text)
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def name_order(values: pa.Array) -> pa.Array:
    """'Surname, Forename' becomes 'Forename Surname' (the comma is how councils write it)."""
    return pc.replace_substring_regex(values, r"^\s*([^,]+?)\s*,\s*(.+?)\s*$", r"\2 \1")


def full_name(values: pa.Array) -> pa.Array:
    return fold(name_order(values))


def address(values: pa.Array) -> pa.Array:
    folded = fold(values)
    words = [f"\\b{short}\\b" for short in STREET_WORDS]
    out = folded
    for pattern, (_, long) in zip(words, STREET_WORDS.items(), strict=True):
        out = pc.replace_substring_regex(out, pattern, long)
    # "Flat 2, 1 Mill Road" and "2 1 Mill Road" are one flat, written two ways by partners: the
    # word before a flat's number carries nothing ("1 Mill Road", the building, stays apart).
    return pc.replace_substring_regex(out, r"^(?:flat|unit|room) ([0-9][a-z0-9]*) ", r"\1 ")


def postcode(values: pa.Array) -> pa.Array:
    squeezed = pc.replace_substring_regex(pc.utf8_upper(values), r"[^A-Z0-9]", "")
    valid = pc.match_substring_regex(squeezed, r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
    return pc.if_else(pc.fill_null(valid, False), squeezed, pa.scalar(None, pa.string()))


def digits(values: pa.Array) -> pa.Array:
    only = pc.replace_substring_regex(values, r"[^0-9]", "")
    return pc.if_else(pc.equal(only, ""), pa.scalar(None, pa.string()), only)


def email(values: pa.Array) -> pa.Array:
    trimmed = pc.utf8_lower(pc.utf8_trim_whitespace(values))
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)



def uprn(values: pa.Array) -> pa.Array:
    """A UPRN's digits without leading zeros (systems pad it to twelve digits, or not)."""
    only = pc.replace_substring_regex(pc.cast(values, pa.string()), r"[^0-9]", "")
    stripped = pc.replace_substring_regex(only, r"^0+", "")
    return pc.if_else(pc.equal(stripped, ""), pa.scalar(None, pa.string()), stripped)
