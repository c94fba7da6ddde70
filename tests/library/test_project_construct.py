"""Project: native L1 child, generated names, tags, removal policies, imports and grants."""

from __future__ import annotations

import re

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template
from construct_helpers import new_stack, resources_of, statements_with

from rekognition_datasets import Project, ValidationError
from rekognition_datasets.project import validate_project_name


def _logical_id(project: Project) -> str:
    cfn = project.node.default_child
    assert isinstance(cfn, cdk.CfnElement)
    return cdk.Stack.of(project).get_logical_id(cfn)


NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_.\-]{1,255}$")


def test_project_is_a_native_cfn_project_named_resource() -> None:
    stack = new_stack()
    project = Project(stack, "Shapes", project_name="shapes")
    assert project.node.default_child is not None
    assert project.node.default_child.node.id == "Resource"
    template = Template.from_stack(stack)
    template.has_resource_properties("AWS::Rekognition::Project", {"ProjectName": "shapes"})
    assert stack.resolve(project.project_arn) == {"Fn::GetAtt": [_logical_id(project), "Arn"]}
    assert stack.resolve(project.project_name) == {"Ref": _logical_id(project)}


def test_generated_name_is_valid_unique_and_deterministic() -> None:
    names = []
    for _ in range(2):
        stack = new_stack()
        Project(stack, "A")
        Project(cdk.Stack(stack.node.scope, "Other"), "A")  # type: ignore[arg-type]
        Project(stack, "B")
        names.append(
            [
                p["Properties"]["ProjectName"]
                for s in stack.node.scope.node.children  # type: ignore[union-attr]
                if isinstance(s, cdk.Stack)
                for p in Template.from_stack(s).find_resources("AWS::Rekognition::Project").values()
            ]
        )
    assert names[0] == names[1]
    assert len(set(names[0])) == 3
    assert all(NAME_PATTERN.match(name) for name in names[0])


@pytest.mark.parametrize(
    ("name", "fragment"),
    [("", "1 to 255"), ("x" * 256, "1 to 255"), ("has space", "characters ' '"), ("a/b", "'/'")],
)
def test_invalid_project_name_fails_with_the_rule(name: str, fragment: str) -> None:
    stack = new_stack()
    with pytest.raises(ValidationError, match=re.escape(fragment)) as raised:
        Project(stack, "Bad", project_name=name)
    assert "Test/Bad" in str(raised.value)


def test_token_project_names_are_checked_at_deploy_time() -> None:
    assert validate_project_name(cdk.Aws.STACK_NAME) == []


def test_tags_from_props_and_from_cdk_tags() -> None:
    stack = new_stack()
    Project(stack, "P", tags={"team": "vision"})
    cdk.Tags.of(stack).add("env", "test")
    Template.from_stack(stack).has_resource_properties(
        "AWS::Rekognition::Project",
        {"Tags": Match.array_with([{"Key": "env", "Value": "test"}, {"Key": "team", "Value": "vision"}])},
    )


@pytest.mark.parametrize(
    ("policy", "expected"), [(None, "Delete"), (cdk.RemovalPolicy.RETAIN, "Retain")], ids=["default", "retain"]
)
def test_removal_policy(policy: cdk.RemovalPolicy | None, expected: str) -> None:
    stack = new_stack()
    if policy is None:
        Project(stack, "P")
    else:
        Project(stack, "P", removal_policy=policy)
    Template.from_stack(stack).has_resource(
        "AWS::Rekognition::Project", {"DeletionPolicy": expected, "UpdateReplacePolicy": expected}
    )


def _role(stack: cdk.Stack) -> iam.Role:
    return iam.Role(stack, "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))


def test_from_project_arn_parses_the_name_for_dataset_grants() -> None:
    stack = new_stack()
    project = Project.from_project_arn(
        stack, "Imported", "arn:aws:rekognition:us-east-1:123456789012:project/shapes/1690474772815"
    )
    assert project.project_name == "shapes"
    project.grant_read_datasets(_role(stack))
    template = Template.from_stack(stack)
    (statement,) = statements_with(template, "rekognition:ListDatasetEntries")
    assert statement["Action"] == [
        "rekognition:DescribeDataset",
        "rekognition:ListDatasetEntries",
        "rekognition:ListDatasetLabels",
    ]
    assert stack.resolve(resources_of(statement)) == [
        {
            "Fn::Join": [
                "",
                ["arn:", {"Ref": "AWS::Partition"}, ":rekognition:us-east-1:123456789012:project/shapes/dataset/*"],
            ]
        }
    ]


def test_from_project_arn_with_a_token_selects_the_name() -> None:
    stack = new_stack()
    arn = cdk.CfnParameter(stack, "Arn").value_as_string
    project = Project.from_project_arn(stack, "Imported", arn)
    assert "Fn::Select" in str(stack.resolve(project.project_name))


def test_from_project_name_grants_on_the_name_wildcard() -> None:
    stack = new_stack()
    project = Project.from_project_name(stack, "Imported", "shapes")
    project.grant(_role(stack), "rekognition:DescribeProjectVersions")
    (statement,) = statements_with(Template.from_stack(stack), "rekognition:DescribeProjectVersions")
    assert "project/shapes/*" in str(stack.resolve(statement["Resource"]))


def test_grant_detect_custom_labels_on_model_versions() -> None:
    stack = new_stack()
    project = Project(stack, "P", project_name="shapes")
    project.grant_detect_custom_labels(_role(stack))
    (statement,) = statements_with(Template.from_stack(stack), "rekognition:DetectCustomLabels")
    assert "project/" in str(statement["Resource"])
    assert "/version/*" in str(statement["Resource"])
    assert {"Ref": _logical_id(project)} in statement["Resource"]["Fn::Join"][1]


def test_grant_manage_datasets_on_project_and_datasets() -> None:
    stack = new_stack()
    project = Project(stack, "P", project_name="shapes")
    project.grant_manage_datasets(_role(stack))
    template = Template.from_stack(stack)
    # the user's role only (the provider's handler role manages the project too, for its models guard)
    (policy,) = [
        p for p in template.find_resources("AWS::IAM::Policy").values() if "Reader" in str(p["Properties"]["Roles"])
    ]
    (create, update) = policy["Properties"]["PolicyDocument"]["Statement"]
    assert create["Action"] == "rekognition:CreateDataset"
    assert create["Resource"] == {"Fn::GetAtt": [_logical_id(project), "Arn"]}
    assert "rekognition:UpdateDatasetEntries" in update["Action"]
    assert "/dataset/*" in str(update["Resource"])
