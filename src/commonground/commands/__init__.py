"""Typer sub-commands, one module per room, registered on the main app in `cli.py`."""
