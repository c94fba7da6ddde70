"""The CloudFormation API through plain boto3: change sets, execution by the runner's engine, events, deletion."""

from __future__ import annotations

import json
import uuid
from typing import TYPE_CHECKING, Any

import botocore.exceptions
import pytest

from rekognition_datasets_local.runner.template import Template

from ..runner.runner_toy import calls, toy, toy_template

if TYPE_CHECKING:
    from pathlib import Path

    from rekognition_datasets_local.cloudformation import LocalCloud

IAM = ["CAPABILITY_IAM"]


def _name() -> str:
    return f"Api{uuid.uuid4().hex[:8]}"


def _body(log: Path, resources: dict[str, Any], outputs: dict[str, Any] | None = None) -> str:
    template = toy_template(log, resources)
    if outputs:
        template["Outputs"] = outputs
    return json.dumps(template)


def _change_set(cfn: Any, stack: str, body: str, kind: str = "UPDATE", name: str = "cs") -> dict[str, Any]:
    created = cfn.create_change_set(
        StackName=stack, ChangeSetName=name, ChangeSetType=kind, TemplateBody=body, Capabilities=IAM
    )
    described: dict[str, Any] = cfn.describe_change_set(ChangeSetName=created["Id"])
    return described


def _changes(described: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["ResourceChange"]["LogicalResourceId"]: c["ResourceChange"] for c in described["Changes"]}


def _execute(cfn: Any, described: dict[str, Any], waiter: str) -> None:
    cfn.execute_change_set(ChangeSetName=described["ChangeSetId"])
    cfn.get_waiter(waiter).wait(StackName=described["StackId"], WaiterConfig={"Delay": 0.05, "MaxAttempts": 2000})


def _create(cfn: Any, stack: str, body: str) -> dict[str, Any]:
    described = _change_set(cfn, stack, body, "CREATE")
    _execute(cfn, described, "stack_create_complete")
    return described


def test_create_change_set_adds_every_resource_then_execute_creates_the_stack(cfn: Any, tmp_path: Path) -> None:
    # GIVEN a new stack's change set
    stack, log = _name(), tmp_path / "toy.log"
    body = _body(log, {"A": toy("a")}, {"Echo": {"Value": {"Fn::GetAtt": ["A", "Echo"]}, "Description": "d"}})
    described = _change_set(cfn, stack, body, "CREATE")
    # THEN it adds every resource, and the stack waits for review
    assert described["Status"] == "CREATE_COMPLETE" and described["ExecutionStatus"] == "AVAILABLE"
    changes = _changes(described)
    assert {c["Action"] for c in changes.values()} == {"Add"}
    assert changes["A"]["ResourceType"] == "Custom::Toy"
    assert cfn.describe_stacks(StackName=stack)["Stacks"][0]["StackStatus"] == "REVIEW_IN_PROGRESS"
    # WHEN it is executed
    _execute(cfn, described, "stack_create_complete")
    # THEN the engine ran the handler, and the stack shows outputs, resources, template and events
    assert ("on_event", "Create", "A") in calls(log)
    (shown,) = cfn.describe_stacks(StackName=stack)["Stacks"]
    assert shown["StackStatus"] == "CREATE_COMPLETE" and shown["StackId"] == described["StackId"]
    assert shown["Outputs"] == [{"OutputKey": "Echo", "OutputValue": "a", "Description": "d"}]
    assert {k: v for k, v in shown["Parameters"][0].items() if k != "ResolvedValue"} == {
        "ParameterKey": "BootstrapVersion",
        "ParameterValue": "/cdk-bootstrap/hnb659fds/version",
    }
    resources = {r["LogicalResourceId"]: r for r in cfn.list_stack_resources(StackName=stack)["StackResourceSummaries"]}
    assert resources["A"]["PhysicalResourceId"] == "toy-a" and resources["A"]["ResourceStatus"] == "CREATE_COMPLETE"
    assert cfn.get_template(StackName=stack)["TemplateBody"] == json.loads(body)  # boto3 decodes the JSON
    events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
    assert (events[0]["LogicalResourceId"], events[0]["ResourceStatus"]) == (stack, "CREATE_COMPLETE")
    assert events[0]["PhysicalResourceId"] == described["StackId"]
    assert ("A", "CREATE_COMPLETE") in [(e["LogicalResourceId"], e["ResourceStatus"]) for e in events]


def test_update_change_set_says_what_is_added_modified_replaced_and_removed(cfn: Any, tmp_path: Path) -> None:
    # GIVEN a stack with a queue, a toy that refers to it, and a toy to be removed
    stack, log = _name(), tmp_path / "toy.log"
    queue = {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "q1"}}
    refers = toy("b", Queue={"Ref": "Queue"})
    _create(cfn, stack, _body(log, {"Queue": queue, "B": refers, "Gone": toy("g"), "Same": toy("s")}))
    # WHEN the queue is renamed, one toy added, one removed, one unchanged
    renamed = {"Type": "AWS::SQS::Queue", "Properties": {"QueueName": "q2"}}
    body = _body(log, {"Queue": renamed, "B": refers, "New": toy("n"), "Same": toy("s")})
    changes = _changes(_change_set(cfn, stack, body))
    # THEN the rename replaces the queue (the handler's rule), the toy that refers to it changes at deploy time
    assert changes["Queue"]["Action"] == "Modify" and changes["Queue"]["Replacement"] == "True"
    (detail,) = changes["Queue"]["Details"]
    assert detail["Target"] == {
        "Attribute": "Properties",
        "Name": "QueueName",
        "Path": "/Properties/QueueName",
        "RequiresRecreation": "Always",
        "AttributeChangeType": "Modify",
    }
    assert detail["Evaluation"] == "Static" and detail["ChangeSource"] == "DirectModification"
    assert changes["B"]["Replacement"] == "False"
    assert changes["B"]["Details"][0]["Evaluation"] == "Dynamic"
    assert changes["B"]["Details"][0]["ChangeSource"] == "ResourceReference"
    assert changes["New"]["Action"] == "Add"
    assert changes["Gone"]["Action"] == "Remove" and changes["Gone"]["PhysicalResourceId"] == "toy-g"
    assert changes["Gone"]["PolicyAction"] == "Delete"
    assert "Same" not in changes


def test_property_values_only_when_asked(cfn: Any, tmp_path: Path) -> None:
    stack, log = _name(), tmp_path / "toy.log"
    _create(cfn, stack, _body(log, {"A": toy("a", Size="1")}))
    created = cfn.create_change_set(
        StackName=stack, ChangeSetName="v", TemplateBody=_body(log, {"A": toy("a", Size="2")}), Capabilities=IAM
    )
    plain = cfn.describe_change_set(ChangeSetName=created["Id"])["Changes"][0]["ResourceChange"]
    rich = cfn.describe_change_set(ChangeSetName=created["Id"], IncludePropertyValues=True)["Changes"][0]
    assert "BeforeValue" not in plain["Details"][0]["Target"] and "BeforeContext" not in plain
    target = rich["ResourceChange"]["Details"][0]["Target"]
    assert (target["Name"], target["BeforeValue"], target["AfterValue"]) == ("Size", "1", "2")
    assert json.loads(rich["ResourceChange"]["AfterContext"])["Properties"]["Size"] == "2"


def test_a_change_set_without_changes_fails_with_the_services_reason(cfn: Any, tmp_path: Path) -> None:
    stack, log = _name(), tmp_path / "toy.log"
    body = _body(log, {"A": toy("a")})
    _create(cfn, stack, body)
    described = _change_set(cfn, stack, body, name="again")
    assert described["Status"] == "FAILED" and described["ExecutionStatus"] == "UNAVAILABLE"
    assert described["StatusReason"].startswith("The submitted information didn't contain changes.")
    with pytest.raises(cfn.exceptions.InvalidChangeSetStatusException):
        cfn.execute_change_set(ChangeSetName=described["ChangeSetId"])


def test_a_failed_custom_resource_shows_its_reason_in_the_events_and_the_stack_rolls_back(
    cfn: Any, tmp_path: Path
) -> None:
    # GIVEN a toy that refuses Create
    stack, log = _name(), tmp_path / "toy.log"
    described = _change_set(cfn, stack, _body(log, {"Bad": toy("bad", FailOn="Create")}), "CREATE")
    # WHEN the change set runs
    cfn.execute_change_set(ChangeSetName=described["ChangeSetId"])
    with pytest.raises(botocore.exceptions.WaiterError):
        cfn.get_waiter("stack_create_complete").wait(StackName=stack, WaiterConfig={"Delay": 0.05})
    # THEN the resource's failure carries the handler's reason, and the stack rolled back (and can be deleted)
    events = cfn.describe_stack_events(StackName=stack)["StackEvents"]
    failed = [e for e in events if e["LogicalResourceId"] == "Bad" and e["ResourceStatus"] == "CREATE_FAILED"]
    assert failed and "toy refuses Create" in failed[0]["ResourceStatusReason"]
    (shown,) = cfn.describe_stacks(StackName=stack)["Stacks"]
    assert shown["StackStatus"] == "ROLLBACK_COMPLETE"
    with pytest.raises(botocore.exceptions.ClientError, match="ROLLBACK_COMPLETE state and can not be updated"):
        cfn.create_change_set(
            StackName=stack, ChangeSetName="u", TemplateBody=_body(log, {"A": toy("a")}), Capabilities=IAM
        )
    cfn.delete_stack(StackName=stack)
    cfn.get_waiter("stack_delete_complete").wait(StackName=described["StackId"], WaiterConfig={"Delay": 0.05})


def test_delete_stack_deletes_the_resources_and_the_stack_is_gone_by_name(cfn: Any, tmp_path: Path) -> None:
    stack, log = _name(), tmp_path / "toy.log"
    described = _create(cfn, stack, _body(log, {"A": toy("a")}))
    cfn.delete_stack(StackName=stack)
    cfn.get_waiter("stack_delete_complete").wait(StackName=described["StackId"], WaiterConfig={"Delay": 0.05})
    assert ("on_event", "Delete", "A") in calls(log)
    with pytest.raises(botocore.exceptions.ClientError, match=f"Stack with id {stack} does not exist"):
        cfn.describe_stacks(StackName=stack)
    (by_id,) = cfn.describe_stacks(StackName=described["StackId"])["Stacks"]
    assert by_id["StackStatus"] == "DELETE_COMPLETE"
    listed = cfn.list_stacks(StackStatusFilter=["DELETE_COMPLETE"])["StackSummaries"]
    assert described["StackId"] in [s["StackId"] for s in listed]
    cfn.delete_stack(StackName=stack)  # deleting what does not exist succeeds, as on AWS


def test_refusals_name_the_problem(cfn: Any, tmp_path: Path) -> None:
    stack, log = _name(), tmp_path / "toy.log"
    body = _body(log, {"A": toy("a")})
    with pytest.raises(botocore.exceptions.ClientError, match=f"Stack \\[{stack}\\] does not exist"):
        cfn.create_change_set(StackName=stack, ChangeSetName="c", TemplateBody=body, Capabilities=IAM)
    with pytest.raises(cfn.exceptions.InsufficientCapabilitiesException, match="CAPABILITY_IAM"):
        cfn.create_change_set(StackName=stack, ChangeSetName="c", ChangeSetType="CREATE", TemplateBody=body)
    with pytest.raises(botocore.exceptions.ClientError, match="Template format error"):
        cfn.create_change_set(StackName=stack, ChangeSetName="c", ChangeSetType="CREATE", TemplateBody="{nope")
    outputs = {f"O{i}": {"Value": "v"} for i in range(201)}
    with pytest.raises(botocore.exceptions.ClientError, match="CloudFormation outputs per template: 201 outputs"):
        cfn.create_change_set(
            StackName=stack, ChangeSetName="c", ChangeSetType="CREATE", TemplateBody=_body(log, {}, outputs)
        )
    with pytest.raises(cfn.exceptions.ChangeSetNotFoundException):
        cfn.describe_change_set(ChangeSetName="missing", StackName=stack)
    _create(cfn, stack, body)
    with pytest.raises(cfn.exceptions.AlreadyExistsException):
        cfn.create_change_set(
            StackName=stack, ChangeSetName="c", ChangeSetType="CREATE", TemplateBody=body, Capabilities=IAM
        )


def test_both_front_doors_see_the_same_stacks(cfn: Any, cloud: LocalCloud, tmp_path: Path) -> None:
    assert cloud.session is not None
    engine = cloud.session.engine
    # a stack the runner deployed (``rekognition-datasets deploy``) is a stack of the API: described, deleted
    theirs, log = _name(), tmp_path / "toy.log"
    engine.deploy(theirs, Template.from_dict(json.loads(_body(log, {"A": toy("a")}))))
    (shown,) = cfn.describe_stacks(StackName=theirs)["Stacks"]
    assert shown["StackStatus"] == "CREATE_COMPLETE"
    assert cfn.get_template(StackName=theirs)["TemplateBody"]["Resources"]["A"]["Type"] == "Custom::Toy"
    cfn.delete_stack(StackName=theirs)
    cfn.get_waiter("stack_delete_complete").wait(StackName=shown["StackId"], WaiterConfig={"Delay": 0.05})
    assert engine.store.load(theirs) is None
    # a stack the API created and the runner destroyed (``rekognition-datasets destroy``) is gone for the API too
    ours = _name()
    described = _create(cfn, ours, _body(log, {"B": toy("b")}))
    assert engine.destroy(ours)
    with pytest.raises(botocore.exceptions.ClientError, match=f"Stack with id {ours} does not exist"):
        cfn.describe_stacks(StackName=ours)
    assert cfn.describe_stacks(StackName=described["StackId"])["Stacks"][0]["StackStatus"] == "DELETE_COMPLETE"


def test_create_and_update_stack_directly(cfn: Any, tmp_path: Path) -> None:
    # ``cdk deploy --method=direct``: CreateStack/UpdateStack, no change set to review
    stack, log = _name(), tmp_path / "toy.log"
    body = _body(log, {"A": toy("a")})
    stack_id = cfn.create_stack(StackName=stack, TemplateBody=body, Capabilities=IAM)["StackId"]
    cfn.get_waiter("stack_create_complete").wait(StackName=stack_id, WaiterConfig={"Delay": 0.05})
    statuses = [e["ResourceStatus"] for e in cfn.describe_stack_events(StackName=stack)["StackEvents"]]
    assert "REVIEW_IN_PROGRESS" not in statuses and statuses[0] == "CREATE_COMPLETE"
    with pytest.raises(botocore.exceptions.ClientError, match="No updates are to be performed"):
        cfn.update_stack(StackName=stack, TemplateBody=body, Capabilities=IAM)
    cfn.update_stack(StackName=stack, TemplateBody=_body(log, {"A": toy("a", Size="2")}), Capabilities=IAM)
    cfn.get_waiter("stack_update_complete").wait(StackName=stack_id, WaiterConfig={"Delay": 0.05})
    assert ("on_event", "Update", "A") in calls(log)
    with pytest.raises(cfn.exceptions.AlreadyExistsException):
        cfn.create_stack(StackName=stack, TemplateBody=body, Capabilities=IAM)
