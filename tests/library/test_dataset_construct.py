"""Dataset: the custom resource, its properties and attributes, wiring checks, imports and grants."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from aws_cdk.assertions import Match, Template
from construct_helpers import dumps, nag_checked_stack, new_stack, resource_properties, resources_of, statements_with

from rekognition_datasets import Dataset, DatasetSource, DatasetType, Project, ValidationError


def test_dataset_renders_the_schema_properties() -> None:
    stack = new_stack()
    project = Project(stack, "P", project_name="shapes")
    dataset = Dataset(stack, "Train", project=project, max_error_entries=5)
    assert dataset.resource.node.id == "Resource"
    Template.from_stack(stack).has_resource_properties(
        "Custom::RekognitionDataset",
        {
            "ServiceToken": {"Fn::GetAtt": [Match.string_like_regexp("frameworkonEvent"), "Arn"]},
            "ServiceTimeout": "3600",
            "ProjectArn": {"Fn::GetAtt": [Match.any_value(), "Arn"]},
            "DatasetType": "TRAIN",
            "Source": {"Type": "empty"},
            "SourceFingerprint": "empty",
            "MaxErrorEntries": "5",
            "Tags": Match.absent(),
            "Distributed": Match.absent(),
        },
    )


def test_attributes_are_getatts_of_the_resource() -> None:
    stack = new_stack()
    dataset = Dataset(stack, "Test", project=Project(stack, "P"), dataset_type=DatasetType.TEST)
    logical_id = stack.get_logical_id(dataset.resource.node.default_child)  # type: ignore[arg-type]
    for value, attribute in [
        (dataset.dataset_arn, "DatasetArn"),
        (dataset.status, "Status"),
        (dataset.status_message, "StatusMessage"),
        (dataset.total_entries, "TotalEntries"),
        (dataset.labeled_entries, "LabeledEntries"),
        (dataset.total_labels, "TotalLabels"),
        (dataset.error_entries, "ErrorEntries"),
        (dataset.source_fingerprint, "SourceFingerprint"),
    ]:
        assert stack.resolve(value) == {"Fn::GetAtt": [logical_id, attribute]}


def test_tags_from_props_and_cdk_tags() -> None:
    stack = new_stack()
    Dataset(stack, "Train", project=Project(stack, "P"), tags={"team": "vision"})
    cdk.Tags.of(stack).add("env", "test")
    (properties,) = resource_properties(Template.from_stack(stack), "Custom::RekognitionDataset")
    assert properties["Tags"] == {"env": "test", "team": "vision"}


def test_tags_of_reaches_a_dataset_declared_without_tags() -> None:
    stack = new_stack()
    project = Project(stack, "P")
    tagged = Dataset(stack, "Train", project=project)
    Dataset(stack, "Test", project=project, dataset_type=DatasetType.TEST)
    cdk.Tags.of(tagged).add("env", "test")
    by_type = {
        p["DatasetType"]: p for p in resource_properties(Template.from_stack(stack), "Custom::RekognitionDataset")
    }
    assert by_type["TRAIN"]["Tags"] == {"env": "test"}
    assert "Tags" not in by_type["TEST"]


def test_tags_set_on_the_tag_manager_are_rendered() -> None:
    stack = new_stack()
    dataset = Dataset(stack, "Train", project=Project(stack, "P"))
    dataset.tags.set_tag("owner", "vision")
    (properties,) = resource_properties(Template.from_stack(stack), "Custom::RekognitionDataset")
    assert properties["Tags"] == {"owner": "vision"}


@pytest.mark.parametrize(
    ("project_policy", "dataset_policy", "expected"),
    [
        (cdk.RemovalPolicy.DESTROY, cdk.RemovalPolicy.DESTROY, "Delete"),
        (cdk.RemovalPolicy.RETAIN, cdk.RemovalPolicy.RETAIN, "Retain"),
        (cdk.RemovalPolicy.RETAIN, cdk.RemovalPolicy.DESTROY, "Delete"),
    ],
)
def test_removal_policies(project_policy: cdk.RemovalPolicy, dataset_policy: cdk.RemovalPolicy, expected: str) -> None:
    stack = new_stack()
    project = Project(stack, "P", removal_policy=project_policy)
    Dataset(stack, "Train", project=project, removal_policy=dataset_policy)
    Template.from_stack(stack).has_resource(
        "Custom::RekognitionDataset", {"DeletionPolicy": expected, "UpdateReplacePolicy": expected}
    )


def test_default_removal_policy_is_destroy() -> None:
    stack = new_stack()
    Dataset(stack, "Train", project=Project(stack, "P"))
    Template.from_stack(stack).has_resource("Custom::RekognitionDataset", {"DeletionPolicy": "Delete"})


def test_retained_dataset_in_a_destroyed_project_fails() -> None:
    stack = new_stack()
    project = Project(stack, "P")
    with pytest.raises(ValidationError, match=r"Test/Train: removal policy RETAIN .* DeleteProject fails"):
        Dataset(stack, "Train", project=project, removal_policy=cdk.RemovalPolicy.RETAIN)


@pytest.mark.parametrize("dataset_type", [DatasetType.TRAIN, DatasetType.TEST])
def test_two_datasets_of_one_type_in_a_project_fail(dataset_type: DatasetType) -> None:
    stack = new_stack()
    project = Project(stack, "P")
    Dataset(stack, "First", project=project, dataset_type=dataset_type)
    with pytest.raises(ValidationError, match=f"already has a {dataset_type.value} dataset \\(Test/First\\)"):
        Dataset(stack, "Second", project=project, dataset_type=dataset_type)


def test_train_and_test_in_one_project_are_fine() -> None:
    stack = new_stack()
    project = Project(stack, "P")
    Dataset(stack, "Train", project=project)
    Dataset(stack, "Test", project=project, dataset_type=DatasetType.TEST)
    Template.from_stack(stack).resource_count_is("Custom::RekognitionDataset", 2)


def test_same_imported_project_twice_still_one_train_dataset() -> None:
    stack = new_stack()
    arn = "arn:aws:rekognition:us-east-1:123456789012:project/shapes/1690474772815"
    Dataset(stack, "First", project=Project.from_project_arn(stack, "A", arn))
    with pytest.raises(ValidationError, match="already has a TRAIN dataset"):
        Dataset(stack, "Second", project=Project.from_project_arn(stack, "B", arn))


@pytest.mark.parametrize("bad", ["TRAIN", "VALIDATION", None])
def test_dataset_type_must_be_a_dataset_type(bad: object) -> None:
    stack = new_stack()
    with pytest.raises(ValidationError, match=r"use DatasetType\.TRAIN or DatasetType\.TEST"):
        Dataset(stack, "D", project=Project(stack, "P"), dataset_type=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", [-1, True])
def test_max_error_entries_must_be_a_non_negative_integer(bad: int) -> None:
    stack = new_stack()
    with pytest.raises(ValidationError, match="max_error_entries must be a non-negative integer"):
        Dataset(stack, "D", project=Project(stack, "P"), max_error_entries=bad)


def test_datasets_need_a_project_arn_not_just_a_name() -> None:
    stack = new_stack()
    with pytest.raises(ValidationError, match=r"Project\.from_project_arn"):
        Dataset(stack, "D", project=Project.from_project_name(stack, "P", "shapes"))


def test_imported_project_is_scoped_in_the_provider_policy() -> None:
    stack = new_stack()
    arn = "arn:aws:rekognition:us-east-1:123456789012:project/shapes/1690474772815"
    Dataset(stack, "D", project=Project.from_project_arn(stack, "P", arn))
    template = Template.from_stack(stack)
    (create,) = statements_with(template, "rekognition:CreateDataset")
    assert create["Resource"] == arn
    (update,) = statements_with(template, "rekognition:UpdateDatasetEntries")
    assert "project/shapes/*" in str(update["Resource"])


def test_from_dataset_arn_and_grant_read() -> None:
    stack = new_stack()
    arn = "arn:aws:rekognition:us-east-1:123456789012:project/shapes/dataset/train/1690476084535"
    imported = Dataset.from_dataset_arn(stack, "Imported", arn)
    assert imported.dataset_arn == arn
    assert imported.source_fingerprint == arn
    role = iam.Role(stack, "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    imported.grant_read(role)
    (statement,) = statements_with(Template.from_stack(stack), "rekognition:ListDatasetLabels")
    assert resources_of(statement) == [arn]


def _logical_id(dataset: Dataset) -> str:
    return dataset.stack.get_logical_id(dataset.resource.node.default_child)  # type: ignore[arg-type]


def test_declared_dataset_grant_read_uses_its_arn_attribute() -> None:
    stack = new_stack()
    dataset = Dataset(stack, "D", project=Project(stack, "P"))
    role = iam.Role(stack, "Reader", assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"))
    dataset.grant_read(role)
    resources = [s["Resource"] for s in statements_with(Template.from_stack(stack), "rekognition:ListDatasetLabels")]
    assert {"Fn::GetAtt": [_logical_id(dataset), "DatasetArn"]} in resources


def test_copy_source_follows_the_source_dataset_fingerprint() -> None:
    stack = new_stack()
    source = Dataset(stack, "Source", project=Project(stack, "A"))
    copy = Dataset(stack, "Copy", project=Project(stack, "B"), source=DatasetSource.from_dataset(source))
    template = Template.from_stack(stack)
    properties = template.to_json()["Resources"][_logical_id(copy)]["Properties"]
    source_arn = {"Fn::GetAtt": [_logical_id(source), "DatasetArn"]}
    assert properties["Source"] == {"Type": "dataset", "DatasetArn": source_arn}
    assert properties["SourceFingerprint"] == {"Fn::GetAtt": [_logical_id(source), "SourceFingerprint"]}
    # Readable through the pattern of the stack's generated project names: no reference back to the source's
    # attributes, which would make the provider depend on a resource that depends on the provider.
    assert source.project._declared_name.startswith("Test-")  # type: ignore[attr-defined]
    patterns = [dumps(s["Resource"]) for s in statements_with(template, "rekognition:ListDatasetEntries")]
    assert any(":project/Test-*/dataset/*" in pattern for pattern in patterns)
    assert all("Source" not in pattern for pattern in patterns)


def test_copy_of_an_imported_dataset_reads_exactly_that_dataset() -> None:
    stack = new_stack()
    arn = "arn:aws:rekognition:us-east-1:123456789012:project/other/dataset/train/1690476084535"
    source = DatasetSource.from_dataset(Dataset.from_dataset_arn(stack, "Imported", arn))
    Dataset(stack, "Copy", project=Project(stack, "B"), source=source)
    resources = [s["Resource"] for s in statements_with(Template.from_stack(stack), "rekognition:ListDatasetEntries")]
    assert arn in resources


def test_copies_of_many_imported_datasets_keep_the_policy_the_same_size() -> None:
    from rekognition_datasets._handler_policy import MAX_LISTED_GRANTS

    sizes = []
    for count in (MAX_LISTED_GRANTS + 1, 3 * MAX_LISTED_GRANTS):
        app, stack = nag_checked_stack()
        for index in range(count):
            arn = f"arn:aws:rekognition:us-east-1:123456789012:project/other/dataset/train/{1690476084535 + index}"
            source = DatasetSource.from_dataset(Dataset.from_dataset_arn(stack, f"Imported{index}", arn))
            Dataset(stack, f"Copy{index}", project=Project(stack, f"P{index}"), source=source)
        app.synth()  # the library acknowledges the fallback's wildcard (cdk-nag would fail synth otherwise)
        template = Template.from_stack(stack)
        resources = [dumps(s["Resource"]) for s in statements_with(template, "rekognition:ListDatasetEntries")]
        listed = [r for r in resources if ":project/other/dataset/train/" in r]
        assert len(listed) == MAX_LISTED_GRANTS
        assert resources.count('"arn:aws:rekognition:us-east-1:123456789012:project/*/dataset/*"') == 1
        sizes.append(sum(len(r) for r in resources))
    assert sizes[0] == sizes[1]


@pytest.mark.parametrize("key", ["aws:owner", "rekognition-datasets:stack-id"])
def test_reserved_tag_keys_fail(key: str) -> None:
    stack = new_stack()
    with pytest.raises(ValidationError, match="reserved prefix"):
        Dataset(stack, "D", project=Project(stack, "P"), tags={key: "x"})
