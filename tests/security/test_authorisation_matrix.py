"""The authorisation matrix, generated from the operation registry.

Every operation x every role x own/other organisation x in/out of the project, each called
for real through the function the registry names, with the expected allow or deny worked out
from the registry's policy action and condition. A call is a *deny* when it raises
PermissionDenied; anything else (a result, or a domain error about state raised after the
check) is an *allow*. Zero unexpected allows is the property; unexpected denies fail too, so
the table and the code cannot drift apart in either direction.

The world: `police` owns the dataset, the intervention and the project's data; `council` is
the other party to the agreement; `fire` is a partner with no agreement ("other"). One person
per role, organisation and membership, named `<role>-<org>-<in|out>`; the `in` people are
named on the project. The output request's author is a separate researcher, so only the
output checkers may read its evidence here.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from commonground.errors import PermissionDenied  # the base of every room's refusal
from commonground.governance import (
    OPERATIONS,
    ROLES,
    Actor,
    Condition,
    Operation,
    actor_for,
    add_organisation,
    add_person,
    draft_agreement,
    sign_agreement,
)
from commonground.governance.policy import EVERYONE, Scope
from commonground.store import Hub, init_hub, open_hub

ORGS = {"police": True, "fire": False}  # organisation -> is it the owner ("own")
MEMBERSHIP = {"in": True, "out": False}
TODAY = date.today()

CSV = """Ref;Full Name;Date of Birth;Postcode;Complaint
C1;Stefan Popescu;03/11/1990;CM1 1AA;Noise
C2;Anna Kowalska;12/12/1985;CM2 6BB;Rubbish
C3;Stefan Popescu;03/11/1990;CM1 1AA;Overcrowding
C4;Zoe Smith;01/02/1980;CM3 3CC;Noise
"""
CONTRACT = """
name: complaints
record_id: Ref
columns:
  - {name: Ref, type: string, required: true, role: record_id}
  - {name: Full Name, type: string, role: identifier, identifier: full_name}
  - {name: Date of Birth, type: date, formats: ["%d/%m/%Y"], role: identifier, identifier: dob}
  - {name: Postcode, type: postcode, role: identifier, identifier: postcode}
  - {name: Complaint, type: category, allowed: [Noise, Rubbish, Overcrowding]}
"""


def agreement(slug: str = "matrix-sharing") -> dict[str, Any]:
    return {"slug": slug, "title": "Matrix sharing", "parties": ["police", "council"],
            "purposes": ["research:matrix", "crime-prevention", "safeguarding"],
            "legal_bases": ["Crime and Disorder Act 1998 s115"],
            "data_items": {"police/complaints": ["*"], "police/extra": ["*"]},
            "retention_days": 365, "starts_on": "2020-01-01", "expires_on": "2099-12-31"}


def username(role: str, org: str, member: str) -> str:
    return f"{role.replace('_', '-')}-{org}-{member}"


@dataclass
class World:
    template: Path
    work: Path
    key: Path
    package: Path
    output: int  # submitted, by `author`
    pending_output: int  # pending, by `author`
    intervention: int
    fingerprint: str
    risk_list: int


def _project(hub: Hub, author: Actor, slug: str, researchers: list[str]) -> None:
    from commonground.research import propose_project

    propose_project(hub, author, slug=slug, title="Matrix", question="Who may do what?",
                    commissioned_by="police", purpose="research:matrix",
                    researchers=researchers,
                    datasets={"police/complaints": {"columns": ["Ref", "Complaint"]}},
                    ethics_reference="E-MATRIX", starts_on=TODAY,
                    ends_on=TODAY + timedelta(days=60))


def build_world(base: Path) -> World:
    from commonground.contribute.contract import load_contract
    from commonground.contribute.keys import create_key
    from commonground.contribute.package import prepare
    from commonground.contribute.submit import register_dataset, set_key_fingerprint, submit
    from commonground.engines import get_engine
    from commonground.insights.evaluation import add_intervention
    from commonground.insights.risk import save_list
    from commonground.research import approve_project, request_output, submit_output

    hub = init_hub(base / "template", f"sqlite:///{base / 'template' / 'commonground.db'}")
    for slug in ("police", "council", "fire"):
        add_organisation(hub, slug, slug.title(), slug)
    admin = add_person(hub, "root", "police", ["admin"])
    for role in ROLES:
        for org in ORGS:
            for member in MEMBERSHIP:
                add_person(hub, username(role, org, member), org, [role], actor=admin)
    for name, org, role in (("author", "police", "researcher"), ("target", "police", "analyst"),
                            ("council-lead", "council", "governance_lead")):
        add_person(hub, name, org, [role], actor=admin)
    police_lead = actor_for(hub, username("governance_lead", "police", "out"))
    draft_agreement(hub, police_lead, agreement())
    sign_agreement(hub, police_lead, "matrix-sharing")
    sign_agreement(hub, actor_for(hub, "council-lead"), "matrix-sharing")
    key = create_key(base / "partnership.key")
    set_key_fingerprint(hub, key.fingerprint)
    (base / "contract.yaml").write_text(CONTRACT)
    (base / "complaints.csv").write_text(CSV)
    contract = load_contract(base / "contract.yaml")
    steward = actor_for(hub, username("steward", "police", "out"))
    register_dataset(hub, steward, "police/complaints", contract, "")
    with get_engine("duckdb") as engine:
        package = prepare(base / "complaints.csv", contract, key, engine, base / "package")
        submit(hub, steward, "police/complaints", package, engine)
        package = prepare(base / "complaints.csv", contract, key, engine, base / "package2")
    author = actor_for(hub, "author")
    members = [username(r, o, "in") for r in ROLES for o in ORGS] + ["author"]
    _project(hub, author, "matrix-study", members)
    _project(hub, author, "pending-study", members)
    approve_project(hub, police_lead, "matrix-study")
    spec = {"view": "police_complaints", "rows": ["Complaint"], "aggfunc": "count"}
    output = request_output(hub, author, "matrix-study", kind="table", title="t", spec=spec)
    submit_output(hub, author, output.id)
    pending = request_output(hub, author, "matrix-study", kind="table", title="p", spec=spec)
    analyst = actor_for(hub, username("analyst", "police", "out"))
    intervention = add_intervention(hub, analyst, name="Patrols", places=["a", "b", "c", "d"],
                                    starts_on=TODAY, outcome_measure="crimes")
    saved = _save_risk_list(save_list, hub, analyst)
    hub.close()
    return World(base / "template", base / "work", base / "partnership.key", package.folder,
                 output.id, pending.id, intervention.id, key.fingerprint, saved["list"])


def _save_risk_list(f: Callable[..., Any], hub: Hub, actor: Actor) -> Any:
    from commonground.insights.risk import risk_table

    table = risk_table([("A0000001", 0.4, [{"indicator": "fire_hmo", "partner": "police",
                                            "value": 1.0, "contribution": 0.2}]),
                        ("A0000002", 0.1, [])])
    return f(hub, actor, table, model="matrix", agreement="matrix-sharing", cutoff=TODAY,
             metrics={}, card={})


# How to call each operation: (function, hub, actor, world, scratch folder) -> result.
Probe = Callable[[Callable[..., Any], Hub, Actor, World, Path], Any]


def _engine_call(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    from commonground.engines import get_engine

    with get_engine("duckdb") as engine:
        return fn(*args, engine=engine, **kwargs)


def _key(w: World) -> Any:
    from commonground.contribute.keys import load_key

    return load_key(w.key)


def _package(w: World) -> Any:
    from commonground.contribute.package import Package

    return Package.open(w.package)


def _contract(w: World) -> Any:
    from commonground.contribute.contract import load_contract

    return load_contract(w.template.parent / "contract.yaml")


PROBES: dict[str, Probe] = {
    "organisation.add": lambda f, h, a, w, t: f(h, "newco", "New Co", "ngo", actor=a),
    "organisation.list": lambda f, h, a, w, t: f(h),
    "person.add": lambda f, h, a, w, t: f(h, "newbie", "police", ["analyst"], actor=a),
    "person.enrol": lambda f, h, a, w, t: f(h, "newbie", "police", ["analyst"], actor=a),
    "person.roles": lambda f, h, a, w, t: f(h, a, "target", ["steward"]),
    "person.deactivate": lambda f, h, a, w, t: f(h, a, "target"),
    "person.list": lambda f, h, a, w, t: f(h, a),
    "token.issue": lambda f, h, a, w, t: f(h, "target", actor=a),
    "token.revoke": lambda f, h, a, w, t: f(h, a, "target"),
    "password.set": lambda f, h, a, w, t: f(h, a, "target", "correct horse battery staple"),
    "agreement.draft": lambda f, h, a, w, t: f(h, a, agreement("new-sharing")),
    "agreement.amend": lambda f, h, a, w, t: f(h, a, {**agreement(), "title": "Amended"}),
    "agreement.sign": lambda f, h, a, w, t: f(h, a, "matrix-sharing"),
    "agreement.revoke": lambda f, h, a, w, t: f(h, a, "matrix-sharing", "ended"),
    "agreement.show": lambda f, h, a, w, t: f(h, a, "matrix-sharing"),
    "agreement.list": lambda f, h, a, w, t: f(h, a),
    "audit.verify": lambda f, h, a, w, t: f(h, a),
    "audit.entries": lambda f, h, a, w, t: f(h, a, 5),
    "hub.trust_key": lambda f, h, a, w, t: f(h, a, w.fingerprint),
    "dataset.register": lambda f, h, a, w, t: f(h, a, "police/extra", _contract(w), ""),
    "contribution.create": lambda f, h, a, w, t: _engine_call(
        f, h, a, "police/complaints", w.template.parent / "complaints.csv", key=_key(w)),
    "contribution.submit": lambda f, h, a, w, t: _engine_call(
        f, h, a, "police/complaints", _package(w)),
    "contribution.list": lambda f, h, a, w, t: f(h, a, "police/complaints"),
    "contribution.report": lambda f, h, a, w, t: f(h, a, "police/complaints", 1),
    "catalogue.read": lambda f, h, a, w, t: f(h, a),
    "retention.run": lambda f, h, a, w, t: f(h, a),
    "erasure.request": lambda f, h, a, w, t: _engine_call(
        f, h, a, "REF-1", {"given_name": "Zoe", "family_name": "Smith", "dob": "1980-02-01"},
        _key(w)),
    "link.run": lambda f, h, a, w, t: _engine_call(f, h, a, kinds=("address",)),
    "link.evaluate": lambda f, h, a, w, t: f(h, a, t / "no-truth", ("person",)),
    "link.export": lambda f, h, a, w, t: f(h, a, t / "index.parquet", ("person",)),
    "link.index": lambda f, h, a, w, t: f(h, a, "person"),
    "link.locations": lambda f, h, a, w, t: f(h, a, {"police/complaints": (
        "Postcode", "Ref", "Ref")}, "crime-prevention"),
    "link.placed_records": lambda f, h, a, w, t: f(h, a, "police/complaints", "Postcode",
                                                   "Complaint", None, "crime-prevention"),
    "link.review.list": lambda f, h, a, w, t: f(h, a, None, 5),
    "link.review.decide": lambda f, h, a, w, t: f(h, a, 1, "same"),
    "project.propose": lambda f, h, a, w, t: _project(h, a, "new-study", [a.username]),
    "project.approve": lambda f, h, a, w, t: f(h, a, "pending-study"),
    "project.refuse": lambda f, h, a, w, t: f(h, a, "pending-study", "no"),
    "project.revoke": lambda f, h, a, w, t: f(h, a, "matrix-study", "stop"),
    "project.list": lambda f, h, a, w, t: f(h, a),
    "project.show": lambda f, h, a, w, t: f(h, a, "matrix-study"),
    "workspace.views": lambda f, h, a, w, t: f(h, a, "matrix-study"),
    "workspace.query": lambda f, h, a, w, t: f(h, a, "matrix-study",
                                               "SELECT count(*) AS n FROM police_complaints"),
    "output.request": lambda f, h, a, w, t: f(h, a, "matrix-study", kind="table", title="x",
                                              spec={"view": "police_complaints",
                                                    "rows": ["Complaint"]}),
    "output.check": lambda f, h, a, w, t: f(h, a, w.output),
    "output.list": lambda f, h, a, w, t: f(h, a),
    "output.submit": lambda f, h, a, w, t: f(h, a, w.pending_output),
    "output.withdraw": lambda f, h, a, w, t: f(h, a, w.pending_output),
    "output.review": lambda f, h, a, w, t: f(h, a, w.output, "approve"),
    "output.release": lambda f, h, a, w, t: f(h, a, w.output),
    "output.download": lambda f, h, a, w, t: f(h, a, w.output, t / "download"),
    "intervention.add": lambda f, h, a, w, t: f(h, a, name="More patrols", places=["x", "y"],
                                                starts_on=TODAY, outcome_measure="crimes"),
    "intervention.list": lambda f, h, a, w, t: f(h, a),
    "intervention.allocate": lambda f, h, a, w, t: f(h, a, w.intervention,
                                                     plan=_plan(), scheme="complete", seed=1),
    "intervention.allocation": lambda f, h, a, w, t: f(h, a, w.intervention),
    "intervention.evaluate": lambda f, h, a, w, t: f(h, a, w.intervention,
                                                     [("a", 0, 1.0), ("b", 0, 2.0)]),
    "intervention.record_evaluation": lambda f, h, a, w, t: f(h, a, w.intervention, "did",
                                                              {"estimate": 0.9}),
    "intervention.evaluations": lambda f, h, a, w, t: f(h, a, w.intervention),
    "prevalence.hub": lambda f, h, a, w, t: _engine_call(f, h, a, bootstrap=0),
    "risk.build": lambda f, h, a, w, t: _engine_call(f, h, a),
    "risk.uplift": lambda f, h, a, w, t: _engine_call(f, h, a, boot=0),
    "risk.save": lambda f, h, a, w, t: _save_risk_list(f, h, a),
    "risk.lists": lambda f, h, a, w, t: f(h, a),
    "risk.read": lambda f, h, a, w, t: f(h, a, w.risk_list),
    "risk.explain": lambda f, h, a, w, t: f(h, a, "A0000001", w.risk_list),
    "risk.export": lambda f, h, a, w, t: f(h, a, t / "list.csv", "csv", w.risk_list),
    "visit.record": lambda f, h, a, w, t: f(h, a, w.risk_list, "A0000001", "no_access", TODAY),
    "risk.labels": lambda f, h, a, w, t: f(h, a),
    "network.report": lambda f, h, a, w, t: f(h, a, purpose="crime-prevention",
                                              sources=_network_sources()),
    "report.publish": lambda f, h, a, w, t: _engine_call(f, h, a, boot=0, bootstrap=0),
    "report.uplift": lambda f, h, a, w, t: f(h, a),
    "report.dark_figure": lambda f, h, a, w, t: f(h, a),
    "report.lsoa_counts": lambda f, h, a, w, t: f(h, a),
}


def _network_sources() -> Any:
    """The matrix world's one dataset as the network's only source (no entities are linked,
    so an allowed call stops after the check, on the missing index)."""
    from commonground.insights.networks import NetworkSources

    return NetworkSources(parties={"police/complaints": (("", "Postcode"),)})


def _plan() -> dict[str, Any]:
    from commonground.insights.evaluation import default_plan

    return default_plan(2, None)


def expected(op: Operation, role: str, own: bool, member: bool) -> bool:
    """What the registry says: the policy table's grant for the role, then the condition."""
    if op.action is None:
        return True
    grants = op.grants()
    scope = grants.get(role, grants.get(EVERYONE))
    if scope is None:
        return False
    fits = scope is Scope.ANY or own or op.condition is Condition.OWN_ORGANISATION
    if op.condition is Condition.MEMBER:
        fits = fits and member
    elif op.condition is Condition.PROVIDER:
        fits = fits and own
    elif op.condition is Condition.AUTHOR:
        fits = False  # the author is not among the matrix's people
    elif op.condition is Condition.CHECKER_OR_AUTHOR:
        fits = fits and role == "output_checker"
    return fits


def outcome(op: Operation, hub: Hub, actor: Actor, world: World, scratch: Path) -> str:
    from commonground.errors import CommonGroundError

    try:
        PROBES[op.name](op.function(), hub, actor, world, scratch)
    except PermissionDenied:
        return "deny"
    except CommonGroundError:
        return "allow"  # refused for the state of things, after the policy let it through
    return "allow"


CASES = [(op, role, org, member) for op in OPERATIONS for role in ROLES for org in ORGS
         for member in MEMBERSHIP]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    return build_world(tmp_path_factory.mktemp("matrix"))


@pytest.fixture(scope="module")
def shared(world: World) -> Iterator[Hub]:
    """The template itself, for calls expected to be refused (a refusal changes nothing)."""
    hub = open_hub(world.template, f"sqlite:///{world.template / 'commonground.db'}")
    yield hub
    hub.close()


def _fresh(world: World, name: str) -> Hub:
    copy = world.work / name
    shutil.copytree(world.template, copy)
    return open_hub(copy, f"sqlite:///{copy / 'commonground.db'}")


def test_every_operation_has_a_probe() -> None:
    assert sorted(PROBES) == sorted(op.name for op in OPERATIONS)


def test_the_authorisation_matrix(world: World, shared: Hub, tmp_path: Path,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    unexpected_allows, unexpected_denies = [], []
    for index, (op, role, org, member) in enumerate(CASES):
        want = expected(op, role, ORGS[org], MEMBERSHIP[member])
        hub = _fresh(world, f"case-{index}") if want and op.writes else shared
        try:
            actor = actor_for(hub, username(role, org, member))
            scratch = tmp_path / f"case-{index}"
            scratch.mkdir()
            got = outcome(op, hub, actor, world, scratch) == "allow"
        finally:
            if hub is not shared:
                hub.close()
                shutil.rmtree(hub.root)
        case = f"{op.name} as {role} of {'own' if ORGS[org] else 'other'} org, {member} project"
        if got and not want:
            unexpected_allows.append(case)
        elif want and not got:
            unexpected_denies.append(case)
    allows = sum(expected(op, r, ORGS[o], MEMBERSHIP[m]) for op, r, o, m in CASES)
    with capsys.disabled():
        print(f"\nauthorisation matrix: {len(CASES)} cases ({len(OPERATIONS)} operations x "  # noqa: T201
              f"{len(ROLES)} roles x {len(ORGS)} organisations x {len(MEMBERSHIP)} "
              f"memberships), {allows} expected allows, {len(unexpected_allows)} unexpected "
              f"allows, {len(unexpected_denies)} unexpected denies")
    assert unexpected_allows == []
    assert unexpected_denies == []


def test_the_author_may_check_submit_and_withdraw_their_own_request(world: World) -> None:
    from commonground.research import get_output, submit_output, withdraw_output

    hub = _fresh(world, "author")
    try:
        author = actor_for(hub, "author")
        assert get_output(hub, author, world.output).checks["evidence"] is not None
        assert submit_output(hub, author, world.pending_output).state == "submitted"
        assert withdraw_output(hub, author, world.pending_output).state == "withdrawn"
    finally:
        hub.close()


def test_the_board_reads_no_data_and_no_evidence(world: World, shared: Hub) -> None:
    board = actor_for(shared, username("board", "police", "in"))
    readable = {op.name for op in OPERATIONS
                if expected(op, "board", own=True, member=True)}
    assert "output.check" not in readable and "workspace.query" not in readable
    assert not {n for n in readable if n.startswith(("link.", "contribution.", "dataset."))}
    assert readable >= {"catalogue.read", "project.list", "intervention.list",
                        "intervention.evaluations", "agreement.list", "report.uplift",
                        "report.dark_figure", "report.lsoa_counts"}
    assert "report.publish" not in readable and not {
        n for n in readable if n.startswith(("risk.", "prevalence.", "visit."))}
    assert board.has("board")
