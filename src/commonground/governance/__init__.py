"""Governance: organisations, people, agreements, the policy check and the audit log.

Every public operation elsewhere receives an `Actor` and calls `require(...)` before it
touches data; `require` writes the decision to the hash-chained audit log either way.
`OPERATIONS` is the registry of every operation of every room, with its policy action.
"""

from commonground.governance.accounts import (
    session_actor,
    set_password,
    sign_in,
    sign_in_external,
    sign_out,
)
from commonground.governance.actors import ROLES, Actor, actor_for
from commonground.governance.agreements import (
    STATUSES,
    AgreementView,
    amend_agreement,
    draft_agreement,
    get_agreement,
    list_agreements,
    refresh_expiry,
    revoke_agreement,
    sign_agreement,
)
from commonground.governance.audit import AuditRecord, AuditReport, record
from commonground.governance.documents import LEGAL_BASES, AgreementDocument
from commonground.governance.errors import (
    AuthenticationFailed,
    GovernanceError,
    InvalidTransition,
    NotFound,
    PermissionDenied,
)
from commonground.governance.operations import (
    NEEDS_NO_ACTOR,
    OPERATIONS,
    Condition,
    Operation,
    operation,
)
from commonground.governance.oversight import audit_entries, verify_audit
from commonground.governance.people import (
    ORGANISATION_KINDS,
    add_organisation,
    add_person,
    deactivate_person,
    enrol_person,
    list_organisations,
    list_people,
    set_roles,
)
from commonground.governance.policy import (
    ACTIONS,
    RULES,
    Decision,
    Resource,
    allowed_columns,
    may,
    require,
)
from commonground.governance.tokens import authenticate, issue_token, revoke_tokens

__all__ = [
    "ACTIONS",
    "NEEDS_NO_ACTOR",
    "OPERATIONS",
    "LEGAL_BASES",
    "ORGANISATION_KINDS",
    "ROLES",
    "RULES",
    "STATUSES",
    "Actor",
    "AgreementDocument",
    "AgreementView",
    "AuditRecord",
    "AuditReport",
    "AuthenticationFailed",
    "Condition",
    "Decision",
    "GovernanceError",
    "InvalidTransition",
    "NotFound",
    "Operation",
    "PermissionDenied",
    "Resource",
    "actor_for",
    "add_organisation",
    "add_person",
    "allowed_columns",
    "amend_agreement",
    "audit_entries",
    "authenticate",
    "deactivate_person",
    "draft_agreement",
    "enrol_person",
    "get_agreement",
    "issue_token",
    "list_agreements",
    "list_organisations",
    "list_people",
    "may",
    "operation",
    "record",
    "refresh_expiry",
    "require",
    "revoke_agreement",
    "revoke_tokens",
    "session_actor",
    "set_password",
    "sign_in",
    "sign_in_external",
    "sign_out",
    "set_roles",
    "sign_agreement",
    "verify_audit",
]
