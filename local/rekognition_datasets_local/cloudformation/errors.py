"""The CloudFormation API's errors, as the service names them (``<ErrorResponse>`` codes)."""

from __future__ import annotations


class CloudFormationError(Exception):
    """An error returned on the wire: ``code`` (botocore maps it to ``client.exceptions.<code>``), HTTP status."""

    code = "ValidationError"
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class ValidationError(CloudFormationError):
    """The request is invalid (CloudFormation's generic 400, also for "does not exist")."""


class ChangeSetNotFound(CloudFormationError):
    code = "ChangeSetNotFound"
    status = 404


class AlreadyExists(CloudFormationError):
    code = "AlreadyExistsException"


class InvalidChangeSetStatus(CloudFormationError):
    code = "InvalidChangeSetStatus"


class InvalidAction(CloudFormationError):
    code = "InvalidAction"


def stack_not_found(name: str) -> ValidationError:
    """The message CloudFormation gives for an unknown (or deleted, by name) stack."""
    return ValidationError(f"Stack with id {name} does not exist")


class InsufficientCapabilities(CloudFormationError):
    code = "InsufficientCapabilitiesException"
