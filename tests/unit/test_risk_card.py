"""A risk list's model card: ALGO-CARE's eight headings and an ATRS record, from facts."""

from __future__ import annotations

from datetime import date

import pytest

from commonground.errors import InvalidInput
from commonground.insights.risk import card_markdown, model_card
from commonground.insights.risk.card import ALGO_CARE, NOT_RECORDED

FACTS = {
    "purpose": "safeguarding", "organisation": "Essex Police", "agreement": "essex-partnership",
    "partners": {"police": "Essex Police", "fire": "Essex Fire"},
    "datasets": ["police/crimes", "fire/visits"],
    "indicators": [{"name": "hmo_overcrowding", "partner": "fire"}, "crime_count"],
    "model": "logistic regression, isotonic calibration", "cutoff": date(2025, 3, 31),
    "metrics": {"auc": 0.812, "precision_at_50": 0.34}, "fairness": "ranks similar by LSOA",
    "days": 28, "k": 50,
}


def test_the_card_has_every_algo_care_heading_and_the_atrs_sections() -> None:
    card = model_card(FACTS)
    assert tuple(card["algo_care"]) == ALGO_CARE
    assert set(card["atrs"]["tier_1"]) >= {"name", "description", "website", "contact_email",
                                           "organisation", "purpose"}
    assert list(card["atrs"]["tier_2"]) == [
        "owner_and_responsibility", "description_and_rationale", "decision_making_process",
        "data", "risks_mitigations_and_impact_assessments"]
    process = card["atrs"]["tier_2"]["decision_making_process"]
    assert "human_decisions_and_review" in process
    assert {"benefit", "alternatives_considered"} <= set(
        card["atrs"]["tier_2"]["description_and_rationale"])
    assert "data_sharing" in card["atrs"]["tier_2"]["data"]


def test_the_card_is_filled_from_the_facts_and_says_what_it_is_not_for() -> None:
    card = model_card(FACTS)
    assert "hmo_overcrowding (fire)" in card["algo_care"]["Explainable"]
    assert "auc: 0.812" in card["algo_care"]["Accuracy"]
    assert "28 days" in card["algo_care"]["Responsible"]
    assert "2025-03-31" in card["algo_care"]["Granularity"]
    assert "essex-partnership" in card["atrs"]["tier_2"]["data"]["data_sharing"]
    assert "not for enforcement" in card["statements"]["use"]
    assert "never take nationality, ethnicity or sex" in card["statements"][
        "protected_characteristics"]
    # A fact not given is shown as missing, never invented.
    assert card["atrs"]["tier_1"]["contact_email"] == NOT_RECORDED


def test_the_markdown_shows_every_heading() -> None:
    text = card_markdown(model_card(FACTS))
    for heading in ALGO_CARE:
        assert f"**{heading}.**" in text
    for section in ("### Tier 1", "#### Owner and responsibility", "#### Data",
                    "#### Decision making process",
                    "#### Risks mitigations and impact assessments"):
        assert section in text


def test_a_card_needs_a_purpose() -> None:
    with pytest.raises(InvalidInput, match="purpose"):
        model_card({"k": 10})
