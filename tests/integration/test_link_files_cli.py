"""`commonground link files` on agencies' own files, as they send them.

Two extracts of the synthetic county, each in its agency's layout (the county council's adult
social care referrals: `Ref`, `Full Name`, `Date of Birth`, `Address`, `Postcode`; the police
intelligence log: `INTEL_REF`, `SUBJECT_SURNAME`, `SUBJECT_FORENAME`, `SUBJECT_DOB`, `ADDRESS`,
`POSTCODE`), are linked with no --map and no --id-column and scored against the county's truth.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pacsv
import pytest
from typer.testing import CliRunner

from commonground.commands.link import link_app
from commonground.errors import InvalidInput
from commonground.link import score

ASC_HEADERS = ["Ref", "Full Name", "Date of Birth", "Address", "Postcode"]
INTEL_HEADERS = ["INTEL_REF", "SUBJECT_SURNAME", "SUBJECT_FORENAME", "SUBJECT_DOB", "ADDRESS",
                 "POSTCODE"]


def link(*args: str) -> dict:
    done = CliRunner().invoke(link_app, ["files", *args, "--json"], catch_exceptions=False)
    assert done.exit_code == 0, done.output
    return json.loads(done.stdout)


def county_files(folder: Path) -> tuple[list[Path], pa.Table]:
    """The two extracts as CSV files, and the truth: (unique_id 'file|record', true_entity).

    A small county, over three years, with more duplicates and more intelligence subjects
    than the county's defaults: at default rates 5,000 people give one true pair between
    these two files' 71 records, too few to score.
    """
    from commonground.simulate import CountyConfig
    from commonground.simulate.config import stage_rng
    from commonground.simulate.councils import adult_social_care_file
    from commonground.simulate.exploitation import plan_sites
    from commonground.simulate.geography import lsoa_arrays
    from commonground.simulate.police import intelligence_file
    from commonground.simulate.population import build_population

    config = CountyConfig(people=10_000, seed=3, months=36, duplicate_rate=0.2,
                          innocent_signal_scale=10)
    population = build_population(config, lsoa_arrays(),
                                  plan_sites(stage_rng(config, "sites"), config))
    paths, truths = [], []
    for partner, headers in ((adult_social_care_file(config, population), ASC_HEADERS),
                             (intelligence_file(config, population), INTEL_HEADERS)):
        assert set(headers) <= set(partner.table.column_names)  # the agencies' own layouts
        path = folder / f"{partner.dataset}.csv"
        pacsv.write_csv(partner.table, path)
        paths.append(path)
        ids = [f"{partner.dataset}|{r}" for r in partner.truth["record_id"].to_pylist()]
        truths.append(pa.table({"unique_id": pa.array(ids, pa.string()),
                                "true_entity": partner.truth["person_id"]}))
    return paths, pa.concat_tables(truths)


@pytest.mark.slow
def test_two_agencies_files_link_with_no_map(tmp_path: Path) -> None:
    paths, truth = county_files(tmp_path)
    out = tmp_path / "clusters.csv"
    summary = link(*map(str, paths), "--out", str(out), "--pseudonymise")

    asc, intel = summary["files"]["adult_social_care"], summary["files"]["intelligence"]
    assert (asc["id_column"], asc["id"]) == ("Ref", "detected")
    assert asc["columns"] == {"full_name": "Full Name", "dob": "Date of Birth",
                              "postcode": "Postcode", "address": "Address"}
    assert (intel["id_column"], intel["id"]) == ("INTEL_REF", "detected")
    assert intel["columns"] == {"given_name": "SUBJECT_FORENAME",
                                "family_name": "SUBJECT_SURNAME", "dob": "SUBJECT_DOB",
                                "postcode": "POSTCODE", "address": "ADDRESS"}

    clusters = pacsv.read_csv(out, convert_options=pacsv.ConvertOptions(
        column_types={"id": pa.string()}))
    assert clusters.num_rows == truth.num_rows == summary["records"]  # nothing lost
    ids = [f"{f}|{i}" for f, i in zip(clusters["file"].to_pylist(), clusters["id"].to_pylist(),
                                       strict=True)]
    predicted = pa.table({"unique_id": ids, "entity": clusters["cluster_id"]})
    figures = score(predicted, truth)
    assert figures["true_pairs"] >= 50
    assert figures["pairwise_f1"] >= 0.95  # 0.981 measured (P 1.0, R 0.963, 82 true pairs)

    # The people in both files (12): most are linked across the two layouts (12 measured).
    cluster_of = dict(zip(ids, clusters["cluster_id"].to_pylist(), strict=True))
    files_of: dict[int, dict[str, set[int]]] = defaultdict(lambda: defaultdict(set))
    for mention, person in zip(truth["unique_id"].to_pylist(),
                               truth["true_entity"].to_pylist(), strict=True):
        if person is not None:
            files_of[person][mention.split("|")[0]].add(cluster_of[mention])
    both = [f for f in files_of.values() if len(f) == 2]
    linked = [f for f in both if f["adult_social_care"] & f["intelligence"]]
    assert len(both) >= 8 and len(linked) >= 0.8 * len(both)


def test_per_file_id_columns_and_maps(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    a = tmp_path / "a" / "people.csv"
    a.write_text("Ref,Case Ref,Forename,Family,Born,PC\n"
                 "1,K1,Ann,Lee,1980-01-02,CM1 1AA\n2,K2,Bob,Day,1975-03-04,CM2 2BB\n"
                 "3,K3,,,1990-01-01,CM3 3CC\n")
    b = tmp_path / "people.csv"  # the same name in another folder: named by its path
    b.write_text("id,NOM,DDN\nx1,Ann Lee,02/01/1980\nx2,Bob Day,04/03/1975\n")
    out = tmp_path / "clusters.csv"
    summary = link(str(a), str(b), "--out", str(out),
                   "--id-column", f"{a}:Case Ref", "--id-column", f"{b}:id",
                   "--map", f"{a}:family_name=Family,dob=Born,postcode=PC",
                   "--map", f"{b}:full_name=NOM,dob=DDN")
    first, second = summary["files"]["people_1"], summary["files"]["people_2"]
    assert (first["id_column"], first["id"]) == ("Case Ref", "given")
    assert first["columns"] == {"given_name": "Forename", "family_name": "Family",
                                "dob": "Born", "postcode": "PC"}
    assert (second["id_column"], second["columns"]) == ("id", {"full_name": "NOM",
                                                               "dob": "DDN"})
    assert summary["unlinkable"] == {"count": 1, "why": summary["unlinkable"]["why"],
                                     "ids": {"people_1": ["K3"]}}
    rows = pacsv.read_csv(out).to_pylist()
    assert [(r["file"], r["id"]) for r in rows] == [
        ("people_1", "K1"), ("people_1", "K2"), ("people_1", "K3"), ("people_2", "x1"),
        ("people_2", "x2")]

    # A --map for a file not given is an error that names the files.
    done = CliRunner().invoke(link_app, ["files", str(a), "--out", str(out),
                                         "--map", "other.csv:given_name=X"])
    assert isinstance(done.exception, InvalidInput)
    assert "'other.csv:' names no file given" in str(done.exception)
