"""The runner's exceptions."""

from __future__ import annotations


class RunnerError(Exception):
    """Base of every error the runner reports to the user (message only, no traceback)."""


class TemplateError(RunnerError):
    """The template or cloud assembly cannot be read or resolved."""


class ResourceFailed(RunnerError):
    """A resource operation failed; the message is the reason CloudFormation would show."""

    def __init__(self, reason: str, physical_id: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.physical_id = physical_id


class Cancelled(ResourceFailed):
    """The operation was abandoned because another resource failed (CloudFormation's "cancelled")."""

    def __init__(self, action: str = "creation") -> None:
        super().__init__(f"Resource {action} cancelled")


class Refused(ResourceFailed):
    """CloudFormation refused the operation before sending any request (nothing to roll back)."""
