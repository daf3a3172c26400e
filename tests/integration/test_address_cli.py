"""Addresses to UPRNs from the command line: an analyst's `address match`, and a partner's
`contribute --local --gazetteer`, whose package carries UPRN tokens and scores, never UPRNs,
and which the hub accepts (and refuses when a score column could carry text)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from tests.unit.test_address_match import GAZETTEER

from commonground.contribute.keys import load_key
from commonground.contribute.pseudonymise import TOKEN_PATTERN, Tokeniser, uprn_tokens


def cg(*args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COMMONGROUND_")}
    done = subprocess.run([sys.executable, "-m", "commonground.cli", *args, "--json"],
                          capture_output=True, text=True, env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


MESSY = """Ref,Address Line 1,Address Line 2,Post Code
R1,Flat 2,14 Acacia Rd,cm11aa
R2,2 Acacai Road,,CM1 1AA
R3,Flat 4,14 Acacia Road,CM1 1AA
R4,7 Mill Road,,
R5,3 Acacia Road,,
"""


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("address")
    pacsv.write_csv(GAZETTEER, base / "gazetteer.csv")
    (base / "messy.csv").write_text(MESSY)
    return base


def test_address_match_end_to_end(files: Path) -> None:
    out = files / "matched.csv"
    summary = cg("address", "match", str(files / "messy.csv"), "--gazetteer",
                 str(files / "gazetteer.csv"), "--out", str(out), "--id-column", "Ref")
    assert summary["addresses"] == 5 and summary["gazetteer_records"] == GAZETTEER.num_rows
    assert (summary["exact"], summary["splink"], summary["unmatched"]) == (2, 1, 2)
    assert summary["match_rate"] == 0.6
    rows = pacsv.read_csv(out, convert_options=pacsv.ConvertOptions(
        column_types={"uprn": pa.string()}, strings_can_be_null=True)).to_pylist()
    assert [(r["id"], r["uprn"], r["stage"]) for r in rows] == [
        ("R1", "12", "exact"), ("R2", "2", "splink"), ("R3", None, None),
        ("R4", None, None), ("R5", "3", "exact")]
    # The numbered lines are joined in order; the match shows the gazetteer's own address.
    assert rows[0]["address"] == "Flat 2, 14 Acacia Rd"
    assert rows[0]["matched_address"] == "FLAT 2 ROSE COURT 14 ACACIA ROAD"
    assert rows[0]["matched_postcode"] == "CM1 1AA"
    assert rows[0]["score"] == 1.0 and 0.95 <= rows[1]["score"] < 1.0


CONTRACT = """
name: complaints
record_id: Ref
columns:
  - {name: Ref, type: string, required: true, role: record_id}
  - {name: Address, type: string, role: identifier, identifier: address}
  - {name: Postcode, type: postcode, role: identifier, identifier: postcode}
  - {name: Complaint, type: string}
"""
COMPLAINTS = """Ref,Address,Postcode,Complaint
C1,"Flat 2, 14 Acacia Rd",CM1 1AA,Noise
C2,2 Acacai Road,CM1 1AA,Rubbish
C3,Flat 4 14 Acacia Road,CM1 1AA,Noise
C4,"Flat 2, 14 Acacia Road",cm11aa,Damp
"""


def test_a_package_resolved_at_source_carries_uprn_tokens_never_uprns(files: Path) -> None:
    key = files / "partnership.key"
    cg("key", "create", str(key))
    (files / "complaints.yaml").write_text(CONTRACT)
    (files / "complaints.csv").write_text(COMPLAINTS)
    made = cg("contribute", str(files / "complaints.csv"), "--local", "--contract",
              str(files / "complaints.yaml"), "--out", str(files / "outbox"), "--key",
              str(key), "--gazetteer", str(files / "gazetteer.csv"))
    assert made["uprn_resolution"] == {"Address": {"addresses": 4, "match_rate": 0.75}}
    package = Path(made["package"])
    data = pq.read_table(package / "data").sort_by("_row")
    assert "Address" not in data.column_names
    tokens = data["Address__uprn"].cast(pa.string()).to_pylist()
    expected = uprn_tokens(Tokeniser(load_key(key)), pa.array(["12", "2"])).to_pylist()
    # C1 and C4 are one flat written two ways; C3 (flat 4) is not in the gazetteer.
    assert tokens == [expected[0], expected[1], None, expected[0]]
    assert all(re.fullmatch(TOKEN_PATTERN[1:-1], t) for t in tokens if t)
    scores = data["Address__uprn_score"]
    assert pa.types.is_floating(scores.type)
    assert scores.to_pylist()[0] == 1.0 and scores.to_pylist()[2] is None
    # No UPRN in clear, anywhere in the package (the row numbers and scores are numbers).
    gazetteer_uprns = set(GAZETTEER["UPRN"].to_pylist())
    for column in set(data.column_names) - {"_row", "Address__uprn_score"}:
        values = {str(v) for v in data[column].cast(pa.string()).to_pylist() if v is not None}
        assert not values & gazetteer_uprns, column
    manifest = json.loads((package / "package.json").read_text())
    assert manifest["identifier_columns"]["Address"][-2:] == ["Address__uprn",
                                                              "Address__uprn_score"]
    resolution = manifest["uprn_resolution"]
    assert resolution["gazetteer"] == "gazetteer.csv"
    assert resolution["columns"]["Address"] == {"addresses": 4, "exact": 2, "splink": 1,
                                                "unmatched": 1}


def test_the_hub_checks_a_score_column_is_a_number(files: Path, tmp_path: Path) -> None:
    from commonground.contribute.package import Package
    from commonground.contribute.submit import _check_scores
    from commonground.engines import get_engine

    package = Package.open(files / "outbox" / "package")
    data = pq.read_table(package.folder / "data")
    smuggled = data.set_column(data.schema.get_field_index("Address__uprn_score"),
                               "Address__uprn_score",
                               pc.cast(data["Address__uprn_score"], pa.string()))
    (tmp_path / "data").mkdir()
    pq.write_table(smuggled, tmp_path / "data" / "part-0.parquet")
    with get_engine("duckdb") as engine:
        assert _check_scores(engine, package.folder / "data", data.schema,
                             ["Address__uprn_score"]) == []
        assert _check_scores(engine, tmp_path / "data", smuggled.schema,
                             ["Address__uprn_score"]) == ["Address__uprn_score"]
