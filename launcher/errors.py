"""The one exception the launcher shows to people: a single sentence saying what to do, never a traceback."""
from __future__ import annotations


class LaunchError(Exception):
    """A failure explained to the operator; `str(err)` is the whole message."""

    def __init__(self, message: str, code: int = 2):
        super().__init__(message)
        self.code = code
