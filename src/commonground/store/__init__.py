"""The metadata store (SQLAlchemy 2 + Alembic) and the lake's paths."""

from commonground.store.database import connect, current_revision, head_revision, migrate
from commonground.store.hub import DATABASE_URL_VAR, Hub, HubError, init_hub, open_hub
from commonground.store.models import (
    Base,
    Contribution,
    Dataset,
    DatasetVersion,
    Erasure,
    HubSetting,
    Organisation,
    Run,
)

__all__ = [
    "DATABASE_URL_VAR",
    "Base",
    "Contribution",
    "Dataset",
    "DatasetVersion",
    "Erasure",
    "Hub",
    "HubError",
    "HubSetting",
    "Organisation",
    "Run",
    "connect",
    "current_revision",
    "head_revision",
    "init_hub",
    "migrate",
    "open_hub",
]
