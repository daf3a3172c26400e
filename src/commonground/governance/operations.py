"""The operation registry: every public operation of the hub, in one table.

Each row names an operation of a room's public API, the policy action it is checked against,
the kind of resource, any condition beyond the policy table (membership of the project, being
the request's author), and the CLI command and web route that call it. The command reference,
the authorisation matrix (docs/authorisation.md) and the meta-tests are generated from this
table, so an operation without a policy cannot be added silently: a public function that takes
a `Hub` must either take an `Actor` and be listed here, or be listed with the reason it needs
none.

Functions are named by dotted path, not imported: governance sits below the rooms it lists.
"""

from __future__ import annotations

import importlib
import inspect
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from commonground.governance.policy import EVERYONE, RULES, Scope


class Condition(StrEnum):
    """What an operation checks beyond the policy table, inside its room."""

    NONE = "none"
    MEMBER = "named on the active project"
    AUTHOR = "the output request's author"
    CHECKER_OR_AUTHOR = "an output checker, or the output request's author"
    PROVIDER = "a governance lead of an organisation providing data to the project"
    BOOTSTRAP = "or anyone while the hub has no people yet (the first organisation and admin)"
    SELF = "or the person themselves, for their own tokens"
    OWN_ORGANISATION = "only on what the actor's own organisation owns or registers"


@dataclass(frozen=True)
class Operation:
    name: str
    target: str  # "module:function" (or "module:Class.method")
    action: str | None  # the policy action; None only with a reason
    resource: str = ""
    condition: Condition = Condition.NONE
    cli: str | None = None  # "output check"
    routes: tuple[str, ...] = ()  # web routes that call it: ("GET /research",)
    writes: bool = False  # changes the hub's data or metadata (beyond the audit log)
    reason: str = ""  # why no actor or no policy action is needed

    def function(self) -> Callable[..., Any]:
        module, _, attribute = self.target.partition(":")
        found: Any = importlib.import_module(module)
        for part in attribute.split("."):
            found = getattr(found, part)
        return found  # type: ignore[no-any-return]

    def summary(self) -> str:
        doc = inspect.getdoc(self.function()) or ""
        return doc.split("\n\n")[0].replace("\n", " ")

    def grants(self) -> dict[str, Scope]:
        """Who the policy table lets call it, and where (empty when it needs no action)."""
        return dict(RULES[self.action].grants) if self.action else {}

    def who(self) -> str:
        """Who may call it, in words, for the docs."""
        if self.action is None:
            return f"anyone ({self.reason})"
        grants = self.grants()
        parts = ["anyone signed in" if role == EVERYONE else
                 role if scope is Scope.ANY else f"{role} ({scope})"
                 for role, scope in sorted(grants.items())]
        text = ", ".join(parts)
        if self.condition in (Condition.SELF, Condition.OWN_ORGANISATION, Condition.BOOTSTRAP):
            text += f"; {self.condition}"
        elif self.condition is not Condition.NONE:
            text += f"; and {self.condition}"
        return text


def _op(name: str, target: str, action: str | None, resource: str = "", **more: Any
        ) -> Operation:
    return Operation(name, target, action, resource, **more)


_GOV = "commonground.governance"
_CON = "commonground.contribute"
_LINK = "commonground.link"
_RES = "commonground.research"
_EVAL = "commonground.insights.evaluation"
_RISK = "commonground.insights.risk"
_NET = "commonground.insights.networks"
_REP = "commonground.insights.reports"
W = {"writes": True}

OPERATIONS: tuple[Operation, ...] = (
    # governance: the partnership itself
    _op("organisation.add", f"{_GOV}:add_organisation", "organisation.manage", "organisation",
        condition=Condition.BOOTSTRAP, cli="org add", routes=("POST /api/organisations",), **W),
    _op("organisation.list", f"{_GOV}:list_organisations", None, cli="org list",
        routes=("GET /api/organisations", "GET /governance/agreements/new"),
        reason="the partners' names are public: every agreement names them"),
    _op("person.add", f"{_GOV}:add_person", "person.manage", "person",
        condition=Condition.BOOTSTRAP, **W),
    _op("person.enrol", f"{_GOV}:enrol_person", "person.manage", "person",
        condition=Condition.BOOTSTRAP, cli="user add", routes=("POST /api/people",), **W),
    _op("person.roles", f"{_GOV}:set_roles", "person.manage", "person", **W),
    _op("person.deactivate", f"{_GOV}:deactivate_person", "person.manage", "person", **W),
    _op("person.list", f"{_GOV}:list_people", "person.manage", "person"),
    _op("token.issue", f"{_GOV}:issue_token", "person.manage", "person", cli="user token",
        condition=Condition.SELF, routes=("POST /api/people/{username}/tokens",), **W),
    _op("password.set", f"{_GOV}:set_password", "person.manage", "person",
        cli="user password", condition=Condition.SELF,
        routes=("PUT /api/people/{username}/password",), **W),
    _op("token.revoke", f"{_GOV}:revoke_tokens", "person.manage", "person",
        condition=Condition.SELF, **W),
    _op("agreement.draft", f"{_GOV}:draft_agreement", "agreement.draft", "agreement",
        cli="agreement add", routes=("POST /api/agreements", "POST /governance/agreements"),
        **W),
    _op("agreement.amend", f"{_GOV}:amend_agreement", "agreement.draft", "agreement",
        cli="agreement amend",
        routes=(
            "POST /api/agreements/{slug}/amend",
            "POST /governance/agreements/{slug}/amend",
        ),
        **W),
    _op("agreement.sign", f"{_GOV}:sign_agreement", "agreement.sign", "agreement",
        cli="agreement sign",
        routes=(
            "POST /api/agreements/{slug}/sign",
            "POST /governance/agreements/{slug}/sign",
        ),
        **W),
    _op("agreement.revoke", f"{_GOV}:revoke_agreement", "agreement.revoke", "agreement",
        cli="agreement revoke",
        routes=(
            "POST /api/agreements/{slug}/revoke",
            "POST /governance/agreements/{slug}/revoke",
        ),
        **W),
    _op("agreement.show", f"{_GOV}:get_agreement", "agreement.read", "agreement",
        cli="agreement show",
        routes=(
            "GET /api/agreements/{slug}",
            "GET /governance/agreements/{slug}",
            "GET /governance/agreements/{slug}/amend",
        )),
    _op("agreement.list", f"{_GOV}:list_agreements", "agreement.read", "agreement",
        cli="agreement list",
        routes=(
            "GET /api/agreements",
            "GET /governance",
        )),
    _op("audit.verify", f"{_GOV}:verify_audit", "audit.verify", "audit", cli="audit verify",
        routes=(
            "GET /api/audit/verify",
            "GET /governance/audit/verify",
        )),
    _op("audit.entries", f"{_GOV}:audit_entries", "audit.read", "audit", cli="audit list",
        routes=(
            "GET /api/audit",
            "GET /governance/audit",
        )),
    _op("hub.trust_key", f"{_CON}:trust_key", "hub.configure", "hub", cli="key trust",
        routes=("PUT /api/hub/key",), **W),
    # contribute: datasets and their versions
    _op("dataset.register", f"{_CON}:register_dataset", "dataset.register", "dataset",
        cli="dataset register", routes=("POST /api/datasets",), **W),
    _op("contribution.create", f"{_CON}:contribute_file", "contribution.create", "dataset",
        cli="contribute", routes=("POST /api/datasets/{org}/{dataset}/contributions",
                                  "POST /steward/datasets/{org}/{dataset}/upload"), **W),
    _op("contribution.submit", f"{_CON}:submit", "contribution.create", "dataset",
        routes=("POST /api/datasets/{org}/{dataset}/packages",), **W),
    _op("catalogue.read", f"{_CON}:catalogue", "catalogue.read", "catalogue",
        cli="catalogue",
        routes=(
            "GET /catalogue",
            "GET /api/catalogue",
            "GET /api/catalogue.jsonld",
            "GET /research/propose",
            "GET /steward",
            "GET /board",
        )),
    _op("retention.run", f"{_CON}:run_retention", "retention.run", "dataset",
        condition=Condition.OWN_ORGANISATION, cli="retention run",
        routes=(
            "POST /api/retention/run",
            "POST /governance/retention",
        ),
        **W),
    _op("erasure.request", f"{_CON}:erase_person", "erasure.request", "dataset", cli="erase",
        condition=Condition.OWN_ORGANISATION,
        routes=(
            "POST /api/erasures",
            "POST /steward/erasure",
        ),
        **W),
    _op("contribution.list", f"{_CON}:list_contributions", "contribution.create", "dataset",
        routes=("GET /steward/datasets/{org}/{dataset}",)),
    _op("contribution.report", f"{_CON}:contribution_report", "contribution.create",
        "dataset", routes=("GET /steward/datasets/{org}/{dataset}/versions/{version}",
                           "GET /steward/datasets/{org}/{dataset}/quarantine")),
    # link: the entity index
    _op("link.run", f"{_LINK}:run_linkage", "link.run", "linkage", cli="link run",
        routes=("POST /api/link/runs", "POST /analysis/link-run"), **W),
    _op("link.evaluate", f"{_LINK}:evaluate_hub", "link.read", "linkage", cli="link evaluate",
        routes=("POST /api/link/evaluate",)),
    _op("link.export", f"{_LINK}:export", "link.read", "linkage", cli="link export",
        routes=("GET /api/link/export",)),
    _op("link.index", f"{_LINK}:entity_index", "link.read", "linkage"),
    _op("link.locations", f"{_LINK}:entity_locations", "dataset.read", "dataset"),
    _op("link.placed_records", f"{_LINK}:placed_records", "dataset.read", "dataset"),
    _op("link.review.list", f"{_LINK}:pending_reviews", "link.review", "linkage",
        cli="link review",
        routes=(
            "GET /analysis/review",
            "GET /api/link/reviews",
        )),
    _op("link.review.decide", f"{_LINK}:decide_review", "link.review", "linkage",
        cli="link review",
        routes=(
            "POST /analysis/review/{item_id}",
            "POST /api/link/reviews/{item_id}",
        ),
        **W),
    # research: projects, workspaces and the airlock
    _op("project.propose", f"{_RES}:propose_project", "project.propose", "project",
        cli="project propose",
        routes=(
            "POST /research/propose",
            "POST /api/projects",
        ),
        **W),
    _op("project.approve", f"{_RES}:approve_project", "project.approve", "project",
        condition=Condition.PROVIDER, cli="project approve",
        routes=(
            "POST /governance/approvals/{slug}/approve",
            "POST /api/projects/{slug}/approve",
        ),
        **W),
    _op("project.refuse", f"{_RES}:refuse_project", "project.refuse", "project",
        condition=Condition.PROVIDER, cli="project refuse",
        routes=(
            "POST /governance/approvals/{slug}/refuse",
            "POST /api/projects/{slug}/refuse",
        ),
        **W),
    _op("project.revoke", f"{_RES}:revoke_project", "project.revoke", "project",
        cli="project revoke",
        routes=(
            "POST /governance/approvals/{slug}/revoke",
            "POST /api/projects/{slug}/revoke",
        ),
        **W),
    _op("project.list", f"{_RES}:list_projects", "project.read", "project", cli="project list",
        routes=(
            "GET /research",
            "GET /governance/approvals",
            "GET /api/projects",
        )),
    _op("project.show", f"{_RES}:get_project", "project.read", "project",
        routes=(
            "GET /research/{slug}/project",
            "GET /api/projects/{slug}",
        )),
    _op("workspace.views", f"{_RES}:workspace_views", "workspace.query", "project",
        condition=Condition.MEMBER, cli="workspace views",
        routes=("GET /research/{slug}", "GET /api/projects/{slug}/views",
                "GET /research/{slug}/outputs/new")),
    _op("workspace.query", f"{_RES}:query_workspace", "workspace.query", "project",
        condition=Condition.MEMBER, cli="workspace query",
        routes=("POST /api/projects/{slug}/query",)),
    _op("output.request", f"{_RES}:request_output", "output.request", "project",
        condition=Condition.MEMBER, cli="output request",
        routes=(
            "POST /research/{slug}/outputs",
            "POST /api/projects/{slug}/outputs",
        ),
        **W),
    _op("output.check", f"{_RES}:get_output", "output.read", "project",
        condition=Condition.CHECKER_OR_AUTHOR, cli="output check",
        routes=(
            "GET /research/{slug}/outputs/{output_id}",
            "GET /checking/{output_id}",
            "GET /api/outputs/{output_id}",
        )),
    _op("output.list", f"{_RES}:list_outputs", "output.read", "project", cli="output list",
        routes=("GET /research/{slug}/outputs", "GET /checking", "GET /api/outputs")),
    _op("output.submit", f"{_RES}:submit_output", "output.request", "project",
        condition=Condition.AUTHOR, cli="output submit",
        routes=(
            "POST /research/{slug}/outputs/{output_id}/submit",
            "POST /api/outputs/{output_id}/submit",
        ),
        **W),
    _op("output.withdraw", f"{_RES}:withdraw_output", "output.request", "project",
        condition=Condition.AUTHOR, cli="output withdraw",
        routes=(
            "POST /research/{slug}/outputs/{output_id}/withdraw",
            "POST /api/outputs/{output_id}/withdraw",
        ),
        **W),
    _op("output.review", f"{_RES}:review_output", "output.review", "project",
        cli="output review",
        routes=(
            "POST /checking/{output_id}/review",
            "POST /api/outputs/{output_id}/reviews",
        ),
        **W),
    _op("output.release", f"{_RES}:release_output", "output.release", "project",
        cli="output release",
        routes=(
            "POST /checking/{output_id}/release",
            "POST /api/outputs/{output_id}/release",
        ),
        **W),
    _op("output.download", f"{_RES}:download_output", "output.download", "project",
        condition=Condition.MEMBER, cli="output download",
        routes=(
            "GET /research/{slug}/outputs/{output_id}/files/{name}",
            "GET /api/outputs/{output_id}/download",
        )),
    # insights: preventative interventions and their evaluation
    _op("intervention.add", f"{_EVAL}:add_intervention", "intervention.manage",
        "intervention", condition=Condition.OWN_ORGANISATION, cli="intervention add",
        routes=("POST /api/interventions",), **W),
    _op("intervention.list", f"{_EVAL}:list_interventions", "intervention.read",
        "intervention", cli="intervention list",
        routes=(
            "GET /analysis/interventions",
            "GET /board/trials",
            "GET /api/interventions",
        )),
    _op("intervention.allocate", f"{_EVAL}:allocate_trial", "intervention.manage",
        "intervention", cli="intervention allocate",
        routes=("POST /api/interventions/{intervention_id}/allocation",), **W),
    _op("intervention.allocation", f"{_EVAL}:trial_allocation", "intervention.read",
        "intervention"),
    _op("intervention.evaluate", f"{_EVAL}:evaluate_trial", "intervention.evaluate",
        "intervention", cli="intervention evaluate",
        routes=("POST /api/interventions/{intervention_id}/evaluations",), **W),
    _op("intervention.record_evaluation", f"{_EVAL}:record_evaluation",
        "intervention.evaluate", "intervention", **W),
    _op("intervention.evaluations", f"{_EVAL}:list_evaluations", "intervention.read",
        "intervention", routes=("GET /analysis/interventions/{intervention_id}",
                                "GET /board/trials/{intervention_id}")),
    # insights: modern slavery risk lists for safeguarding visits, and the visits' outcomes
    _op("risk.build", f"{_RISK}:build_risk_list", "risk.build", "risk_list",
        cli="insights risk build", routes=("POST /api/risk/lists", "POST /analysis/risk-build"),
        **W),
    _op("risk.uplift", f"{_RISK}:uplift_report", "risk.read", "risk_list",
        cli="insights uplift",
        routes=("POST /api/risk/uplift",)),
    _op("risk.save", f"{_RISK}:save_list", "risk.build", "risk_list", **W),
    _op("risk.lists", f"{_RISK}:list_risk_lists", "risk.read", "risk_list",
        cli="insights risk list",
        routes=("GET /api/risk/lists",)),
    _op("risk.read", f"{_RISK}:read_list", "risk.read", "risk_list",
        routes=("GET /analysis/risk",)),
    _op("risk.explain", f"{_RISK}:explain_address", "risk.read", "risk_list",
        cli="insights risk explain",
        routes=(
            "GET /analysis/risk/{list_id}/{address_id}",
            "GET /api/risk/addresses/{address_id}",
        )),
    _op("risk.export", f"{_RISK}:export_list", "risk.read", "risk_list",
        cli="insights risk export",
        routes=("GET /api/risk/export",)),
    _op("visit.record", f"{_RISK}:record_visit", "risk.visit", "risk_list",
        cli="insights visit record",
        routes=(
            "POST /analysis/risk/{list_id}/{address_id}/visit",
            "POST /api/risk/visits",
        ),
        **W),
    _op("risk.labels", f"{_RISK}:visit_labels", "risk.read", "risk_list"),
    _op("prevalence.hub", "commonground.insights.prevalence:hub_prevalence", "link.read",
        "linkage", cli="insights prevalence",
        routes=("GET /api/prevalence",)),
    _op("network.report", f"{_NET}:network_report", "dataset.read", "dataset",
        cli="insights network",
        routes=(
            "GET /api/network",
        )),
    # insights: aggregate reports for the partnership board
    _op("report.publish", f"{_REP}:publish_board_report", "report.publish", "report",
        routes=("POST /analysis/board-pack",), **W),
    _op("report.uplift", f"{_REP}:report_uplift", "report.read", "report",
        routes=("GET /board/partners",)),
    _op("report.dark_figure", f"{_REP}:report_dark_figure", "report.read", "report",
        routes=("GET /board/dark-figure",)),
    _op("report.lsoa_counts", f"{_REP}:report_lsoa_counts", "report.read", "report",
        routes=("GET /board/maps", "GET /analysis/hotspots")),
)

# Public functions that take a Hub but no Actor, and why none is needed.
NEEDS_NO_ACTOR: dict[str, str] = {
    f"{_GOV}:actor_for": "establishes who is acting from a user name on the hub's own machine",
    f"{_GOV}:authenticate": "establishes who is acting from an API token",
    f"{_GOV}:sign_in": "establishes who is acting from a user name and password (audited)",
    f"{_GOV}:sign_in_external": "establishes who is acting from an identity provider's "
                                "vouched e-mail (audited)",
    f"{_GOV}:session_actor": "establishes who is acting from a web session id",
    f"{_GOV}:sign_out": "ends the caller's own web session (audited)",
    f"{_GOV}:list_organisations": "the partners' names are public: every agreement names them",
    f"{_GOV}:refresh_expiry": "a clock job: marks agreements past their end date as expired; "
                              "reads no data",
    f"{_GOV}:may": "the policy question itself (takes the actor as its subject)",
    f"{_GOV}:require": "the policy check itself",
    f"{_GOV}:record": "the audit log's writer, called by every operation",
    f"{_GOV}:allowed_columns": "the policy question for a dataset's columns (the actor is "
                               "its subject); operations call it after their own check",
}

BY_NAME: dict[str, Operation] = {op.name: op for op in OPERATIONS}
# Typer command names that are not operations on a hub's data, with why.
NOT_OPERATIONS: dict[str, str] = {
    "init": "creates an empty hub folder",
    "simulate": "writes a synthetic county; no hub",
    "demo": "builds a hub of its own from the synthetic county, acting as its seeded people",
    "serve": "starts the web app, whose routes call the operations",
    "key create": "writes a new key file on the steward's machine; no hub",
    "link files": "links files outside any hub",
    "address match": "matches a file of addresses to a gazetteer file, outside any hub",
    "insights hotspots backtest": "reads crime files (open data or an extract), no hub",
    "insights hotspots predict": "reads crime files (open data or an extract), no hub",
    "insights wdd": "arithmetic on counts given on the command line",
    "insights power": "arithmetic on a trial's design",
}


def operations() -> tuple[Operation, ...]:
    return OPERATIONS


def operation(name: str) -> Operation:
    return BY_NAME[name]


def role_may_call(roles: frozenset[str], name: str) -> bool:
    """Whether any of these roles holds a grant for the operation's policy action.

    A necessary condition only, for refusing at once what can never be allowed (a background
    job's route answers 403 instead of starting a job bound to fail); the operation still
    checks the scope, the conditions and audits when it runs.
    """
    grants = operation(name).grants()
    return operation(name).action is None or EVERYONE in grants or bool(roles & set(grants))


def _cell(op: Operation, role: str) -> str:
    """One cell of the role matrix: may this role call the operation, and where."""
    if op.action is None:
        return "yes"
    scope = op.grants().get(role, op.grants().get(EVERYONE))
    if scope is None or op.condition is Condition.AUTHOR and role != "researcher":
        return "—"
    if op.condition is Condition.CHECKER_OR_AUTHOR:
        return "yes" if role == "output_checker" else "own requests"
    where = {Scope.ANY: "yes", Scope.OWNER: "own org", Scope.PARTY: "party"}[scope]
    if op.condition is Condition.OWN_ORGANISATION:
        where = "own org" if scope is not Scope.ANY else "yes"
    if op.condition is Condition.MEMBER:
        where = "on project"
    elif op.condition is Condition.AUTHOR:
        where = "own requests"
    elif op.condition is Condition.PROVIDER:
        where = "provider"
    return where


def reference_markdown(roles: tuple[str, ...]) -> str:
    """docs/authorisation.md's generated part: every operation, and who may call it."""
    lines = ["| operation | what it does | CLI | web | policy action | who may call it |",
             "|---|---|---|---|---|---|"]
    for op in OPERATIONS:
        cli = f"`{op.cli}`" if op.cli else ""
        route = ", ".join(f"`{r}`" for r in op.routes)
        action = f"`{op.action}`" if op.action else "none"
        lines.append(f"| `{op.name}` | {op.summary()} | {cli} | {route} | {action} | "
                     f"{op.who()} |")
    lines += ["", "## By role", "",
              "| operation | " + " | ".join(roles) + " |",
              "|---|" + "---|" * len(roles)]
    for op in OPERATIONS:
        lines.append(f"| `{op.name}` | " + " | ".join(_cell(op, r) for r in roles) + " |")
    return "\n".join(lines) + "\n"
