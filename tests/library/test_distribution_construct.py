"""DatasetDistribution: properties, the re-split wiring, post-split attributes, and wrong-wiring errors."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk.assertions import Template
from construct_helpers import new_stack, valid_lines

from rekognition_datasets import (
    Dataset,
    DatasetDistribution,
    DatasetSource,
    DatasetType,
    Project,
    ValidationError,
)


def _pair(stack: cdk.Stack, project: Project | None = None) -> tuple[Dataset, Dataset]:
    project = project or Project(stack, "P")
    training = Dataset(stack, "Train", project=project, source=DatasetSource.from_entries(valid_lines(count=10)))
    testing = Dataset(stack, "Test", project=project, dataset_type=DatasetType.TEST)
    return training, testing


def _logical_id(construct: Dataset | DatasetDistribution) -> str:
    cfn = construct.node.find_child("Resource").node.default_child
    assert isinstance(cfn, cdk.CfnElement)
    return cdk.Stack.of(construct).get_logical_id(cfn)


def test_distribution_wires_reset_distributed_and_training_fingerprint() -> None:
    stack = new_stack()
    training, testing = _pair(stack)
    split = DatasetDistribution(stack, "Split", training=training, testing=testing)
    resources = Template.from_stack(stack).to_json()["Resources"]
    train_props = resources[_logical_id(training)]["Properties"]
    test_props = resources[_logical_id(testing)]["Properties"]
    split_props = resources[_logical_id(split)]["Properties"]
    assert resources[_logical_id(split)]["Type"] == "Custom::RekognitionDatasetDistribution"
    fingerprint = train_props["SourceFingerprint"]
    assert train_props["Distributed"] == "true"
    assert "Distributed" not in test_props
    assert test_props["ResetOnTrainingFingerprint"] == fingerprint
    assert split_props["TrainingFingerprint"] == fingerprint
    assert split_props["TrainingDatasetArn"] == {"Fn::GetAtt": [_logical_id(training), "DatasetArn"]}
    assert split_props["TestingDatasetArn"] == {"Fn::GetAtt": [_logical_id(testing), "DatasetArn"]}
    assert split_props["ServiceTimeout"] == "3600"


@pytest.mark.parametrize("read_before", [True, False], ids=["read-before-split", "read-after-split"])
def test_entry_counts_report_the_split_whenever_they_are_read(read_before: bool) -> None:
    stack = new_stack()
    training, testing = _pair(stack)
    early = (training.total_entries, training.labeled_entries, testing.total_entries, testing.labeled_entries)
    split = DatasetDistribution(stack, "Split", training=training, testing=testing)
    counts = (
        early
        if read_before
        else (
            training.total_entries,
            training.labeled_entries,
            testing.total_entries,
            testing.labeled_entries,
        )
    )
    split_id = _logical_id(split)
    assert [stack.resolve(value) for value in counts] == [
        {"Fn::GetAtt": [split_id, "TrainingEntries"]},
        {"Fn::GetAtt": [split_id, "TrainingLabeledEntries"]},
        {"Fn::GetAtt": [split_id, "TestingEntries"]},
        {"Fn::GetAtt": [split_id, "TestingLabeledEntries"]},
    ]
    assert stack.resolve(training.total_labels) == {"Fn::GetAtt": [_logical_id(training), "TotalLabels"]}


def test_distribution_across_projects_fails() -> None:
    stack = new_stack()
    training = Dataset(stack, "Train", project=Project(stack, "A"), source=DatasetSource.from_entries(valid_lines()))
    testing = Dataset(stack, "Test", project=Project(stack, "B"), dataset_type=DatasetType.TEST)
    with pytest.raises(ValidationError, match=r"different projects; .* same project"):
        DatasetDistribution(stack, "Split", training=training, testing=testing)


def test_testing_dataset_with_its_own_source_fails() -> None:
    stack = new_stack()
    project = Project(stack, "P")
    training = Dataset(stack, "Train", project=project, source=DatasetSource.from_entries(valid_lines()))
    testing = Dataset(
        stack, "Test", project=project, dataset_type=DatasetType.TEST, source=DatasetSource.from_entries(valid_lines())
    )
    with pytest.raises(ValidationError, match=r"has its own source.*without a source"):
        DatasetDistribution(stack, "Split", training=training, testing=testing)


def test_swapped_types_fail() -> None:
    stack = new_stack()
    training, testing = _pair(stack)
    with pytest.raises(ValidationError, match=r"training \(Test/Test\) must be a DatasetType\.TRAIN dataset"):
        DatasetDistribution(stack, "Split", training=testing, testing=training)


def test_testing_must_be_a_test_dataset() -> None:
    stack = new_stack()
    training = Dataset(stack, "Train", project=Project(stack, "A"), source=DatasetSource.from_entries(valid_lines()))
    other = Dataset(stack, "Other", project=Project(stack, "B"))
    with pytest.raises(ValidationError, match=r"testing \(Test/Other\) must be a DatasetType\.TEST dataset"):
        DatasetDistribution(stack, "Split", training=training, testing=other)


def test_imported_datasets_cannot_be_split() -> None:
    stack = new_stack()
    _, testing = _pair(stack)
    imported = Dataset.from_dataset_arn(
        stack, "Imported", "arn:aws:rekognition:us-east-1:123456789012:project/p/dataset/train/1"
    )
    with pytest.raises(ValidationError, match="declared in this app"):
        DatasetDistribution(stack, "Split", training=imported, testing=testing)


def test_a_dataset_is_split_once() -> None:
    stack = new_stack()
    training, testing = _pair(stack)
    DatasetDistribution(stack, "Split", training=training, testing=testing)
    with pytest.raises(ValidationError, match="already split by another DatasetDistribution"):
        DatasetDistribution(stack, "Again", training=training, testing=testing)
