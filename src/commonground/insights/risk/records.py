"""The risk lists' tables: each list saved, and each safeguarding visit it led to.

Declared on the store's `Base`; created only by migration 0007, never by `create_all`. A list's
rows live in the hub as Parquet (`risk/list-<n>.parquet`); the table holds what the list is,
under which agreement and for how long it may be used.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commonground.governance.models import Agreement
from commonground.store.models import Base, utcnow

OUTCOMES = ("concern_found", "no_concern", "no_access")


class RiskList(Base):
    """A scored list of addresses for safeguarding visits, with its model card and expiry."""

    __tablename__ = "risk_lists"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    number: Mapped[int] = mapped_column(Integer, unique=True)  # list 1, 2, 3... as people say
    model: Mapped[str] = mapped_column(String(100))
    built_by: Mapped[str] = mapped_column(String(64))
    organisation: Mapped[str] = mapped_column(String(64))
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements.id"))
    purpose: Mapped[str] = mapped_column(String(100))
    cutoff: Mapped[date] = mapped_column(Date)  # the model saw nothing recorded after this day
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()
    k: Mapped[int] = mapped_column(Integer)  # addresses on the list
    path: Mapped[str] = mapped_column(String(500))  # relative to the hub folder
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON)
    card: Mapped[dict[str, Any]] = mapped_column(JSON)

    agreement: Mapped[Agreement] = relationship(lazy="joined")


class RiskVisit(Base):
    """What a safeguarding visit to an address on a list found: the next model's labels."""

    __tablename__ = "risk_visits"
    __table_args__ = (UniqueConstraint("list_id", "address_id", "visited_on"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("risk_lists.id"))
    address_id: Mapped[str] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))  # one of OUTCOMES
    visited_on: Mapped[date] = mapped_column(Date)
    recorded_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
