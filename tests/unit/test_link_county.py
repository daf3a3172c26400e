"""Linkage quality on a small synthetic county: a floor, and tokens as good as plaintext.

The county's noise is hard (transliterations, nicknames, swapped dates, moves, households of
one surname at one address); 3,000 people link in seconds. bench/link.py prints the same
figures at 50,000 people and FEBRL4.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from commonground.contribute.contract import load_contracts
from commonground.contribute.keys import PartnershipKey
from commonground.contribute.pseudonymise import Tokeniser
from commonground.engines import get_engine
from commonground.link import ADDRESS, PERSON, resolve, score
from commonground.link.county import address_columns, county_mentions
from commonground.link.evaluate import county_truth
from commonground.link.standalone import PlainTokeniser
from commonground.simulate import contracts_folder

CONTRACTS = load_contracts(contracts_folder())

KEY = PartnershipKey(b"test-key-test-key-test-key-00000")
# Every scored pair of the fixture's runs, by "kind label". The runs keep every pair, not
# only those in or above the review band; clusters depend on the threshold alone.
PAIRS: dict[str, pa.Table] = {}
MODELS: dict[str, dict[str, object]] = {}  # the trained models, by "kind label"
MENTIONS: dict[str, pa.Table] = {}  # the county's person mentions, by label


@pytest.fixture(scope="module")
def county(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, dict[str, float]]]:
    from commonground.simulate import CountyConfig, simulate_county

    folder = tmp_path_factory.mktemp("county")
    simulate_county(CountyConfig(people=3_000, seed=5), folder, lambda *_: None)
    figures: dict[str, dict[str, float]] = {}
    with get_engine("duckdb") as engine:
        for label, tokeniser in (("tokens", Tokeniser(KEY)), ("raw", PlainTokeniser())):
            mentions = county_mentions(folder / "partners", CONTRACTS, engine, tokeniser)
            MENTIONS[label] = mentions["person"]
            for spec in (PERSON, ADDRESS):
                kind = spec.kind
                every_pair = dataclasses.replace(spec, review_band=(1e-12, spec.review_band[1]))
                result = resolve(mentions[kind], every_pair, engine, seed=42)
                predicted = result.clusters.rename_columns(["unique_id", "entity"])
                truth = county_truth(folder / "truth", kind, address_columns(CONTRACTS))
                figures[f"{kind} {label}"] = score(predicted, truth)
                PAIRS[f"{kind} {label}"] = result.pairs
                MODELS[f"{kind} {label}"] = result.model
    yield figures


def test_people_and_addresses_link_above_a_floor(county: dict[str, dict[str, float]]) -> None:
    # Measured: people F1 0.943 (P 0.984, R 0.904), addresses 0.926 (P 0.983). Before names
    # followed real frequencies and household members had their own level, people 0.894 (P
    # 0.977). The target is 0.97 for people; what stands in the way is in docs/linkage.md.
    assert county["person tokens"]["pairwise_f1"] >= 0.93
    assert county["person tokens"]["pairwise_precision"] >= 0.975
    assert county["address tokens"]["pairwise_f1"] >= 0.915


def test_tokens_link_as_well_as_plaintext(county: dict[str, dict[str, float]]) -> None:
    for kind in ("person", "address"):
        gap = county[f"{kind} raw"]["pairwise_f1"] - county[f"{kind} tokens"]["pairwise_f1"]
        assert abs(gap) <= 0.01, kind


def test_a_shared_household_alone_never_links_two_forenames(
        county: dict[str, dict[str, float]]) -> None:
    from commonground.link.model import ANOTHER_HOUSEHOLD_MEMBER

    # Same surname and address, forenames unlike: another member of the household, unless a
    # date of birth or an NHS number says otherwise.
    pairs = PAIRS["person tokens"]
    level = math.log2(ANOTHER_HOUSEHOLD_MEMBER["m_probability"]
                      / ANOTHER_HOUSEHOLD_MEMBER["u_probability"])
    household = pc.less(pc.abs(pc.subtract(pairs["mw_given"], level)), 1e-6)
    alone = pc.and_(household, pc.and_(pc.less_equal(pairs["mw_dob"], 0),
                                       pc.less_equal(pairs["mw_national_id"], 0)))
    assert pc.sum(alone).as_py() > 20  # the county has households, and the level fires
    linked = pc.and_(alone, pc.greater_equal(pairs["match_probability"], PERSON.threshold))
    assert pc.sum(linked).as_py() == 0


def test_a_name_reversed_or_with_letters_swapped_is_the_same_person_at_one_address(
        county: dict[str, dict[str, float]]) -> None:
    from commonground.contribute.contract import parse_contract
    from commonground.contribute.pseudonymise import pseudonymise
    from commonground.link.mentions import DatasetInput, mentions_pipeline

    # No date of birth: the name and the address are all there is. A reversed name once
    # weighed 5 bits (no u from sampling) and two swapped letters fell to "another member of
    # the household"; neither pair linked. Scored among the county's mentions, so that the
    # names' frequencies are a county's, not those of five records.
    contract = parse_contract({"name": "ct", "record_id": "ref", "columns": [
        {"name": "ref", "role": "record_id"},
        {"name": "name", "role": "identifier", "identifier": "full_name"},
        {"name": "address", "role": "identifier", "identifier": "address"},
        {"name": "postcode", "role": "identifier", "identifier": "postcode"}]})
    rows = pa.table({
        "ref": ["1", "2", "3", "4", "5"],
        "name": ["Isla Dunowell", "Isal Dunowell", "Keith Day", "Day Keith", "Mary Day"],
        "address": ["3 Kiln Lane", "3 Kiln Lane", "5 Ongar Road", "5 Ongar Road",
                    "5 Ongar Road"],
        "postcode": ["CM1 1AA", "CM1 1AA", "SS1 2BB", "SS1 2BB", "SS1 2BB"]})
    tokens = pseudonymise(rows, contract, Tokeniser(KEY), bloom=True)
    data = DatasetInput("council/ct", contract, "ct", frozenset(tokens.column_names))
    with get_engine("duckdb") as engine:
        ours = engine.run(mentions_pipeline("person", [data]), {"ct": tokens})
        mentions = pa.concat_tables([MENTIONS["tokens"], ours.select(
            MENTIONS["tokens"].column_names).cast(MENTIONS["tokens"].schema)])
        result = resolve(mentions, PERSON, engine, model=MODELS["person tokens"])
    cluster = dict(zip(result.clusters["unique_id"].to_pylist(),
                       result.clusters["cluster"].to_pylist(), strict=True))
    assert cluster["council/ct|1|"] == cluster["council/ct|2|"]
    assert cluster["council/ct|3|"] == cluster["council/ct|4|"] != cluster["council/ct|5|"]
    # A reversed name is evidence of both names, about as strong as both agreeing. Its u is
    # set, not sampled: at 50,000 people sampling met no reversed pair and left u unset.
    from commonground.link.model import BOTH_NAMES_U

    given = next(c for c in MODELS["person tokens"]["comparisons"]  # type: ignore[attr-defined]
                 if c["output_column_name"] == "given")
    reversed_ = next(x for x in given["comparison_levels"] if x["label_for_charts"] == "reversed")
    assert reversed_["u_probability"] == BOTH_NAMES_U
    assert math.log2(reversed_["m_probability"] / reversed_["u_probability"]) > 10


def test_a_bridge_does_not_join_two_people_whose_dates_of_birth_differ() -> None:
    from commonground.link.cluster import constrained_clusters

    # A council-tax account (no date of birth) matches a father and his son of one name at
    # one address; father and son never match each other. Connected components would join
    # all three.
    mentions = pa.table({"unique_id": ["ct", "father", "son"],
                         "dob_unordered": [None, "1979-1-12", "2007-1-12"]})
    pairs = pa.table({"unique_id_l": ["ct", "ct"], "unique_id_r": ["father", "son"],
                      "match_weight": [9.0, 8.0], "match_probability": [0.998, 0.996]})
    clusters = constrained_clusters(mentions, pairs, 0.9, ("dob_unordered",))
    assert clusters.to_pylist() == [{"unique_id": "ct", "cluster": "ct"},
                                    {"unique_id": "father", "cluster": "ct"},
                                    {"unique_id": "son", "cluster": "son"}]
    merged = constrained_clusters(mentions, pairs, 0.9, ())
    assert set(merged["cluster"].to_pylist()) == {"ct"}


def test_single_word_full_names_give_no_forename() -> None:
    from commonground.contribute.contract import parse_contract
    from commonground.link.mentions import DatasetInput, mentions_pipeline

    contract = parse_contract({"name": "ct", "record_id": "ref", "columns": [
        {"name": "ref", "role": "record_id"},
        {"name": "name", "role": "identifier", "identifier": "full_name"}]})
    rows = pa.table({"ref": ["1", "2"], "name__given": ["walker", "lily"],
                     "name__family": ["walker", "walker"],
                     "name__given_canonical": ["walker", "lily"]})
    data = DatasetInput("council/ct", contract, "ct", frozenset(rows.column_names))
    with get_engine("duckdb") as engine:
        people = engine.run(mentions_pipeline("person", [data]), {"ct": rows})
    assert people.select(["given", "given_canonical", "family"]).to_pylist() == [
        {"given": None, "given_canonical": None, "family": "walker"},
        {"given": "lily", "given_canonical": "lily", "family": "walker"}]


