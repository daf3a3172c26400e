"""Linkage: model versions, link runs, clerical review decisions, the entity index's ids.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Filled in by the link room."""


def downgrade() -> None:
    """Filled in by the link room."""
