"""The synthetic county: deterministic, complete truth, and the patterns it promises."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from commonground.simulate import (
    CountyConfig,
    Treatment,
    load_lsoas,
    simulate_county,
    simulate_crimes,
)

PARTNER_IDS = {
    "police/crimes.csv": "URN",
    "police/intelligence.csv": "INTEL_REF",
    "police/calls.csv": "CAD_REF",
    "district_council/council_tax.csv": "Account Ref",
    "district_council/hmo_licences.csv": "Licence No",
    "district_council/housing_complaints.csv": "Ref",
    "county_council/adult_social_care.csv": "Ref",
    "county_council/trading_standards.csv": "Case No",
    "fire/safety_visits.csv": "visit_id",
    "health/ae_attendances.parquet": "attendance_id",
}


def read(path: Path) -> pa.Table:
    if path.suffix == ".parquet":
        return pq.read_table(path)
    # Every column as text, so ids and codes keep their exact form.
    options = pacsv.ConvertOptions(column_types={}, strings_can_be_null=True)
    table = pacsv.read_csv(path, convert_options=options)
    return table.cast(pa.schema([(name, pa.string()) for name in table.column_names]))


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("county") / "small"
    simulate_county(CountyConfig(people=4_000, seed=7), out)
    return out


@pytest.fixture(scope="module")
def busy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """More people, sites and crime, for the statistical checks."""
    out = tmp_path_factory.mktemp("county") / "busy"
    config = CountyConfig(people=50_000, seed=3, people_per_exploitation_site=1_000,
                          crime_rate_per_1000=200.0)
    simulate_county(config, out)
    return out


def file_hashes(folder: Path) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*")) if path.is_file()
    }


def test_same_config_gives_byte_identical_files(tmp_path: Path) -> None:
    config = CountyConfig(people=3_000, seed=11)
    simulate_county(config, tmp_path / "a")
    simulate_county(config, tmp_path / "b")
    simulate_county(CountyConfig(people=3_000, seed=12), tmp_path / "c")
    a, b, c = (file_hashes(tmp_path / name) for name in "abc")
    assert len(a) == 24
    assert a == b
    assert a["truth/people.parquet"] != c["truth/people.parquet"]


def test_summary_matches_files(tmp_path: Path) -> None:
    seen: list[tuple[str, float]] = []
    summary = simulate_county(CountyConfig(people=2_000, seed=1), tmp_path / "out",
                              progress=lambda stage, done: seen.append((stage, done)))
    data = summary.to_dict()
    json.dumps(data)
    assert sorted(data["files"]) == sorted(file_hashes(tmp_path / "out"))
    assert summary.people == pq.read_metadata(tmp_path / "out/truth/people.parquet").num_rows
    for name, rows in summary.records.items():
        path = next((tmp_path / "out/partners").glob(f"{name}.*"))
        assert read(path).num_rows == rows
    assert [done for _, done in seen] == sorted(done for _, done in seen)
    assert seen[-1] == ("done", 1.0)


def test_every_partner_record_has_its_truth(small: Path) -> None:
    truth = pq.read_table(small / "truth/record_truth.parquet")
    people = set(pq.read_table(small / "truth/people.parquet")["person_id"].to_pylist())
    addresses = set(pq.read_table(small / "truth/addresses.parquet")["address_id"].to_pylist())
    for relative, id_column in PARTNER_IDS.items():
        agency, name = relative.split("/")
        dataset = name.split(".")[0]
        ids = read(small / "partners" / relative)[id_column].cast(pa.string()).to_pylist()
        assert len(ids) == len(set(ids)), f"{relative}: record ids not unique"
        rows = truth.filter(pc.and_(pc.equal(truth["agency"], agency),
                                    pc.equal(truth["dataset"], dataset)))
        assert sorted(rows["record_id"].to_pylist()) == sorted(ids), relative
    assert set(truth["person_id"].drop_null().to_pylist()) <= people
    assert set(truth["other_person_id"].drop_null().to_pylist()) <= people
    assert set(truth["address_id"].drop_null().to_pylist()) <= addresses
    # Everything but fire visits is mostly about a person; fire never names anyone.
    fire = truth.filter(pc.equal(truth["agency"], "fire"))
    assert fire["person_id"].null_count == fire.num_rows
    assert fire["address_id"].null_count == 0


def joined(folder: Path, relative: str, id_column: str) -> pa.Table:
    """Partner rows joined to the true person behind them."""
    records = read(folder / "partners" / relative)
    truth = pq.read_table(folder / "truth/record_truth.parquet")
    people = pq.read_table(folder / "truth/people.parquet")
    people = people.rename_columns([
        name if name == "person_id" else f"true_{name}" for name in people.column_names])
    records = records.append_column("record_id", records[id_column].cast(pa.string()))
    both = records.join(truth.select(["record_id", "person_id"]), "record_id")
    both = both.filter(pc.is_valid(both["person_id"]))
    return both.join(people, "person_id").sort_by("record_id")


def test_names_and_dates_carry_noise_at_about_the_configured_rates(busy: Path) -> None:
    ae = joined(busy, "health/ae_attendances.parquet", "attendance_id")
    given = ae["given_name"].to_pylist()
    true_given = ae["true_forename"].to_pylist()
    differs = np.mean([g is not None and g != t for g, t in zip(given, true_given, strict=True)])
    # typos (4%) + variants (6% of names that have any) + reversed (2%) + stripped diacritics
    assert 0.03 < differs < 0.2
    assert ae["given_name"].null_count / ae.num_rows == pytest.approx(0.02, abs=0.015)

    dob = np.array(ae["date_of_birth"].to_pylist(), dtype="datetime64[D]")
    true_dob = np.array(ae["true_date_of_birth"].to_pylist(), dtype="datetime64[D]")
    assert len(true_dob) == len(dob)
    known = ~np.isnat(dob)
    swapped = np.array([
        str(d)[:4] == str(t)[:4] and str(d)[5:7] == str(t)[8:10] and str(d)[8:10] == str(t)[5:7]
        and d != t for d, t in zip(dob[known], true_dob[known], strict=True)
    ])
    day = np.array([int(str(t)[8:10]) for t in true_dob[known]])
    # Swaps only where the day can pass for a month.
    assert swapped.sum() > 10
    assert (day[swapped] <= 12).all()
    assert swapped.mean() == pytest.approx(0.04 * 12 / 30.4, rel=0.5)

    council = joined(busy, "district_council/council_tax.csv", "Account Ref")
    full = council["Full Name"].to_pylist()
    exact = [f"{f} {s}" for f, s in zip(council["true_forename"].to_pylist(),
                                        council["true_surname"].to_pylist(), strict=True)]
    same = np.mean([a == b for a, b in zip(full, exact, strict=True)])
    assert 0.4 < same < 0.8  # 30% "Surname, Forename", plus case and spelling noise
    postcodes = read(busy / "partners/district_council/council_tax.csv")["Postcode"]
    no_space = pc.sum(pc.invert(pc.match_substring(postcodes.drop_null(), " "))).as_py()
    assert no_space / len(postcodes) == pytest.approx(0.25, abs=0.05)


def test_some_people_are_recorded_twice_in_one_dataset(small: Path) -> None:
    truth = pq.read_table(small / "truth/record_truth.parquet")
    tax = truth.filter(pc.equal(truth["dataset"], "council_tax"))
    pairs = tax.group_by(["person_id", "address_id"]).aggregate([("record_id", "count")])
    twice = pc.sum(pc.greater(pairs["record_id_count"], 1)).as_py()
    assert 0.01 < twice / tax.num_rows < 0.06


def test_sites_leave_faint_traces_across_agencies(busy: Path) -> None:
    truth = pq.read_table(busy / "truth/record_truth.parquet")
    sites = pq.read_table(busy / "truth/exploitation_sites.parquet")
    traces = truth.filter(pc.is_valid(truth["site_id"]))
    per_site = traces.group_by("site_id").aggregate([("agency", "count_distinct")])
    assert len(set(traces["agency"].to_pylist())) >= 4
    assert per_site.num_rows >= sites.num_rows * 0.6
    assert pc.max(per_site["agency_count_distinct"]).as_py() >= 2
    # A single agency sees few sites, and sees more innocent look-alikes than sites.
    fire = read(busy / "partners/fire/safety_visits.csv")
    flagged = fire.filter(pc.equal(fire["overcrowding"], "Y"))
    site_homes = set(sites["living_address_id"].to_pylist())
    at_sites = sum(int(u) in site_homes for u in flagged["uprn"].drop_null().to_pylist())
    assert 0 < at_sites < flagged.num_rows / 2
    # Combining agencies separates sites: addresses flagged by several agencies are mostly
    # sites, addresses flagged by one mostly innocent.
    flagged_by = signals_by_address(busy)
    agencies = {a: len(v) for a, v in flagged_by.items()}
    one = [a for a, k in agencies.items() if k == 1]
    several = [a for a, k in agencies.items() if k >= 2]
    precision_one = np.mean([a in site_homes for a in one])
    precision_several = np.mean([a in site_homes for a in several])
    assert precision_one < 0.2
    assert precision_several > 3 * precision_one


def signals_by_address(folder: Path) -> dict[int, set[str]]:
    """Agencies with a slavery-like signal at each address (the way an analyst would score)."""
    truth = pq.read_table(folder / "truth/record_truth.parquet")
    address_of = dict(zip(truth["record_id"].to_pylist(), truth["address_id"].to_pylist(),
                          strict=True))
    rules = {
        "fire/safety_visits.csv": ("visit_id", lambda t: pc.or_(
            pc.equal(t["overcrowding"], "Y"), pc.or_(pc.equal(t["locked_internal_doors"], "Y"),
                                                     pc.equal(t["mattresses_in_communal_areas"],
                                                              "Y")))),
        "district_council/housing_complaints.csv": ("Ref", lambda t: pc.is_in(
            t["Complaint Type"], pa.array(["Many people coming and going",
                                           "Suspected unlicensed HMO", "Overcrowding"]))),
        "police/intelligence.csv": ("INTEL_REF", lambda t: pc.is_in(
            t["CATEGORY"], pa.array(["Modern slavery", "Suspicious activity"]))),
        "health/ae_attendances.parquet": ("attendance_id", lambda t: pc.equal(
            t["accompanied_by"], "Other adult (spoke for patient)")),
    }
    flagged: dict[int, set[str]] = {}
    for relative, (id_column, rule) in rules.items():
        table = read(folder / "partners" / relative)
        hits = table.filter(pc.fill_null(rule(table), False))
        for record in hits[id_column].cast(pa.string()).to_pylist():
            if address_of.get(record) is not None:
                flagged.setdefault(address_of[record], set()).add(relative.split("/")[0])
    return flagged


def knox_ratio(easting: np.ndarray, northing: np.ndarray, seconds: np.ndarray,
               rng: np.random.Generator, shuffles: int = 30) -> tuple[float, float]:
    """Observed close pairs (400 m, 14 days) over the mean and sd under shuffled times."""
    close = np.hypot(easting[:, None] - easting[None, :],
                     northing[:, None] - northing[None, :]) <= 400
    np.fill_diagonal(close, False)

    def pairs(t: np.ndarray) -> int:
        return int((close & (np.abs(t[:, None] - t[None, :]) <= 14 * 86_400)).sum())

    null = np.array([pairs(rng.permutation(seconds)) for _ in range(shuffles)])
    return pairs(seconds) / null.mean(), (pairs(seconds) - null.mean()) / null.std()


def test_burglaries_cluster_as_near_repeats(busy: Path) -> None:
    crimes = pq.read_table(busy / "truth/crimes.parquet")
    burglary = crimes.filter(pc.equal(crimes["crime_type"], "Burglary"))
    assert pc.sum(pc.equal(burglary["cause"], "near_repeat")).as_py() > 20
    seconds = burglary["occurred_at"].cast(pa.timestamp("s")).cast(pa.int64()).to_numpy()
    ratio, z = knox_ratio(burglary["easting"].to_numpy().astype(float),
                          burglary["northing"].to_numpy().astype(float), seconds,
                          np.random.default_rng(0))
    assert ratio > 1.3 and z > 4


def test_without_near_repeats_there_is_no_space_time_clustering() -> None:
    rng = np.random.default_rng(5)
    easting, northing = rng.uniform(0, 15_000, 3_000), rng.uniform(0, 15_000, 3_000)
    rate = np.full(3_000, 2.0)
    kind = np.zeros(3_000, np.int8)
    results = {}
    for ratio in (0.0, 0.5):
        events = simulate_crimes(np.random.default_rng(1), easting, northing, rate,
                                 np.datetime64("2020-01-01"), 365, kind=kind,
                                 near_repeat_ratio=ratio)
        b = events.crime_type == 2
        place = events.place[b]
        results[ratio] = knox_ratio(easting[place], northing[place],
                                    events.time[b].astype(np.int64), rng)
    assert results[0.0][0] == pytest.approx(1.0, abs=0.15)
    assert results[0.5][0] > 1.3 and results[0.5][1] > 4


def test_treatment_cuts_expected_crime_by_the_true_effect() -> None:
    rng = np.random.default_rng(2)
    n = 2_000
    easting, northing = rng.uniform(0, 50_000, n), rng.uniform(0, 50_000, n)
    treated = np.arange(0, n, 2)
    treatment = Treatment(places=treated, start=np.datetime64("2020-04-01"),
                          end=np.datetime64("2020-10-01"), effect=-0.3)
    events = simulate_crimes(np.random.default_rng(3), easting, northing, np.full(n, 4.0),
                             np.datetime64("2020-01-01"), 366, treatments=[treatment],
                             near_repeat_ratio=0.0)
    during = (events.time >= treatment.start) & (events.time < treatment.end)
    is_treated = np.isin(events.place, treated)
    ratio = (during & is_treated).sum() / (during & ~is_treated).sum()
    before = (~during & is_treated).sum() / (~during & ~is_treated).sum()
    assert ratio / before == pytest.approx(0.7, abs=0.05)


def test_county_patrols_show_their_effect_in_true_crime(busy: Path) -> None:
    plan = pq.read_table(busy / "truth/interventions.parquet")
    crimes = pq.read_table(busy / "truth/crimes.parquet")
    assert plan.num_rows == 40
    assert plan["arm"].to_pylist().count("treatment") == 20
    start, end = plan["start"][0].as_py(), plan["end"][0].as_py()
    day = crimes["occurred_at"].cast(pa.timestamp("s")).to_numpy().astype("datetime64[D]")
    during = (day >= np.datetime64(start)) & (day < np.datetime64(end))
    address = crimes["address_id"].to_numpy()
    counts = {}
    for arm in ("treatment", "control"):
        places = plan.filter(pc.equal(plan["arm"], arm))["address_id"].to_numpy()
        at = np.isin(address, places)
        counts[arm] = ((at & during).sum(), (at & ~during).sum())
    did = (counts["treatment"][0] / counts["control"][0]) / \
        (counts["treatment"][1] / counts["control"][1])
    assert 0.55 < did < 0.92
    assert set(plan.filter(pc.equal(plan["arm"], "treatment"))["true_effect"].to_pylist()) \
        == {-0.25}


def test_crime_concentrates_in_few_places(busy: Path) -> None:
    crimes = pq.read_table(busy / "truth/crimes.parquet")
    addresses = pq.read_metadata(busy / "truth/addresses.parquet").num_rows
    counts = np.sort(crimes.group_by("address_id").aggregate([("crime_id", "count")])
                     ["crime_id_count"].to_numpy())[::-1]
    top = counts[: addresses // 20].sum() / counts.sum()
    assert top > 0.4  # 5% of places carry over 40% of crime


def test_people_follow_the_2011_population(busy: Path) -> None:
    people = pq.read_table(busy / "truth/people.parquet")
    addresses = pq.read_table(busy / "truth/addresses.parquet")
    lsoa = people.join(addresses.select(["address_id", "lsoa11cd"]), "address_id")
    counts = lsoa.group_by("lsoa11cd").aggregate([("person_id", "count")])
    census = load_lsoas().select(["lsoa11cd", "persons_2011"])
    both = census.join(counts, "lsoa11cd").sort_by("lsoa11cd")
    assert both.num_rows == 1_077
    r = np.corrcoef(both["persons_2011"].to_numpy(),
                    both["person_id_count"].fill_null(0).to_numpy())[0, 1]
    assert r > 0.9
    sizes = pq.read_table(busy / "truth/households.parquet")["size"].to_numpy()
    assert 2.0 < sizes.mean() < 2.8 and sizes.max() <= 12


def test_names_are_as_spread_out_as_real_ones(busy: Path) -> None:
    # Smith is about one person in eighty in England and Wales and most people share their
    # full name with no one nearby; a steep curve over short lists once gave Smith to one in
    # eight and a namesake to nine people in ten, which made linkage a guess.
    people = pq.read_table(busy / "truth/people.parquet").to_pandas()
    surname = people["surname"].value_counts(normalize=True)
    assert surname.index[0] == "Smith" and 0.007 < surname.iloc[0] < 0.02
    assert surname.head(100).sum() < 0.4
    # On the real GB curve half of Britain has a surname ranked below about 600th, borne by
    # fewer than about 300 in a million: some 15 among 50,000. A short flat tail made it 29.
    british = people[people["community"] == "british"]
    bearers = british["surname"].map(people["surname"].value_counts())
    assert bearers.median() < 20
    for sex in ("F", "M"):
        forename = people.loc[people["sex"] == sex, "forename"].value_counts(normalize=True)
        assert forename.iloc[0] < 0.06
        assert (forename ** 2).sum() < 0.02  # two people of one sex share a forename
    bearers = people.groupby(["forename", "surname"])["person_id"].transform("count")
    assert 0.05 < (bearers > 1).mean() < 0.4  # share of people with a namesake


def test_addresses_are_uprn_like_and_inside_essex(small: Path) -> None:
    addresses = pq.read_table(small / "truth/addresses.parquet")
    ids = addresses["address_id"].to_numpy()
    assert len(np.unique(ids)) == len(ids)
    assert ((ids >= 10**11) & (ids < 10**12)).all()
    assert 540_000 < np.median(addresses["easting"].to_numpy()) < 620_000
    assert pc.all(pc.match_substring_regex(
        addresses["postcode"], r"^(CM|SS|CO|RM|IG|CB|EN)\d{1,2} \d[A-Z]{2}$")).as_py()


def test_the_councils_gazetteer_is_addressbase_shaped_and_not_the_truth(small: Path) -> None:
    gazetteer = read(small / "partners/district_council/gazetteer.csv")
    truth = pq.read_table(small / "truth/gazetteer.parquet")
    addresses = pq.read_table(small / "truth/addresses.parquet")
    assert gazetteer.column_names == [
        "UPRN", "PARENT_UPRN", "CLASS", "ORGANISATION_NAME", "SUB_BUILDING_NAME",
        "BUILDING_NAME", "BUILDING_NUMBER", "THOROUGHFARE", "POST_TOWN", "POSTCODE",
        "X_COORDINATE", "Y_COORDINATE"]
    uprns = gazetteer["UPRN"].to_pylist()
    assert len(set(uprns)) == len(uprns)
    # The truth knows every address and every block's parent record, published or not.
    assert set(truth.filter(pc.invert(truth["parent_shell"]))["address_id"].to_pylist()) == set(
        addresses["address_id"].to_pylist())
    published = truth.filter(truth["published"])
    assert sorted(uprns) == sorted(str(u) for u in published["uprn"].to_pylist())
    shares = {flag: pc.mean(truth.filter(pc.invert(truth["parent_shell"]))[flag].cast(
        pa.float64())).as_py() for flag in ("published", "postcode_stale", "postcode_missing")}
    assert 0.97 < shares["published"] < 0.995  # new builds not yet added
    assert 0.005 < shares["postcode_stale"] < 0.03
    assert 0.003 < shares["postcode_missing"] < 0.02
    # A published address is its own UPRN, with its street and number; flats point to their
    # block's parent record, which has a class of its own and no flat.
    rows = {r["UPRN"]: r for r in gazetteer.to_pylist()}
    for row in addresses.slice(0, 400).to_pylist():
        record = rows.get(str(row["address_id"]))
        if record is None:
            continue
        assert record["THOROUGHFARE"] == row["street"].upper()
        assert record["BUILDING_NUMBER"] == str(row["house_number"])
        if row["sub_building"]:
            assert record["SUB_BUILDING_NAME"].endswith(row["sub_building"].split()[-1])
            parent = rows[record["PARENT_UPRN"]]
            assert parent["CLASS"] == "PP" and parent["SUB_BUILDING_NAME"] is None
    classes = set(gazetteer["CLASS"].to_pylist())
    assert classes >= {"RD04", "RD06", "PP", "CR"}
    flats = gazetteer.filter(pc.equal(gazetteer["CLASS"], "RD06"))
    named = pc.mean(pc.is_valid(flats["BUILDING_NAME"]).cast(pa.float64())).as_py()
    assert 0.2 < named < 0.6  # some blocks carry a name residents rarely write
    assert pc.all(pc.match_substring_regex(pc.drop_null(gazetteer["POSTCODE"]),
                                           r"^[A-Z]{1,2}\d{1,2} \d[A-Z]{2}$")).as_py()


def test_refuses_a_non_empty_output_folder(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    with pytest.raises(ValueError, match="not empty"):
        simulate_county(CountyConfig(people=1_000), out)
    assert (out / "keep.txt").read_text() == "x"


def test_a_crash_leaves_no_half_written_output(tmp_path: Path) -> None:
    def crash(stage: str, done: float) -> None:
        if stage == "councils":
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        simulate_county(CountyConfig(people=1_000), tmp_path / "out", progress=crash)
    assert list(tmp_path.iterdir()) == []


def test_logs_carry_counts_not_names(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    simulate_county(CountyConfig(people=1_000), tmp_path / "out")
    surnames = set(pq.read_table(tmp_path / "out/truth/people.parquet")["surname"].to_pylist())
    assert caplog.text
    assert not any(name in caplog.text for name in surnames)
