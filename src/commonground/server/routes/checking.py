"""The output checker's pages: the review queue, an output's evidence, review and release.

Reviews are independent, as in OpenSAFELY's Airlock: the research room blinds the other
checker's decision and comments until both have decided (`research.airlock`), so these pages
show only what the operation returns.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request

from commonground.research import get_output, list_outputs, release_output, review_output
from commonground.server.forms import message_for, see_other
from commonground.server.render import render
from commonground.server.web import Caller, caller_dep, form_caller, hub_dep
from commonground.store.hub import Hub

WAITING = ("submitted", "partially_reviewed")
DONE = {"reviewed": "Your review was recorded.", "released": "The output was released.",
        "release-refused": "The output was not released: see why below."}
ERRORS = {"decision": "Choose approve, return or reject",
          "comment": "Say why you return or reject the output, in a comment",
          "visibility": "Choose who may read your comment"}
DECISIONS = ("approve", "return", "reject")

router = APIRouter(include_in_schema=False)


@router.get("/checking")
def queue(request: Request, caller: Caller = Depends(caller_dep),  # noqa: B008
          hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    outputs = list_outputs(hub, caller.actor)
    me = caller.actor.username
    waiting = [o for o in outputs if o.state in WAITING]
    return render(request, "checking/queue.html", caller, title="Output checking",
                  to_review=[o for o in waiting if all(r["reviewer"] != me for r in o.reviews)],
                  reviewed=[o for o in waiting if any(r["reviewer"] == me for r in o.reviews)],
                  to_release=[o for o in outputs if o.state == "approved"],
                  decided=[o for o in outputs if o.state not in (*WAITING, "approved",
                                                                   "pending")][:20])


@router.get("/checking/{output_id}")
def review_page(request: Request, output_id: int, done: str = "", error: str = "",
                caller: Caller = Depends(caller_dep),  # noqa: B008
                hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    output = get_output(hub, caller.actor, output_id)
    me = caller.actor.username
    problem = message_for(error, ERRORS)
    can_review = (output.state in WAITING and output.author != me
                  and all(r["reviewer"] != me for r in output.reviews))
    return render(request, "checking/review.html", caller, title=f"Review: {output.title}",
                  output=output, can_review=can_review, decisions=DECISIONS,
                  blinded=any(r["blinded"] for r in output.reviews),
                  notice=message_for(done, DONE),
                  error_summary=[(error, problem)] if problem else [])


@router.post("/checking/{output_id}/review")
def review(output_id: int, decision: str = Form(""), comment: str = Form(""),  # noqa: B008
           visibility: str = Form("private"), caller: Caller = Depends(form_caller),  # noqa: B008
           hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    page = f"/checking/{output_id}"
    if decision not in DECISIONS:
        return see_other(page, error="decision")
    if decision != "approve" and not comment.strip():
        return see_other(page, error="comment")
    if visibility not in ("private", "public"):
        return see_other(page, error="visibility")
    review_output(hub, caller.actor, output_id, decision, comment.strip(), visibility)
    return see_other(page, done="reviewed")


@router.post("/checking/{output_id}/release")
def release(output_id: int, caller: Caller = Depends(form_caller),  # noqa: B008
            hub: Hub = Depends(hub_dep)) -> Any:  # noqa: B008
    view = release_output(hub, caller.actor, output_id)
    return see_other(f"/checking/{output_id}",
                     done="released" if view.state == "released" else "release-refused")
