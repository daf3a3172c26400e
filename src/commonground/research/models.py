"""Research projects, their approvals, and output requests through the airlock."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from commonground.store.models import Base, utcnow


class Project(Base):
    """A research project commissioned by a data-providing organisation."""

    __tablename__ = "projects"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    title: Mapped[str] = mapped_column(String(300))
    question: Mapped[str] = mapped_column(Text)
    commissioned_by: Mapped[str] = mapped_column(String(64))  # organisation slug
    purpose: Mapped[str] = mapped_column(String(100))
    coordinator: Mapped[str] = mapped_column(String(64))  # username
    researchers: Mapped[list[str]] = mapped_column(JSON)
    datasets: Mapped[dict[str, Any]] = mapped_column(JSON)  # ref -> {columns, where}
    ethics_reference: Mapped[str] = mapped_column(String(100))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(16), default="proposed")
    revoked_reason: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    approvals: Mapped[list[ProjectApproval]] = relationship(lazy="selectin",
                                                            cascade="all, delete-orphan")


class ProjectApproval(Base):
    """One providing organisation's decision on the use of its data in a project."""

    __tablename__ = "project_approvals"
    __table_args__ = (UniqueConstraint("project_id", "organisation"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    organisation: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(16))  # approved | refused
    decided_by: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(500), default="")
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)


class OutputRequest(Base):
    """A table or model summary a researcher asks to take out, and its journey."""

    __tablename__ = "output_requests"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project_id: Mapped[int] = mapped_column(ForeignKey("projects.id"))
    author: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))  # table | model
    title: Mapped[str] = mapped_column(String(300))
    justification: Mapped[str] = mapped_column(Text, default="")
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    state: Mapped[str] = mapped_column(String(24), default="pending")
    checks: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    folder: Mapped[str] = mapped_column(String(500))
    release_record: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    released_at: Mapped[datetime | None] = mapped_column(nullable=True)

    reviews: Mapped[list[OutputReview]] = relationship(lazy="selectin",
                                                       order_by="OutputReview.id",
                                                       cascade="all, delete-orphan")


class OutputReview(Base):
    """An output checker's decision, with their comment."""

    __tablename__ = "output_reviews"
    __table_args__ = (UniqueConstraint("request_id", "reviewer"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    request_id: Mapped[int] = mapped_column(ForeignKey("output_requests.id"))
    reviewer: Mapped[str] = mapped_column(String(64))
    decision: Mapped[str] = mapped_column(String(16))  # approve | return | reject
    comment: Mapped[str] = mapped_column(Text, default="")
    # private: for the output checkers only; public: shown to the researcher too (as in Airlock)
    comment_visibility: Mapped[str] = mapped_column(String(8), default="private")
    reviewed_at: Mapped[datetime] = mapped_column(default=utcnow)
