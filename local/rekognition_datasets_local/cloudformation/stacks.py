"""What the API remembers about stacks beyond the runner's stored state, and their wire shapes.

The runner's state (in the emulator's S3) is the truth for a deployed stack: status, resources, outputs,
template. A record adds what only the API knows: creation time, tags, capabilities, the template text as sent,
and the status of a stack the runner holds no state for (REVIEW_IN_PROGRESS before its first change set runs,
ROLLBACK_COMPLETE after a failed create, DELETE_COMPLETE).
"""

from __future__ import annotations

import datetime
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rekognition_datasets_local.runner.state import StackState
    from rekognition_datasets_local.runner.template import Template


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


@dataclass
class StackRecord:
    """The API's view of one stack (by id)."""

    stack_id: str
    stack_name: str
    status: str
    created: datetime.datetime = field(default_factory=now)
    updated: datetime.datetime | None = None
    deleted: datetime.datetime | None = None
    reason: str = ""
    description: str | None = None
    tags: list[dict[str, str]] = field(default_factory=list)
    capabilities: list[str] = field(default_factory=list)
    template_text: str | None = None
    #: Parameter values as sent (an SSM parameter type's value is the parameter's name).
    parameters: dict[str, str] = field(default_factory=dict)
    termination_protection: bool = False


def stack_shape(
    record: StackRecord, status: str, state: StackState | None, template: Template | None
) -> dict[str, Any]:
    """A ``Stack`` of DescribeStacks."""
    stack: dict[str, Any] = {
        "StackId": record.stack_id,
        "StackName": record.stack_name,
        "CreationTime": record.created,
        "StackStatus": status,
        "DisableRollback": False,
        "NotificationARNs": [],
        "Capabilities": record.capabilities,
        "Tags": record.tags,
        "EnableTerminationProtection": record.termination_protection,
        "DriftInformation": {"StackDriftStatus": "NOT_CHECKED"},
    }
    if record.reason and status.endswith(("_FAILED", "ROLLBACK_COMPLETE", "_IN_PROGRESS")):
        stack["StackStatusReason"] = record.reason
    if record.updated:
        stack["LastUpdatedTime"] = record.updated
    if record.deleted:
        stack["DeletionTime"] = record.deleted
    if record.description:
        stack["Description"] = record.description
    if state is not None and template is not None:
        stack["Parameters"] = _parameters(record, state, template)
        stack["Outputs"] = _outputs(state, template)
    return stack


def _parameters(record: StackRecord, state: StackState, template: Template) -> list[dict[str, Any]]:
    out = []
    for name, value in state.parameters.items():
        spec = template.parameters.get(name, {})
        item = {"ParameterKey": name, "ParameterValue": _text(value)}
        if str(spec.get("Type", "")).startswith("AWS::SSM::Parameter::Value"):
            item["ParameterValue"] = record.parameters.get(name, str(spec.get("Default", "")))
            item["ResolvedValue"] = _text(value)
        out.append(item)
    return out


def _outputs(state: StackState, template: Template) -> list[dict[str, Any]]:
    out = []
    for name, value in state.outputs.items():
        spec = template.outputs.get(name, {})
        item: dict[str, Any] = {"OutputKey": name, "OutputValue": _text(value)}
        if "Description" in spec:
            item["Description"] = str(spec["Description"])
        export = spec.get("Export", {}).get("Name") if isinstance(spec.get("Export"), dict) else None
        if isinstance(export, str):
            item["ExportName"] = export
        out.append(item)
    return out


def _text(value: Any) -> str:
    """A parameter or output value as CloudFormation shows it (lists comma-joined)."""
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return value if isinstance(value, str) else json.dumps(value)


def resource_shapes(state: StackState, record: StackRecord) -> list[dict[str, Any]]:
    """``StackResource`` shapes of the deployed resources."""
    return [
        {
            "StackName": state.stack_name,
            "StackId": state.stack_id,
            "LogicalResourceId": r.logical_id,
            "PhysicalResourceId": r.physical_id,
            "ResourceType": r.type,
            "Timestamp": record.updated or record.created,
            "ResourceStatus": r.status,
            "DriftInformation": {"StackResourceDriftStatus": "NOT_CHECKED"},
        }
        for r in state.resources.values()
    ]
