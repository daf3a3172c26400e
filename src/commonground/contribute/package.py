"""At source: turn a partner's raw file into a package the hub may receive.

`prepare` runs on the partner's own machine (`commonground contribute --local`): it reads the
file, validates it against the contract in the engine, quarantines what fails, pseudonymises
every direct identifier with the partnership key and drops what the contract does not keep.
What leaves is a folder:

```
package/
  data/                accepted rows (part-*.parquet): tokens for identifiers, typed values
  quarantine.parquet   one row per problem, identifier values withheld
  package.json         counts, contract hash, key fingerprint, source file's SHA-256
quarantine-full.csv    beside the package, never sent: the values found, for the steward
```
"""

from __future__ import annotations

import difflib
import hashlib
import json
import shutil
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from commonground import __version__
from commonground.address import Gazetteer
from commonground.address.gazetteer import file_sha256
from commonground.contribute.contract import Contract
from commonground.contribute.keys import PartnershipKey
from commonground.contribute.profile import profile_table
from commonground.contribute.pseudonymise import Tokeniser, token_columns, token_lookup
from commonground.contribute.quarantine import quarantine_tables
from commonground.contribute.readers import ROW, Extract, ReadError, read_extract
from commonground.contribute.resolution import (
    Resolved,
    join_sql,
    resolve_addresses,
    uprn_columns,
)
from commonground.contribute.validate import PROBLEMS, validation_pipeline
from commonground.engines import Engine, Pipeline, Session, ident
from commonground.errors import Conflict

PACKAGE_FORMAT = 2
DATA = "data"  # a folder of part-*.parquet files, as the engine writes them
QUARANTINE = "quarantine.parquet"
MANIFEST = "package.json"
FULL_QUARANTINE = "quarantine-full.csv"
# The manifest's fields the hub reads when it receives a package, and their JSON types.
MANIFEST_FIELDS: dict[str, type] = {
    "contract": str, "contract_hash": str, "source_file": str, "source_sha256": str,
    "rows_in": int, "rows_accepted": int, "rows_quarantined": int, "key_fingerprint": str}


def contract_hash(contract: Contract) -> str:
    canonical = json.dumps(contract.raw, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True)
class Package:
    folder: Path
    manifest: dict[str, Any]

    @property
    def rows_in(self) -> int:
        return int(self.manifest["rows_in"])

    @property
    def rows_accepted(self) -> int:
        return int(self.manifest["rows_accepted"])

    @property
    def rows_quarantined(self) -> int:
        return int(self.manifest["rows_quarantined"])

    @classmethod
    def open(cls, folder: Path) -> Package:
        folder = Path(folder)
        manifest_path = folder / MANIFEST
        if not manifest_path.is_file():
            raise ReadError(folder, f"is not a contribution package (no {MANIFEST}); make one "
                                    "with `commonground contribute --local`")
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            raise ReadError(folder, f"its {MANIFEST} is not valid JSON") from None
        if not isinstance(manifest, dict):
            raise ReadError(folder, f"its {MANIFEST} must be a JSON object")
        if manifest.get("format") != PACKAGE_FORMAT:
            raise ReadError(folder, f"package format {manifest.get('format')} is not supported")
        # A package may come from a partner's platform over the API: the hub trusts nothing
        # in it, so the fields it reads must be there, with the right types.
        wrong = [name for name, kind in MANIFEST_FIELDS.items()
                 if not isinstance(manifest.get(name), kind)
                 or kind is int and isinstance(manifest.get(name), bool)]
        if wrong:
            raise ReadError(folder, f"its {MANIFEST} lacks or mistypes {', '.join(wrong)}")
        return cls(folder, manifest)


def reconcile_columns(extract: Extract, contract: Contract) -> tuple[list[str], list[str]]:
    """(contract columns present in the file, extra columns in the file); refuses what cannot
    be accepted as a whole: missing required columns, or extra ones the contract rejects."""
    present = [c for c in contract.names if c in extract.columns]
    missing = [c.name for c in contract.columns if c.required and c.name not in extract.columns]
    if missing:
        # The header is not echoed: when a file has no header row its first record stands in
        # for one, and names and dates of birth must never reach an error message. Only names
        # close to a missing column are shown (a close match is a misspelt header, not data).
        lowered = {c.lower(): c for c in extract.columns}
        hints = [f"'{lowered[found[0]]}' for '{name}'" for name in missing
                 if (found := difflib.get_close_matches(name.lower(), list(lowered), 1, 0.8))]
        hint = (f"; the file has {', '.join(hints)} (names must match exactly)" if hints else
                f"; none of the file's {len(extract.columns)} column names is close "
                "(is its first row a header?)")
        raise ReadError(extract.path, f"missing required column(s) {', '.join(missing)} "
                                      f"for contract '{contract.name}'{hint}")
    if not present:  # before the extra columns are named: they may be a first record
        raise ReadError(extract.path, f"none of the columns of contract '{contract.name}' are "
                                      "in the file; is it the right contract?")
    extra = [c for c in extract.columns if c not in contract.names]
    if extra and contract.extra_columns == "reject":
        raise ReadError(extract.path, f"column(s) {', '.join(extra)} are not in contract "
                                      f"'{contract.name}', which rejects extra columns")
    return present, extra


def prepare(path: Path, contract: Contract, key: PartnershipKey, engine: Engine, out: Path,
            *, today: date | None = None, bloom: bool = False,
            gazetteer: Gazetteer | None = None) -> Package:
    """Validate, quarantine and pseudonymise `path` into a package at `out/package/`.

    The accepted rows never come back to Python. The engine validates the file once and keeps
    the result; from it come the problems (for the quarantine), each identifier's distinct
    values (tokens are made in Python once per value) and the package itself, written by the
    engine with the tokens joined in. With a `gazetteer`, each address column's distinct
    values are also resolved to UPRNs (`resolution.py`), joined in as tokens and scores.
    """
    out = Path(out)
    folder = out / "package"
    if folder.exists():
        raise Conflict(f"{folder} already exists; choose an empty output folder")
    extract = read_extract(Path(path))
    present, extra = reconcile_columns(extract, contract)
    today = today or datetime.now(UTC).date()
    dropped = [c.name for c in contract.columns if not c.keep and c.name in present]
    staging = out / f".package-{uuid.uuid4().hex[:8]}"
    staging.mkdir(parents=True)
    # The file's hash is read beside the work: SHA-256 releases the GIL, and the profile,
    # tokens and quarantine below each keep only one core busy.
    hashing = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sha256")
    source_sha256 = hashing.submit(file_sha256, extract.path)
    try:
        with engine.session({"raw": extract.table}) as session:
            session.define(validation_pipeline(contract, present, today,
                                               profile_table(extract.table, present)),
                           materialise=True)
            checked = session.run(Pipeline.of(
                ("problems", f"SELECT * FROM checked WHERE {ident(PROBLEMS)} <> ''")))
            lookups = _token_lookups(session, contract, present, key, bloom)
            resolved: dict[str, Resolved] = {}
            resolution: dict[str, Any] | None = None
            if gazetteer is not None:
                uprns, resolved, resolution = resolve_addresses(
                    session, contract, present, Tokeniser(key), gazetteer, engine)
                lookups.update(uprns)
            session.add(lookups)
            written = session.write(_package_pipeline(contract, lookups, bloom, resolved),
                                    staging / DATA)
        hub_quarantine, full_quarantine = quarantine_tables(extract, contract, checked)
        rows_quarantined = checked.num_rows + len(extract.rejections)
        assert extract.rows_in == written.rows + rows_quarantined  # nothing lost, ever
        pq.write_table(hub_quarantine, staging / QUARANTINE, compression="zstd")
        manifest = {
            "format": PACKAGE_FORMAT,
            "contract": contract.name,
            "contract_hash": contract_hash(contract),
            "source_file": extract.path.name,
            "source_sha256": source_sha256.result(),
            "encoding": extract.encoding,
            "delimiter": extract.delimiter,
            "rows_in": extract.rows_in,
            "rows_accepted": written.rows,
            "rows_quarantined": rows_quarantined,
            "problems": hub_quarantine.num_rows,
            "columns_dropped": sorted(set(extra) | set(dropped)),
            "identifier_columns": {
                c.name: token_columns(c, bloom) + (uprn_columns(c) if c.name in resolved else [])
                for c in contract.identifiers if c.name in present},
            "uprn_resolution": resolution,
            "key_fingerprint": key.fingerprint,
            "bloom": bloom,
            "prepared_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "prepared_with": f"commonground {__version__}",
            "engine": engine.name,
        }
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        hashing.shutdown(cancel_futures=True)
    pacsv.write_csv(full_quarantine, out / FULL_QUARANTINE)
    return Package(folder, manifest)


def _lookup_name(index: int) -> str:
    return f"_tokens_{index}"


def _token_lookups(session: Session, contract: Contract, present: list[str],
                   key: PartnershipKey, bloom: bool) -> dict[str, pa.Table]:
    """For each kept identifier, a table of its distinct accepted values and their tokens."""
    tokeniser = Tokeniser(key)
    lookups: dict[str, pa.Table] = {}
    for index, column in enumerate(contract.columns):
        if not column.is_identifier or not column.keep:
            continue
        if column.name in present:
            distinct = session.run(Pipeline.of((
                f"distinct_{index}",
                f"SELECT DISTINCT {ident(column.name)} AS value FROM checked "
                f"WHERE {ident(PROBLEMS)} = '' AND {ident(column.name)} IS NOT NULL",
            ))).column("value").combine_chunks()
        else:
            distinct = pa.array([], pa.string())
        # Dictionary-encoded: an engine with a categorical type carries the tokens through the
        # join as small integers (see DuckDBEngine._register_arrow).
        tokens = {name: pc.dictionary_encode(values)
                  for name, values in token_lookup(column, distinct, tokeniser, bloom).items()}
        lookups[_lookup_name(index)] = pa.table({"value": distinct, **tokens})
    return lookups


def _package_pipeline(contract: Contract, lookups: dict[str, pa.Table], bloom: bool,
                      resolved: dict[str, Resolved]) -> Pipeline:
    """The accepted rows with identifiers replaced by their tokens (and resolved addresses'
    UPRN tokens and scores), columns in file order."""
    select = [f"c.{ident(ROW)}"]
    joins = []
    for index, column in enumerate(contract.columns):
        if not column.keep:
            continue
        name = _lookup_name(index)
        if name not in lookups:
            select.append(f"c.{ident(column.name)}")
            continue
        select += [f"{name}.{ident(token)}" for token in token_columns(column, bloom)]
        joins.append(f"LEFT JOIN {name} ON c.{ident(column.name)} = {name}.value")
        if column.name in resolved:
            items, join = join_sql(column, resolved[column.name])
            select += items
            joins.append(join)
    return Pipeline.of(("package", f"SELECT {', '.join(select)} FROM checked AS c "
                                   f"{' '.join(joins)} WHERE c.{ident(PROBLEMS)} = ''"))


def data_files(package: Package) -> list[Path]:
    return sorted((package.folder / DATA).glob("part-*.parquet"))


__all__ = ["ROW", "Package", "contract_hash", "data_files", "prepare", "reconcile_columns"]
