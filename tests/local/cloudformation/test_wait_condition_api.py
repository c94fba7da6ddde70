"""Wait conditions through the CloudFormation API the CDK CLI calls: a new handle and condition (a model's new
data) are an Add and a Remove in the change set and deploy; a changed condition is refused, and rolled back."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import botocore.exceptions
import pytest

from ..runner.runner_toy import toy_template
from ..runner.test_wait_condition import _resources
from .test_api import _change_set, _changes, _create, _execute, _name

if TYPE_CHECKING:
    from pathlib import Path


def _renamed(resources: dict[str, Any], suffix: str) -> dict[str, Any]:
    """The same resources with the handle and the condition under new logical ids (as a Model's new data does)."""
    text = json.dumps(resources).replace('{"Ref": "Handle"}', f'{{"Ref": "Handle{suffix}"}}')
    text = text.replace('["Wait", "Data"]', f'["Wait{suffix}", "Data"]').replace('["Wait"]', f'["Wait{suffix}"]')
    renamed: dict[str, Any] = json.loads(text)
    renamed[f"Handle{suffix}"], renamed[f"Wait{suffix}"] = renamed.pop("Handle"), renamed.pop("Wait")
    return renamed


def _body(log: Path, resources: dict[str, Any]) -> str:
    return json.dumps(toy_template(log, resources))


def test_new_handle_and_condition_are_added_and_the_old_removed(cfn: Any, tmp_path: Path) -> None:
    stack, log = _name(), tmp_path / "toy.log"
    _create(cfn, stack, _body(log, _resources()))
    described = _change_set(cfn, stack, _body(log, _renamed(_resources(), "B")))
    changes = _changes(described)
    assert (changes["HandleB"]["Action"], changes["WaitB"]["Action"]) == ("Add", "Add")
    assert (changes["Handle"]["Action"], changes["Wait"]["Action"]) == ("Remove", "Remove")
    assert changes["Wait"]["ResourceType"] == "AWS::CloudFormation::WaitCondition"
    # the watcher's handle URL is only known once the new handle exists
    (detail,) = changes["Watch0"]["Details"]
    assert detail["Evaluation"] == "Dynamic" and detail["Target"]["Name"] == "WatchHandle"
    try:
        _execute(cfn, described, "stack_update_complete")
    except botocore.exceptions.WaiterError:
        pytest.fail(str(_failures(cfn, stack)))
    resources = {r["LogicalResourceId"]: r for r in cfn.list_stack_resources(StackName=stack)["StackResourceSummaries"]}
    assert {"HandleB", "WaitB"} <= set(resources) and not {"Handle", "Wait"} & set(resources)
    assert resources["HandleB"]["PhysicalResourceId"].startswith("http")


def test_a_changed_wait_condition_fails_the_update_and_rolls_back(cfn: Any, tmp_path: Path) -> None:
    stack, log = _name(), tmp_path / "toy.log"
    _create(cfn, stack, _body(log, _resources()))
    described = _change_set(cfn, stack, _body(log, _resources(timeout="900")))
    assert _changes(described)["Wait"]["Action"] == "Modify"
    with pytest.raises(botocore.exceptions.WaiterError):
        _execute(cfn, described, "stack_update_complete")
    (shown,) = cfn.describe_stacks(StackName=stack)["Stacks"]
    assert shown["StackStatus"] == "UPDATE_ROLLBACK_COMPLETE"
    events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
    (failed,) = [e for e in events if e["LogicalResourceId"] == "Wait" and e["ResourceStatus"] == "UPDATE_FAILED"]
    assert "is not supported" in failed["ResourceStatusReason"]


def _failures(cfn: Any, stack: str) -> list[tuple[str, str, str]]:
    events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
    return [
        (e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason", ""))
        for e in events
        if "FAILED" in e["ResourceStatus"]
    ]
