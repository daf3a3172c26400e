"""Erasure: one person's rows removed from every version that holds them, and recorded.

The steward turns the person's identifiers into tokens on their own machine, with the
partnership key (`erasure_tokens`); the hub receives tokens only. A row is erased when it
matches at least two identifiers (a name alone would catch namesakes), or one unique number
(NHS number). Each affected version is rewritten beside itself and swapped in; its manifest,
hash and row count are updated. The record keeps a hash of the request, not its content.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any

import pyarrow as pa
from sqlalchemy import select

from commonground.contribute.contract import parse_contract
from commonground.contribute.keys import PartnershipKey, as_key
from commonground.contribute.pseudonymise import Tokeniser, derived_values
from commonground.engines import Engine, ParquetSource, Pipeline, ident, literal
from commonground.errors import CommonGroundError, InvalidInput
from commonground.governance import Actor, Resource, may, record, require
from commonground.store import Dataset, DatasetVersion, Erasure, Organisation
from commonground.store.hub import Hub
from commonground.store.lake import content_hash, read_manifest, schema_of, write_manifest

# Identifiers an erasure request may carry, and what each one alone is worth.
UNIQUE_KINDS = ("nhs_number",)
REQUEST_KINDS = ("given_name", "family_name", "dob", "postcode", "address", "nhs_number",
                 "phone", "email")


def _date_of_birth(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        # Not Python's message: it would repeat the date of birth.
        raise InvalidInput("a date of birth must be a date like 1990-11-03") from None


def erasure_tokens(key: PartnershipKey, identifiers: Mapping[str, str]) -> dict[str, str]:
    """At source: the exact tokens of a person's identifiers, by identifier kind."""
    unknown = sorted(set(identifiers) - set(REQUEST_KINDS))
    if unknown:
        raise CommonGroundError(f"unknown identifier kind(s): {', '.join(unknown)}")
    tokeniser = Tokeniser(key)
    tokens: dict[str, str] = {}
    for kind, value in identifiers.items():
        raw: pa.Array = (pa.array([_date_of_birth(value)]) if kind == "dob"
                         else pa.array([value]))
        plain = derived_values(kind, raw)["token"]
        tokens[kind] = tokeniser.tokens(f"{kind}.token", plain)[0].as_py()
    if "given_name" in identifiers and "family_name" in identifiers:
        full = f"{identifiers['given_name']} {identifiers['family_name']}"
        plain = derived_values("full_name", pa.array([full]))["token"]
        tokens["full_name"] = tokeniser.tokens("full_name.token", plain)[0].as_py()
    return tokens


def _conditions(contract_doc: dict[str, Any], tokens: Mapping[str, str]) -> tuple[str, int]:
    """SQL matching the person in a dataset, and how many identifiers it compares."""
    contract = parse_contract(contract_doc)
    # A row can name several people (victim and suspect): match any one of them, comparing
    # only identifiers that describe the same person (the contract's `subject`).
    groups: dict[str, list[str]] = {}
    for column in contract.identifiers:
        token = tokens.get(column.identifier or "other_id")
        if token is not None:
            groups.setdefault(column.subject, []).append(
                f"{ident(column.name + '__token')} = {literal(token)}")
    best = ""
    strength = 0
    clauses = []
    for parts in groups.values():
        unique = any(k in UNIQUE_KINDS for k in tokens) and len(parts) >= 1
        if len(parts) >= 2 or unique:
            clauses.append("(" + " AND ".join(parts) + ")")
            strength = max(strength, len(parts))
    if clauses:
        best = " OR ".join(clauses)
    return best, strength


def erase(hub: Hub, actor: Actor, tokens: Mapping[str, str], reference: str, engine: Engine
          ) -> dict[str, Any]:
    """Remove the rows matching `tokens` from every live version the actor may erase from."""
    if len([k for k in tokens if k != "full_name"]) < 2 and not any(
            k in UNIQUE_KINDS for k in tokens):
        raise CommonGroundError("an erasure needs at least two identifiers (e.g. name and date "
                                "of birth) or an NHS number, so that no namesake is erased")
    request_hash = hashlib.sha256(json.dumps(sorted(tokens.items())).encode()).hexdigest()
    # Refused before any version is read unless the actor may erase from some dataset (their
    # own organisation's, or any for a governance lead); each version is checked again below.
    require(hub, actor, "erasure.request", Resource("dataset", owner=actor.organisation,
                                                    name="*"),
            details={"request": request_hash[:16], "step": "start"})
    rewritten: list[dict[str, Any]] = []
    removed_total = 0
    with hub.sessions()() as session:
        rows = session.execute(
            select(DatasetVersion, Dataset, Organisation)
            .join(Dataset, DatasetVersion.dataset_id == Dataset.id)
            .join(Organisation, Dataset.organisation_id == Organisation.id)
            .where(DatasetVersion.state == "live")).all()
        targets = [(v.id, v.path, f"{o.slug}/{d.name}", d.contract) for v, d, o in rows
                   if d.contract]
    for version_id, path, ref, contract_doc in targets:
        resource = Resource.dataset(ref)
        if not may(hub, actor, "erasure.request", resource):
            continue
        condition, _ = _conditions(contract_doc, tokens)
        if not condition:
            continue
        folder = hub.root / path
        source = {"v": ParquetSource.of(folder)}
        matched = engine.query(f"SELECT count(*) AS n FROM v WHERE {condition}", source)
        count = int(matched.column("n")[0].as_py())
        if not count:
            continue
        require(hub, actor, "erasure.request", resource, details={"request": request_hash[:16]})
        replacement = folder.parent / f".{folder.name}.erasure-{uuid.uuid4().hex[:8]}"
        written = engine.write(Pipeline.of(("kept", f"SELECT * FROM v WHERE NOT ({condition})")),
                               source, replacement)
        manifest = read_manifest(folder)
        manifest.update({"rows": written.rows, "files": list(written.files),
                         "content_hash": content_hash(replacement),
                         "erasures": [*manifest.get("erasures", []), request_hash[:16]]})
        write_manifest(replacement, manifest)
        retired = folder.parent / f".{folder.name}.retired-{uuid.uuid4().hex[:8]}"
        os.rename(folder, retired)
        os.rename(replacement, folder)
        shutil.rmtree(retired)
        with hub.sessions().begin() as session:
            version = session.get(DatasetVersion, version_id)
            assert version is not None
            version.rows = written.rows
            version.content_hash = manifest["content_hash"]
            version.schema = schema_of(folder)
        removed_total += count
        rewritten.append({"dataset": ref, "path": path, "rows_removed": count})
    with hub.sessions().begin() as session:
        session.add(Erasure(requested_by=actor.username, reference=reference[:100],
                            request_hash=request_hash, rows_removed=removed_total,
                            versions_rewritten=len(rewritten)))
    record(hub, actor, "erasure.done", Resource(kind="hub", owner="", name="lake"), "allowed",
           None, {"request": request_hash[:16], "rows_removed": removed_total,
                  "versions_rewritten": len(rewritten)})
    return {"reference": reference, "rows_removed": removed_total,
            "versions_rewritten": len(rewritten), "versions": rewritten}


def erase_person(hub: Hub, actor: Actor, reference: str, identifiers: Mapping[str, str | None],
                 key: PartnershipKey | Path | None, engine: Engine) -> dict[str, Any]:
    """Erase one person's rows from every version the actor may erase from.

    The identifiers (empty ones are ignored) become tokens here, with the partnership key,
    and only the tokens go further: the identifiers are never stored or logged.
    """
    given = {kind: value for kind, value in identifiers.items() if value}
    return erase(hub, actor, erasure_tokens(as_key(key), given), reference, engine)
