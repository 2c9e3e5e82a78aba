"""Workflow errors: every refusal carries a Chinese message for people (`.message`)."""
from __future__ import annotations


class WorkflowError(Exception):
    """Base of every refusal by the case workflow engine."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class ValidationError(WorkflowError):
    """A parameter is missing or wrong (unknown department, reason missing, bad time...)."""


class PermissionDenied(WorkflowError):
    """The actor's role may not take this action, or the case is not in the actor's department."""


class TransitionRefused(WorkflowError):
    """The action is not allowed from the case's current state (named in the message)."""

    def __init__(self, message: str, state: str | None = None):
        super().__init__(message)
        self.state = state


class AlreadyHandled(WorkflowError):
    """Another actor's transition won (concurrent click) or the expected version is stale."""

    def __init__(self, message: str, by: str | None = None, state: str | None = None):
        super().__init__(message)
        self.by = by
        self.state = state


class NotFound(ValidationError):
    """The case, whistle, alert or request does not exist."""
