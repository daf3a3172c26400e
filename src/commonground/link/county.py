"""The synthetic county as linkage input: what the hub would hold, on tokens or in plaintext.

Used by `bench/link.py` and the quality tests: each partner extract is validated and
pseudonymised under its contract (with Bloom filters, as partners may choose), or only
normalised (`PlainTokeniser`, the raw-identifier baseline), then brought to mentions by the
same SQL the hub runs. The callers hand over the county's contracts
(`load_contracts(simulate.contracts_folder())`): a domain room does not import the simulator.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import date
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc

from commonground.address import Gazetteer
from commonground.contribute.contract import Contract
from commonground.contribute.package import reconcile_columns
from commonground.contribute.pseudonymise import Tokeniser, pseudonymise
from commonground.contribute.readers import read_extract
from commonground.contribute.resolution import with_uprns
from commonground.contribute.validate import PROBLEMS, validation_pipeline
from commonground.engines import Engine
from commonground.link.mentions import DatasetInput, mentions_pipeline
from commonground.link.schema import EntityKind
from commonground.link.standalone import PlainTokeniser


def address_columns(contracts: Mapping[str, Contract]) -> dict[str, str]:
    """dataset ref -> its subject-less address column (the record's own address)."""
    return {ref: next(c.name for c in ct.identifiers if c.identifier == "address"
                      and not c.subject)
            for ref, ct in contracts.items()
            if any(c.identifier == "address" and not c.subject for c in ct.identifiers)}


def county_mentions(partners: Path, contracts: Mapping[str, Contract], engine: Engine,
                    tokeniser: Tokeniser | PlainTokeniser, *, bloom: bool = True,
                    gazetteer: Gazetteer | None = None,
                    resolving: Collection[str] | None = None) -> dict[EntityKind, pa.Table]:
    """Person and address mentions of every partner extract under `partners`.

    With a `gazetteer`, the organisations in `resolving` (all, if None) resolve their
    addresses to UPRNs at source, as `contribute --local --gazetteer` does.
    """
    inputs, tables = [], {}
    for i, (ref, contract) in enumerate(contracts.items()):
        org, name = ref.split("/")
        extract = read_extract(next((Path(partners) / org).glob(f"{name}.*")))
        present, _ = reconcile_columns(extract, contract)
        checked = engine.run(validation_pipeline(contract, present, date.today()),
                             {"raw": extract.table})
        accepted = checked.filter(pc.equal(checked[PROBLEMS], "")).drop_columns([PROBLEMS])
        if gazetteer is not None and (resolving is None or org in resolving):
            accepted = with_uprns(accepted, contract, tokeniser,  # type: ignore[arg-type]
                                  gazetteer, engine)
        tokens = pseudonymise(accepted, contract, tokeniser,  # type: ignore[arg-type]
                              bloom=bloom)
        inputs.append(DatasetInput(ref, contract, f"d{i}", frozenset(tokens.column_names)))
        tables[f"d{i}"] = tokens
    return {kind: engine.run(mentions_pipeline(kind, inputs), tables)
            for kind in ("person", "address")}
