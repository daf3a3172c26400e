"""`link files`: columns detected, and FEBRL4 linked on tokens only."""

from __future__ import annotations

from pathlib import Path

import pytest
from tests.conftest import shared_data

from commonground.engines import get_engine
from commonground.errors import CommonGroundError
from commonground.link import link_files, score
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
