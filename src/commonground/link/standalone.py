"""Linkage for an analyst with spreadsheets and no hub: `commonground link files`.

Each file becomes a one-off contract (columns detected by name, `columns.py`, or given with
--map; a record id given, detected, or the row number), is pseudonymised (with a throwaway key,
if asked) or only normalised, and then takes exactly the hub's path: the same mention SQL, the
same model, the same Splink run. Every record comes out, those with no name to link on as
clusters of their own, listed as unlinkable.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
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
from commonground.errors import InvalidInput, NotFound
from commonground.link.columns import CONCEPTS, detect_columns, detect_id
from commonground.link.incremental import EMPTY_PAIRS
from commonground.link.mentions import DatasetInput, mentions_pipeline
from commonground.link.model import PERSON, ModelSpec
from commonground.link.resolve import Resolution, resolve
from commonground.link.schema import ID, UNLINKABLE, mention_id

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


def read_table(path: Path) -> pa.Table:
    """A CSV or Parquet file as strings, names and values trimmed (FEBRL pads with spaces)."""
    path = Path(path)
    if path.suffix.lower() == ".parquet":
        table = pq.read_table(path)
    else:
        # Every column as text: an id or NHS number read as a number would lose its zeros.
        header = pacsv.open_csv(path).schema.names
        options = pacsv.ConvertOptions(strings_can_be_null=True, quoted_strings_can_be_null=True,
                                       column_types={n: pa.string() for n in header})
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
class FileOptions:
    """What the analyst said about one file: its record id column, and columns by concept."""

    id_column: str | None = None  # None: detect one, else number the rows
    mapping: Mapping[str, str] = field(default_factory=dict)  # concept -> column


def _pairs(text: str, files: Sequence[str]) -> dict[str, str]:
    pairs = [p.split("=", 1) for p in text.split(",") if p.strip()]
    if not pairs or any(len(p) != 2 for p in pairs):
        raise InvalidInput("--map is [FILE:]NAME=COLUMN pairs separated by commas, "
                           "e.g. --map people.csv:given_name=FORENAME,family_name=SURNAME")
    found = {k.strip(): v.strip() for k, v in pairs}
    for name in found:
        if ":" in name and name not in CONCEPTS:
            raise InvalidInput(f"--map '{name.rsplit(':', 1)[0]}:' names no file given "
                               f"(the files: {', '.join(files)})")
    return found


def file_options(paths: Sequence[Path | str], id_columns: Sequence[str] = (),
                 maps: Sequence[str] = ()) -> list[FileOptions]:
    """--id-column and --map values, each `[FILE:]VALUE`, as each file's options.

    A value without `FILE:` holds for every file; one with it for that file alone, and wins
    over the other. FILE is the path as given or the file's name; a value is read as having
    one only when it starts with a given file's path or name and a colon, so a column name
    with a colon in it still works.
    """
    owners: dict[str, set[int]] = {}
    for i, path in enumerate(paths):
        for label in (str(path), Path(path).name):
            owners.setdefault(label, set()).add(i)
    given = [str(p) for p in paths]

    def split(value: str) -> tuple[int | None, str]:
        for label in sorted(owners, key=len, reverse=True):
            if value.startswith(label + ":"):
                if len(owners[label]) > 1:
                    raise InvalidInput(f"'{label}' is the name of several files given; "
                                       "write its path as on the command line")
                return next(iter(owners[label])), value[len(label) + 1:]
        return None, value

    every_id: str | None = None
    ids: dict[int, str] = {}
    for value in id_columns:
        which, column = split(value)
        column = column.strip()
        if not column:
            raise InvalidInput(f"--id-column '{value}' names no column")
        if which is None:
            if every_id is not None and every_id != column:
                raise InvalidInput("--id-column without a file is given twice; write "
                                   "FILE:COLUMN for each file's own")
            every_id = column
        elif ids.setdefault(which, column) != column:
            raise InvalidInput(f"--id-column is given twice for {given[which]}")
    every_map: dict[str, str] = {}
    maps_of: dict[int, dict[str, str]] = {}
    for value in maps:
        which, text = split(value)
        pairs = _pairs(text, given)
        (every_map if which is None else maps_of.setdefault(which, {})).update(pairs)
    return [FileOptions(ids.get(i, every_id), {**every_map, **maps_of.get(i, {})})
            for i in range(len(paths))]


@dataclass(frozen=True)
class Prepared:
    table: pa.Table  # tokens, with each record's id in clear in RECORD
    dataset: DatasetInput
    layout: dict[str, Any]  # what was taken for what, for the summary


RECORD = "_record"  # the record id's column in the token table, whatever the file calls it


def _record_ids(raw: pa.Table, label: str, options: FileOptions, taken: set[str]
                ) -> tuple[pa.Array, dict[str, Any]]:
    """Each record's id, and where it came from: the given column, a detected one, the row."""
    column = options.id_column
    if column is not None:
        if column not in raw.column_names:
            hint = (" (to name a file, write FILE:COLUMN with FILE as given)"
                    if ":" in column else "")
            raise InvalidInput(f"{label} has no id column '{column}'{hint}; its columns: "
                               f"{', '.join(raw.column_names)}")
        values = raw[column].combine_chunks()
        if values.null_count:
            first = pc.index(pc.is_null(values), True).as_py() + 1
            raise InvalidInput(f"{label}: {values.null_count} record(s) have no value in the "
                               f"id column '{column}' (the first is record {first})")
        if len(pc.unique(values)) < len(values):
            counts = pc.value_counts(values)
            repeated = pc.sum(pc.greater(counts.field("counts"), 1)).as_py()
            raise InvalidInput(f"{label}: {repeated} value(s) of the id column '{column}' "
                               "name more than one record; every record needs its own id "
                               "(leave out --id-column to number the records)")
        return values, {"id_column": column, "id": "given"}
    found = detect_id(raw, taken)
    if found is not None:
        return raw[found].combine_chunks(), {"id_column": found, "id": "detected"}
    rows = pa.array([str(i) for i in range(1, raw.num_rows + 1)], pa.string())
    return rows, {"id_column": None,
                  "id": "row number (no column named like an id with a value in every "
                        "record, each once; the first record is 1)"}


def prepare_file(path: Path, name: str, options: FileOptions,
                 tokeniser: Tokeniser | PlainTokeniser) -> Prepared:
    """A file as a token table with a one-off contract, ready for the mention SQL."""
    raw = read_table(path)
    label = Path(path).name
    found = detect_columns(raw.column_names, options.mapping, label)
    ids, layout = _record_ids(raw, label, options, set(found.values()))
    data: dict[str, Any] = {RECORD: ids}
    columns = [Column(RECORD, role="record_id")]
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
    contract = Contract(name=name, columns=tuple(columns), record_id=RECORD)
    tokens = pseudonymise(pa.table(data), contract, tokeniser,  # type: ignore[arg-type]
                         bloom=True)
    dataset = DatasetInput(name, contract, name, frozenset(tokens.column_names),
                           aliases=aliases)
    layout = {"path": str(path), "records": raw.num_rows, **layout,
              "columns": {c: found[c] for c in CONCEPTS if c in found}}
    return Prepared(tokens, dataset, layout)


def _names(paths: Sequence[Path]) -> list[str]:
    names = [Path(p).stem for p in paths]
    if len(set(names)) < len(names):
        names = [f"{n}_{i + 1}" for i, n in enumerate(names)]
    return names


def _resolved(mentions: pa.Table, spec: ModelSpec, engine: Engine, seed: int) -> Resolution:
    """`resolve`, or, with fewer than two mentions, each alone (there is no pair to score)."""
    if mentions.num_rows >= 2:
        return resolve(mentions, spec, engine, seed=seed)
    ids = mentions[ID]
    return Resolution(EMPTY_PAIRS.empty_table(), pa.table({ID: ids, "cluster": ids}), {},
                      False, {"mentions": mentions.num_rows})


@dataclass
class FileLinkage:
    """Every record of every file with its cluster; what was read how; what could not link."""

    clusters: pa.Table  # file, id, cluster_id: every record, in the files' order
    resolution: Resolution  # Splink's answer for the records it could link
    files: dict[str, dict[str, Any]] = field(default_factory=dict)  # name -> layout
    unlinkable: dict[str, list[str]] = field(default_factory=dict)  # name -> record ids

    def summary(self) -> dict[str, Any]:
        count = sum(len(ids) for ids in self.unlinkable.values())
        return {**self.resolution.figures, "model_trained": self.resolution.trained,
                "records": self.clusters.num_rows,
                "clusters": len(pc.unique(self.clusters["cluster_id"])),
                "files": self.files,
                "unlinkable": {"count": count, "why": UNLINKABLE, "ids": self.unlinkable}}



def link_files(paths: Sequence[Path], id_column: str | None, engine: Engine, *,
               mapping: Mapping[str, str] | None = None,
               options: Sequence[FileOptions] | None = None, pseudonymised: bool = False,
               key: PartnershipKey | None = None, spec: ModelSpec = PERSON,
               seed: int = 42) -> FileLinkage:
    """Deduplicate one file or link several: one row per record with its cluster id.

    `id_column` and `mapping` hold for every file; `options`, one per file, instead say each
    file's own (see `file_options`). Every record comes out: one the model cannot link (no
    name) is a cluster of its own, and is listed as unlinkable.
    """
    if not paths:
        raise InvalidInput("give at least one file to link")
    if options is None:
        options = [FileOptions(id_column, dict(mapping or {}))] * len(paths)
    if len(options) != len(paths):
        raise InvalidInput("give one FileOptions per file")
    tokeniser: Tokeniser | PlainTokeniser = (
        Tokeniser(key or PartnershipKey(secrets.token_bytes(32))) if pseudonymised
        else PlainTokeniser())
    prepared = [prepare_file(p, n, o, tokeniser)
                for p, n, o in zip(paths, _names(paths), options, strict=True)]
    pipeline = mentions_pipeline("person", [p.dataset for p in prepared])
    mentions = engine.run(pipeline, {p.dataset.table: p.table for p in prepared})
    resolution = _resolved(mentions, spec, engine, seed)
    cluster_of = dict(zip(resolution.clusters[ID].to_pylist(),
                          resolution.clusters["cluster"].to_pylist(), strict=True))
    files, records, clusters = [], [], []
    unlinkable: dict[str, list[str]] = {}
    numbering: dict[str, int] = {}
    for p in prepared:
        name = p.dataset.ref
        for record in p.table[RECORD].to_pylist():
            mention = mention_id(name, record, "")
            cluster = cluster_of.get(mention)
            if cluster is None:  # the mention SQL left it out: no name to link on
                unlinkable.setdefault(name, []).append(record)
                cluster = mention
            files.append(name)
            records.append(record)
            clusters.append(numbering.setdefault(cluster, len(numbering) + 1))
    table = pa.table({"file": pa.array(files, pa.string()),
                      "id": pa.array(records, pa.string()),
                      "cluster_id": pa.array(clusters, pa.int64())})
    return FileLinkage(table, resolution, {p.dataset.ref: p.layout for p in prepared},
                       unlinkable)


def link_files_to_csv(paths: Sequence[Path], id_column: str | None, out: Path,
                      engine: Engine, *, mapping: Mapping[str, str] | None = None,
                      options: Sequence[FileOptions] | None = None,
                      pseudonymised: bool = False) -> dict[str, Any]:
    """`link_files`, written to a CSV of file, id and cluster_id; returns the summary."""
    for path in paths:
        if not Path(path).is_file():
            raise NotFound(f"no file at {path}")
    linked = link_files(paths, id_column, engine, mapping=mapping, options=options,
                        pseudonymised=pseudonymised)
    out.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(linked.clusters, out)
    return {"out": str(out), **linked.summary()}
