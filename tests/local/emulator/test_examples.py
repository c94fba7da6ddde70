"""The official AWS examples quoted in the reference, replayed against the emulator."""

from __future__ import annotations

import json

import pytest

CAMELLIA = (
    '{"source-ref":"s3://custom-labels-console-us-east-1-1111111111/assets/flowers_1_train_dataset/camellia4.jpg",'
    '"camellia":1,"camellia-metadata":{"confidence":1,"job-name":"labeling-job/camellia","class-name":"camellia",'
    '"human-annotated":"yes","creation-date":"2021-07-11T03:32:13.456Z","type":"groundtruth/image-classification"},'
    '"with_leaves":1,"with_leaves-metadata":{"confidence":1,"job-name":"labeling-job/with_leaves",'
    '"class-name":"with_leaves","human-annotated":"yes","creation-date":"2021-07-11T03:32:13.456Z",'
    '"type":"groundtruth/image-classification"}}'
)
# The UpdateDatasetEntries example line. Its bucket (…-111111111) differs from the camellia line's (…-1111111111);
# together they would fail with ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS, so the labels example uses the camellia bucket.
SPURGE = (
    '{"source-ref":"s3://custom-labels-console-us-east-1-111111111/assets/flowers_1_test_dataset/mediterranean_spurge4.jpg",'
    '"mediterranean_spurge":1,"mediterranean_spurge-metadata":{"confidence":1,"job-name":"labeling-job/mediterranean_spurge",'
    '"class-name":"mediterranean_spurge","human-annotated":"yes","creation-date":"2021-07-11T03:33:42.025Z",'
    '"type":"groundtruth/image-classification"},"with_leaves":1,"with_leaves-metadata":{"confidence":1,'
    '"job-name":"labeling-job/with_leaves","class-name":"with_leaves","human-annotated":"yes",'
    '"creation-date":"2021-07-11T03:33:42.025Z","type":"groundtruth/image-classification"}}'
)


@pytest.fixture
def account(emulator):
    emulator.configure(account_id="111122223333")
    return "111122223333"


def test_create_dataset_example(client, account, s3, project):
    s3.create_bucket(Bucket="my-bucket")
    s3.put_object(Bucket="my-bucket", Key="datasets/flowers_training/manifests/output/output.manifest", Body=CAMELLIA)

    answer = client.create_dataset(
        DatasetSource={
            "GroundTruthManifest": {
                "S3Object": {
                    "Bucket": "my-bucket",
                    "Name": "datasets/flowers_training/manifests/output/output.manifest",
                }
            }
        },
        DatasetType="TRAIN",
        ProjectArn=project,
    )

    assert answer["DatasetArn"].startswith(
        "arn:aws:rekognition:us-east-1:111122223333:project/my-project/dataset/train/"
    )
    (described,) = client.describe_projects()["ProjectDescriptions"]
    assert set(described) == {"CreationTimestamp", "Datasets", "ProjectArn", "Status"}
    (metadata,) = described["Datasets"]
    assert set(metadata) == {
        "CreationTimestamp",
        "DatasetArn",
        "DatasetType",
        "Status",
        "StatusMessage",
        "StatusMessageCode",
    }
    assert (metadata["Status"], metadata["StatusMessage"], metadata["StatusMessageCode"]) == (
        "CREATE_COMPLETE",
        "The dataset was successfully created from the manifest file.",
        "SUCCESS",
    )


def test_update_then_list_entries_example(client, account, project):
    train = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]
    client.update_dataset_entries(Changes={"GroundTruth": CAMELLIA.encode()}, DatasetArn=train)

    # The example request also sends HasErrors=true, yet its response line carries no error; the documented
    # filter ("only include entries that have errors") cannot return it, so this replay leaves HasErrors out.
    answer = client.list_dataset_entries(
        ContainsLabels=["camellia"], DatasetArn=train, Labeled=True, MaxResults=100, SourceRefContains="camellia4.jpg"
    )

    assert answer["DatasetEntries"] == [CAMELLIA[:-1] + ',"cl-metadata":{"is_labeled":true}}']


def test_list_dataset_labels_example(client, account, project):
    train = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]
    spurge = SPURGE.replace("us-east-1-111111111/", "us-east-1-1111111111/")
    client.update_dataset_entries(Changes={"GroundTruth": (CAMELLIA + "\n" + spurge).encode()}, DatasetArn=train)

    labels = client.list_dataset_labels(DatasetArn=train)["DatasetLabelDescriptions"]

    assert sorted(labels, key=lambda d: d["LabelName"]) == [
        {"LabelName": "camellia", "LabelStats": {"EntryCount": 1}},
        {"LabelName": "mediterranean_spurge", "LabelStats": {"EntryCount": 1}},
        {"LabelName": "with_leaves", "LabelStats": {"EntryCount": 2}},
    ]


def test_describe_dataset_update_failed_example(client, account, project):
    train = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]
    client.update_dataset_entries(Changes={"GroundTruth": CAMELLIA.encode()}, DatasetArn=train)

    client.update_dataset_entries(Changes={"GroundTruth": SPURGE.encode()}, DatasetArn=train)

    description = client.describe_dataset(DatasetArn=train)["DatasetDescription"]
    assert set(description) == {
        "CreationTimestamp",
        "DatasetStats",
        "LastUpdatedTimestamp",
        "Status",
        "StatusMessage",
        "StatusMessageCode",
    }
    assert (description["Status"], description["StatusMessage"], description["StatusMessageCode"]) == (
        "UPDATE_FAILED",
        "The manifest file contains images from multiple S3 buckets.",
        "CLIENT_ERROR",
    )
    assert description["DatasetStats"] == {"ErrorEntries": 0, "LabeledEntries": 1, "TotalEntries": 1, "TotalLabels": 2}


def test_distribute_and_delete_project_examples(client, account, project):
    train = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]
    test = client.create_dataset(ProjectArn=project, DatasetType="TEST")["DatasetArn"]
    lines = [json.loads(CAMELLIA) | {"source-ref": f"s3://bucket/camellia{i}.jpg"} for i in range(5)]
    client.update_dataset_entries(Changes={"GroundTruth": "\n".join(map(json.dumps, lines))}, DatasetArn=train)

    assert (
        client.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": test}])["ResponseMetadata"][
            "HTTPStatusCode"
        ]
        == 200
    )
    for arn in (train, test):
        client.delete_dataset(DatasetArn=arn)
    answer = client.delete_project(ProjectArn=project)

    assert {k: v for k, v in answer.items() if k != "ResponseMetadata"} == {"Status": "DELETING"}
