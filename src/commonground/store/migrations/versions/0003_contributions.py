"""Contributions: dataset contracts, contributions, erasures, version lifecycle, hub settings.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("datasets") as batch:
        batch.add_column(sa.Column("contract", sa.JSON, nullable=True))
        batch.add_column(sa.Column("contract_hash", sa.String(64), nullable=True))
    with op.batch_alter_table("dataset_versions") as batch:
        batch.add_column(sa.Column("state", sa.String(16), nullable=False,
                                   server_default="live"))
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "contributions",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("dataset_id", sa.Integer, sa.ForeignKey("datasets.id"), nullable=False),
        sa.Column("version_id", sa.Integer, sa.ForeignKey("dataset_versions.id"),
                  nullable=True),
        sa.Column("contributor", sa.String(64), nullable=False),
        sa.Column("agreement", sa.String(64), nullable=True),
        sa.Column("agreement_version", sa.Integer, nullable=True),
        sa.Column("source_file", sa.String(300), nullable=False),
        sa.Column("source_sha256", sa.String(64), nullable=False),
        sa.Column("data_hash", sa.String(64), nullable=False),
        sa.Column("rows_in", sa.BigInteger, nullable=False),
        sa.Column("rows_accepted", sa.BigInteger, nullable=False),
        sa.Column("rows_quarantined", sa.BigInteger, nullable=False),
        sa.Column("quarantine_path", sa.String(500), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_contributions_source", "contributions", ["dataset_id", "source_sha256"])
    op.create_table(
        "erasures",
        sa.Column("id", sa.Integer, primary_key=True),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("reference", sa.String(100), nullable=False),
        sa.Column("request_hash", sa.String(64), nullable=False),
        sa.Column("rows_removed", sa.BigInteger, nullable=False),
        sa.Column("versions_rewritten", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "hub_settings",
        sa.Column("name", sa.String(64), primary_key=True),
        sa.Column("value", sa.String(500), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("hub_settings")
    op.drop_table("erasures")
    op.drop_index("ix_contributions_source", "contributions")
    op.drop_table("contributions")
    with op.batch_alter_table("dataset_versions") as batch:
        batch.drop_column("deleted_at")
        batch.drop_column("expires_at")
        batch.drop_column("state")
    with op.batch_alter_table("datasets") as batch:
        batch.drop_column("contract_hash")
        batch.drop_column("contract")
