"""What a steward reads about their own contributions: versions, and each one's validation report.

The report is the hub's copy of the quarantine (made at source, with the values found in
identifier and free-text columns withheld), so it shows no identifier in clear. Each problem
comes with what was expected and how to fix the row; problems are grouped by column and rule.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
from sqlalchemy import select

from commonground.contribute.submit import split_ref
from commonground.errors import NotFound
from commonground.governance import Actor, Resource, require
from commonground.store import Contribution, Dataset, DatasetVersion, Organisation
from commonground.store.hub import Hub

MAX_PROBLEMS = 2000  # shown one by one; the groups always count every problem

# How to fix a row, by the quarantine's problem code (validation and the reader's rejections).
FIXES: dict[str, str] = {
    "required": "Fill in the missing value, or remove the row if the record is incomplete.",
    "bad_value": "Correct the value so it has the expected form.",
    "implausible_date": "Check the date: it is before 1880 or in the future.",
    "out_of_range": "Correct the number so it is within the range.",
    "not_allowed": "Use one of the listed values (spelling and case matter), or ask the hub "
                   "to update the dataset's contract.",
    "too_long": "Shorten the value.",
    "nul_byte": "Remove the hidden NUL characters (export the file again as plain text).",
    "formula": "Remove the leading =, @, + or - so that the value is plain text.",
    "unclosed_quote": "Close the quoted field with a double quote, or remove the stray quote.",
}
DEFAULT_FIX = "Correct the row so it matches the contract, then send the file again."
# A value of the wrong form: the hint names what the column expects.
BAD_VALUE_FIXES: tuple[tuple[str, str], ...] = (
    ("a date", "Write the date in one of the formats shown, e.g. 31/01/2025 for %d/%m/%Y."),
    ("postcode", "Write a full UK postcode, e.g. CM1 1AA: outward and inward parts."),
    ("uprn", "Use the property's UPRN as digits only (up to 12)."),
    ("nhs", "Use the 10-digit NHS number, digits only; its check digit must be right."),
    ("month", "Write the month as YYYY-MM, e.g. 2018-01."),
    ("whole number", "Use a whole number, digits only (no commas, spaces or units)."),
    ("number", "Use a number, digits only (no commas, spaces or units)."),
)


def fix_for(problem: str, expected: str) -> str:
    """How to fix one quarantined row, from its problem code and what the column expected."""
    if problem == "bad_value":
        wanted = expected.lower()
        for word, fix in BAD_VALUE_FIXES:
            if word in wanted:
                return fix
    return FIXES.get(problem, DEFAULT_FIX)


class ContributionNotFound(NotFound):
    """No contribution stored as that version of that dataset."""


def _aware(moment: datetime) -> str:
    at = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return at.isoformat(timespec="seconds")


def _contributions(hub: Hub, ref: str) -> list[tuple[Contribution, DatasetVersion | None]]:
    org_slug, name = split_ref(ref)
    with hub.sessions()() as session:
        dataset = session.scalar(select(Dataset).join(Organisation).where(
            Organisation.slug == org_slug, Dataset.name == name))
        if dataset is None:
            raise ContributionNotFound(f"no dataset '{ref}' in this hub")
        rows = session.execute(
            select(Contribution, DatasetVersion)
            .outerjoin(DatasetVersion, Contribution.version_id == DatasetVersion.id)
            .where(Contribution.dataset_id == dataset.id)
            .order_by(Contribution.id.desc())).all()
        session.expunge_all()
        return [(c, v) for c, v in rows]


def _summary(contribution: Contribution, version: DatasetVersion | None) -> dict[str, Any]:
    return {"version": version.number if version else None,
            "state": version.state if version else None,
            "created_at": _aware(contribution.created_at),
            "contributor": contribution.contributor,
            "source_file": contribution.source_file,
            "agreement": contribution.agreement,
            "status": contribution.status,
            "rows_in": contribution.rows_in,
            "rows_accepted": contribution.rows_accepted,
            "rows_quarantined": contribution.rows_quarantined,
            "rows_now": version.rows if version else None}


def list_contributions(hub: Hub, actor: Actor, dataset: str) -> list[dict[str, Any]]:
    """A dataset's contributions, newest first: version, date, file, rows in, accepted and
    quarantined (the owning organisation's stewards)."""
    require(hub, actor, "contribution.create", Resource.dataset(dataset),
            details={"read": "contributions"})
    return [_summary(c, v) for c, v in _contributions(hub, dataset)]


def _problems(hub: Hub, contribution: Contribution, version: int | None
              ) -> list[dict[str, Any]]:
    if not contribution.quarantine_path:
        return []
    path = hub.root / contribution.quarantine_path
    if not Path(path).exists():  # deleted with its version (retention)
        return []
    table = pq.read_table(path)
    return [{**row, "version": version,
             "fix": fix_for(str(row.get("problem")), str(row.get("expected") or ""))}
            for row in table.to_pylist()]


def _groups(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Problems counted by (column, rule), most frequent first, with an example row."""
    counts: Counter[tuple[str, str]] = Counter()
    first: dict[tuple[str, str], dict[str, Any]] = {}
    for problem in problems:
        key = (problem.get("column") or "(whole row)", str(problem.get("problem")))
        counts[key] += 1
        first.setdefault(key, problem)
    return [{"column": column, "problem": code, "count": count,
             "expected": first[(column, code)]["expected"], "fix": first[(column, code)]["fix"],
             "first_row": first[(column, code)]["row"]}
            for (column, code), count in counts.most_common()]


def contribution_report(hub: Hub, actor: Actor, dataset: str, version: int | None = None
                        ) -> dict[str, Any]:
    """The validation report of one version's contribution (or, with no version, the
    dataset's whole quarantine): rows in, accepted and quarantined, and every problem with
    its file, row, column, what was expected and how to fix it, grouped by column and rule.

    Values found in identifier and free-text columns were withheld at source and stay so.
    """
    require(hub, actor, "contribution.create", Resource.dataset(dataset),
            details={"read": "quarantine", "version": version})
    found = _contributions(hub, dataset)
    if version is not None:
        found = [(c, v) for c, v in found if v is not None and v.number == version]
        if not found:
            raise ContributionNotFound(f"no contribution stored as {dataset} v{version}")
    problems: list[dict[str, Any]] = []
    for contribution, stored in found:
        problems += _problems(hub, contribution, stored.number if stored else None)
    return {"dataset": dataset, "version": version,
            "contributions": [_summary(c, v) for c, v in found],
            "rows_in": sum(c.rows_in for c, _ in found),
            "rows_accepted": sum(c.rows_accepted for c, _ in found),
            "rows_quarantined": sum(c.rows_quarantined for c, _ in found),
            "problem_count": len(problems), "groups": _groups(problems),
            "problems": problems[:MAX_PROBLEMS],
            "truncated": len(problems) > MAX_PROBLEMS}
