"""Linkage tables: model versions, link runs and clerical review decisions.

Declared on the store's `Base`; created only by migration 0005. The entity index itself (which
mention is which entity) is data, not metadata: it lives as Parquet in HUB/entities/.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from commonground.store.models import Base, utcnow


class LinkModel(Base):
    """One version of a trained model: Splink's settings with every m and u, and its hash."""

    __tablename__ = "link_models"
    __table_args__ = (UniqueConstraint("kind", "version"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    version: Mapped[int] = mapped_column(Integer)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON)
    sha256: Mapped[str] = mapped_column(String(64))
    trained_by: Mapped[str] = mapped_column(String(64))
    trained_on: Mapped[int] = mapped_column(BigInteger)  # mentions
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LinkRun(Base):
    """One linkage of every contributed dataset, and the entity index version it wrote."""

    __tablename__ = "link_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    model_id: Mapped[int] = mapped_column(ForeignKey("link_models.id"))
    engine: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(64))
    index_version: Mapped[int] = mapped_column(Integer)
    index_path: Mapped[str] = mapped_column(String(500))
    mentions: Mapped[int] = mapped_column(BigInteger)
    entities: Mapped[int] = mapped_column(BigInteger)
    summary: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ReviewItem(Base):
    """An uncertain pair for a person to decide; the decision binds every later run."""

    __tablename__ = "link_reviews"
    __table_args__ = (UniqueConstraint("kind", "left_id", "right_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    left_id: Mapped[str] = mapped_column(String(300))
    right_id: Mapped[str] = mapped_column(String(300))
    match_probability: Mapped[float] = mapped_column(Float)
    explanation: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    run_id: Mapped[int] = mapped_column(ForeignKey("link_runs.id"))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | decided
    decision: Mapped[str | None] = mapped_column(String(16), nullable=True)  # same | different
    reviewer: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
