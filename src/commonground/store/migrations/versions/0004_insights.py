"""Insights: interventions, trial designs, pre-registrations and evaluations.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Filled in by the insights room."""


def downgrade() -> None:
    """Filled in by the insights room."""
