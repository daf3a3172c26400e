"""The airlock's rules: two reviewers who are not the author; only released outputs leave."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from commonground.governance import PermissionDenied, actor_for
from commonground.research.airlock import (
    AirlockError,
    download_output,
    get_output,
    list_outputs,
    release_output,
    request_output,
    review_output,
    submit_output,
    withdraw_output,
)
from commonground.store import Hub

PROJECT = "modern-slavery-signals"
SPEC = {"view": "fire_safety_visits", "rows": ["overcrowding"], "aggfunc": "count"}


def test_the_demo_released_one_table_with_a_full_record(demo_hub: Hub, tmp_path: Path) -> None:
    researcher = actor_for(demo_hub, "uni-researcher")
    result = download_output(demo_hub, researcher, 1, tmp_path)
    record = json.loads((tmp_path / "release.json").read_text())
    assert record["thresholds"]["min_count"] == 10 and record["thresholds"]["rounding_base"] == 5
    assert record["tools"]["acro"] and record["tools"]["commonground"]
    assert len(record["reviews"]) == 2
    digest = hashlib.sha256((tmp_path / "output.csv").read_bytes()).hexdigest()
    assert record["files"]["output.csv"] == digest
    assert len(result["files"]) == 2


def test_states_and_who_may_move_them(demo_hub: Hub, tmp_path: Path) -> None:
    researcher = actor_for(demo_hub, "uni-researcher")
    checker_a = actor_for(demo_hub, "police-output-checker")
    checker_b = actor_for(demo_hub, "county-output-checker")
    output = request_output(demo_hub, researcher, PROJECT, kind="table", title="t", spec=SPEC)
    assert output.state == "pending" and "thresholds" in output.checks
    with pytest.raises(AirlockError, match="only submitted outputs"):
        review_output(demo_hub, checker_a, output.id, "approve")
    with pytest.raises(AirlockError, match="only released outputs leave"):
        download_output(demo_hub, researcher, output.id, tmp_path / "early")
    submit_output(demo_hub, researcher, output.id)
    with pytest.raises(PermissionDenied):  # the author is not an output checker
        review_output(demo_hub, researcher, output.id, "approve")
    assert review_output(demo_hub, checker_a, output.id, "approve").state == "partially_reviewed"
    with pytest.raises(AirlockError, match="already reviewed"):
        review_output(demo_hub, checker_a, output.id, "approve")
    with pytest.raises(AirlockError, match="only approved outputs"):
        release_output(demo_hub, checker_a, output.id)
    assert review_output(demo_hub, checker_b, output.id, "return", "label the rows",
                         "public").state == "returned"
    with pytest.raises(AirlockError, match="only approved outputs"):
        release_output(demo_hub, checker_b, output.id)
    assert withdraw_output(demo_hub, researcher, output.id).state == "withdrawn"
    assert get_output(demo_hub, researcher, output.id).reviews[1]["comment"] == \
        "label the rows"


# The leak found on the demo hub: `output check` printed the true counts of suppressed
# cells to anyone signed in. Each of these people must be refused, and audited.
@pytest.mark.parametrize("username", ["admin", "fire-steward", "police-analyst",
                                      "health-ig-lead"])
def test_disclosure_evidence_is_refused_to_everyone_but_checkers_and_author(
        demo_hub: Hub, username: str) -> None:
    from commonground.governance.audit import entries

    researcher = actor_for(demo_hub, "uni-researcher")
    output = request_output(demo_hub, researcher, PROJECT, kind="table", title="t", spec=SPEC)
    with pytest.raises(PermissionDenied):
        get_output(demo_hub, actor_for(demo_hub, username), output.id)
    last = entries(demo_hub, limit=1)[0]
    assert (last["actor"], last["outcome"]) == (username, "refused")
    assert get_output(demo_hub, researcher, output.id).checks["evidence"] is not None
    checker = actor_for(demo_hub, "police-output-checker")
    assert get_output(demo_hub, checker, output.id).id == output.id


def test_a_rejection_is_final(demo_hub: Hub) -> None:
    researcher = actor_for(demo_hub, "uni-researcher")
    output = request_output(demo_hub, researcher, PROJECT, kind="table", title="r", spec=SPEC)
    submit_output(demo_hub, researcher, output.id)
    review_output(demo_hub, actor_for(demo_hub, "police-output-checker"), output.id, "reject")
    final = review_output(demo_hub, actor_for(demo_hub, "county-output-checker"), output.id,
                          "approve")
    assert final.state == "rejected"


def test_a_figure_is_checked_like_its_table_and_released_with_its_data(demo_hub: Hub,
                                                                      tmp_path: Path) -> None:
    researcher = actor_for(demo_hub, "uni-researcher")
    spec = {"view": "fire_safety_visits", "rows": ["overcrowding"],
            "columns": ["locked_internal_doors"], "aggfunc": "count"}
    figure = request_output(demo_hub, researcher, PROJECT, kind="figure",
                            title="Visits by overcrowding and locked doors", spec=spec)
    assert "suppressed" in figure.checks
    submit_output(demo_hub, researcher, figure.id)
    review_output(demo_hub, actor_for(demo_hub, "police-output-checker"), figure.id, "approve")
    review_output(demo_hub, actor_for(demo_hub, "county-output-checker"), figure.id, "approve")
    released = release_output(demo_hub, actor_for(demo_hub, "police-output-checker"), figure.id)
    assert released.state == "released"
    got = download_output(demo_hub, researcher, figure.id, tmp_path)
    png = tmp_path / "figure.png"
    assert str(png) in got["files"] and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    record = json.loads((tmp_path / "release.json").read_text())
    assert set(record["files"]) == {"output.csv", "figure.png"}


def _submitted(hub: Hub, title: str) -> int:
    researcher = actor_for(hub, "uni-researcher")
    output = request_output(hub, researcher, PROJECT, kind="table", title=title, spec=SPEC)
    submit_output(hub, researcher, output.id)
    return output.id


def test_reviews_are_independent_until_both_are_in(demo_hub: Hub) -> None:
    # As in OpenSAFELY's Airlock: the second checker decides without seeing the first's
    # decision or comments, and the author sees nothing of the reviews until both are in.
    output_id = _submitted(demo_hub, "blind")
    author = actor_for(demo_hub, "uni-researcher")
    first = actor_for(demo_hub, "police-output-checker")
    second = actor_for(demo_hub, "county-output-checker")
    mine = review_output(demo_hub, first, output_id, "reject", "too fine", "private")
    assert mine.reviews == [{"reviewer": first.username, "decision": "reject",
                             "comment": "too fine", "visibility": "private", "blinded": False}]
    blind = {"reviewer": first.username, "decision": None, "comment": None,
             "visibility": None, "blinded": True}
    assert get_output(demo_hub, second, output_id).reviews == [blind]
    assert get_output(demo_hub, author, output_id).reviews == [blind]
    listed = [o for o in list_outputs(demo_hub, second) if o.id == output_id]
    assert listed[0].reviews == [blind]
    assert get_output(demo_hub, first, output_id).reviews[0]["comment"] == "too fine"
    done = review_output(demo_hub, second, output_id, "return", "round the rows", "public")
    assert done.state == "rejected"
    assert [r["decision"] for r in done.reviews] == ["reject", "return"]
    assert done.reviews[0]["comment"] == "too fine"  # checkers see private comments, after
    seen = get_output(demo_hub, author, output_id).reviews
    assert [r["decision"] for r in seen] == ["reject", "return"]
    assert [r["comment"] for r in seen] == [None, "round the rows"]  # public comments only
    assert get_output(demo_hub, first, output_id).reviews[1]["comment"] == "round the rows"


def test_a_comment_is_private_or_public(demo_hub: Hub) -> None:
    output_id = _submitted(demo_hub, "visibility")
    checker = actor_for(demo_hub, "police-output-checker")
    with pytest.raises(AirlockError, match="private .* or public"):
        review_output(demo_hub, checker, output_id, "approve", "ok", "everyone")
    assert review_output(demo_hub, checker, output_id, "approve").reviews[0][
        "visibility"] == "private"


def test_the_queue_is_every_request_for_checkers_and_own_requests_for_researchers(
        demo_hub: Hub) -> None:
    from commonground.governance import add_person

    output_id = _submitted(demo_hub, "queue")
    add_person(demo_hub, "second-researcher", "university", ["researcher"],
               actor=actor_for(demo_hub, "admin"))
    checker = actor_for(demo_hub, "police-output-checker")
    queue = list_outputs(demo_hub, checker, states=["submitted", "partially_reviewed"])
    assert output_id in {o.id for o in queue}
    assert {o.state for o in queue} <= {"submitted", "partially_reviewed"}
    assert output_id in {o.id for o in list_outputs(demo_hub, actor_for(
        demo_hub, "uni-researcher"), project=PROJECT)}
    assert list_outputs(demo_hub, actor_for(demo_hub, "second-researcher")) == []
    with pytest.raises(PermissionDenied):
        list_outputs(demo_hub, actor_for(demo_hub, "police-analyst"))


def test_the_checked_table_is_shown_with_the_request(demo_hub: Hub) -> None:
    output_id = _submitted(demo_hub, "published")
    view = get_output(demo_hub, actor_for(demo_hub, "county-output-checker"), output_id)
    assert view.published and view.published[1][0] == "overcrowding"  # after the header
    assert view.spec == SPEC
