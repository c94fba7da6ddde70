"""Change sets: what CreateChangeSet computed, their wire shapes, and where they are kept."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.cloudformation.errors import AlreadyExists, ChangeSetNotFound, ValidationError

if TYPE_CHECKING:
    import datetime

    from rekognition_datasets_local.cloudformation.registry import StackRegistry
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


class ChangeSets:
    """The change sets of every stack, by id (thread-safe)."""

    def __init__(self, stacks: StackRegistry) -> None:
        self._stacks = stacks
        self._lock = threading.Lock()
        self._by_id: dict[str, ChangeSet] = {}

    def add(self, change_set: ChangeSet) -> None:
        """Keep a new change set; a name is unique per stack."""
        with self._lock:
            if any(c.name == change_set.name and c.stack_id == change_set.stack_id for c in self._by_id.values()):
                raise AlreadyExists(f"ChangeSet {change_set.name} already exists")
            self._by_id[change_set.change_set_id] = change_set

    def find(self, name_or_id: str, stack_name: str | None) -> ChangeSet:
        """By ARN, or by name within the named stack."""
        with self._lock:
            if name_or_id in self._by_id:
                return self._by_id[name_or_id]
        if name_or_id.startswith("arn:"):
            raise ChangeSetNotFound(f"ChangeSet [{name_or_id}] does not exist")
        if not stack_name:
            raise ValidationError("StackName must be specified if ChangeSetName is not specified as an ARN.")
        found = self._stacks.find(stack_name)
        with self._lock:
            for change_set in self._by_id.values():
                if change_set.name == name_or_id and found is not None and change_set.stack_id == found[0].stack_id:
                    return change_set
        raise ChangeSetNotFound(f"ChangeSet [{name_or_id}] does not exist")

    def of_stack(self, stack_id: str) -> list[ChangeSet]:
        with self._lock:
            return [c for c in self._by_id.values() if c.stack_id == stack_id]

    def remove(self, change_set: ChangeSet) -> None:
        with self._lock:
            self._by_id.pop(change_set.change_set_id, None)

    def forget_stack(self, stack_id: str) -> None:
        """A deleted stack's change sets go with it."""
        with self._lock:
            for key in [k for k, c in self._by_id.items() if c.stack_id == stack_id]:
                del self._by_id[key]
