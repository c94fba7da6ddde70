"""A change set: what CreateChangeSet computed, and its wire shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import datetime

    from rekognition_datasets_local.runner.template import Template

NO_CHANGES = "The submitted information didn't contain changes. Submit different information to create a change set."


@dataclass
class ChangeSet:
    """One change set of one stack."""

    change_set_id: str
    name: str
    stack_id: str
    stack_name: str
    change_set_type: str
    template: Template
    template_text: str
    #: Every parameter's value to deploy with (as sent, previous values and defaults filled in; an SSM parameter
    #: type's value is the parameter's name).
    parameters: dict[str, str]
    changes: list[dict[str, Any]]
    changes_with_values: list[dict[str, Any]]
    created: datetime.datetime
    capabilities: list[str] = field(default_factory=list)
    tags: list[dict[str, str]] = field(default_factory=list)
    description: str | None = None
    status: str = "CREATE_COMPLETE"
    execution_status: str = "AVAILABLE"
    reason: str = ""

    def summary(self) -> dict[str, Any]:
        """A ``ChangeSetSummary``."""
        out = {
            "StackId": self.stack_id,
            "StackName": self.stack_name,
            "ChangeSetId": self.change_set_id,
            "ChangeSetName": self.name,
            "ExecutionStatus": self.execution_status,
            "Status": self.status,
            "CreationTime": self.created,
            "IncludeNestedStacks": False,
        }
        if self.reason:
            out["StatusReason"] = self.reason
        if self.description:
            out["Description"] = self.description
        return out

    def describe(self, *, include_values: bool) -> dict[str, Any]:
        """The DescribeChangeSet output."""
        out = {key: value for key, value in self.summary().items() if key not in ("IncludeNestedStacks",)}
        out.update(
            {
                "Parameters": [{"ParameterKey": k, "ParameterValue": v} for k, v in self.parameters.items()],
                "NotificationARNs": [],
                "RollbackConfiguration": {},
                "Capabilities": self.capabilities,
                "Tags": self.tags,
                "Changes": self.changes_with_values if include_values else self.changes,
                "IncludeNestedStacks": False,
            }
        )
        return out
