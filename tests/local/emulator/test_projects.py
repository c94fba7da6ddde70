"""CreateProject, DescribeProjects, DeleteProject through boto3."""

from __future__ import annotations

import pytest

from .conftest import error_of


def test_create_project_arn_ends_with_creation_epoch_ms(client, emulator):
    arn = client.create_project(ProjectName="my-project")["ProjectArn"]

    prefix, _, millis = arn.rpartition("/")
    assert prefix == "arn:aws:rekognition:us-east-1:123456789012:project/my-project"
    (described,) = client.describe_projects(ProjectNames=["my-project"])["ProjectDescriptions"]
    assert int(described["CreationTimestamp"].timestamp() * 1000) == int(millis)
    assert described["Status"] == "CREATED"
    assert described["Datasets"] == []
    assert "Feature" not in described


def test_projects_created_in_the_same_millisecond_get_distinct_arns(client):
    arns = [client.create_project(ProjectName=f"p{i}")["ProjectArn"] for i in range(5)]

    assert len({arn.rsplit("/", 1)[1] for arn in arns}) == 5


def test_duplicate_project_name_is_resource_in_use(client, project):
    with pytest.raises(client.exceptions.ResourceInUseException) as raised:
        client.create_project(ProjectName="my-project")

    assert "my-project" in error_of(raised)["Message"]


def test_project_is_creating_until_its_delay_elapses(client, emulator):
    emulator.configure(project_create_delay=2)
    client.create_project(ProjectName="slow")

    assert client.describe_projects()["ProjectDescriptions"][0]["Status"] == "CREATING"
    emulator.advance_time(2)
    assert client.describe_projects()["ProjectDescriptions"][0]["Status"] == "CREATED"


def test_describe_projects_sorted_by_creation_and_filtered_by_name(client):
    for name in ("b-project", "a-project", "c-project"):
        client.create_project(ProjectName=name)

    names = [p["ProjectArn"].split("/")[1] for p in client.describe_projects()["ProjectDescriptions"]]
    chosen = client.describe_projects(ProjectNames=["c-project", "a-project", "missing"])["ProjectDescriptions"]

    assert names == ["b-project", "a-project", "c-project"]
    assert [p["ProjectArn"].split("/")[1] for p in chosen] == ["a-project", "c-project"]


def test_describe_projects_lists_datasets_by_creation(client, project):
    test = client.create_dataset(ProjectArn=project, DatasetType="TEST")["DatasetArn"]
    train = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]

    (described,) = client.describe_projects()["ProjectDescriptions"]

    assert [d["DatasetArn"] for d in described["Datasets"]] == [test, train]
    assert [d["DatasetType"] for d in described["Datasets"]] == ["TEST", "TRAIN"]
    assert {d["Status"] for d in described["Datasets"]} == {"CREATE_COMPLETE"}
    assert {d["StatusMessageCode"] for d in described["Datasets"]} == {"SUCCESS"}


def test_features_filter_defaults_to_custom_labels(client):
    client.create_project(ProjectName="labels")
    client.create_project(ProjectName="adapter", Feature="CONTENT_MODERATION", AutoUpdate="ENABLED")

    default = client.describe_projects()["ProjectDescriptions"]
    moderation = client.describe_projects(Features=["CONTENT_MODERATION"])["ProjectDescriptions"]
    both = client.describe_projects(Features=["CONTENT_MODERATION", "CUSTOM_LABELS"])["ProjectDescriptions"]

    assert [p["ProjectArn"].split("/")[1] for p in default] == ["labels"]
    assert [(p["Feature"], p["AutoUpdate"]) for p in moderation] == [("CONTENT_MODERATION", "ENABLED")]
    assert len(both) == 2


def test_auto_update_applies_only_to_content_moderation(client):
    with pytest.raises(client.exceptions.InvalidParameterException):
        client.create_project(ProjectName="labels", AutoUpdate="ENABLED")
    with pytest.raises(client.exceptions.InvalidParameterException):
        client.create_project(ProjectName="adapter", Feature="CONTENT_MODERATION")


def test_datasets_belong_to_custom_labels_projects_only(client):
    arn = client.create_project(ProjectName="adapter", Feature="CONTENT_MODERATION", AutoUpdate="DISABLED")[
        "ProjectArn"
    ]

    with pytest.raises(client.exceptions.InvalidParameterException):
        client.create_dataset(ProjectArn=arn, DatasetType="TRAIN")


def test_delete_project_goes_through_deleting_then_disappears(client, emulator, project):
    emulator.configure(project_delete_delay=3)

    assert client.delete_project(ProjectArn=project)["Status"] == "DELETING"
    assert client.describe_projects()["ProjectDescriptions"][0]["Status"] == "DELETING"
    assert client.delete_project(ProjectArn=project)["Status"] == "DELETING"
    emulator.advance_time(3)
    assert client.describe_projects()["ProjectDescriptions"] == []


def test_delete_project_refused_while_it_has_datasets(client, project):
    client.create_dataset(ProjectArn=project, DatasetType="TRAIN")

    with pytest.raises(client.exceptions.ResourceInUseException) as raised:
        client.delete_project(ProjectArn=project)

    assert "still has datasets" in error_of(raised)["Message"]


def test_lenient_delete_project_deletes_its_datasets(client, emulator, project):
    emulator.configure(delete_project_requires_no_datasets=False)
    dataset = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]

    client.delete_project(ProjectArn=project)

    assert client.describe_projects()["ProjectDescriptions"] == []
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_dataset(DatasetArn=dataset)


def test_delete_unknown_project_is_not_found(client):
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.delete_project(ProjectArn="arn:aws:rekognition:us-east-1:123456789012:project/nope/1")


def test_project_name_reusable_once_deleted(client, project):
    client.delete_project(ProjectArn=project)

    again = client.create_project(ProjectName="my-project")["ProjectArn"]

    assert again != project


def test_describe_projects_paginates(client):
    for i in range(5):
        client.create_project(ProjectName=f"p{i}")

    pages = client.get_paginator("describe_projects").paginate(PaginationConfig={"PageSize": 2})
    sizes = [len(page["ProjectDescriptions"]) for page in pages]

    assert sizes == [2, 2, 1]
