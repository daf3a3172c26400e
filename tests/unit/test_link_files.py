"""`link files`: agencies' columns detected, ids given, detected or numbered, every record
out, and FEBRL4 linked on tokens only."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import shared_data

from commonground.engines import get_engine
from commonground.errors import CommonGroundError, InvalidInput
from commonground.link import FileOptions, file_options, link_files, score
from commonground.link.columns import looks_like_id
from commonground.link.evaluate import febrl_truth
from commonground.link.standalone import detect_columns


def test_columns_are_detected_by_name_and_map_wins() -> None:
    found = detect_columns(["rec_id", "given_name", "surname", "date_of_birth", "postcode"],
                           {"family_name": "surname"})
    assert found == {"family_name": "surname", "given_name": "given_name",
                     "dob": "date_of_birth", "postcode": "postcode"}
    with pytest.raises(CommonGroundError, match="no name column"):
        detect_columns(["id", "colour"])


def test_febrl4_on_tokens_only() -> None:
    folder = shared_data("linkage", "febrl4")
    with get_engine("duckdb") as engine:
        linked = link_files([folder / "dataset4a.csv", folder / "dataset4b.csv"], "rec_id",
                            engine, pseudonymised=True)
    clusters = linked.resolution.clusters
    predicted = clusters.rename_columns(["unique_id", "entity"])
    figures = score(predicted, febrl_truth(clusters))
    assert figures["true_pairs"] >= 4990
    assert figures["pairwise_f1"] >= 0.99  # 0.9945 measured; bench/link.py prints it
    assert set(linked.clusters.column_names) == {"file", "id", "cluster_id"}
    # Every record comes out; three have no name to link on.
    assert linked.clusters.num_rows == 10_000
    assert sum(len(ids) for ids in linked.unlinkable.values()) == 3


def test_one_file_is_deduplicated(tmp_path: Path) -> None:
    rows = ["id,first_name,last_name,dob,postcode"]
    for i in range(60):
        rows.append(f"{i},name{i % 30}x,family{i % 30}y,19{50 + i % 30}-01-0{1 + i % 9},"
                    f"CM{i % 30} 1AA")
    path = tmp_path / "people.csv"
    path.write_text("\n".join(rows) + "\n")
    with get_engine("duckdb") as engine:
        linked = link_files([path], "id", engine, pseudonymised=True)
    assert linked.clusters.num_rows == 60
    # Records i and i + 30 are the same person, and nobody else is.
    cluster = dict(zip(linked.clusters["id"].to_pylist(),
                       linked.clusters["cluster_id"].to_pylist(), strict=True))
    assert all(cluster[str(i)] == cluster[str(i + 30)] for i in range(30))
    assert len(set(cluster.values())) == 30


def test_a_file_too_small_to_train_still_links(tmp_path: Path) -> None:
    # Three copies of one person: Splink refuses to estimate the prior (more certain matches
    # than the recall allows) and EM would learn that agreeing means nothing.
    path = tmp_path / "three.csv"
    path.write_text("rec_id,given_name,surname,dob,postcode\n"
                    "a1,john,smith,19800101,CM1 1AA\na2,john,smith,19800101,CM1 1AA\n"
                    "a3,jon,smith,19800101,CM1 1AA\nb1,mary,jones,19750505,SS1 2BB\n")
    with get_engine("duckdb") as engine:
        linked = link_files([path], "rec_id", engine, pseudonymised=True)
    cluster = dict(zip(linked.clusters["id"].to_pylist(),
                       linked.clusters["cluster_id"].to_pylist(), strict=True))
    assert cluster["a1"] == cluster["a2"] == cluster["a3"] != cluster["b1"]
    assert linked.summary()["trained_on"] == 0


# Headers as agencies' systems write them, and what each should be read as.
AGENCY_HEADERS = {
    "SUBJECT_SURNAME": "family_name", "SUBJECT_FORENAME": "given_name", "SUBJECT_DOB": "dob",
    "PV_SURNAME": "family_name", "Full Name": "full_name", "Date of Birth": "dob",
    "ADDRESS": "address", "Address Found": "address", "POSTCODE": "postcode",
    "client_name": "full_name", "DateOfBirth": "dob", "FIRSTNAME": "given_name",
    "Post Code": "postcode", "D.O.B": "dob", "NHSNumber": "nhs_number",
    "Last Name": "family_name", "Forenames": "given_name",
}


@pytest.mark.parametrize(("header", "concept"), sorted(AGENCY_HEADERS.items()))
def test_agency_headers_are_read_as_words(header: str, concept: str) -> None:
    other = "Forename" if concept in ("family_name", "full_name") else "Surname"
    found = detect_columns([header, other])
    assert found[concept] == header and found.get("given_name", found.get("family_name"))


def test_columns_about_someone_or_something_else_are_not_taken() -> None:
    columns = ["Case Ref", "REFERRAL_DATE", "GP Name", "Officer Name", "Email Address",
               "Previous Surname", "Mother DOB", "INCIDENT_POSTCODE", "address_2",
               "Street Name", "client_name"]
    assert detect_columns(columns) == {"full_name": "client_name"}
    # Of two candidates, the one with fewer other words, then the leftmost.
    assert detect_columns(["PV_POSTCODE", "POSTCODE", "Name"])["postcode"] == "POSTCODE"
    assert detect_columns(["address_2", "address_1", "Name"])["address"] == "address_1"


@pytest.mark.parametrize("header", ["Ref", "INTEL_REF", "Case Ref", "rec_id", "URN", "ID",
                                    "RecordId", "Client Reference"])
def test_record_ids_are_recognised_by_name(header: str) -> None:
    assert looks_like_id(header)


@pytest.mark.parametrize("header", ["REFERRAL_DATE", "Referral Source", "Identity",
                                    "Ideas", "Reference Date"])
def test_other_columns_are_not_record_ids(header: str) -> None:
    assert not looks_like_id(header)


def write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n")
    return path


def test_an_id_is_detected_else_the_rows_are_numbered(tmp_path: Path) -> None:
    # soc_sec_id is a national id, not the record id; Case Ref repeats, so it names no record.
    a = write(tmp_path / "a.csv", "soc_sec_id,Case Ref,rec_id,Full Name",
              ["1,C1,r1,Ann Lee", "2,C1,r2,Bob Day"])
    b = write(tmp_path / "b.csv", "Case Ref,Full Name", ["C1,Ann Lee", "C1,Bob Day"])
    with get_engine("duckdb") as engine:
        linked = link_files([a, b], None, engine)
    assert linked.files["a"]["id_column"] == "rec_id" and linked.files["a"]["id"] == "detected"
    assert linked.files["b"]["id_column"] is None
    assert linked.files["b"]["id"].startswith("row number")
    assert linked.clusters.to_pylist()[2:] == [
        {"file": "b", "id": "1", "cluster_id": 3}, {"file": "b", "id": "2", "cluster_id": 4}]


def test_a_given_id_column_must_name_each_record_once(tmp_path: Path) -> None:
    twice = write(tmp_path / "twice.csv", "ref,name", ["1,Ann Lee", "1,Bob Day", "2,Cy Po"])
    empty = write(tmp_path / "empty.csv", "ref,name", ["1,Ann Lee", ",Bob Day"])
    with get_engine("duckdb") as engine:
        with pytest.raises(InvalidInput, match="1 value.* of the id column 'ref' name more"):
            link_files([twice], "ref", engine)
        with pytest.raises(InvalidInput, match="1 record.* no value in the id column 'ref'"):
            link_files([empty], "ref", engine)
        with pytest.raises(InvalidInput, match="empty.csv has no id column 'Ref'"):
            link_files([empty], "Ref", engine)


def test_options_for_every_file_and_for_one(tmp_path: Path) -> None:
    a, b = tmp_path / "x" / "a.csv", tmp_path / "b.csv"
    options = file_options([a, b], ["rec_id", f"{b}:Ref"],
                           ["dob=DOB", "a.csv:given_name=FIRST,dob=BORN"])
    assert options == [FileOptions("rec_id", {"dob": "BORN", "given_name": "FIRST"}),
                       FileOptions("Ref", {"dob": "DOB"})]
    # A colon that does not follow a file given belongs to the column's name.
    assert file_options([a], ["Ref:No"]) == [FileOptions("Ref:No", {})]
    with pytest.raises(InvalidInput, match="'c.csv:' names no file given"):
        file_options([a, b], [], ["c.csv:given_name=X"])
    with pytest.raises(InvalidInput, match="given twice for"):
        file_options([a, b], ["a.csv:Ref", "a.csv:ID"])
    with pytest.raises(InvalidInput, match="several files"):
        file_options([a, tmp_path / "a.csv"], ["a.csv:Ref"])


@pytest.mark.parametrize("pseudonymised", [True, False])
def test_every_record_comes_out_and_those_without_a_name_are_listed(
        tmp_path: Path, pseudonymised: bool) -> None:
    people = ["r1,Ann,Lee,1980-01-02,CM1 1AA", "r2,Ann,Lee,1980-01-02,CM1 1AA",
              "r3,,,1990-05-06,CM2 2BB",  # no name at all
              'r4,"  ","   ",1991-05-06,CM2 2BB',  # names of spaces only
              "r5,,,,",  # nothing at all
              "r6,?,-,1992-05-06,",  # names that normalise to nothing
              "r7,Cy,,1970-03-04,CM3 3CC"]  # a given name alone still links
    a = write(tmp_path / "a.csv", "id,first_name,last_name,dob,postcode", people)
    b = write(tmp_path / "b.csv", "Ref,Full Name,Date of Birth",
              ["B1,Ann Lee,02/01/1980", "B2,,01/01/2000", "B3,  ,"])
    with get_engine("duckdb") as engine:
        linked = link_files([a, b], None, engine, pseudonymised=pseudonymised,
                            options=file_options([a, b], ["a.csv:id"]))
    rows = linked.clusters.to_pylist()
    assert [(r["file"], r["id"]) for r in rows] == [
        *(("a", f"r{i}") for i in range(1, 8)), ("b", "B1"), ("b", "B2"), ("b", "B3")]
    cluster = {r["id"]: r["cluster_id"] for r in rows}
    assert cluster["r1"] == cluster["r2"]
    lonely = ["r3", "r4", "r5", "r6", "B2", "B3"]
    assert len({cluster[i] for i in lonely}) == len(lonely)
    assert not {cluster[i] for i in lonely} & {cluster[i] for i in cluster if i not in lonely}
    summary = linked.summary()
    assert summary["records"] == 10
    assert summary["unlinkable"]["count"] == 6
    assert summary["unlinkable"]["ids"] == {"a": ["r3", "r4", "r5", "r6"], "b": ["B2", "B3"]}
    assert summary["files"]["a"]["id"] == "given"
    assert summary["files"]["b"] == {
        "path": str(b), "records": 3, "id_column": "Ref", "id": "detected",
        "columns": {"full_name": "Full Name", "dob": "Date of Birth"}}


@pytest.mark.slow
def test_febrl2_every_record_comes_out() -> None:
    """rec-3688-org has neither given name nor surname: it used to be left out."""
    path = shared_data("linkage", "febrl2") / "dataset2.csv"
    with get_engine("duckdb") as engine:
        linked = link_files([path], "rec_id", engine, pseudonymised=True)
    assert linked.clusters.num_rows == 5000
    assert linked.unlinkable == {"dataset2": ["rec-3688-org"]}
