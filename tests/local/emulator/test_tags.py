"""Tags on projects and datasets: at creation and through TagResource/UntagResource/ListTagsForResource."""

from __future__ import annotations

import pytest

from .conftest import error_of


def test_tags_given_at_creation_are_listed(client):
    project = client.create_project(ProjectName="tagged", Tags={"team": "vision"})["ProjectArn"]
    dataset = client.create_dataset(ProjectArn=project, DatasetType="TRAIN", Tags={"stage": "train"})["DatasetArn"]

    assert client.list_tags_for_resource(ResourceArn=project)["Tags"] == {"team": "vision"}
    assert client.list_tags_for_resource(ResourceArn=dataset)["Tags"] == {"stage": "train"}


@pytest.mark.parametrize("kind", ["project", "dataset"])
def test_tag_and_untag(client, project, kind):
    arn = project if kind == "project" else client.create_dataset(ProjectArn=project, DatasetType="TEST")["DatasetArn"]

    client.tag_resource(ResourceArn=arn, Tags={"a": "1", "b": "2", "ünïcode key": "välue 1"})
    client.tag_resource(ResourceArn=arn, Tags={"a": "changed"})
    client.untag_resource(ResourceArn=arn, TagKeys=["b", "never-there"])

    assert client.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"a": "changed", "ünïcode key": "välue 1"}


def test_unknown_resource_is_not_found(client):
    missing = "arn:aws:rekognition:us-east-1:123456789012:project/missing/1"

    for call in (
        lambda: client.list_tags_for_resource(ResourceArn=missing),
        lambda: client.tag_resource(ResourceArn=missing, Tags={"a": "b"}),
        lambda: client.untag_resource(ResourceArn=missing, TagKeys=["a"]),
    ):
        with pytest.raises(client.exceptions.ResourceNotFoundException):
            call()


def test_aws_prefixed_tag_key_is_rejected(client, project):
    with pytest.raises(client.exceptions.ClientError) as raised:
        client.tag_resource(ResourceArn=project, Tags={"aws:owner": "me"})

    error = error_of(raised)
    assert error["Code"] == "ValidationException"
    assert error["Message"] == (
        "1 validation error detected: Value '{aws:owner=me}' at 'tags' failed to satisfy constraint: "
        "Map keys must satisfy constraint: "
        r"[Member must satisfy regular expression pattern: ^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]*$]"
    )


def test_tag_value_too_long_and_bad_characters_are_rejected(client, project):
    with pytest.raises(client.exceptions.ClientError) as raised:
        client.create_project(ProjectName="other", Tags={"ok": "v" * 257, "bad#key": "x"})

    message = error_of(raised)["Message"]
    assert message.startswith("2 validation errors detected: ")
    assert "Map keys must satisfy constraint: [Member must satisfy regular expression pattern" in message
    assert "Map value must satisfy constraint: [Member must have length less than or equal to 256]" in message
