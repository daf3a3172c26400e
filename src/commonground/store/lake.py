"""The lake's layout and its immutable versions: lake/<org>/<dataset>/v<N>/."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any, ClassVar

import pyarrow.parquet as pq

# Leading underscore: Arrow, pandas and Spark skip it when they read the folder as a dataset.
MANIFEST = "_manifest.json"
_SLUG = re.compile(r"^[a-z][a-z0-9_-]{0,63}$")


class InvalidSlug(ValueError):
    """A name used in lake paths that is not a plain slug (exit code and status as in `errors`)."""

    exit_code: ClassVar[int] = 1
    http_status: ClassVar[int] = 400


def check_slug(value: str, what: str) -> str:
    if not _SLUG.match(value):
        raise InvalidSlug(
            f"{what} '{value}' must be lower-case letters, digits, '-' or '_', "
            "starting with a letter"
        )
    return value


def dataset_folder(lake: Path, org: str, dataset: str) -> Path:
    return lake / check_slug(org, "organisation") / check_slug(dataset, "dataset")


def version_folder(lake: Path, org: str, dataset: str, number: int) -> Path:
    return dataset_folder(lake, org, dataset) / f"v{number}"


def content_hash(folder: Path) -> str:
    """SHA-256 over the part files' bytes in name order: equal data gives an equal hash."""
    digest = hashlib.sha256()
    for part in sorted(folder.glob("part-*.parquet")):
        digest.update(part.name.encode())
        with part.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def schema_of(folder: Path) -> dict[str, str]:
    parts = sorted(folder.glob("part-*.parquet"))
    if not parts:
        return {}
    schema = pq.read_schema(parts[0])
    return {field.name: str(field.type) for field in schema}


def write_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def read_manifest(folder: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((folder / MANIFEST).read_text())
    return data
