"""The catalogue as DCAT in JSON-LD, for partners' data catalogues and portals to harvest.

A pure mapping from the catalogue operation's entries (`contribute.catalogue`) to a
`dcat:Catalog` with one `dcat:Dataset` per dataset: what it holds, who publishes it, when it
last changed, its newest version as a `dcat:Distribution`, and that it is not public. DCAT has
no words for row counts or the agreements a dataset is shared under, so those few terms come
from the hub's own vocabulary (`cg:`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

MEDIA_TYPE = "application/ld+json"
PARQUET = "application/vnd.apache.parquet"
# Record-level data shared only under agreements: the EU access-rights vocabulary's term.
NON_PUBLIC = "http://publications.europa.eu/resource/authority/access-right/NON_PUBLIC"
CONTEXT: dict[str, str] = {
    "dcat": "http://www.w3.org/ns/dcat#",
    "dct": "http://purl.org/dc/terms/",
    "foaf": "http://xmlns.com/foaf/0.1/",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "cg": "urn:commonground:vocabulary:",
}


def _datetime(value: str | None) -> dict[str, str] | None:
    return {"@value": value, "@type": "xsd:dateTime"} if value else None


def _publisher(entry: dict[str, Any], base: str) -> dict[str, Any]:
    slug = str(entry["dataset"]).split("/", 1)[0]
    return {"@id": f"{base}/organisations/{slug}", "@type": "foaf:Organization",
            "foaf:name": entry["owner"], "dct:identifier": slug}


def _distribution(entry: dict[str, Any], base: str) -> dict[str, Any]:
    """The newest live version: Parquet in the hub's lake, reached through a governed view."""
    version = entry["latest_version"]
    return {
        "@id": f"{base}/datasets/{entry['dataset']}/v{version}",
        "@type": "dcat:Distribution",
        "dct:title": f"{entry['dataset']} version {version}",
        "dcat:mediaType": PARQUET,
        "dct:issued": _datetime(entry.get("last_contribution")),
        "dct:accessRights": {"@id": NON_PUBLIC},
        "cg:version": version,
        "cg:rows": entry["rows"],
    }


def dataset_jsonld(entry: dict[str, Any], base: str) -> dict[str, Any]:
    """One catalogue entry as a dcat:Dataset."""
    ref = entry["dataset"]
    node: dict[str, Any] = {
        "@id": f"{base}/datasets/{ref}",
        "@type": "dcat:Dataset",
        "dct:identifier": ref,
        "dct:title": ref,
        "dct:description": entry.get("description") or "",
        "dct:publisher": _publisher(entry, base),
        "dct:accessRights": {"@id": NON_PUBLIC},
        "dct:conformsTo": entry.get("contract"),
        "cg:versions": entry["versions"],
        "cg:rows": entry["rows"],
        "cg:rowsQuarantinedTotal": entry["rows_quarantined_total"],
        "cg:agreements": list(entry.get("agreements", [])),
    }
    if entry.get("last_contribution"):
        node["dct:modified"] = _datetime(entry["last_contribution"])
    if entry.get("latest_version") is not None:
        node["dcat:version"] = str(entry["latest_version"])
        node["dcat:distribution"] = [_distribution(entry, base)]
    else:
        node["dcat:distribution"] = []
    return node


def catalogue_jsonld(entries: Sequence[dict[str, Any]], base: str) -> dict[str, Any]:
    """The whole catalogue as one dcat:Catalog; `base` is the hub's address (no trailing /)."""
    base = base.rstrip("/")
    modified = max((e["last_contribution"] for e in entries if e.get("last_contribution")),
                   default=None)
    catalog: dict[str, Any] = {
        "@context": CONTEXT,
        "@id": f"{base}/api/catalogue.jsonld",
        "@type": "dcat:Catalog",
        "dct:title": "CommonGround hub catalogue",
        "dct:description": "The datasets the partners contribute to this hub: who owns each, "
                           "how fresh it is and under which agreements it is shared. Metadata "
                           "only; the records are not public.",
        "foaf:homepage": {"@id": f"{base}/"},
        "dcat:dataset": [dataset_jsonld(entry, base) for entry in entries],
    }
    if modified:
        catalog["dct:modified"] = _datetime(modified)
    return catalog
