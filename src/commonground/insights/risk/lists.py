"""Risk lists for safeguarding visits: kept, protected, read, explained, exported, followed up.

A list is saved under the agreement it was built under and for one purpose; every later use
(read, explain, export, record a visit) is checked against that same agreement (`under=`), so a
list dies with its agreement, and refused outright once past its expiry (`ListExpired`, a
PermissionDenied: the hub's rule refuses it, whoever asks, and the refusal is audited).
The rows sit in the hub as `risk/list-<n>.parquet`; the table `risk_lists` says what they are.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from commonground.errors import Conflict, InvalidInput, NotFound
from commonground.governance import Actor, Resource, require
from commonground.governance.errors import PermissionDenied
from commonground.governance.policy import Decision, audited, may, utc_today
from commonground.insights.risk import formats
from commonground.insights.risk.records import OUTCOMES, RiskList, RiskVisit
from commonground.insights.risk.schema import check_list, contributions
from commonground.link import entity_locations
from commonground.store import Hub

PURPOSE = "safeguarding"
MAX_DAYS = 365
# Where an address entity is on the map: the police's coordinates for the same entity.
LOCATION_SOURCES = {"police/crimes": ("LOCATION", "EASTING", "NORTHING"),
                    "police/calls": ("LOCATION", "EASTING", "NORTHING")}
LABELS = {"concern_found": 1, "no_concern": 0}  # no_access says nothing about the address


class ListExpired(PermissionDenied):
    """A risk list past its expiry: refused to everyone and audited as a refusal.

    A PermissionDenied rather than a Conflict because it is the hub's rule (a list is a
    snapshot for a visit round, not a register of people's homes), not a state the caller
    can change: the answer is a new list, built and checked afresh.
    """


def _resource(number: int | None = None) -> Resource:
    return Resource("risk_list", name=f"list-{number}" if number is not None else None)


def _expires_on(row: RiskList) -> date:
    return row.expires_at.date()


def _meta(row: RiskList, today: date) -> dict[str, Any]:
    return {"list": row.number, "model": row.model, "built_by": row.built_by,
            "organisation": row.organisation, "agreement": row.agreement.slug,
            "agreement_version": row.agreement.version, "purpose": row.purpose,
            "cutoff": row.cutoff.isoformat(), "created_at": row.created_at.isoformat(),
            "expires_on": _expires_on(row).isoformat(),
            "expired": today > _expires_on(row), "k": row.k, "path": row.path,
            "metrics": row.metrics, "card": row.card}


def _find(session: Session, list_id: int | None) -> RiskList:
    query = select(RiskList).order_by(RiskList.number.desc()).limit(1)
    if list_id is not None:
        query = select(RiskList).where(RiskList.number == list_id)
    row = session.scalar(query)
    if row is None:
        raise NotFound(f"no risk list {list_id}" if list_id is not None
                       else "no risk list has been saved yet")
    return row


def _authorise(hub: Hub, actor: Actor, action: str, row: RiskList, session: Session,
               today: date, in_force_on: date | None = None,
               details: Mapping[str, Any] | None = None) -> Decision:
    """The policy under the list's own agreement, then the list's expiry; audited either way.

    `in_force_on` is the day the list must still be in force (today, or a visit's date).
    """
    resource = _resource(row.number)
    decision = may(hub, actor, action, resource, row.purpose, session=session, today=today,
                   under=row.agreement.slug)
    expired = decision.allowed and (in_force_on or today) > _expires_on(row)
    if expired:
        decision = Decision(False, f"list {row.number} expired on "
                            f"{_expires_on(row).isoformat()}; build a new list")
    return audited(hub, actor, action, resource, row.purpose, decision, session=session,
                   details={"list": row.number, **(details or {})},
                   refusal=ListExpired if expired else PermissionDenied)


def _rows(hub: Hub, row: RiskList) -> pa.Table:
    return pq.read_table(hub.root / row.path)


def _next_number(session: Session) -> int:
    return int(session.scalar(select(func.max(RiskList.number))) or 0) + 1


def _json_ready(value: Mapping[str, Any], what: str) -> dict[str, Any]:
    try:
        return dict(json.loads(json.dumps(dict(value), allow_nan=False)))
    except (TypeError, ValueError):
        raise InvalidInput(f"the list's {what} must be plain JSON (numbers, text, "
                           "lists, mappings)") from None


def save_list(hub: Hub, actor: Actor, table: pa.Table, *, model: str, agreement: str,
              cutoff: date, metrics: Mapping[str, Any], card: Mapping[str, Any],
              purpose: str = PURPOSE, days: int = 28,
              today: date | None = None) -> dict[str, Any]:
    """Keep a scored list of addresses for safeguarding visits, usable for `days` days.

    The table must hold exactly address_id, rank, score and explanation; the list is saved
    under `agreement` (its slug), which must be in force with the actor's organisation a
    party and `purpose` among its purposes.
    """
    checked = check_list(table)
    day = today or utc_today()
    if not 1 <= days <= MAX_DAYS:
        raise InvalidInput(f"a risk list may be used for 1 to {MAX_DAYS} days")
    if cutoff > day:
        raise InvalidInput("a list's data cutoff cannot be in the future")
    if not model.strip():
        raise InvalidInput("name the model that scored the list")
    facts, described = _json_ready(metrics, "metrics"), _json_ready(card, "model card")
    folder = hub.root / "risk"
    written: Path | None = None
    try:
        with hub.sessions().begin() as session:
            number = _next_number(session)
            decision = require(hub, actor, "risk.build", _resource(number), purpose,
                               session=session, today=today, under=agreement,
                               details={"list": number, "k": checked.num_rows})
            path = folder / f"list-{number}.parquet"
            if path.exists():
                raise Conflict(f"{path.name} already exists in the hub; it is never overwritten")
            written = path
            _write_parquet(checked, path)
            created = datetime.now(UTC)
            if created.date() != day:  # a clock given for the whole operation (tests, replays)
                created = datetime.combine(day, time.min, tzinfo=UTC)
            row = RiskList(number=number, model=model.strip(), built_by=actor.username,
                           organisation=actor.organisation,
                           agreement_id=decision.agreement_id, purpose=purpose, cutoff=cutoff,
                           created_at=created,
                           expires_at=datetime.combine(day + timedelta(days=days), time.max,
                                                       tzinfo=UTC),
                           k=checked.num_rows, path=str(path.relative_to(hub.root)),
                           metrics=facts, card=described)
            session.add(row)
            session.flush()
            session.refresh(row)
            return _meta(row, day)
    except BaseException:
        if written is not None:
            written.unlink(missing_ok=True)  # the record did not commit: nor does the file
        raise


def _write_parquet(table: pa.Table, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.partial")
    try:
        pq.write_table(table, temporary)
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


def list_risk_lists(hub: Hub, actor: Actor, *, purpose: str = PURPOSE,
                    today: date | None = None) -> list[dict[str, Any]]:
    """The saved risk lists for the purpose, newest first: what, when, by whom, until when."""
    day = today or utc_today()
    with hub.sessions().begin() as session:
        require(hub, actor, "risk.read", _resource(), purpose, session=session, today=today)
        rows = session.scalars(select(RiskList).where(RiskList.purpose == purpose)
                               .order_by(RiskList.number.desc())).all()
        return [{k: v for k, v in _meta(r, day).items() if k not in ("card", "path")}
                for r in rows]


def read_list(hub: Hub, actor: Actor, list_id: int | None = None, *,
              today: date | None = None) -> tuple[dict[str, Any], pa.Table]:
    """A risk list (the latest if no number is given): what it is, and its rows.

    Raises ListExpired (audited) once the list is past its expiry.
    """
    day = today or utc_today()
    with hub.sessions().begin() as session:
        row = _find(session, list_id)
        _authorise(hub, actor, "risk.read", row, session, day, details={"step": "read"})
        return _meta(row, day), _rows(hub, row)


def explain_address(hub: Hub, actor: Actor, address_id: str, list_id: int | None = None, *,
                    today: date | None = None) -> dict[str, Any]:
    """Why an address is on a list: its rank, score and each indicator's contribution."""
    day = today or utc_today()
    with hub.sessions().begin() as session:
        row = _find(session, list_id)
        _authorise(hub, actor, "risk.read", row, session, day, details={"step": "explain"})
        table = _rows(hub, row)
    found = table.filter(pc.equal(table["address_id"], address_id)).to_pylist()
    if not found:
        raise NotFound(f"that address is not on list {row.number}")
    entry = found[0]
    return {"list": row.number, "address_id": address_id, "rank": entry["rank"],
            "of": row.k, "score": entry["score"], "expires_on": _expires_on(row).isoformat(),
            "contributions": contributions(entry["explanation"])}


def export_list(hub: Hub, actor: Actor, path: Path, fmt: str, list_id: int | None = None, *,
                today: date | None = None) -> dict[str, Any]:
    """Write a risk list as CSV, Excel (xlsx) or GeoJSON (WGS84, for QGIS and ArcGIS).

    GeoJSON places each address through the police's coordinates for the same linked
    address (a read of police/crimes and police/calls, checked and audited on its own);
    an address with no coordinates keeps a null geometry and is counted as unplaced.
    """
    if fmt not in formats.FORMATS:
        raise InvalidInput(f"export format must be one of {', '.join(formats.FORMATS)}")
    day = today or utc_today()
    with hub.sessions().begin() as session:
        row = _find(session, list_id)
        _authorise(hub, actor, "risk.read", row, session, day,
                   details={"step": "export", "format": fmt})
        table, purpose, number = _rows(hub, row), row.purpose, row.number
    target = Path(path)
    result: dict[str, Any] = {"list": number, "format": fmt, "path": str(target),
                              "rows": table.num_rows}
    if fmt == "geojson":
        places = formats.wgs84_places(entity_locations(hub, actor, LOCATION_SOURCES, purpose))
        result["unplaced"] = formats.write_geojson(table, target, places)
    else:
        formats.WRITERS[fmt](table, target)
    return result


def record_visit(hub: Hub, actor: Actor, list_id: int, address_id: str, outcome: str,
                 visited_on: date | None = None, *,
                 today: date | None = None) -> dict[str, Any]:
    """Record what a safeguarding visit to an address on a list found.

    `outcome` is concern_found, no_concern or no_access; the visit (today unless given) must
    fall while the list was in force, and the address must be on that list.
    """
    if outcome not in OUTCOMES:
        raise InvalidInput(f"a visit's outcome must be one of {', '.join(OUTCOMES)}")
    day = today or utc_today()
    visited_on = visited_on or day
    if visited_on > day:
        raise InvalidInput("a visit cannot be recorded before it happens")
    try:
        with hub.sessions().begin() as session:
            row = _find(session, list_id)
            _authorise(hub, actor, "risk.visit", row, session, day, in_force_on=visited_on,
                       details={"outcome": outcome})
            if visited_on < row.created_at.date():
                raise InvalidInput(f"list {row.number} did not exist on that day")
            table = _rows(hub, row)
            on_list = table.filter(pc.equal(table["address_id"], address_id))
            if on_list.num_rows == 0:
                raise NotFound(f"that address is not on list {row.number}")
            session.add(RiskVisit(list_id=row.id, address_id=address_id, outcome=outcome,
                                  visited_on=visited_on, recorded_by=actor.username))
            session.flush()
            return {"list": row.number, "address_id": address_id, "outcome": outcome,
                    "visited_on": visited_on.isoformat(), "recorded_by": actor.username}
    except IntegrityError:
        raise Conflict("that visit is already recorded for this list and day") from None


def visit_labels(hub: Hub, actor: Actor, *, purpose: str = PURPOSE,
                 today: date | None = None) -> pa.Table:
    """The visits' outcomes as labels for the next model: (address_id, label).

    1 if any visit found a concern, else 0 if a visit found none; no_access gives no label.
    """
    with hub.sessions().begin() as session:
        require(hub, actor, "risk.read", _resource(), purpose, session=session, today=today,
                details={"step": "labels"})
        visits = session.execute(
            select(RiskVisit.address_id, RiskVisit.outcome)
            .join(RiskList, RiskVisit.list_id == RiskList.id)
            .where(RiskList.purpose == purpose, RiskVisit.outcome.in_(tuple(LABELS)))).all()
    labels: dict[str, int] = {}
    for address_id, outcome in visits:
        labels[address_id] = max(labels.get(address_id, 0), LABELS[outcome])
    ids = sorted(labels)
    return pa.table({"address_id": pa.array(ids, pa.string()),
                     "label": pa.array([labels[i] for i in ids], pa.int64())})
