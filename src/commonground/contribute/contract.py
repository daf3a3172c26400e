"""Dataset contracts: a declarative description of what a partner sends.

A contract is a small YAML document, kept beside the data sharing agreement, that says which
columns a dataset has, their types and formats (dates the way councils really send them), which
are required, and which are direct identifiers (to be pseudonymised), quasi-identifiers (kept,
but flagged for disclosure control) or free text (not stored unless the contract says so).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml

from commonground.errors import CommonGroundError

ColumnType = Literal["string", "integer", "decimal", "date", "datetime", "boolean", "category",
                     "postcode", "month"]
Role = Literal["attribute", "identifier", "quasi_identifier", "free_text", "record_id"]
IdentifierKind = Literal["given_name", "family_name", "full_name", "dob", "address", "postcode",
                         "nhs_number", "phone", "email", "uprn", "other_id"]

TYPES: tuple[str, ...] = ColumnType.__args__  # type: ignore[attr-defined]
ROLES: tuple[str, ...] = Role.__args__  # type: ignore[attr-defined]
IDENTIFIER_KINDS: tuple[str, ...] = IdentifierKind.__args__  # type: ignore[attr-defined]

# The date formats councils, the NHS and forces actually send, tried in this order.
DEFAULT_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%Y%m%d", "%d %b %Y",
                        "%d-%b-%Y")
DEFAULT_DATETIME_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M",
                            "%d/%m/%Y %H:%M:%S", "%d/%m/%Y %H:%M", "%Y-%m-%dT%H:%M:%SZ")
DEFAULT_MAX_LENGTH = 10_000


class ContractError(CommonGroundError):
    """A contract document is malformed."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str = "string"
    required: bool = False
    role: str = "attribute"
    identifier: str | None = None
    allowed: tuple[str, ...] = ()
    formats: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = DEFAULT_MAX_LENGTH
    keep: bool = True
    description: str = ""
    # Which person of the record an identifier belongs to, where a record names several
    # (a crime's victim and suspect): identifiers with the same subject describe one person.
    subject: str = ""

    @property
    def is_identifier(self) -> bool:
        return self.role == "identifier"

    def date_formats(self) -> tuple[str, ...]:
        if self.formats:
            return self.formats
        return DEFAULT_DATETIME_FORMATS if self.type == "datetime" else DEFAULT_DATE_FORMATS


@dataclass(frozen=True)
class Contract:
    name: str
    columns: tuple[Column, ...]
    description: str = ""
    record_id: str | None = None
    extra_columns: Literal["drop", "reject"] = "drop"
    source_format: str | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def identifiers(self) -> list[Column]:
        return [c for c in self.columns if c.is_identifier]

    @property
    def stored(self) -> list[Column]:
        """Columns that reach the lake (identifiers only as tokens)."""
        return [c for c in self.columns if c.keep]


def _column(raw: dict[str, Any], where: str) -> Column:
    if not isinstance(raw, dict) or "name" not in raw:
        raise ContractError(f"{where}: each column needs at least a name")
    name = str(raw["name"])
    ctype = str(raw.get("type", "string"))
    role = str(raw.get("role", "attribute"))
    if ctype not in TYPES:
        raise ContractError(f"{where}: column '{name}' has unknown type '{ctype}' "
                            f"(expected one of {', '.join(TYPES)})")
    if role not in ROLES:
        raise ContractError(f"{where}: column '{name}' has unknown role '{role}' "
                            f"(expected one of {', '.join(ROLES)})")
    kind = raw.get("identifier")
    if role == "identifier":
        if kind not in IDENTIFIER_KINDS:
            raise ContractError(f"{where}: identifier column '{name}' needs `identifier:` one of "
                                f"{', '.join(IDENTIFIER_KINDS)}")
    elif kind is not None:
        raise ContractError(f"{where}: column '{name}' has `identifier:` but role '{role}'")
    allowed = tuple(str(v) for v in raw.get("allowed", ()) or ())
    if ctype == "category" and not allowed:
        raise ContractError(f"{where}: category column '{name}' needs `allowed:` values")
    formats = raw.get("formats", ())
    formats = (formats,) if isinstance(formats, str) else tuple(formats or ())
    keep = bool(raw.get("keep", role != "free_text"))
    return Column(
        name=name, type=ctype, required=bool(raw.get("required", False)), role=role,
        identifier=kind, allowed=allowed, formats=formats,
        minimum=raw.get("min"), maximum=raw.get("max"),
        max_length=int(raw.get("max_length", DEFAULT_MAX_LENGTH)), keep=keep,
        description=str(raw.get("description", "")), subject=str(raw.get("subject", "")),
    )


def parse_contract(document: dict[str, Any], where: str = "contract") -> Contract:
    if not isinstance(document, dict):
        raise ContractError(f"{where}: a contract is a YAML mapping with `name` and `columns`")
    name = document.get("name")
    columns_raw = document.get("columns")
    if not name or not isinstance(columns_raw, list) or not columns_raw:
        raise ContractError(f"{where}: a contract needs a `name` and a non-empty `columns` list")
    columns = tuple(_column(c, where) for c in columns_raw)
    names = [c.name for c in columns]
    repeated = sorted({n for n in names if names.count(n) > 1})
    if repeated:
        raise ContractError(f"{where}: column(s) declared twice: {', '.join(repeated)}")
    record_id = document.get("record_id")
    if record_id is not None and record_id not in names:
        raise ContractError(f"{where}: record_id '{record_id}' is not one of the columns")
    extra = document.get("extra_columns", "drop")
    if extra not in ("drop", "reject"):
        raise ContractError(f"{where}: extra_columns must be 'drop' or 'reject'")
    return Contract(name=str(name), columns=columns,
                    description=str(document.get("description", "")),
                    record_id=record_id, extra_columns=extra,
                    source_format=document.get("format"), raw=document)


def load_contract(path: Path) -> Contract:
    try:
        document = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise ContractError(f"{path}: not valid YAML{where} ({problem})") from None
    return parse_contract(document, str(path))


def load_contracts(folder: Path) -> dict[str, Contract]:
    """Every `<org>/<dataset>.yaml` under `folder`, by 'org/dataset', in a stable order."""
    return {f"{p.parent.name}/{p.stem}": load_contract(p)
            for p in sorted(Path(folder).glob("*/*.yaml"))}


def builtin_contract(name: str) -> Contract:
    """A contract shipped with CommonGround (e.g. `police_uk_street`)."""
    folder = resources.files("commonground.contribute") / "contracts"
    target = folder / f"{name}.yaml"
    if not target.is_file():
        known = sorted(p.name.removesuffix(".yaml") for p in folder.iterdir()
                       if p.name.endswith(".yaml"))
        raise ContractError(f"no built-in contract '{name}'; built-in: {', '.join(known)}")
    return parse_contract(yaml.safe_load(target.read_text(encoding="utf-8")), f"built-in {name}")


def contract_from(spec: str | Path) -> Contract:
    """A contract from a YAML file (`.yaml`/`.yml`) or, otherwise, a built-in name."""
    path = Path(spec)
    return load_contract(path) if path.suffix in {".yaml", ".yml"} else builtin_contract(str(spec))
