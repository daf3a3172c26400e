"""Contribution: contracts, readers, validation, pseudonymisation and versioned writes.

The public API below is what the CLI, the web app and a steward's notebook call; each hub
operation takes the acting person and is checked and audited here:

    from commonground.contribute import contribute_file, load_key
    contribute_file(hub, me, "police/crimes", Path("crimes.csv"), key=load_key(), engine=duckdb)

`prepare_package`, `contract_from` and the key helpers need no hub: they run at source.
"""

from commonground.contribute.catalogue import catalogue
from commonground.contribute.contract import Contract, ContractError, contract_from
from commonground.contribute.contribution import contribute_file, prepare_package
from commonground.contribute.erasure import erase_person
from commonground.contribute.keys import PartnershipKey, create_key, load_key
from commonground.contribute.package import Package
from commonground.contribute.readers import ReadError
from commonground.contribute.reports import contribution_report, list_contributions
from commonground.contribute.retention import run_retention
from commonground.contribute.submit import (
    ContributionRejected,
    ContributionResult,
    register_dataset,
    submit,
    trust_key,
)

__all__ = [
    "Contract",
    "ContractError",
    "ContributionRejected",
    "ContributionResult",
    "Package",
    "PartnershipKey",
    "ReadError",
    "catalogue",
    "contract_from",
    "contribute_file",
    "contribution_report",
    "create_key",
    "erase_person",
    "list_contributions",
    "load_key",
    "prepare_package",
    "register_dataset",
    "run_retention",
    "submit",
    "trust_key",
]
