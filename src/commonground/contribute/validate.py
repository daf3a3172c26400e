"""Validation as SQL: the contract becomes a pipeline that runs on any engine.

Each column gets a cleaned text value, a typed value and a list of checks. A check that fails
adds `<column index>:<code>` to the row's `_problems`; rows with no problems are accepted and
the others quarantined, so rows in = rows accepted + rows quarantined by construction. Every
check is a column expression over the whole table: no row-by-row Python.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from commonground.contribute.contract import Column, Contract
from commonground.contribute.profile import TextProfile
from commonground.contribute.readers import ROW
from commonground.engines import Pipeline, ident, literal

PROBLEMS = "_problems"
BOOLEAN_TRUE = ("true", "yes", "y", "1", "t")
BOOLEAN_FALSE = ("false", "no", "n", "0", "f")
# UK postcode shape (outward code, inward code), compared without spaces.
POSTCODE_PATTERN = "^[A-Z]{1,2}[0-9][A-Z0-9]?[0-9][A-Z]{2}$"
# The form almost every system writes: upper case, one space before the inward code. Such a
# value is its own typed value (squeezing and re-spacing it gives it back).
CANONICAL_POSTCODE = "^[A-Z]{1,2}[0-9][A-Z0-9]? [0-9][A-Z]{2}$"
# Text a spreadsheet would run as a formula when the data is opened again (CSV injection).
# A value starting with =, @, tab, CR or LF is always flagged. One starting with + or - is
# flagged as soon as anything after the sign could name a function, a cell or another program
# (a letter, |, !, :, = or @): the older rule only looked at the character after the sign, so
# OWASP's own payloads `-2+3+cmd|' /C calc'!A0` and `+2+3+cmd|...` passed. Letter-free
# arithmetic such as `-3`, `-2+3` or a phone number `+44 (0)1245 000000` cannot reach
# anything and is kept; numeric columns are never checked (a typed -3 is a number).
FORMULA_PATTERN = "^([=@\\t\\r\\n]|[+-][^A-Za-z|!:=@]*[A-Za-z|!:=@])"
# Whole numbers and decimals as plain text. DuckDB's cast alone also reads '3.5' (rounded to
# 4), '0x10', '1_000' and 'inf', which Spark reads differently or not at all: the text must
# have a number's shape before it is cast, so both engines accept and reject the same values.
# A trailing '.0' (how pandas writes whole numbers from a column with gaps) is allowed.
INTEGER_PATTERN = "^[+-]?[0-9]+([.]0*)?$"
DECIMAL_PATTERN = "^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$"
EARLIEST_DATE = "1880-01-01"


@dataclass(frozen=True)
class Problem:
    """What a check code means, for the quarantine's human message."""

    code: str
    expected: str


def expected_text(column: Column, code: str) -> str:
    if code == "required":
        return "a value (this column is required)"
    if code == "too_long":
        return f"at most {column.max_length:,} characters"
    if code == "nul_byte":
        return "text without NUL (\\0) bytes"
    if code == "formula":
        return ("plain text, not a spreadsheet formula (=, @, or + or - followed by letters "
                "or |)")
    if code == "not_allowed":
        shown = ", ".join(column.allowed[:12]) + (" …" if len(column.allowed) > 12 else "")
        return f"one of: {shown}"
    if code == "out_of_range":
        return f"a number between {column.minimum} and {column.maximum}"
    if code == "implausible_date":
        return f"a date between {EARLIEST_DATE} and today"
    if code == "bad_value":
        return {
            "integer": "a whole number",
            "decimal": "a number",
            "date": "a date in one of the formats " + ", ".join(column.date_formats()),
            "datetime": "a date and time in one of the formats " + ", ".join(column.date_formats()),
            "month": "a month like 2018-01",
            "boolean": "yes/no, true/false or 1/0",
            "postcode": "a UK postcode like CM1 1AA",
        }.get(column.type, f"a {column.type}")
    return code


def _parsed_time(value: str, formats: tuple[str, ...]) -> str:
    tries = ", ".join(f"try_strptime({value}, {literal(f)})" for f in formats)
    return f"coalesce({tries})" if len(formats) > 1 else tries


def typed_expression(column: Column, value: str) -> str:
    """The SQL for `column`'s typed value from its cleaned text `value` (NULL if it fails)."""
    kind = column.type
    if kind == "integer":
        whole = f"regexp_replace({value}, '[.]0*$', '')"
        return (f"CASE WHEN regexp_matches({value}, {literal(INTEGER_PATTERN)}) "
                f"THEN try_cast({whole} AS BIGINT) END")
    if kind == "decimal":
        return (f"CASE WHEN regexp_matches({value}, {literal(DECIMAL_PATTERN)}) "
                f"THEN try_cast({value} AS DOUBLE) END")
    if kind == "date":
        return f"CAST({_parsed_time(value, column.date_formats())} AS DATE)"
    if kind == "datetime":
        return _parsed_time(value, column.date_formats())
    if kind == "month":
        return f"CAST({_parsed_time(value, column.formats or ('%Y-%m',))} AS DATE)"
    if kind == "boolean":
        yes = ", ".join(literal(v) for v in BOOLEAN_TRUE)
        no = ", ".join(literal(v) for v in BOOLEAN_FALSE)
        return (f"CASE WHEN lower({value}) IN ({yes}) THEN TRUE "
                f"WHEN lower({value}) IN ({no}) THEN FALSE END")
    if kind == "postcode":
        # `value` here is made in the cleaning step (see `squeezed_postcode`): a canonical
        # postcode as it came (the only values with a space), anything else squeezed.
        return (f"CASE WHEN strpos({value}, ' ') > 0 THEN {value} "
                f"WHEN regexp_matches({value}, {literal(POSTCODE_PATTERN)}) THEN "
                f"substr({value}, 1, length({value}) - 3) || ' ' || "
                f"substr({value}, length({value}) - 2, 3) END")
    return value


def squeezed_postcode(value: str) -> str:
    """A canonical postcode ('CM1 1AA') as it is, anything else upper case without spaces or
    punctuation. A canonical value needs no copy at all (a quarter of the cost of squeezing
    it); of the rest, nearly every one only needs its spaces removed, which costs a fifth of
    the general regular expression. Text of the postcode shape has nothing else to remove, so
    the typed value is the same whichever way it came."""
    spaceless = f"replace(upper({value}), ' ', '')"
    return (f"CASE WHEN regexp_matches({value}, {literal(CANONICAL_POSTCODE)}) THEN {value} "
            f"WHEN regexp_matches({spaceless}, {literal(POSTCODE_PATTERN)}) "
            f"THEN {spaceless} ELSE regexp_replace(upper({value}), '[^A-Z0-9]', '', 'g') END")


def cleaned_text(value: str) -> str:
    """Trimmed text, NULL when empty. Most values have no space at either end, and trimming
    copies every string: only values that need it are trimmed (same result, a third of the
    time on a wide file)."""
    return (f"CASE WHEN starts_with({value}, ' ') OR ends_with({value}, ' ') "
            f"THEN nullif(trim({value}), '') ELSE nullif({value}, '') END")


def checks(column: Column, value: str, typed: str, today: date,
           profile: TextProfile | None = None) -> list[tuple[str, str]]:
    """(code, SQL condition that is TRUE when the check fails) for one column.

    A `profile` of the column's raw text leaves out the checks it proves cannot fail.
    """
    seen = profile or TextProfile.unknown()
    found: list[tuple[str, str]] = []
    if column.required:
        found.append(("required", f"{value} IS NULL"))
    if seen.max_bytes > column.max_length:
        found.append(("too_long", f"length({value}) > {int(column.max_length)}"))
    if seen.nul:
        found.append(("nul_byte", f"strpos({value}, chr(0)) > 0"))
    # A trimmed value starts with what followed its spaces: padded text keeps the check.
    may_be_formula = seen.formula_start or seen.padded
    if (column.type in ("string", "category") and column.role != "identifier"
            and may_be_formula):
        # A cheap first-character test spares the regular expression on almost every value.
        starts = ", ".join(literal(c) for c in ("=", "@", "+", "-", "\t", "\r"))
        found.append(("formula", f"(left({value}, 1) IN ({starts}) AND "
                                 f"regexp_matches({value}, {literal(FORMULA_PATTERN)}))"))
    if column.type not in ("string", "category"):
        found.append(("bad_value", f"{value} IS NOT NULL AND {typed} IS NULL"))
    if column.type == "category":
        allowed = ", ".join(literal(v) for v in column.allowed)
        found.append(("not_allowed", f"{value} NOT IN ({allowed})"))
    if column.type in ("integer", "decimal") and (column.minimum is not None
                                                  or column.maximum is not None):
        low = f"{typed} < {float(column.minimum)}" if column.minimum is not None else "FALSE"
        high = f"{typed} > {float(column.maximum)}" if column.maximum is not None else "FALSE"
        found.append(("out_of_range", f"({low} OR {high})"))
    if column.type in ("date", "datetime"):
        latest = today.isoformat() if column.identifier == "dob" else "2100-12-31"
        found.append(("implausible_date", f"({typed} < DATE {literal(EARLIEST_DATE)} "
                                          f"OR {typed} > DATE {literal(latest)})"))
    return found


def validation_pipeline(contract: Contract, present: list[str], today: date,
                        profiles: Mapping[str, TextProfile] | None = None) -> Pipeline:
    """A pipeline over input `raw` (text columns + _row) returning typed columns + _problems.

    `present` lists the contract's columns found in the file; the others are NULL.
    `profiles` (see profile.py) lets the SQL skip work the raw text proves unnecessary.
    """
    profiles = profiles or {}
    cleaned = [f"{ident(ROW)}"]
    for index, c in enumerate(contract.columns):
        profile = profiles.get(c.name, TextProfile.unknown())
        source = ((cleaned_text(ident(c.name)) if profile.padded else
                   f"nullif({ident(c.name)}, '')") if c.name in present else "NULL")
        cleaned.append(f"CAST({source} AS VARCHAR) AS {ident(c.name)}")
        if c.type == "postcode":
            cleaned.append(f"{squeezed_postcode(ident(c.name))} AS {ident(f'_squeezed_{index}')}"
                           if c.name in present else
                           f"CAST(NULL AS VARCHAR) AS {ident(f'_squeezed_{index}')}")
    # Each typed value is computed once, in its own step, and the checks read it from there:
    # parsing a date or a postcode twice per row doubled the cost of validation.
    typed_step = [ident(ROW)]
    final_cols = [ident(ROW)]
    failing_items: list[tuple[str, str]] = []
    for index, c in enumerate(contract.columns):
        value = ident(c.name)
        typed = typed_expression(c, ident(f"_squeezed_{index}") if c.type == "postcode"
                                 else value)
        if typed == value:
            final_cols.append(value)
            typed_ref = value
        else:
            typed_ref = ident(f"_typed_{index}")
            typed_step.append(f"{typed} AS {typed_ref}")
            final_cols.append(f"{typed_ref} AS {value}")
        typed_step.append(value)
        failing_items += [(f"{index}:{code}", failing)
                          for code, failing in checks(c, value, typed_ref, today,
                                                      profiles.get(c.name))]
    if failing_items:
        # The list of problems is only spelt out for rows that have one: joining forty CASE
        # results on every row cost more than all the checks themselves.
        any_failing = " OR ".join(f"({failing})" for _, failing in failing_items)
        spelt = ", ".join(f"CASE WHEN {failing} THEN '{code}' END"
                          for code, failing in failing_items)
        problems = f"CASE WHEN {any_failing} THEN concat_ws(';', {spelt}) ELSE '' END"
    else:
        problems = "''"
    return Pipeline.of(
        ("cleaned", f"SELECT {', '.join(cleaned)} FROM raw"),
        ("typed", f"SELECT {', '.join(typed_step)} FROM cleaned"),
        ("checked", f"SELECT {', '.join(final_cols)}, {problems} AS {PROBLEMS} FROM typed"),
    )
