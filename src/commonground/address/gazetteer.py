"""A gazetteer (the council's LLPG, or AddressBase) read into the matcher's form.

Gazetteers come two ways: split into AddressBase's fields (sub-building, building name and
number, street, town: the way an LLPG export or AddressBase Plus arrives) or as one address
line. Either way each record becomes a UPRN, a line (sub-building, building name, number and
street, the way a partner writes an address), the same line without the building's name or
without its number (partners leave a block's name out; some write only the name), its street,
its postcode, and a bag of words that also holds the organisation and the town.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from commonground.address import normalise
from commonground.errors import InvalidInput

# Field -> the column names that hold it, lower case with spaces and dashes as underscores.
UPRN = ("uprn",)
POSTCODE = ("postcode", "post_code", "postcode_locator", "postal_code")
LINE = ("address", "full_address", "single_line_address", "address_line", "address_concat",
        "address_line_1")
ORGANISATION = ("organisation_name", "organisation", "organization_name")
SUB_BUILDING = ("sub_building_name", "sub_building", "sao_text", "saon")
BUILDING_NAME = ("building_name", "pao_text", "paon")
BUILDING_NUMBER = ("building_number", "pao_start_number", "house_number")
STREET = ("thoroughfare", "street_description", "street_name", "street")
TOWN = ("post_town", "town_name", "town", "locality")


def column_key(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def find_column(columns: Sequence[str], names: Sequence[str]) -> str | None:
    """The first of `columns` whose key is one of `names` (in the order `names` prefers)."""
    by_key = {column_key(c): c for c in columns}
    return next((by_key[n] for n in names if n in by_key), None)


def read_strings(path: Path) -> pa.Table:
    """A CSV or Parquet file, every column as trimmed text ('' as null)."""
    path = Path(path)
    if not path.is_file():
        raise InvalidInput(f"no file at {path}")
    if path.suffix.lower() == ".parquet":
        table = pq.read_table(path)
    else:
        try:
            table = pacsv.read_csv(path, convert_options=pacsv.ConvertOptions(
                strings_can_be_null=True, quoted_strings_can_be_null=True))
        except pa.ArrowInvalid as exc:
            raise InvalidInput(f"{path.name}: not a readable CSV file ({exc})") from None
    arrays = []
    for col in table.columns:
        text = pc.utf8_trim_whitespace(col.cast(pa.string()))
        arrays.append(pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text))
    return pa.table(arrays, names=[n.strip() for n in table.column_names])


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with Path(path).open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _join(parts: list[pa.ChunkedArray | pa.Array]) -> pa.Array:
    """The parts joined by spaces, skipping the missing ones."""
    filled = [pc.fill_null(p, "") for p in parts]
    joined = pc.binary_join_element_wise(*filled, " ")
    return pc.utf8_trim_whitespace(pc.replace_substring_regex(joined, " +", " "))


@dataclass(frozen=True)
class Gazetteer:
    """A gazetteer in the matcher's form: one row per UPRN (see the module's docstring)."""

    # uprn, address (as the gazetteer writes it), line, forms, street, postcode, sector,
    # district, street_postcodes, words, weights
    records: pa.Table
    source: str  # the file's name
    sha256: str  # the file's content hash, to say which gazetteer resolved a package

    def __len__(self) -> int:
        return int(self.records.num_rows)


def gazetteer_from_table(raw: pa.Table, source: str = "gazetteer", sha256: str = ""
                         ) -> Gazetteer:
    """A gazetteer from a table of text columns (AddressBase's fields, or one line)."""
    columns = raw.column_names
    uprn = find_column(columns, UPRN)
    postcode = find_column(columns, POSTCODE)
    if uprn is None or postcode is None:
        missing = " and ".join(n for n, c in (("UPRN", uprn), ("POSTCODE", postcode))
                               if c is None)
        raise InvalidInput(f"{source}: the gazetteer has no {missing} column")
    street_col = find_column(columns, STREET)
    number = find_column(columns, BUILDING_NUMBER)
    if street_col is not None and number is not None:
        parts = {name: (raw[c] if (c := find_column(columns, names)) else None)
                 for name, names in (("sub", SUB_BUILDING), ("building", BUILDING_NAME),
                                     ("organisation", ORGANISATION), ("town", TOWN))}
        nothing = pa.nulls(raw.num_rows, pa.string())
        sub, building = (parts["sub"] or nothing), (parts["building"] or nothing)
        full = _join([sub, building, raw[number], raw[street_col]])
        # Without the building's name, and (for a named building) without its number.
        forms = [full, _join([sub, raw[number], raw[street_col]]),
                 pc.if_else(pc.is_valid(building), _join([sub, building, raw[street_col]]),
                            pa.scalar(None, pa.string()))]
        extra = _join([parts["organisation"] or nothing, parts["town"] or nothing])
        street = normalise.line(raw[street_col])
        town = normalise.fold(parts["town"] or nothing)
    else:
        line_col = find_column(columns, LINE)
        if line_col is None:
            raise InvalidInput(f"{source}: the gazetteer has neither an address line column "
                               "(ADDRESS) nor AddressBase's fields (BUILDING_NUMBER and "
                               "THOROUGHFARE)")
        full = raw[line_col]
        forms = [full]
        extra = pa.nulls(raw.num_rows, pa.string())
        street = town = None
    return _in_form(raw[uprn], full, forms, extra, street, town, raw[postcode], source, sha256)


def _in_form(uprn: pa.ChunkedArray, full: pa.Array, forms: list[pa.Array], extra: pa.Array,
             street: pa.Array | None, town: pa.Array | None, postcode: pa.ChunkedArray,
             source: str, sha256: str) -> Gazetteer:
    line = normalise.line(full)
    normalised_forms = [normalise.line(f) for f in forms]
    form_lists = _rows_as_lists(normalised_forms)
    word_lists = normalise.words(normalise.line(_join([full, extra])))
    code = normalise.postcode(postcode)
    street = street if street is not None else normalise.street(line)
    records = pa.table({
        "uprn": pc.cast(uprn, pa.string()), "address": _plain(full), "line": line,
        "forms": form_lists,
        "street": street, **postcode_parts(code),
        "street_postcodes": street_postcodes(street, town, code),
        "words": word_lists, "weights": normalise.word_weights(word_lists, word_lists),
    })
    records = records.filter(pc.and_(pc.is_valid(records["uprn"]), pc.is_valid(records["line"])))
    return Gazetteer(records, source, sha256)


def _rows_as_lists(arrays: list[pa.Array]) -> pa.ListArray:
    """One list per row holding that row of each array (row-major, as a list's values)."""
    n, k = len(arrays[0]), len(arrays)
    stacked = pa.concat_arrays([_plain(a) for a in arrays])
    order = (np.arange(n)[:, None] + np.arange(k)[None, :] * n).ravel()
    return pa.ListArray.from_arrays(pa.array(np.arange(0, n * k + 1, k), pa.int32()),
                                    stacked.take(pa.array(order)))


def _plain(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values


def street_postcodes(street: pa.Array, town: pa.Array | None, code: pa.Array) -> pa.Array:
    """The postcodes the gazetteer gives a record's street (in its town, where known; else in
    its postcode district), as a list for each record.

    A gazetteer's postcode is sometimes stale, or missing, and a partner's sometimes
    recoded: a postcode used on the record's street says the same street, though another
    postcode (or none) is written against the record itself.
    """
    area = town if town is not None else pc.utf8_slice_codeunits(code, 0, -3)
    key = pc.binary_join_element_wise(street, area, "|")
    table = pa.table({"key": key, "postcode": code})
    known = table.filter(pc.and_(pc.is_valid(table["key"]), pc.is_valid(table["postcode"])))
    lists = known.group_by("key").aggregate([("postcode", "distinct")])
    index = pc.index_in(key, value_set=lists["key"])
    return pc.take(lists["postcode_distinct"], index)


def postcode_parts(code: pa.Array) -> dict[str, pa.Array]:
    """The postcode (squeezed), its sector ("CM12") and its district ("CM1")."""
    return {"postcode": code, "sector": pc.utf8_slice_codeunits(code, 0, -2),
            "district": pc.utf8_slice_codeunits(code, 0, -3)}


def read_gazetteer(path: Path) -> Gazetteer:
    """Read a gazetteer file (CSV or Parquet)."""
    path = Path(path)
    return gazetteer_from_table(read_strings(path), path.name, file_sha256(path))
