"""What an analyst hands a trial (places, scores, strata, outcomes, BEFORE,AFTER counts):
read the same way by the command line and a notebook, with mistakes reported as one sentence
that names the file and line but none of the values on it."""

from __future__ import annotations

from pathlib import Path

import pytest

from commonground.errors import CommonGroundError
from commonground.insights.evaluation import (
    before_after,
    places_from,
    read_outcomes,
    read_place_values,
)
from commonground.insights.hotspots import load_covariates


def _file(tmp_path: Path, text: str, name: str = "data.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_outcomes_are_place_period_count_rows(tmp_path: Path) -> None:
    path = _file(tmp_path, "place,period,count\nE01,0,3\nE01,1,2.5\nE02,0,0\n")
    assert read_outcomes(path) == [("E01", 0, 3.0), ("E01", 1, 2.5), ("E02", 0, 0.0)]


def test_outcomes_without_their_columns_say_which_are_needed(tmp_path: Path) -> None:
    path = _file(tmp_path, "place,week,count\nE01,0,3\n")
    with pytest.raises(CommonGroundError, match="needs the columns place, period, count"):
        read_outcomes(path)


@pytest.mark.parametrize("bad_row", ["E01,one,3", "E01,1.5,3", "E01,1,three", "E01,1"])
def test_a_bad_outcome_row_names_its_line_not_its_values(tmp_path: Path,
                                                         bad_row: str) -> None:
    path = _file(tmp_path, f"place,period,count\nE01,0,3\n{bad_row}\n")
    with pytest.raises(CommonGroundError, match=r"line 3: the period must be a whole") as caught:
        read_outcomes(path)
    assert "E01" not in str(caught.value).replace(str(path), "")


def test_places_come_from_the_option_and_the_file(tmp_path: Path) -> None:
    listed = _file(tmp_path, "E03\n\n E04 \n", "places.txt")
    assert places_from("E01, E02,", None) == ["E01", "E02"]
    assert places_from("E01", listed) == ["E01", "E03", "E04"]
    assert places_from(None, listed) == ["E03", "E04"]
    with pytest.raises(CommonGroundError,
                       match="give the places with --places A,B,C or --places-file FILE"):
        places_from(" , ", None)


def test_place_values_strata_and_scores(tmp_path: Path) -> None:
    path = _file(tmp_path, "place,score\nE01,12\nE02,3.5\nshort\n")
    assert read_place_values(None) is None
    assert read_place_values(path) == {"E01": "12", "E02": "3.5"}
    assert read_place_values(path, numbers=True) == {"E01": 12.0, "E02": 3.5}
    empty = _file(tmp_path, "place,stratum\n", "empty.csv")
    # No scores means unscored; an empty strata file still says "stratified".
    assert read_place_values(empty, numbers=True) is None
    assert read_place_values(empty) == {}
    with pytest.raises(CommonGroundError, match="every score must be a number"):
        read_place_values(_file(tmp_path, "E01,high\n", "bad.csv"), numbers=True)


def test_before_after_is_two_counts() -> None:
    assert before_after("207,110") == (207.0, 110.0)
    for text in ("207", "1,2,3", "a,b"):
        with pytest.raises(CommonGroundError, match=f"'{text}' must be two counts: BEFORE,AFTER"):
            before_after(text)


def test_a_covariate_is_name_equals_path() -> None:
    assert load_covariates(None) == {}
    with pytest.raises(CommonGroundError, match="--covariate takes NAME=PATH, not 'calls'"):
        load_covariates(["calls"])
