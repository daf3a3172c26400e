"""One contribution, start to end: a partner's file (or a package made at source) into the hub.

`prepare_package` runs on the partner's machine and needs no hub: validate, quarantine and
pseudonymise into a package folder. `contribute_file` does the whole journey on a steward's
own machine: a raw file is prepared in a private temporary folder outside the hub and
submitted; a folder already prepared with `prepare_package` is submitted as it is.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from commonground.address import Gazetteer, read_gazetteer
from commonground.contribute.contract import Contract, contract_from
from commonground.contribute.keys import PartnershipKey, as_key
from commonground.contribute.package import FULL_QUARANTINE, MANIFEST, Package, prepare
from commonground.contribute.submit import ContributionResult, registered_contract, submit
from commonground.engines import Engine
from commonground.governance import Actor
from commonground.store import Hub

# What the partner sees of a package made at source: counts and the key's fingerprint.
PACKAGE_FIGURES = ("rows_in", "rows_accepted", "rows_quarantined", "columns_dropped",
                   "key_fingerprint")


def _contract(contract: Contract | str | Path) -> Contract:
    return contract if isinstance(contract, Contract) else contract_from(contract)


def _gazetteer(gazetteer: Gazetteer | Path | None) -> Gazetteer | None:
    if gazetteer is None or isinstance(gazetteer, Gazetteer):
        return gazetteer
    return read_gazetteer(Path(gazetteer))


def resolution_summary(manifest: dict[str, Any]) -> dict[str, Any]:
    """Per resolved address column: how many distinct addresses, and the share given a UPRN."""
    found = manifest.get("uprn_resolution") or {}
    return {column: {"addresses": c["addresses"],
                     "match_rate": round((c["exact"] + c["splink"]) / max(c["addresses"], 1), 4)}
            for column, c in found.get("columns", {}).items()}


def prepare_package(source: Path, contract: Contract | str | Path,
                    key: PartnershipKey | Path | None, engine: Engine, out: Path, *,
                    bloom: bool = False, gazetteer: Gazetteer | Path | None = None
                    ) -> dict[str, Any]:
    """At source, without a hub: validate, quarantine and pseudonymise a file into `out`.

    `contract` is a Contract, a contract YAML file or a built-in name; `key` the partnership
    key or its file (None: $COMMONGROUND_KEY_FILE); `gazetteer` (a Gazetteer or its file)
    resolves each address to a UPRN before it is tokenised.
    """
    package = prepare(source, _contract(contract), as_key(key), engine, out, bloom=bloom,
                      gazetteer=_gazetteer(gazetteer))
    result = {"package": str(package.folder),
              **{figure: package.manifest[figure] for figure in PACKAGE_FIGURES},
              "quarantine": str(Path(out) / FULL_QUARANTINE)}
    if package.manifest.get("uprn_resolution"):
        result["uprn_resolution"] = resolution_summary(package.manifest)
    return result


def contribute_file(hub: Hub, actor: Actor, dataset: str, source: Path, *,
                    key: PartnershipKey | Path | None, engine: Engine,
                    contract: Contract | str | Path | None = None,
                    bloom: bool = False, gazetteer: Gazetteer | Path | None = None
                    ) -> dict[str, Any]:
    """Contribute a file: validate, quarantine, pseudonymise at source, store one version.

    `source` is a partner's file (CSV, XLSX, Parquet) or a package folder made at source; a
    package needs neither key nor contract. A raw file is checked against `contract`, or the
    dataset's registered contract when none is given, and its addresses resolved to UPRNs
    against `gazetteer` when one is given.
    """
    source = Path(source)
    if (source / MANIFEST).exists():
        return submit(hub, actor, dataset, Package.open(source), engine).to_dict()
    # On a steward's own machine: prepare in a private temporary folder outside the hub, then
    # submit; the raw file itself never enters the hub folder. Afterwards only the steward's
    # full quarantine (values found, for fixing the rows) is kept there, and its place is
    # reported; the package copy is removed.
    work = Path(tempfile.mkdtemp(prefix="commonground-package-"))
    try:
        chosen = _contract(contract) if contract else registered_contract(hub, dataset)
        package = prepare(source, chosen, as_key(key), engine, work, bloom=bloom,
                          gazetteer=_gazetteer(gazetteer))
        stored: ContributionResult = submit(hub, actor, dataset, package, engine)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    shutil.rmtree(package.folder)
    result = stored.to_dict()
    if package.rows_quarantined:
        result["quarantine_full"] = str(work / FULL_QUARANTINE)
    else:
        shutil.rmtree(work)
    return result
