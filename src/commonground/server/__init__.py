"""The web face: a thin FastAPI app over the same Python API as the CLI."""

from commonground.server.app import create_app

__all__ = ["create_app"]
