"""The intervention register's tables: interventions, trials and evaluations.

Declared on the store's `Base`; created only by migration 0004, never by `create_all`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commonground.store.models import Base, Organisation, utcnow


class Intervention(Base):
    """What was done, where, when and by whom, and the outcome it was meant to change."""

    __tablename__ = "interventions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(String(2000), default="")
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisations.id"))
    places: Mapped[list[str]] = mapped_column(JSON, default=list)  # place ids (cells, UPRNs)
    area: Mapped[str] = mapped_column(String(500), default="")  # where, in words
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    outcome_measure: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default="registered")
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    organisation: Mapped[Organisation] = relationship(lazy="joined")


class Trial(Base):
    """A trial's design, analysis plan and allocation, frozen with their SHA-256 before outcomes."""

    __tablename__ = "trials"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    intervention_id: Mapped[int] = mapped_column(ForeignKey("interventions.id"), unique=True)
    design: Mapped[dict[str, Any]] = mapped_column(JSON)
    plan: Mapped[dict[str, Any]] = mapped_column(JSON)
    allocation: Mapped[dict[str, Any]] = mapped_column(JSON)
    registration_sha256: Mapped[str] = mapped_column(String(64))
    frozen_at: Mapped[datetime] = mapped_column(default=utcnow)
    created_by: Mapped[str] = mapped_column(String(64))


class Evaluation(Base):
    """One analysis of an intervention: method, Maryland SMS level and the figures it gave."""

    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    intervention_id: Mapped[int] = mapped_column(ForeignKey("interventions.id"))
    trial_id: Mapped[int | None] = mapped_column(ForeignKey("trials.id"), nullable=True)
    method: Mapped[str] = mapped_column(String(32))
    sms_level: Mapped[int] = mapped_column(Integer)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    registration_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
