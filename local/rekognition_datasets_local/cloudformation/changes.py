"""What a change set would do: the new template compared with the stack's deployed state.

Each resource is Added, Removed or Modified; a Modify lists its changed properties with ``RequiresRecreation``
decided by the runner's handler for the type (``requires_replacement``, the rule the engine applies when it
deploys), so ``cdk diff`` and ``cdk deploy`` see the replacements the engine will make. A property whose value
depends on a resource that is itself added or replaced is only known at deploy time (``Dynamic``).
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.runner import graph
from rekognition_datasets_local.runner.errors import RunnerError
from rekognition_datasets_local.runner.intrinsics import NO_VALUE
from rekognition_datasets_local.runner.resources import handler_for

if TYPE_CHECKING:
    from collections.abc import Mapping

    from rekognition_datasets_local.runner.scope import StackScope
    from rekognition_datasets_local.runner.state import ResourceState, StackState
    from rekognition_datasets_local.runner.template import ResourceDef, Template

#: Stands for a value only known once the resources it refers to are deployed.
_UNKNOWN = object()


def resource_changes(
    state: StackState | None, template: Template, scope: StackScope, *, include_values: bool
) -> list[dict[str, Any]]:
    """The ``Changes`` of a change set (``Change`` shapes), in dependency order, removals last."""
    deployed = state.resources if state else {}
    wanted = [lid for lid in graph.creation_order(graph.dependencies(template)) if scope.included(lid)]
    moving: set[str] = set()  # added or replaced: their Ref/GetAtt values change
    changes: list[dict[str, Any]] = []
    for lid in wanted:
        resource = template.resources[lid]
        previous = deployed.get(lid)
        change: dict[str, Any] | None
        if previous is None:
            moving.add(lid)
            change = _change("Add", resource.type, lid)
            if include_values:
                change["AfterContext"] = _context(resource.properties)
        else:
            change = _modify(previous, resource, scope, moving, include_values)
            if change is None:
                continue
            if change["Replacement"] == "True":
                moving.add(lid)
        changes.append({"Type": "Resource", "ResourceChange": change})
    for lid, previous in deployed.items():
        if lid not in wanted:
            change = _change("Remove", previous.type, lid, previous.physical_id)
            change["PolicyAction"] = "Retain" if previous.retained else "Delete"
            changes.append({"Type": "Resource", "ResourceChange": change})
    return changes


def _change(action: str, resource_type: str, logical_id: str, physical_id: str = "") -> dict[str, Any]:
    change: dict[str, Any] = {"Action": action, "LogicalResourceId": logical_id, "ResourceType": resource_type}
    if physical_id:
        change["PhysicalResourceId"] = physical_id
    return change


def _context(properties: Mapping[str, Any]) -> str:
    return json.dumps({"Properties": properties}, sort_keys=True)


def _modify(
    previous: ResourceState, resource: ResourceDef, scope: StackScope, moving: set[str], include_values: bool
) -> dict[str, Any] | None:
    lid = resource.logical_id
    change = _change("Modify", resource.type, lid, previous.physical_id)
    if previous.type != resource.type:
        change["Replacement"] = "True"
        change["Scope"] = []
        change["Details"] = []
        return change
    new = {name: _value(scope, value, moving) for name, value in resource.properties.items()}
    new = {name: value for name, value in new.items() if value is not None}
    handler = handler_for(resource.type)
    details: list[dict[str, Any]] = []
    for name in sorted(set(previous.properties) | set(new)):
        before, after = previous.properties.get(name), new.get(name)
        if after is not _UNKNOWN and before == after:
            continue
        trial = {k: v for k, v in previous.properties.items() if k != name}
        if after is not None:
            trial[name] = after
        replaces = handler.requires_replacement(previous.properties, trial)
        dynamic = after is _UNKNOWN
        target: dict[str, Any] = {
            "Attribute": "Properties",
            "Name": name,
            "Path": f"/Properties/{name}",
            "RequiresRecreation": ("Conditionally" if dynamic else "Always") if replaces else "Never",
            "AttributeChangeType": "Add" if before is None else "Remove" if after is None else "Modify",
        }
        if include_values:
            if before is not None:
                target["BeforeValue"] = _text(before)
            if after is not None and not dynamic:
                target["AfterValue"] = _text(after)
        details.append(
            {
                "Target": target,
                "Evaluation": "Dynamic" if dynamic else "Static",
                "ChangeSource": "ResourceReference" if dynamic else "DirectModification",
            }
        )
    if not details:
        return None
    recreation = {d["Target"]["RequiresRecreation"] for d in details}
    change["Replacement"] = (
        "True" if "Always" in recreation else "Conditional" if "Conditionally" in recreation else "False"
    )
    change["Scope"] = ["Properties"]
    change["Details"] = details
    if include_values:
        change["BeforeContext"] = _context(previous.properties)
        change["AfterContext"] = _context(resource.properties)
    return change


def _value(scope: StackScope, value: Any, moving: set[str]) -> Any:
    """The property's resolved value, or _UNKNOWN when it refers to a moving resource or cannot resolve yet."""
    if set(graph.references(value)) & moving:
        return _UNKNOWN
    try:
        resolved = scope.resolver.resolve(value)
    except RunnerError:
        return _UNKNOWN
    return None if resolved is NO_VALUE else resolved


def _text(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value, sort_keys=True)
