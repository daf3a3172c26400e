"""Address lines brought to one form, and the parts the matcher compares, with Arrow compute.

A line is folded (lower case, accents and punctuation gone), its street abbreviations written
out, and the words that only announce a flat's number dropped ("Flat 2, 14 Mill Rd" and
"2 14 mill road" are one line). From it come its *numeric tokens* (flat and house numbers,
"14a"), in order, which must agree for two lines to be one address; its *street* (the words
after the last number); and its *words*, compared by overlap weighted by how rare each word
is in the gazetteer (as the MoJ's uk-address-matcher does).

Kept apart from `contribute.normalise`, which makes the hub's address tokens: this room sits
below contribute (which calls it at source) and its forms are the matcher's own.
"""

from __future__ import annotations

import math

import pyarrow as pa
import pyarrow.compute as pc

ABBREVIATIONS = {"st": "street", "rd": "road", "ave": "avenue", "av": "avenue", "ln": "lane",
                 "dr": "drive", "cl": "close", "ct": "court", "cres": "crescent",
                 "gdns": "gardens", "gr": "grove", "pl": "place", "sq": "square",
                 "ter": "terrace", "terr": "terrace", "wy": "way", "pde": "parade",
                 "ho": "house", "hse": "house"}
# Words that say "what follows is a flat's number": the number says it all.
SUB_BUILDING_WORDS = ("flat", "flats", "apartment", "apt", "unit", "room", "no")
_NUMERIC = r"[a-z]*[0-9][a-z0-9]*"


def fold(values: pa.Array) -> pa.Array:
    """Lower case, accents removed, '&' as 'and', punctuation to spaces; '' becomes null."""
    text = pc.utf8_normalize(pc.utf8_lower(values), "NFKD")
    text = pc.replace_substring_regex(text, r"\p{Mn}", "")
    text = pc.replace_substring_regex(text, r"['’`]", "")
    text = pc.replace_substring(text, "&", " and ")
    text = pc.replace_substring_regex(text, r"[^a-z0-9]+", " ")
    return _blank_to_null(pc.utf8_trim_whitespace(text))


def _blank_to_null(text: pa.Array) -> pa.Array:
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text)


def _squeeze(text: pa.Array) -> pa.Array:
    return _blank_to_null(pc.utf8_trim_whitespace(pc.replace_substring_regex(text, " +", " ")))


def line(values: pa.Array) -> pa.Array:
    """The matcher's form of an address line."""
    out = fold(values)
    for short, long in ABBREVIATIONS.items():
        out = pc.replace_substring_regex(out, f"\\b{short}\\b", long)
    words = "|".join(SUB_BUILDING_WORDS)
    # "flat 2" and "2" are one flat; "14 flats road" stays a street (a word, then a word).
    out = pc.replace_substring_regex(out, f"\\b(?:{words}) ([0-9])", r"\1")
    return _squeeze(out)


def postcode(values: pa.Array) -> pa.Array:
    """A UK postcode squeezed and upper case ("CM12AB"); null unless it has a postcode's shape."""
    squeezed = pc.replace_substring_regex(pc.utf8_upper(values), r"[^A-Z0-9]", "")
    valid = pc.match_substring_regex(squeezed, r"^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$")
    return pc.if_else(pc.fill_null(valid, False), squeezed, pa.scalar(None, pa.string()))


def numbers(lines: pa.Array) -> pa.Array:
    """The numeric tokens of each line, in order, space-separated ("2 14"); null for none."""
    return _squeeze(pc.replace_substring_regex(lines, r"\b[a-z]+\b", ""))


def last_number(numbers_: pa.Array) -> pa.Array:
    """The last numeric token: the building's number where a flat's comes first."""
    return _blank_to_null(pc.replace_substring_regex(numbers_, r"^.* ", ""))


def street(lines: pa.Array) -> pa.Array:
    """The words after the last numeric token (all of them where there is none)."""
    return _squeeze(pc.replace_substring_regex(lines, f"^.*\\b{_NUMERIC}\\b", ""))


def words(lines: pa.Array) -> pa.Array:
    """The words of each line that are not numeric tokens, as a list."""
    only = _squeeze(pc.replace_substring_regex(lines, f"\\b{_NUMERIC}\\b", " "))
    lists = pc.split_pattern(only, " ")
    return pc.if_else(pc.is_null(lists), pa.scalar([], pa.list_(pa.string())), lists)


def word_weights(word_lists: pa.Array, reference: pa.Array) -> pa.Array:
    """Each word's weight, aligned with `word_lists`: -log2 of the share of `reference` lists
    (the gazetteer's) that hold it. A word the gazetteer does not know weighs as the rarest."""
    flat_reference = pc.list_flatten(reference)
    parents = pc.list_parent_indices(reference)
    pairs = pa.table({"word": flat_reference, "row": parents})
    counts = pairs.group_by("word").aggregate([("row", "count_distinct")])
    total = max(len(reference), 1)
    weight = pc.negate(pc.log2(pc.divide(pc.cast(counts["row_count_distinct"], pa.float64()),
                                         float(total))))
    lists = word_lists.combine_chunks() if isinstance(word_lists, pa.ChunkedArray) else word_lists
    index = pc.index_in(lists.values, value_set=counts["word"])
    looked = pc.fill_null(pc.take(weight.combine_chunks(), index), math.log2(total))
    return pa.ListArray.from_arrays(lists.offsets, looked)
