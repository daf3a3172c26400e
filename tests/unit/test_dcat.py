"""The catalogue as DCAT: a JSON-LD dcat:Catalog with every dataset, publisher and version."""

from __future__ import annotations

import json
from typing import Any

import pytest

from commonground.server.dcat import CONTEXT, NON_PUBLIC, catalogue_jsonld

BASE = "https://hub.example.org/"


def entry(ref: str, owner: str, version: int | None, rows: int,
          at: str | None = "2025-03-01T10:00:00+00:00") -> dict[str, Any]:
    return {"dataset": ref, "owner": owner, "description": f"About {ref}",
            "contract": ref.split("/")[1], "columns": ["Ref"], "identifier_columns": [],
            "versions": version or 0, "latest_version": version, "rows": rows,
            "last_contribution": at if version else None, "age_days": 3,
            "rows_quarantined_total": 2, "agreements": ["essex-prevention v1 (active)"],
            "expires_at": None}


ENTRIES = [entry("police/crimes", "Essex Police", 3, 1200),
           entry("fire/safety_visits", "Essex Fire", 1, 40, "2025-04-02T09:00:00+00:00"),
           entry("ngo/referrals", "Essex NGO", None, 0)]


def test_the_catalogue_is_a_dcat_catalog_with_every_dataset() -> None:
    catalog = catalogue_jsonld(ENTRIES, BASE)
    assert catalog["@context"] == CONTEXT
    assert {"dcat", "dct", "foaf"} <= set(catalog["@context"])
    assert catalog["@type"] == "dcat:Catalog"
    assert catalog["@id"] == "https://hub.example.org/api/catalogue.jsonld"
    assert catalog["dct:modified"]["@value"] == "2025-04-02T09:00:00+00:00"
    datasets = catalog["dcat:dataset"]
    assert [d["dct:identifier"] for d in datasets] == [e["dataset"] for e in ENTRIES]
    assert all(d["@type"] == "dcat:Dataset" and d["dct:accessRights"] == {"@id": NON_PUBLIC}
               for d in datasets)
    assert len({d["@id"] for d in datasets}) == len(datasets)
    json.dumps(catalog)  # plain JSON throughout


def test_each_dataset_names_its_publisher_freshness_version_and_rows() -> None:
    crimes = catalogue_jsonld(ENTRIES, BASE)["dcat:dataset"][0]
    assert crimes["dct:title"] == "police/crimes"
    assert crimes["dct:description"] == "About police/crimes"
    assert crimes["dct:publisher"] == {
        "@id": "https://hub.example.org/organisations/police", "@type": "foaf:Organization",
        "foaf:name": "Essex Police", "dct:identifier": "police"}
    assert crimes["dct:modified"] == {"@value": "2025-03-01T10:00:00+00:00",
                                      "@type": "xsd:dateTime"}
    assert crimes["dcat:version"] == "3" and crimes["cg:rows"] == 1200
    assert crimes["cg:rowsQuarantinedTotal"] == 2
    (distribution,) = crimes["dcat:distribution"]
    assert distribution["@type"] == "dcat:Distribution"
    assert (distribution["cg:version"], distribution["cg:rows"]) == (3, 1200)
    assert distribution["dcat:mediaType"] == "application/vnd.apache.parquet"


def test_a_dataset_with_no_version_yet_has_no_distribution() -> None:
    referrals = catalogue_jsonld(ENTRIES, BASE)["dcat:dataset"][2]
    assert referrals["dcat:distribution"] == []
    assert "dcat:version" not in referrals and "dct:modified" not in referrals
    empty = catalogue_jsonld([], BASE)
    assert empty["dcat:dataset"] == [] and "dct:modified" not in empty


def test_it_parses_as_rdf_with_a_dataset_per_entry() -> None:
    rdflib = pytest.importorskip("rdflib")
    graph = rdflib.Graph().parse(data=json.dumps(catalogue_jsonld(ENTRIES, BASE)),
                                 format="json-ld")
    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    dct = rdflib.Namespace("http://purl.org/dc/terms/")
    catalogs = list(graph.subjects(rdflib.RDF.type, dcat.Catalog))
    assert len(catalogs) == 1
    datasets = set(graph.objects(catalogs[0], dcat.dataset))
    assert len(datasets) == len(ENTRIES)
    assert {str(graph.value(d, dct.identifier)) for d in datasets} == {
        e["dataset"] for e in ENTRIES}
    assert all((d, rdflib.RDF.type, dcat.Dataset) in graph for d in datasets)
