"""Linkage for an analyst with spreadsheets and no hub: `commonground link files`.

Each file becomes a one-off contract (columns detected by name, or given with --map), is
pseudonymised (with a throwaway key, if asked) or only normalised, and then takes exactly the
hub's path: the same mention SQL, the same model, the same Splink run.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from commonground.contribute import normalise
from commonground.contribute.contract import Column, Contract
from commonground.contribute.keys import PartnershipKey
from commonground.contribute.pseudonymise import Tokeniser, pseudonymise
from commonground.engines import Engine
from commonground.errors import CommonGroundError
from commonground.link.mentions import DatasetInput, mentions_pipeline
from commonground.link.model import PERSON, ModelSpec
from commonground.link.resolve import Resolution, resolve
from commonground.link.schema import ID

# concept -> column names that mean it, lower case with spaces and dashes as underscores.
CONCEPTS: dict[str, tuple[str, ...]] = {
    "given_name": ("given_name", "first_name", "forename", "firstname", "given", "first"),
    "family_name": ("surname", "family_name", "last_name", "lastname", "family"),
    "full_name": ("name", "full_name", "fullname"),
    "dob": ("dob", "date_of_birth", "birth_date", "birthdate"),
    "postcode": ("postcode", "post_code", "zip", "zipcode", "postal_code"),
    "street_number": ("street_number", "house_number", "number"),
    "address": ("address", "address_1", "address1", "address_line_1", "street"),
    "nhs_number": ("nhs_number", "nhs", "soc_sec_id", "ssn", "national_id", "id_number"),
}
DOB_FORMATS = ("%Y%m%d", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")


class PlainTokeniser:
    """Stands in for `Tokeniser` to keep the normalised plaintext: the raw-identifier baseline.

    Bloom filters are still made (under a fixed key), so the baseline runs the very same model.
    """

    _BLOOM = Tokeniser(PartnershipKey(b"commonground-plaintext-baseline!"))

    def tokens(self, kind: str, values: pa.Array) -> pa.Array:
        return values

    def token_sets(self, kind: str, values: pa.Array) -> pa.Array:
        return values

    def bloom(self, kind: str, values: pa.Array) -> pa.Array:
        return self._BLOOM.bloom(kind, values)


def _key(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def detect_columns(columns: Sequence[str], given: Mapping[str, str] | None = None
                   ) -> dict[str, str]:
    """concept -> column, from --map first, then from the column names."""
    found = dict(given or {})
    unknown = sorted(set(found) - set(CONCEPTS))
    if unknown:
        raise CommonGroundError(f"unknown --map name(s) {', '.join(unknown)}; known: "
                                f"{', '.join(CONCEPTS)}")
    missing = sorted(c for c in found.values() if c not in columns)
    if missing:
        raise CommonGroundError(f"--map names column(s) not in the file: {', '.join(missing)}")
    by_key = {_key(c): c for c in columns}
    taken = set(found.values())
    for concept, names in CONCEPTS.items():
        if concept in found:
            continue
        for name in names:
            if name in by_key and by_key[name] not in taken:
                found[concept] = by_key[name]
                taken.add(by_key[name])
                break
    if not {"given_name", "family_name", "full_name"} & set(found):
        raise CommonGroundError("no name column found; say which with --map "
                                "given_name=COL,family_name=COL (or full_name=COL)")
    return found


def read_table(path: Path) -> pa.Table:
    """A CSV or Parquet file as strings, names and values trimmed (FEBRL pads with spaces)."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        table = pq.read_table(path)
    else:
        options = pacsv.ConvertOptions(strings_can_be_null=True, quoted_strings_can_be_null=True)
        table = pacsv.read_csv(path, convert_options=options)
    names = [n.strip() for n in table.column_names]
    arrays = []
    for column in table.columns:
        text = pc.utf8_trim_whitespace(column.cast(pa.string()))
        arrays.append(pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text))
    return pa.table(arrays, names=names)


def _dates(values: pa.ChunkedArray | pa.Array) -> pa.Array:
    out = pa.nulls(len(values), pa.timestamp("s"))
    for fmt in DOB_FORMATS:
        parsed = pc.strptime(values, format=fmt, unit="s", error_is_null=True)
        out = pc.coalesce(out, parsed)
    return out.cast(pa.date32())


def _is_british(values: pa.ChunkedArray | pa.Array) -> bool:
    present = pc.drop_null(values)
    if len(present) == 0:
        return True
    valid = pc.drop_null(normalise.postcode(present.combine_chunks()))
    return len(valid) >= 0.5 * len(present)


@dataclass(frozen=True)
class Prepared:
    table: pa.Table
    dataset: DatasetInput


def prepare_file(path: Path, name: str, id_column: str, mapping: Mapping[str, str] | None,
                 tokeniser: Tokeniser | PlainTokeniser) -> Prepared:
    """A file as a token table with a one-off contract, ready for the mention SQL."""
    raw = read_table(path)
    if id_column not in raw.column_names:
        raise CommonGroundError(f"{Path(path).name} has no id column '{id_column}'")
    found = detect_columns(raw.column_names, mapping)
    data: dict[str, Any] = {id_column: raw[id_column]}
    columns = [Column(id_column, role="record_id")]
    aliases: dict[str, str] = {}
    for concept, source in found.items():
        if concept in ("street_number",):
            continue
        values: Any = raw[source]
        kind = concept
        if concept == "dob":
            values = _dates(values)
        elif concept == "address" and "street_number" in found:
            number = raw[found["street_number"]]
            values = pc.binary_join_element_wise(number, values, " ",
                                                 null_handling="replace", null_replacement="")
        elif concept == "postcode" and not _is_british(values):
            kind = "other_id"  # a foreign postcode: kept whole, compared exactly
            aliases[f"{concept}__token"] = "postcode"
        data[concept] = values
        columns.append(Column(concept, role="identifier", identifier=kind))
    contract = Contract(name=name, columns=tuple(columns), record_id=id_column)
    tokens = pseudonymise(pa.table(data), contract, tokeniser,  # type: ignore[arg-type]
                         bloom=True)
    dataset = DatasetInput(name, contract, name, frozenset(tokens.column_names),
                           aliases=aliases)
    return Prepared(tokens, dataset)


def file_mentions(paths: Sequence[Path], id_column: str, engine: Engine, *,
                  mapping: Mapping[str, str] | None = None, pseudonymised: bool = True,
                  key: PartnershipKey | None = None) -> pa.Table:
    """Person mentions of every file, tokenised under `key` (a throwaway one if None)."""
    tokeniser: Tokeniser | PlainTokeniser = (
        Tokeniser(key or PartnershipKey(secrets.token_bytes(32))) if pseudonymised
        else PlainTokeniser())
    names = _names(paths)
    prepared = [prepare_file(p, n, id_column, mapping, tokeniser)
                for p, n in zip(paths, names, strict=True)]
    pipeline = mentions_pipeline("person", [p.dataset for p in prepared])
    return engine.run(pipeline, {p.dataset.table: p.table for p in prepared})


def _names(paths: Sequence[Path]) -> list[str]:
    names = [Path(p).stem for p in paths]
    if len(set(names)) < len(names):
        names = [f"{n}_{i + 1}" for i, n in enumerate(names)]
    return names


@dataclass
class FileLinkage:
    clusters: pa.Table  # file, id, cluster_id
    resolution: Resolution

    def summary(self) -> dict[str, Any]:
        per_file = self.clusters.group_by("file").aggregate([("id", "count")])
        return {"records": self.clusters.num_rows,
                "clusters": len(pc.unique(self.clusters["cluster_id"])),
                "files": dict(zip(per_file["file"].to_pylist(),
                                  per_file["id_count"].to_pylist(), strict=True)),
                "model_trained": self.resolution.trained, **self.resolution.figures}


def link_files(paths: Sequence[Path], id_column: str, engine: Engine, *,
               mapping: Mapping[str, str] | None = None, pseudonymised: bool = False,
               key: PartnershipKey | None = None, spec: ModelSpec = PERSON,
               seed: int = 42) -> FileLinkage:
    """Deduplicate one file or link several: one row per record with its cluster id."""
    if not paths:
        raise CommonGroundError("give at least one file to link")
    mentions = file_mentions(paths, id_column, engine, mapping=mapping,
                             pseudonymised=pseudonymised, key=key)
    resolution = resolve(mentions, spec, engine, seed=seed)
    clusters = resolution.clusters
    ids = clusters[ID].to_pylist()
    files, records = zip(*(i.split("|")[:2] for i in ids), strict=True) if ids else ((), ())
    numbering: dict[str, int] = {}
    for cluster in clusters["cluster"].to_pylist():
        numbering.setdefault(cluster, len(numbering) + 1)
    table = pa.table({"file": pa.array(files, pa.string()), "id": pa.array(records, pa.string()),
                      "cluster_id": pa.array([numbering[c] for c in clusters["cluster"]
                                              .to_pylist()], pa.int64())})
    return FileLinkage(table.sort_by([("file", "ascending"), ("id", "ascending")]), resolution)


def link_files_to_csv(paths: Sequence[Path], id_column: str, out: Path, engine: Engine, *,
                      mapping: Mapping[str, str] | None = None, pseudonymised: bool = False
                      ) -> dict[str, Any]:
    """`link_files`, written to a CSV of file, id and cluster_id; returns the summary."""
    for path in paths:
        if not Path(path).is_file():
            raise FileNotFoundError(f"no file at {path}")
    linked = link_files(paths, id_column, engine, mapping=mapping, pseudonymised=pseudonymised)
    out.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(linked.clusters, out)
    return {"out": str(out), **linked.summary()}
