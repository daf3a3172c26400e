"""Linkage on Spark gives what it gives on DuckDB: the same model scores the same pairs.

The model is trained once (on DuckDB) and then scores the same mentions on both engines: the
Bloom-filter Dice has a form per SQL dialect, the capped blocking keys and term frequencies are
computed by each backend, and the clusters must come out identical.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pyarrow as pa
import pytest

from commonground.contribute.contract import load_contracts
from commonground.contribute.keys import PartnershipKey
from commonground.contribute.pseudonymise import Tokeniser
from commonground.engines import Engine, get_engine
from commonground.link import ADDRESS, PERSON, resolve
from commonground.link.county import county_mentions
from commonground.simulate import contracts_folder

CONTRACTS = load_contracts(contracts_folder())

KEY = PartnershipKey(b"spec-key-spec-key-spec-key-spec!")


@pytest.fixture(scope="module")
def mentions(tmp_path_factory: pytest.TempPathFactory) -> dict[str, pa.Table]:
    from commonground.simulate import CountyConfig, simulate_county

    folder = tmp_path_factory.mktemp("county")
    simulate_county(CountyConfig(people=500, seed=11), folder, lambda *_: None)
    found: dict[str, pa.Table] = county_mentions(Path(folder) / "partners", CONTRACTS,
                                                 get_engine("duckdb"), Tokeniser(KEY))
    return found


def _pairs(table: pa.Table) -> dict[tuple[str, str], float]:
    return {tuple(sorted((row["unique_id_l"], row["unique_id_r"]))): row["match_probability"]
            for row in table.select(["unique_id_l", "unique_id_r", "match_probability"])
            .to_pylist()}


@pytest.mark.spark
@pytest.mark.parametrize("spec", [PERSON, ADDRESS], ids=["person", "address"])
def test_spark_scores_and_clusters_as_duckdb(mentions: dict[str, pa.Table], spec: Any,
                                             spark_engine: Engine) -> None:
    duckdb = get_engine("duckdb")
    table = mentions[spec.kind]
    trained = resolve(table, spec, duckdb, seed=1)
    on_duckdb = resolve(table, spec, duckdb, model=trained.model)
    on_spark = resolve(table, spec, spark_engine, model=trained.model)
    left, right = _pairs(on_duckdb.pairs), _pairs(on_spark.pairs)
    assert len(left) > 50
    assert not left.keys() ^ right.keys(), "pairs found by one engine only"
    assert max(abs(left[k] - right[k]) for k in left) < 1e-9
    assert on_duckdb.clusters.equals(on_spark.clusters)


@pytest.mark.spark
def test_spark_trains_on_a_sample_then_scores_everyone(mentions: dict[str, pa.Table],
                                                       spark_engine: Engine) -> None:
    """Past `training_sample` mentions the model trains on a sample; the Spark columns made
    for the sample must not be made twice (they were: an ambiguous column)."""
    table = mentions["address"]
    result = resolve(table, ADDRESS, spark_engine, seed=1, training_sample=200)
    assert result.figures["trained_on"] == 200 < table.num_rows
    assert result.clusters.num_rows == table.num_rows
    assert result.pairs.num_rows > 0
