"""Pseudonymisation at source: direct identifiers become keyed tokens before leaving a partner.

Each identifier is normalised (`normalise.py`) and replaced by HMAC-SHA256 tokens under the
partnership key, with a kind prefix so a surname and a street never share a token. Beside the
exact token sit derived tokens that keep fuzzy linkage possible without the raw value: a
phonetic code of each name, the canonical form of a nickname (Bob -> Robert), the names a
nickname may stand for (Kate -> Katherine, Kathryn, ...), the name's letters and its parts
in any order, a date of birth with day and month unordered (catches swapped dates), its year,
and the postcode's sector and district. Optional keyed Bloom filters of names and addresses
(bigrams, as in Schnell et al.'s cryptographic long-term keys) allow a Dice similarity.

Work is done once per distinct value, then spread back to the rows with `take`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from functools import cache
from typing import Any

import jellyfish
import pyarrow as pa
import pyarrow.compute as pc

from commonground.contribute import normalise
from commonground.contribute.contract import Column, Contract
from commonground.contribute.keys import PartnershipKey

TOKEN_PATTERN = "^[0-9a-f]{64}$"
TOKEN_SET_PATTERN = "^[0-9a-f]{64}( [0-9a-f]{64})*$"  # a set: tokens, space-separated
BLOOM_BITS = 1024
BLOOM_HASHES = 20

# Canonical given names and the nicknames partners record instead (English usage; the
# transliteration variants of other communities are caught by the phonetic token).
NICKNAMES: dict[str, tuple[str, ...]] = {
    "robert": ("bob", "bobby", "rob", "robbie", "bert"),
    "william": ("bill", "billy", "will", "willy", "liam"),
    "richard": ("rick", "ricky", "dick", "rich", "richie"),
    "james": ("jim", "jimmy", "jamie"),
    "john": ("jack", "johnny", "jon"),
    "margaret": ("maggie", "meg", "peggy", "marge"),
    "elizabeth": ("liz", "lizzie", "beth", "betty", "eliza", "libby"),
    "katherine": ("kate", "katie", "kathy", "kath", "kat"),
    "catherine": ("cathy", "cath", "kate", "katie"),
    "michael": ("mike", "mick", "micky", "mikey"),
    "thomas": ("tom", "tommy"),
    "christopher": ("chris", "kit"),
    "anthony": ("tony", "ant"),
    "edward": ("ed", "eddie", "ted", "teddy", "ned"),
    "daniel": ("dan", "danny"),
    "matthew": ("matt", "matty"),
    "joseph": ("joe", "joey"),
    "david": ("dave", "davey"),
    "stephen": ("steve", "stevie"),
    "steven": ("steve", "stevie"),
    "jennifer": ("jen", "jenny"),
    "rebecca": ("becky", "becca"),
    "victoria": ("vicky", "tori"),
    "samuel": ("sam", "sammy"),
    "samantha": ("sam", "sammie"),
    "alexander": ("alex", "sasha", "xander"),
    "alexandra": ("alex", "sasha", "lexi"),
    "benjamin": ("ben", "benny"),
    "nicholas": ("nick", "nicky"),
    "patrick": ("pat", "paddy"),
    "susan": ("sue", "suzy"),
    "deborah": ("debbie", "deb"),
    "jacqueline": ("jackie",),
    "patricia": ("pat", "patty", "trish"),
    "charlotte": ("charlie", "lottie"),
    "frederick": ("fred", "freddie"),
    "henry": ("harry", "hal"),
    "andrew": ("andy", "drew"),
    "jonathan": ("jon", "jonny"),
    "timothy": ("tim", "timmy"),
    "peter": ("pete",),
    "gregory": ("greg",),
    "kenneth": ("ken", "kenny"),
    "ronald": ("ron", "ronnie"),
    "donald": ("don", "donny"),
    "aleksandra": ("ola", "ala"),
    "aleksander": ("olek",),
    "wojciech": ("wojtek", "voytek"),
    "malgorzata": ("gosia", "malgosia"),
    "katarzyna": ("kasia",),
    "gheorghe": ("george", "gica"),
    "ionut": ("ionel",),
}
CANONICAL: dict[str, str] = {nick: full for full, nicks in NICKNAMES.items() for nick in nicks}

# Output column suffixes, in the order they are added.
DERIVED: dict[str, tuple[str, ...]] = {
    "given_name": ("token", "canonical", "phonetic", "letters", "forms"),
    "family_name": ("token", "phonetic", "letters"),
    "full_name": ("token", "sorted", "given", "family", "given_canonical", "given_phonetic",
                  "family_phonetic", "given_letters", "family_letters", "given_forms"),
    "dob": ("token", "unordered", "year"),
    "postcode": ("token", "sector", "district"),
    "address": ("token", "street"),
    "nhs_number": ("token",),
    "phone": ("token",),
    "email": ("token",),
    "uprn": ("token",),
    "other_id": ("token",),
}


# Bloom filters per identifier kind: output suffix -> (the Bloom domain, which part). A full
# name gets one filter per part, so that a council's "Archie Jones" and a hospital's given
# name "Achie" can be compared by spelling. Given and family names share one domain, as
# their tokens do (SHARED_DOMAINS): a reversed name with a typo ("Wokd Osphie", "Sophie
# Wood") is then still recognised.
BLOOMS: dict[str, dict[str, tuple[str, str]]] = {
    "given_name": {"bloom": ("name", "all")},
    "family_name": {"bloom": ("name", "all")},
    "full_name": {"given_bloom": ("name", "first"), "family_bloom": ("name", "last")},
    "address": {"bloom": ("address", "all")},
}


# An address resolved at source against the gazetteer (`contribute.resolution`): its UPRN, in
# the domain of a declared UPRN column's token, so that both meet at the hub, and the score.
UPRN_SUFFIXES = ("uprn", "uprn_score")
UPRN_DOMAIN = "uprn.token"


def uprn_tokens(tokeniser: Tokeniser, uprns: pa.Array) -> pa.Array:
    """The keyed tokens of UPRNs, as a declared `uprn` column's are made."""
    return tokeniser.tokens(UPRN_DOMAIN, normalise.uprn(uprns))


def token_columns(column: Column, bloom: bool = False) -> list[str]:
    """The names of the token columns that replace identifier `column`."""
    kind = column.identifier or "other_id"
    names = [f"{column.name}__{part}" for part in DERIVED[kind]]
    if bloom:
        names += [f"{column.name}__{suffix}" for suffix in BLOOMS.get(kind, {})]
    return names


# Hash domains shared across identifier kinds, so that the hub can compare concepts that
# partners record under different kinds: a council's full name yields `__given`/`__family`
# tokens that must equal an NHS extract's given_name/family_name tokens for linkage to work
# on tokens alone. Given and family names also share one domain so that a reversed name
# (surname written as forename) still matches at the hub; that reveals only that a string is
# used both as a given and a family name, which the names themselves already say. Every
# other kind keeps its own domain ('kind.suffix'), so a surname and a street never collide.
SHARED_DOMAINS: dict[str, str] = {
    "given_name.token": "name", "family_name.token": "name",
    "full_name.given": "name", "full_name.family": "name",
    "given_name.phonetic": "name.phonetic", "family_name.phonetic": "name.phonetic",
    "full_name.given_phonetic": "name.phonetic", "full_name.family_phonetic": "name.phonetic",
    "given_name.canonical": "name.canonical", "full_name.given_canonical": "name.canonical",
    "given_name.letters": "name.letters", "family_name.letters": "name.letters",
    "full_name.given_letters": "name.letters", "full_name.family_letters": "name.letters",
    "given_name.forms": "name.forms", "full_name.given_forms": "name.forms",
}
# Derived values that are sets: each element is tokenised, the tokens kept space-separated.
SETS = frozenset({"forms", "given_forms"})


def domain(kind: str) -> str:
    """The hash domain of a token kind such as 'full_name.given' (see SHARED_DOMAINS)."""
    return SHARED_DOMAINS.get(kind, kind)


class Tokeniser:
    """Keyed tokens for one partnership key; safe to reuse across files."""

    def __init__(self, key: PartnershipKey) -> None:
        self._base = hmac.new(key.secret, digestmod=hashlib.sha256)
        self._bloom_base = hmac.new(key.secret + b"bloom", digestmod=hashlib.sha256)

    def _hasher(self, kind: str) -> Callable[[str], str]:
        """HMAC-SHA256 of 'domain:value', as hex."""
        prefix = domain(kind).encode() + b":"
        base = self._base

        def one(value: str) -> str:
            h = base.copy()
            h.update(prefix + value.encode())
            return h.hexdigest()

        return one

    def tokens(self, kind: str, values: pa.Array) -> pa.Array:
        """The keyed token of each value (null stays null), once per distinct value."""
        return _per_distinct(values, self._hasher(kind))

    def token_sets(self, kind: str, values: pa.Array) -> pa.Array:
        """Space-separated plaintext sets, each element tokenised as `tokens` does; sorted,
        so that one set gives one string."""
        one = self._hasher(kind)
        return _per_distinct(values, lambda v: " ".join(sorted(map(one, v.split(" ")))))

    def bloom(self, kind: str, values: pa.Array) -> pa.Array:
        """A keyed Bloom filter of each value's bigrams, as hex (BLOOM_BITS bits)."""
        base = self._bloom_base

        def one(value: str) -> str:
            bits = bytearray(BLOOM_BITS // 8)
            padded = f"_{value}_"
            for i in range(len(padded) - 1):
                h = base.copy()
                h.update(f"{kind}:{padded[i:i + 2]}".encode())
                digest = h.digest()
                h1 = int.from_bytes(digest[:8], "big")
                h2 = int.from_bytes(digest[8:16], "big") | 1
                for j in range(BLOOM_HASHES):  # double hashing: k positions from two hashes
                    position = (h1 + j * h2) % BLOOM_BITS
                    bits[position >> 3] |= 1 << (position & 7)
            return bits.hex()

        return _per_distinct(values, one)


def _per_distinct(values: pa.Array, fn: Callable[[str], str]) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    encoded = pc.dictionary_encode(values)
    mapped = pa.array([fn(v) for v in encoded.dictionary.to_pylist()], pa.string())
    return mapped.take(encoded.indices)


def _map_distinct(values: pa.Array, fn: Callable[[str], str | None]) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    encoded = pc.dictionary_encode(values)
    mapped = pa.array([fn(v) for v in encoded.dictionary.to_pylist()], pa.string())
    return mapped.take(encoded.indices)


def _phonetic(word: str) -> str | None:
    return jellyfish.nysiis(word) or None


def _first_word(values: pa.Array) -> pa.Array:
    return pc.list_element(pc.split_pattern(values, " "), 0)


def _last_word(values: pa.Array) -> pa.Array:
    return _map_distinct(values, lambda v: v.rsplit(" ", 1)[-1])


def _letters(values: pa.Array) -> pa.Array:
    """A name's letters in alphabetical order: equal for two letters swapped ("isla",
    "isal", "sila"), which no phonetic code or bigram filter sees in a short name."""
    return _map_distinct(values, lambda v: "".join(sorted(v.replace(" ", ""))) or None)


def _canonical(values: pa.Array) -> pa.Array:
    return _map_distinct(values, lambda v: CANONICAL.get(v, v))


@cache
def _nicknamer() -> Any:
    from nicknames import NickNamer

    return NickNamer()


def _forms(values: pa.Array) -> pa.Array:
    """The names a given name may stand for, itself included, space-separated.

    From the `nicknames` package (a hand-curated list of English names and nicknames), and
    this module's own table for other communities' diminutives. A nickname may stand for
    several names (Sam: Samuel, Samantha), so no single canonical form serves: two mentions
    are alike when their sets meet (Kate and Katherine; Kate and Kathy).
    """
    namer = _nicknamer()

    def one(name: str) -> str:
        forms = {name, CANONICAL.get(name, name), *namer.canonicals_of(name)}
        return " ".join(sorted(f for f in forms if f and " " not in f))

    return _map_distinct(values, one)


def _phonetics(values: pa.Array) -> pa.Array:
    return _map_distinct(values, lambda v: _phonetic(v.replace(" ", "")))


def derived_values(kind: str, values: pa.Array) -> dict[str, pa.Array]:
    """The normalised plaintexts to be tokenised, by suffix (before hashing)."""
    if kind == "given_name":
        folded = normalise.fold(values)
        first = _first_word(folded)
        return {"token": folded, "canonical": _canonical(first), "phonetic": _phonetics(first),
                "letters": _letters(first), "forms": _forms(first)}
    if kind == "family_name":
        folded = normalise.fold(values)
        return {"token": folded, "phonetic": _phonetics(folded), "letters": _letters(folded)}
    if kind == "full_name":
        folded = normalise.full_name(values)
        given, family = _first_word(folded), _last_word(folded)
        ordered = _map_distinct(folded, lambda v: " ".join(sorted(v.split(" "))))
        return {"token": folded, "sorted": ordered, "given": given, "family": family,
                "given_canonical": _canonical(given), "given_phonetic": _phonetics(given),
                "family_phonetic": _phonetics(family), "given_letters": _letters(given),
                "family_letters": _letters(family), "given_forms": _forms(given)}
    if kind == "dob":
        dates = values.cast(pa.date32()) if not pa.types.is_date(values.type) else values
        day, month, year = pc.day(dates), pc.month(dates), pc.year(dates)
        low, high = pc.min_element_wise(day, month), pc.max_element_wise(day, month)
        unordered = pc.binary_join_element_wise(
            pc.cast(year, pa.string()), pc.cast(low, pa.string()), pc.cast(high, pa.string()), "-")
        return {"token": pc.cast(dates, pa.string()), "unordered": unordered,
                "year": pc.cast(year, pa.string())}
    if kind == "postcode":
        squeezed = normalise.postcode(values)
        outward = pc.utf8_slice_codeunits(squeezed, 0, -3)
        sector = pc.binary_join_element_wise(outward, pc.utf8_slice_codeunits(squeezed, -3, -2),
                                             " ")
        return {"token": squeezed, "sector": sector, "district": outward}
    if kind == "address":
        folded = normalise.address(values)
        street = pc.utf8_trim_whitespace(pc.replace_substring_regex(
            folded, r"^(flat \w+ )?(\d+[a-z]?\s+)+", ""))
        return {"token": folded, "street": street}
    if kind in ("nhs_number", "phone"):
        return {"token": normalise.digits(values)}
    if kind == "email":
        return {"token": normalise.email(values)}
    if kind == "uprn":
        return {"token": normalise.uprn(values)}
    return {"token": normalise.fold(values)}


def _dictionary(indices: pa.Array, values: pa.Array) -> pa.DictionaryArray:
    """Rows pointing at a null value (a name that normalises to nothing) become null rows:
    Parquet cannot store a null inside a dictionary."""
    missing = values.is_null()
    if pc.any(missing).as_py():
        indices = pc.if_else(pc.take(missing, indices), pa.scalar(None, indices.type), indices)
        values = values.fill_null("")
    return pa.DictionaryArray.from_arrays(indices, values)


def token_lookup(column: Column, distinct: pa.Array, tokeniser: Tokeniser,
                 bloom: bool = False) -> dict[str, pa.Array]:
    """The token columns of identifier `column` for each of its `distinct` values, by output
    column name, aligned with `distinct` (a value that normalises to nothing gets nulls)."""
    kind = column.identifier or "other_id"
    out: dict[str, pa.Array] = {}
    for suffix, plain in derived_values(kind, distinct).items():
        tokenise = tokeniser.token_sets if suffix in SETS else tokeniser.tokens
        out[f"{column.name}__{suffix}"] = tokenise(f"{kind}.{suffix}", plain)
    if bloom and kind in BLOOMS:
        plain = normalise.full_name(distinct) if kind == "full_name" else normalise.fold(
            distinct)
        parts = {"all": plain, "first": _first_word(plain), "last": _last_word(plain)}
        for suffix, (bloom_kind, part) in BLOOMS[kind].items():
            out[f"{column.name}__{suffix}"] = tokeniser.bloom(bloom_kind, parts[part])
    return out


def pseudonymise(table: pa.Table, contract: Contract, tokeniser: Tokeniser,
                 bloom: bool = False) -> pa.Table:
    """Replace every identifier column of `table` by its token columns; keep the others.

    Normalising and hashing run on each column's distinct values only; the token columns are
    dictionary arrays over the row indices, so no per-row work or copy is needed (Parquet
    stores them dictionary-encoded anyway).
    """
    out: dict[str, pa.Array] = {}
    identifiers = {c.name: c for c in contract.identifiers}
    for name in table.column_names:
        column = identifiers.get(name)
        if column is None:
            out[name] = table.column(name)
            continue
        encoded = pc.dictionary_encode(table.column(name).combine_chunks())
        for token_name, tokens in token_lookup(column, encoded.dictionary, tokeniser,
                                               bloom).items():
            out[token_name] = _dictionary(encoded.indices, tokens)
    return pa.table(out)
