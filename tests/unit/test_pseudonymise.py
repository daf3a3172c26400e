"""Normalising and tokenising identifiers: what must match, what must not, what must not leak."""

from __future__ import annotations

import stat
from datetime import date
from pathlib import Path

import pyarrow as pa
import pytest

from commonground.contribute.contract import parse_contract
from commonground.contribute.keys import KeyError_, PartnershipKey, create_key, load_key
from commonground.contribute.pseudonymise import (
    TOKEN_PATTERN,
    Tokeniser,
    derived_values,
    pseudonymise,
)

KEY = PartnershipKey(b"x" * 32)


def plain(kind: str, *values: object) -> dict[str, list[object]]:
    return {k: v.to_pylist() for k, v in derived_values(kind, pa.array(values)).items()}


def test_names_fold_case_accents_punctuation_and_order() -> None:
    got = plain("full_name", "Popescu, Ştefan", "ŞTEFAN  POPESCU", "Stefan Popescu",
                "O'Brien-Smith, Zoë")
    assert got["token"][:3] == ["stefan popescu"] * 3
    assert got["token"][3] == "zoe obrien smith"
    assert got["family"][:3] == ["popescu"] * 3


def test_letters_without_decomposition_are_mapped() -> None:
    assert plain("family_name", "Łukasiewicz", "Søren", "Weiß")["token"] == [
        "lukasiewicz", "soren", "weiss"]


def test_nicknames_share_a_canonical_token() -> None:
    got = plain("given_name", "Bob", "Robert", "Wojtek", "Wojciech")
    assert got["canonical"] == ["robert", "robert", "wojciech", "wojciech"]


def test_a_nickname_meets_every_name_it_may_stand_for() -> None:
    got = plain("full_name", "Kate Smith", "Katherine Smith", "Kathy Smith", "Sam Smith",
                "Samantha Smith", "Samuel Smith", "Susan Smith")
    forms = [set(f.split(" ")) for f in got["given_forms"]]
    kate, katherine, kathy, sam, samantha, samuel, susan = forms
    assert kate & katherine and kate & kathy
    assert sam & samantha and sam & samuel and not samantha & samuel
    assert not susan & (kate | sam)
    # Tokenised element by element, in one domain for given names and full names' parts.
    tokeniser = Tokeniser(KEY)
    sets = tokeniser.token_sets("full_name.given_forms", pa.array(got["given_forms"][:2]))
    one = tokeniser.tokens("given_name.forms", pa.array(["katherine"])).to_pylist()[0]
    assert one in sets[0].as_py().split(" ") and sets[1].as_py() == one


def test_swapped_letters_share_the_letters_token() -> None:
    got = plain("full_name", "Isla Dunowell", "Isal Dunowlel", "Sila Dunowell", "Ian Dunowell")
    assert len(set(got["given_letters"][:3])) == 1 != len(set(got["given_letters"]))
    assert len(set(got["family_letters"])) == 1
    # One token domain for every name kind: a given-name column meets a full name's part.
    assert plain("given_name", "Isal")["letters"] == got["given_letters"][:1]
    tokeniser = Tokeniser(KEY)
    one = pa.array(["ails"])
    assert (tokeniser.tokens("given_name.letters", one).to_pylist()
            == tokeniser.tokens("full_name.given_letters", one).to_pylist())


def test_swapped_day_and_month_share_the_unordered_token() -> None:
    got = plain("dob", date(1990, 11, 3), date(1990, 3, 11), date(1990, 3, 12))
    assert got["unordered"][0] == got["unordered"][1] != got["unordered"][2]
    assert got["token"][0] != got["token"][1]


def test_postcodes_squeeze_and_give_sector_and_district() -> None:
    got = plain("postcode", "cm1 1aa", "CM11AA", " CM1  1AA ", "not a postcode")
    assert got["token"] == ["CM11AA"] * 3 + [None]
    assert got["sector"][0] == "CM1 1" and got["district"][0] == "CM1"


def test_addresses_expand_abbreviations() -> None:
    got = plain("address", "Flat 2, 14 High St.", "14 high street", "14 High Street")
    assert got["token"][1] == got["token"][2] == "14 high street"
    assert got["street"] == ["high street"] * 3


def test_tokens_are_keyed_hex_and_domain_separated() -> None:
    tokeniser = Tokeniser(KEY)
    a = tokeniser.tokens("family_name.token", pa.array(["smith", None]))
    b = tokeniser.tokens("address.token", pa.array(["smith"]))
    other = Tokeniser(PartnershipKey(b"y" * 32)).tokens("family_name.token", pa.array(["smith"]))
    assert pa.compute.match_substring_regex(a.drop_null(), TOKEN_PATTERN).to_pylist() == [True]
    assert a[1].as_py() is None
    assert a[0] != b[0] and a[0] != other[0]


def test_pseudonymise_drops_every_raw_identifier() -> None:
    contract = parse_contract({"name": "t", "columns": [
        {"name": "ref", "type": "string"},
        {"name": "name", "type": "string", "role": "identifier", "identifier": "full_name"},
        {"name": "dob", "type": "date", "role": "identifier", "identifier": "dob"},
    ]})
    table = pa.table({"ref": ["r1", "r2"], "name": ["Ann Lee", "Ann Lee"],
                      "dob": pa.array([date(1980, 1, 2), None])})
    out = pseudonymise(table, contract, Tokeniser(KEY), bloom=True)
    assert "name" not in out.column_names and "dob" not in out.column_names
    assert out.column("ref").to_pylist() == ["r1", "r2"]
    assert out.column("name__token")[0] == out.column("name__token")[1]
    assert out.column("dob__token")[1].as_py() is None
    assert len(out.column("name__given_bloom")[0].as_py()) == 256  # 1,024 bits as hex
    assert "name__bloom" not in out.column_names  # a full name is filtered part by part
    text = str(out.to_pylist())
    assert "Ann" not in text and "1980" not in text


def test_a_full_names_parts_share_bloom_filters_with_separate_name_columns() -> None:
    """A council's full name and a hospital's given/family names compare by spelling."""
    contract = parse_contract({"name": "t", "columns": [
        {"name": "full", "type": "string", "role": "identifier", "identifier": "full_name"},
        {"name": "given", "type": "string", "role": "identifier", "identifier": "given_name"},
        {"name": "family", "type": "string", "role": "identifier",
         "identifier": "family_name"},
    ]})
    table = pa.table({"full": ["Archie Jones"], "given": ["Archie"], "family": ["Jones"]})
    out = pseudonymise(table, contract, Tokeniser(KEY), bloom=True).to_pylist()[0]
    assert out["full__given_bloom"] == out["given__bloom"]
    assert out["full__family_bloom"] == out["family__bloom"]
    assert out["full__given_bloom"] != out["full__family_bloom"]


def test_key_file_is_private_never_overwritten_never_printed(tmp_path: Path) -> None:
    path = tmp_path / "keys" / "partnership.key"
    key = create_key(path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_key(path) == key
    assert key.secret.hex() not in repr(key) and key.fingerprint in repr(key)
    with pytest.raises(KeyError_, match="never overwritten"):
        create_key(path)
    path.write_text("not hex")
    with pytest.raises(KeyError_, match="not a partnership key"):
        load_key(path)
