"""The read-only operations: stacks, their events, resources and templates, as the runner's state holds them."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.cloudformation.errors import ValidationError, stack_not_found
from rekognition_datasets_local.cloudformation.stacks import resource_shapes, stack_shape
from rekognition_datasets_local.cloudformation.templates import (
    parameter_declarations,
    parse_template,
    required_capability,
    template_text,
)
from rekognition_datasets_local.runner.state import StackState
from rekognition_datasets_local.runner.template import Template

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

    from rekognition_datasets_local.cloudformation.changesets import ChangeSets
    from rekognition_datasets_local.cloudformation.registry import StackRegistry
    from rekognition_datasets_local.cloudformation.stacks import StackRecord

_STAGES = ["Original", "Processed"]


class StackQueries:
    """DescribeStacks, ListStacks, DescribeStackEvents, the resource listings, GetTemplate, GetTemplateSummary."""

    def __init__(self, stacks: StackRegistry, change_sets: ChangeSets, s3: S3Client) -> None:
        self.stacks = stacks
        self.change_sets = change_sets
        self.s3 = s3

    def describe_stacks(self, params: dict[str, Any]) -> dict[str, Any]:
        name = params.get("StackName")
        found = [self.stacks.lookup(name)] if name else [self.stacks.find(n) for n in self.stacks.names()]
        shapes = []
        for record, state in filter(None, found):
            template = Template.from_dict(state.template) if state else None
            shapes.append(stack_shape(record, self.stacks.status(record, state), state, template))
        return {"Stacks": shapes}

    def list_stacks(self, params: dict[str, Any]) -> dict[str, Any]:
        wanted = set(params.get("StackStatusFilter", []))
        summaries = []
        for record in self.stacks.records():
            state = None if record.deleted else self.stacks.store.load(record.stack_name)
            status = self.stacks.status(record, state)
            if wanted and status not in wanted:
                continue
            summary: dict[str, Any] = {
                "StackId": record.stack_id,
                "StackName": record.stack_name,
                "CreationTime": record.created,
                "StackStatus": status,
                "DriftInformation": {"StackDriftStatus": "NOT_CHECKED"},
            }
            if record.deleted:
                summary["DeletionTime"] = record.deleted
            summaries.append(summary)
        return {"StackSummaries": summaries}

    def describe_stack_events(self, params: dict[str, Any]) -> dict[str, Any]:
        record, _ = self.stacks.lookup(params["StackName"])
        return {"StackEvents": [e.to_wire() for e in self.stacks.events.newest_first(record.stack_id)]}

    def _deployed(self, name: str) -> tuple[StackRecord, StackState]:
        record, state = self.stacks.lookup(name)
        if state is None:  # under review or rolled back: no resources
            return record, StackState(record.stack_name, record.stack_id, record.status, template={})
        return record, state

    def describe_stack_resources(self, params: dict[str, Any]) -> dict[str, Any]:
        if "StackName" not in params:
            raise ValidationError("StackName is required offline (lookup by PhysicalResourceId is not supported)")
        record, state = self._deployed(params["StackName"])
        shapes = resource_shapes(state, record)
        if "LogicalResourceId" in params:
            shapes = [s for s in shapes if s["LogicalResourceId"] == params["LogicalResourceId"]]
        return {"StackResources": shapes}

    def describe_stack_resource(self, params: dict[str, Any]) -> dict[str, Any]:
        record, state = self._deployed(params["StackName"])
        for shape in resource_shapes(state, record):
            if shape["LogicalResourceId"] == params["LogicalResourceId"]:
                shape["LastUpdatedTimestamp"] = shape.pop("Timestamp")
                shape["Metadata"] = "{}"
                return {"StackResourceDetail": shape}
        raise ValidationError(f"Resource {params['LogicalResourceId']} does not exist for stack {params['StackName']}")

    def list_stack_resources(self, params: dict[str, Any]) -> dict[str, Any]:
        record, state = self._deployed(params["StackName"])
        summaries = []
        for shape in resource_shapes(state, record):
            shape["LastUpdatedTimestamp"] = shape.pop("Timestamp")
            del shape["StackName"], shape["StackId"]
            summaries.append(shape)
        return {"StackResourceSummaries": summaries}

    def get_template(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("ChangeSetName"):
            change_set = self.change_sets.find(params["ChangeSetName"], params.get("StackName"))
            return {"TemplateBody": change_set.template_text, "StagesAvailable": _STAGES}
        record, state = self.stacks.lookup(params["StackName"])
        return {"TemplateBody": deployed_template_text(record, state), "StagesAvailable": _STAGES}

    def get_template_summary(self, params: dict[str, Any]) -> dict[str, Any]:
        if params.get("StackName"):
            _, state = self.stacks.lookup(params["StackName"])
            if state is None:
                raise stack_not_found(params["StackName"])
            template = Template.from_dict(state.template)
        else:
            text = template_text(params, self.s3)
            template = parse_template(text, uploaded=params.get("TemplateBody") is None)
        body = template.body
        out: dict[str, Any] = {
            "Parameters": parameter_declarations(template),
            "ResourceTypes": sorted({r.type for r in template.resources.values()}),
            "Version": str(body.get("AWSTemplateFormatVersion", "2010-09-09")),
            "DeclaredTransforms": [],
            "ResourceIdentifierSummaries": [],
        }
        if "Description" in body:
            out["Description"] = str(body["Description"])
        if "Metadata" in body:
            out["Metadata"] = json.dumps(body["Metadata"])
        needed = required_capability(template)
        if needed:
            out["Capabilities"] = [needed]
            out["CapabilitiesReason"] = "The template contains IAM resources."
        return out


def deployed_template_text(record: StackRecord, state: StackState | None) -> str:
    """The deployed template as it was sent (the runner's copy when it was deployed through the other front door);
    ``{}`` for a stack under review or rolled back [infer: it holds no template]."""
    if state is None:
        return "{}"
    if record.template_text is not None and parse_template(record.template_text).body == state.template:
        return record.template_text
    return json.dumps(state.template, indent=1)
