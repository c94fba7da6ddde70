"""The ``Model`` and ``ModelServing`` constructs and the project's models guard, asserted on the template."""

from __future__ import annotations

from typing import Any

import aws_cdk as cdk
import pytest
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Annotations, Match, Template
from construct_helpers import dumps, new_stack, resources_of, statements_with, valid_lines

from rekognition_datasets import (
    Dataset,
    DatasetDistribution,
    DatasetSource,
    DatasetType,
    Model,
    ModelServing,
    Project,
    ValidationError,
)
from rekognition_datasets_handler import model_schema

_IMPORTED_ARN = "arn:aws:rekognition:us-east-1:123456789012:project/elsewhere/1690474772815"


def _model_stack(
    *,
    lines: list[str] | None = None,
    project_props: dict[str, Any] | None = None,
    **model_props: Any,
) -> tuple[cdk.Stack, Model]:
    stack = new_stack()
    project = Project(stack, "Project", **(project_props or {}))
    train = Dataset(stack, "Train", project=project, source=DatasetSource.from_entries(lines or valid_lines()))
    test = Dataset(stack, "Test", project=project, dataset_type=DatasetType.TEST)
    split = DatasetDistribution(stack, "Split", training=train, testing=test)
    out = s3.Bucket(stack, "Out")
    model = Model(stack, "Model", project=project, output_bucket=out, distribution=split, **model_props)
    return stack, model


def _one(template: Template, resource_type: str) -> tuple[str, dict[str, Any]]:
    found = template.find_resources(resource_type)
    assert len(found) == 1, found
    return next(iter(found.items()))


def _ids(template: Template) -> dict[str, str]:
    """Logical id of the handle, the wait condition, and the version name."""
    handle, _ = _one(template, "AWS::CloudFormation::WaitConditionHandle")
    condition, _ = _one(template, "AWS::CloudFormation::WaitCondition")
    _, version = _one(template, model_schema.MODEL_VERSION_RESOURCE_TYPE)
    return {"handle": handle, "condition": condition, "name": version["Properties"]["VersionName"]}


def test_version_waits_on_a_condition_then_evaluation_reads_it() -> None:
    stack, _ = _model_stack(min_f1_score=0.85)
    template = Template.from_stack(stack)
    version_id, version = _one(template, model_schema.MODEL_VERSION_RESOURCE_TYPE)
    handle_id, _ = _one(template, "AWS::CloudFormation::WaitConditionHandle")
    condition_id, condition = _one(template, "AWS::CloudFormation::WaitCondition")
    _, evaluation = _one(template, model_schema.MODEL_EVALUATION_RESOURCE_TYPE)
    props = version["Properties"]
    assert props["WaitHandle"] == {"Ref": handle_id}
    assert props["MinF1Score"] == "0.85"
    assert props["OutputPrefix"] == "rekognition-models/"
    assert set(props) - {"ServiceToken", "ServiceTimeout"} <= set(
        model_schema.MODEL_VERSION_REQUIRED_KEYS + model_schema.MODEL_VERSION_OPTIONAL_KEYS
    )
    assert condition["Properties"] == {"Handle": {"Ref": handle_id}, "Timeout": "43200", "Count": 1}
    assert condition["DependsOn"] == [version_id]
    assert evaluation["DependsOn"] == [condition_id]
    assert evaluation["Properties"]["ProjectVersionArn"] == {"Fn::GetAtt": [version_id, "ProjectVersionArn"]}
    assert evaluation["Properties"]["MinF1Score"] == "0.85"
    assert evaluation["Properties"]["ProjectArn"] == props["ProjectArn"]


def test_version_trains_after_the_split_the_datasets_and_the_guard() -> None:
    stack, _ = _model_stack()
    template = Template.from_stack(stack)
    _, version = _one(template, model_schema.MODEL_VERSION_RESOURCE_TYPE)
    names = {
        lid: lid
        for lid in template.to_json()["Resources"]
        if lid.startswith(("Train", "Test", "Split", "ProjectModelsGuard"))
    }
    assert set(version["DependsOn"]) == set(names)
    guard_id, guard = _one(template, model_schema.PROJECT_MODELS_RESOURCE_TYPE)
    assert guard_id.startswith("ProjectModelsGuard")
    assert {d.rstrip("0123456789ABCDEF") for d in guard["DependsOn"]} == {"Train", "Test"}


def test_new_data_gives_new_handle_condition_and_version_name() -> None:
    first = _ids(Template.from_stack(_model_stack()[0]))
    same = _ids(Template.from_stack(_model_stack()[0]))
    assert first == same  # deterministic: a redeploy of the same data changes nothing
    new_data = _ids(Template.from_stack(_model_stack(lines=valid_lines(prefix="more/"))[0]))
    retrained = _ids(Template.from_stack(_model_stack(retrain_token="2")[0]))
    gated = _ids(Template.from_stack(_model_stack(min_f1_score=0.5)[0]))
    for changed in (new_data, retrained, gated):
        assert all(changed[key] != first[key] for key in first), changed


def test_tags_do_not_retrain() -> None:
    stack, model = _model_stack(tags={"team": "vision"})
    cdk.Tags.of(model).add("cost", "ml")
    template = Template.from_stack(stack)
    _, version = _one(template, model_schema.MODEL_VERSION_RESOURCE_TYPE)
    assert version["Properties"]["Tags"] == {"team": "vision", "cost": "ml"}
    assert _ids(template) == _ids(Template.from_stack(_model_stack()[0]))


def test_model_permission_and_handler_policy() -> None:
    stack, _ = _model_stack()
    template = Template.from_stack(stack)
    _, permission = _one(template, "AWS::Lambda::Permission")
    props = permission["Properties"]
    assert props["Principal"] == "events.amazonaws.com"
    assert "rule/rekognition-model-watch-*" in dumps(props["SourceArn"])
    assert "OnEvent" in props["FunctionName"]["Fn::GetAtt"][0]
    (watch,) = statements_with(template, "events:PutRule")
    assert "rule/rekognition-model-watch-*" in dumps(watch["Resource"])
    (delete,) = statements_with(template, "rekognition:DeleteProjectVersion")
    assert dumps(resources_of(delete)).endswith('*/version/*"]]}]')
    (write,) = statements_with(template, "s3:PutObject")
    assert "/rekognition-models/*" in dumps(write["Resource"])
    assert not statements_with(template, "scheduler:CreateSchedule")  # no serving with auto-stop
    for statement in statements_with(template, "rekognition:StartProjectVersion"):
        assert "*" not in dumps(statement["Resource"]).replace("version/*", "").replace("Test-*", "")


def test_policy_stays_the_same_size_for_many_models_in_listed_projects() -> None:
    def policy_size(count: int) -> int:
        stack = new_stack()
        out = s3.Bucket(stack, "Out")
        for i in range(count):
            project = Project(stack, f"P{i}", project_name=f"named-{i}")
            train = Dataset(stack, f"Train{i}", project=project, source=DatasetSource.from_entries(valid_lines()))
            test = Dataset(stack, f"Test{i}", project=project, dataset_type=DatasetType.TEST)
            Model(stack, f"M{i}", project=project, output_bucket=out, training_dataset=train, testing_dataset=test)
        template = Template.from_stack(stack)
        assert len(template.find_resources("AWS::Lambda::Permission")) == 1
        return len(dumps(statements_with(template, "rekognition:StopProjectVersion")))

    assert policy_size(12) == policy_size(14)


def test_serving_after_evaluation_with_auto_stop_role() -> None:
    stack, model = _model_stack()
    serving = model.serve(min_inference_units=2, max_inference_units=4, auto_stop_after=cdk.Duration.hours(2))
    assert isinstance(serving, ModelServing)
    template = Template.from_stack(stack)
    _, resource = _one(template, model_schema.MODEL_SERVING_RESOURCE_TYPE)
    evaluation_id, _ = _one(template, model_schema.MODEL_EVALUATION_RESOURCE_TYPE)
    assert resource["DependsOn"] == [evaluation_id]
    props = resource["Properties"]
    assert (props["MinInferenceUnits"], props["MaxInferenceUnits"], props["AutoStopAfterMinutes"]) == ("2", "4", "120")
    _, version = _one(template, model_schema.MODEL_VERSION_RESOURCE_TYPE)
    assert props["ProjectArn"] == version["Properties"]["ProjectArn"]
    assert set(props) - {"ServiceToken", "ServiceTimeout"} <= set(
        model_schema.MODEL_SERVING_REQUIRED_KEYS + model_schema.MODEL_SERVING_OPTIONAL_KEYS
    )
    role_id = props["SchedulerRoleArn"]["Fn::GetAtt"][0]
    role = template.to_json()["Resources"][role_id]
    assert role["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {
        "Service": "scheduler.amazonaws.com"
    }
    (stop,) = [
        s for s in statements_with(template, "rekognition:StopProjectVersion") if not isinstance(s["Action"], list)
    ]
    assert "version/*" in dumps(stop["Resource"])
    (pass_role,) = statements_with(template, "iam:PassRole")
    assert pass_role["Resource"] == {"Fn::GetAtt": [role_id, "Arn"]}
    assert pass_role["Condition"] == {"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}
    (schedules,) = statements_with(template, "scheduler:CreateSchedule")
    assert "schedule/default/rekognition-model-stop-*" in dumps(schedules["Resource"])


def test_guard_auto_delete_option() -> None:
    for option, expected in ((False, "false"), (True, "true")):
        stack = new_stack()
        Project(stack, "Project", auto_delete_models=option)
        template = Template.from_stack(stack)
        template.has_resource_properties(
            model_schema.PROJECT_MODELS_RESOURCE_TYPE, {"AutoDeleteModels": expected, "ProjectArn": Match.any_value()}
        )


@pytest.mark.parametrize("named", [False, True], ids=["generated-names", "named-projects"])
def test_the_handler_may_train_only_where_a_model_or_auto_delete_models_is_declared(named: bool) -> None:
    """Every project's guard lists its versions; training, serving and deleting versions are granted only for the
    projects that declare a model or auto_delete_models (least privilege, and a smaller policy for dataset stacks)."""
    train_only = ("rekognition:CreateProjectVersion", "rekognition:StartProjectVersion")
    stack = new_stack()
    names = {"project_name": "plain"} if named else {}
    Dataset(stack, "Train", project=Project(stack, "Plain", **names), source=DatasetSource.from_entries(valid_lines()))
    template = Template.from_stack(stack)
    assert statements_with(template, "rekognition:DescribeProjectVersions")
    for action in (*train_only, "rekognition:DeleteProjectVersion"):
        assert not statements_with(template, action), action
    stack = new_stack()
    Dataset(stack, "Train", project=Project(stack, "Plain", **names), source=DatasetSource.from_entries(valid_lines()))
    names = {"project_name": "cleaned"} if named else {}
    Project(stack, "Cleaned", auto_delete_models=True, **names)
    template = Template.from_stack(stack)
    (delete,) = statements_with(template, "rekognition:DeleteProjectVersion")
    assert ("Cleaned" if named else "version/*") in dumps(delete["Resource"])
    assert "Plain" not in dumps(delete["Resource"])


def test_retained_model_in_a_destroyed_project_warns() -> None:
    stack, _ = _model_stack(removal_policy=cdk.RemovalPolicy.RETAIN)
    warnings = Annotations.from_stack(stack).find_warning("/Test/Model", Match.string_like_regexp("DeleteProject"))
    assert warnings
    quiet, _ = _model_stack(
        removal_policy=cdk.RemovalPolicy.RETAIN, project_props={"removal_policy": cdk.RemovalPolicy.RETAIN}
    )
    assert not Annotations.from_stack(quiet).find_warning("*", Match.string_like_regexp("DeleteProject"))


@pytest.mark.parametrize(
    ("props", "fragment"),
    [
        ({"min_f1_score": 1.5}, "min_f1_score"),
        ({"min_f1_score": -0.1}, "min_f1_score"),
        ({"output_prefix": "models"}, "output_prefix"),
        ({"output_prefix": "/models/"}, "output_prefix"),
        ({"version_description": "x" * 256}, "version_description"),
        ({"tags": {"aws:x": "1"}}, "reserved prefix"),
        ({"watch_interval": cdk.Duration.seconds(90)}, "watch_interval"),
    ],
)
def test_bad_model_props_fail_naming_the_prop(props: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        _model_stack(**props)


@pytest.mark.parametrize(
    ("props", "fragment"),
    [
        ({"min_inference_units": 0}, "min_inference_units"),
        ({"min_inference_units": 2, "max_inference_units": 1}, "max_inference_units"),
        ({"auto_stop_after": cdk.Duration.seconds(30)}, "auto_stop_after"),
    ],
)
def test_bad_serving_props_fail_naming_the_prop(props: dict[str, Any], fragment: str) -> None:
    _, model = _model_stack()
    with pytest.raises(ValidationError, match=fragment):
        model.serve(**props)


def test_dataset_wiring_errors() -> None:
    stack = new_stack()
    project, other = Project(stack, "P"), Project(stack, "O")
    out = s3.Bucket(stack, "Out")
    train = Dataset(stack, "Train", project=project, source=DatasetSource.from_entries(valid_lines()))
    test = Dataset(stack, "Test", project=project, dataset_type=DatasetType.TEST)
    other_test = Dataset(stack, "OtherTest", project=other, dataset_type=DatasetType.TEST)
    imported = Dataset.from_dataset_arn(stack, "Imp", f"{_IMPORTED_ARN}/dataset/test/1")
    cases = [
        ({"training_dataset": train}, "testing_dataset are required"),
        ({"training_dataset": test, "testing_dataset": train}, "DatasetType.TRAIN"),
        ({"training_dataset": train, "testing_dataset": other_test}, "another project"),
        ({"training_dataset": train, "testing_dataset": imported}, "declared in this app"),
    ]
    for i, (props, fragment) in enumerate(cases):
        with pytest.raises(ValidationError, match=fragment):
            Model(stack, f"M{i}", project=project, output_bucket=out, **props)
