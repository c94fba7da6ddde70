"""CDK interop: our projects and datasets are aws-cdk-lib resources and ``aws_rekognition`` references, and a
native ``CfnProject`` (any ``IProjectRef``) can hold our datasets."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_rekognition as rekognition
from aws_cdk.assertions import Template
from construct_helpers import ENV, dumps, new_stack, resource_properties, resources_of, statements_with

from rekognition_datasets import Dataset, DatasetDistribution, DatasetSource, DatasetType, Project, ValidationError
from rekognition_datasets_handler.manifest import classification_entry


def _logical_id(stack: cdk.Stack, construct: cdk.CfnResource) -> str:
    return stack.get_logical_id(construct)


def test_project_and_dataset_carry_the_resource_members() -> None:
    stack = new_stack()
    project = Project(stack, "Flowers")
    imported = Project.from_project_arn(
        stack, "Imported", "arn:aws:rekognition:us-east-1:123456789012:project/other/1700000000000"
    )
    dataset = Dataset(stack, "Training", project=project)
    copied = Dataset.from_dataset_arn(
        stack, "Copied", "arn:aws:rekognition:us-east-1:123456789012:project/other/dataset/train/1700000000001"
    )
    for resource in (project, imported, dataset, copied):
        assert resource.stack is stack
        assert resource.env.account == ENV.account
        assert resource.env.region == ENV.region
        assert resource.node.scope is stack


def test_our_project_and_dataset_are_accepted_as_aws_rekognition_references() -> None:
    stack = new_stack()
    project = Project(stack, "Flowers")
    dataset = Dataset(stack, "Training", project=project)
    # aws-cdk-lib's own functions taking IProjectRef/IDatasetRef read projectRef/datasetRef through jsii.
    project_arn = rekognition.CfnProject.arn_for_project(project)
    dataset_arn = rekognition.CfnDataset.arn_for_dataset(dataset)

    project_cfn = project.node.default_child
    dataset_cfn = dataset.resource.node.default_child
    assert isinstance(project_cfn, cdk.CfnResource)
    assert isinstance(dataset_cfn, cdk.CfnResource)
    assert stack.resolve(project_arn) == {"Fn::GetAtt": [_logical_id(stack, project_cfn), "Arn"]}
    assert stack.resolve(dataset_arn) == {"Fn::GetAtt": [_logical_id(stack, dataset_cfn), "DatasetArn"]}
    assert stack.resolve(project.project_ref.project_name) == {"Ref": _logical_id(stack, project_cfn)}


def test_a_native_cfn_project_holds_our_datasets_and_their_split() -> None:
    stack = new_stack()
    native = rekognition.CfnProject(stack, "Native", project_name="native-flowers")
    training = Dataset(
        stack,
        "Training",
        project=native,
        source=DatasetSource.from_entries([classification_entry("s3://images/rose.jpg", ["rose"])]),
    )
    testing = Dataset(stack, "Testing", project=native, dataset_type=DatasetType.TEST)
    DatasetDistribution(stack, "Split", training=training, testing=testing)
    template = Template.from_stack(stack)

    native_id = _logical_id(stack, native)
    arn = {"Fn::GetAtt": [native_id, "Arn"]}
    datasets = resource_properties(template, "Custom::RekognitionDataset")
    assert [(d["ProjectArn"], d["DatasetType"]) for d in datasets] == [(arn, "TRAIN"), (arn, "TEST")]
    assert len(template.find_resources("Custom::RekognitionDatasetDistribution")) == 1
    # The handler may create and manage datasets in exactly that project, listed once for both datasets.
    create = statements_with(template, "rekognition:CreateDataset")
    assert [resources_of(s) for s in create] == [[arn]]
    manage = dumps([resources_of(s) for s in statements_with(template, "rekognition:DeleteDataset")])
    assert manage.count(f'{{"Ref":"{native_id}"}}') == 1
    assert manage.count('"/*"') == 1  # its datasets and model versions: project/<name>/*


def test_a_native_project_holds_one_dataset_per_type() -> None:
    stack = new_stack()
    native = rekognition.CfnProject(stack, "Native", project_name="native-flowers")
    Dataset(stack, "First", project=native)
    with pytest.raises(ValidationError, match="already has a TRAIN dataset"):
        Dataset(stack, "Second", project=native)


def test_from_project_ref_returns_our_projects_as_they_are() -> None:
    stack = new_stack()
    project = Project(stack, "Flowers")
    assert Project.from_project_ref(stack, "Same", project) is project
    native = rekognition.CfnProject(stack, "Native", project_name="native-flowers")
    imported = Project.from_project_ref(stack, "FromNative", native)
    assert stack.resolve(imported.project_arn) == {"Fn::GetAtt": [_logical_id(stack, native), "Arn"]}
    assert stack.resolve(imported.project_name) == {"Ref": _logical_id(stack, native)}


def test_a_native_cfn_dataset_is_a_copy_source() -> None:
    stack = new_stack()
    native_project = rekognition.CfnProject(stack, "Native", project_name="native-flowers")
    native = rekognition.CfnDataset(stack, "NativeTraining", dataset_type="TRAIN", project_arn=native_project.attr_arn)
    Dataset(stack, "Copy", project=Project(stack, "Flowers"), source=DatasetSource.from_dataset(native))
    template = Template.from_stack(stack)

    arn = stack.resolve(native.dataset_ref.dataset_arn)
    assert arn == {"Ref": _logical_id(stack, native)}  # AWS::Rekognition::Dataset's Ref is its ARN
    (properties,) = resource_properties(template, "Custom::RekognitionDataset")
    assert properties["Source"] == {"Type": "dataset", "DatasetArn": arn}
    assert properties["SourceFingerprint"] == arn  # a foreign dataset's content is identified by its ARN
    assert [arn] in [resources_of(s) for s in statements_with(template, "rekognition:ListDatasetEntries")]


def test_from_dataset_ref_returns_our_datasets_as_they_are() -> None:
    stack = new_stack()
    dataset = Dataset(stack, "Training", project=Project(stack, "Flowers"))
    assert Dataset.from_dataset_ref(stack, "Same", dataset) is dataset
