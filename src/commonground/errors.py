"""The one base class for errors a user can act on: the CLI prints their message, no traceback."""


class CommonGroundError(Exception):
    """An error whose message is one clear sentence for the person at the keyboard."""
