"""Linkage: model versions, link runs, clerical review decisions, the entity index's ids.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "link_models",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("parameters", sa.JSON, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("trained_by", sa.String(64), nullable=False),
        sa.Column("trained_on", sa.BigInteger, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("kind", "version"),
    )
    op.create_table(
        "link_runs",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("model_id", sa.Integer, sa.ForeignKey("link_models.id"), nullable=False),
        sa.Column("engine", sa.String(16), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("index_version", sa.Integer, nullable=False),
        sa.Column("index_path", sa.String(500), nullable=False),
        sa.Column("mentions", sa.BigInteger, nullable=False),
        sa.Column("entities", sa.BigInteger, nullable=False),
        sa.Column("summary", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_link_runs_kind", "link_runs", ["kind", "index_version"])
    op.create_table(
        "link_reviews",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("left_id", sa.String(300), nullable=False),
        sa.Column("right_id", sa.String(300), nullable=False),
        sa.Column("match_probability", sa.Float, nullable=False),
        sa.Column("explanation", sa.JSON, nullable=False),
        sa.Column("run_id", sa.Integer, sa.ForeignKey("link_runs.id"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("decision", sa.String(16), nullable=True),
        sa.Column("reviewer", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("kind", "left_id", "right_id"),
    )


def downgrade() -> None:
    op.drop_table("link_reviews")
    op.drop_index("ix_link_runs_kind", table_name="link_runs")
    op.drop_table("link_runs")
    op.drop_table("link_models")
