"""Risk lists for safeguarding visits, and the visits' outcomes.

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_lists",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("number", sa.Integer, nullable=False, unique=True),
        sa.Column("model", sa.String(100), nullable=False),
        sa.Column("built_by", sa.String(64), nullable=False),
        sa.Column("organisation", sa.String(64), nullable=False),
        sa.Column("agreement_id", sa.Integer, sa.ForeignKey("agreements.id"), nullable=False),
        sa.Column("purpose", sa.String(100), nullable=False),
        sa.Column("cutoff", sa.Date, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("k", sa.Integer, nullable=False),
        sa.Column("path", sa.String(500), nullable=False),
        sa.Column("metrics", sa.JSON, nullable=False),
        sa.Column("card", sa.JSON, nullable=False),
    )
    op.create_table(
        "risk_visits",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("list_id", sa.Integer, sa.ForeignKey("risk_lists.id"), nullable=False),
        sa.Column("address_id", sa.String(64), nullable=False),
        sa.Column("outcome", sa.String(16), nullable=False),
        sa.Column("visited_on", sa.Date, nullable=False),
        sa.Column("recorded_by", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("list_id", "address_id", "visited_on"),
    )


def downgrade() -> None:
    for table in ("risk_visits", "risk_lists"):
        op.drop_table(table)
