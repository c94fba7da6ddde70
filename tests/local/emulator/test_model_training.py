"""CreateProjectVersion and DescribeProjectVersions: training from the datasets, evaluation, refusals, waiters."""

from __future__ import annotations

import json

import pytest
from botocore.exceptions import WaiterError

from .conftest import OUTPUT_BUCKET, error_of
from .manifests import labelled
from .shapes import assert_matches_output

NOW_WAIT = {"Delay": 0, "MaxAttempts": 3}


def _train(client, project, output, name="v1", **extra):
    return client.create_project_version(ProjectArn=project, VersionName=name, OutputConfig=output, **extra)[
        "ProjectVersionArn"
    ]


def _describe(client, project, name="v1"):
    answer = client.describe_project_versions(ProjectArn=project, VersionNames=[name])
    assert_matches_output("DescribeProjectVersions", answer)
    (description,) = answer["ProjectVersionDescriptions"]
    return description


def test_trains_on_the_projects_datasets_for_the_configured_time(client, emulator, trainable, output, s3):
    emulator.configure(training_delay=3600)

    created = client.create_project_version(
        ProjectArn=trainable,
        VersionName="v1",
        OutputConfig=output,
        Tags={"team": "vision"},
        KmsKeyId="alias/models",
        VersionDescription="first model",
    )
    arn = created["ProjectVersionArn"]
    training = _describe(client, trainable)
    emulator.advance_time(3600)
    trained = _describe(client, trainable)

    assert_matches_output("CreateProjectVersion", created)
    assert arn.startswith(trainable.rsplit("/", 1)[0] + "/version/v1/")
    assert training["Status"] == "TRAINING_IN_PROGRESS"
    assert not {"EvaluationResult", "TrainingEndTimestamp", "BillableTrainingTimeInSeconds"} & set(training)
    assert (trained["Status"], trained["BillableTrainingTimeInSeconds"]) == ("TRAINING_COMPLETED", 3600)
    assert (trained["TrainingEndTimestamp"] - trained["CreationTimestamp"]).total_seconds() == pytest.approx(
        3600, abs=1
    )
    assert (trained["KmsKeyId"], trained["VersionDescription"], trained["OutputConfig"]) == (
        "alias/models",
        "first model",
        output,
    )
    assert trained["EvaluationResult"] == {
        "F1Score": 0.9,
        "Summary": {"S3Object": {"Bucket": OUTPUT_BUCKET, "Name": "models/EvaluationSummary-my-project-v1.json"}},
    }
    assert s3.head_object(Bucket=OUTPUT_BUCKET, Key=trained["ManifestSummary"]["S3Object"]["Name"])
    assert client.list_tags_for_resource(ResourceArn=arn)["Tags"] == {"team": "vision"}


def test_the_evaluation_summary_has_the_documented_format(client, trainable, output, s3):
    arn = _train(client, trainable, output)
    summary_object = _describe(client, trainable)["EvaluationResult"]["Summary"]["S3Object"]

    summary = json.loads(s3.get_object(Bucket=summary_object["Bucket"], Key=summary_object["Name"])["Body"].read())

    details, aggregate, labels = (
        summary["EvaluationDetails"],
        summary["AggregatedEvaluationResults"],
        summary["LabelEvaluationResults"],
    )
    assert summary["Version"] == 1
    assert (details["ProjectVersionArn"], details["Labels"]) == (arn, ["car", "cat", "dog"])
    assert (details["NumberOfTrainingImages"], details["NumberOfTestingImages"]) == (10, 3)
    assert aggregate["F1Score"] == 0.9
    assert [label["Label"] for label in labels] == sorted(
        (label["Label"] for label in labels),
        key=lambda name: -next(r["Metrics"]["F1Score"] for r in labels if r["Label"] == name),
    )
    for metrics in [aggregate, *(label["Metrics"] for label in labels)]:
        precision, recall, f1 = metrics["Precision"], metrics["Recall"], metrics["F1Score"]
        assert 0 <= recall <= f1 <= precision <= 1
        assert 2 * precision * recall / (precision + recall) == pytest.approx(f1, abs=1e-5)
    assert {label["Label"]: label["NumberOfTestingImages"] for label in labels} == {"car": 1, "cat": 1, "dog": 1}
    assert all(0 < label["Metrics"]["Threshold"] < 1 for label in labels)


@pytest.mark.parametrize(
    ("f1s", "expected"),
    [({}, 0.9), ({"my-project": 0.7}, 0.7), ({"v1": 0.6, "my-project": 0.7}, 0.6), ({"my-project/v1": 0.5}, 0.5)],
)
def test_the_f1_reached_is_configurable_per_version_and_project(client, emulator, trainable, output, f1s, expected):
    emulator.configure(training_f1s=f1s)

    _train(client, trainable, output)

    assert _describe(client, trainable)["EvaluationResult"]["F1Score"] == expected


def test_a_configured_failure_ends_the_training_failed_unbilled_without_evaluation(client, emulator, trainable, output):
    emulator.configure(training_failures={"v1": "The training ran out of budget."})

    _train(client, trainable, output)
    failed = _describe(client, trainable)
    _train(client, trainable, output, name="v2")

    assert (failed["Status"], failed["StatusMessage"]) == ("TRAINING_FAILED", "The training ran out of budget.")
    assert "TrainingEndTimestamp" in failed
    assert not {"EvaluationResult", "BillableTrainingTimeInSeconds", "ManifestSummary"} & set(failed)
    assert _describe(client, trainable, "v2")["Status"] == "TRAINING_COMPLETED"


def test_a_training_that_cannot_write_its_results_fails(client, trainable):
    _train(client, trainable, {"S3Bucket": "no-such-bucket"})

    failed = _describe(client, trainable)

    assert failed["Status"] == "TRAINING_FAILED"
    assert "s3://no-such-bucket/" in failed["StatusMessage"]


def test_a_training_without_labeled_images_fails(client, project, output, put_manifest):
    for kind in ("TRAIN", "TEST"):
        manifest = put_manifest([{"source-ref": f"s3://images-bucket/{kind}.jpg"}], key=f"{kind}.manifest")
        client.create_dataset(
            ProjectArn=project, DatasetType=kind, DatasetSource={"GroundTruthManifest": {"S3Object": manifest}}
        )

    _train(client, project, output)

    assert _describe(client, project)["Status"] == "TRAINING_FAILED"


def test_trains_from_manifests_with_an_automatic_test_split(client, project, output, put_manifest):
    training = {"Assets": [{"GroundTruthManifest": {"S3Object": put_manifest(labelled({"cat": 5, "dog": 5}))}}]}

    _train(client, project, output, TrainingData=training, TestingData={"AutoCreate": True})
    trained = _describe(client, project)

    assert trained["Status"] == "TRAINING_COMPLETED"
    assert trained["TrainingDataResult"] == {"Input": training}
    assert trained["TestingDataResult"] == {"Input": {"AutoCreate": True}}


def _refusal(client, project, output, **extra):
    with pytest.raises(client.exceptions.ClientError) as raised:
        _train(client, project, output, **extra)
    return error_of(raised)


def test_refuses_a_project_without_both_datasets(client, project, output):
    client.create_dataset(ProjectArn=project, DatasetType="TRAIN")

    assert _refusal(client, project, output)["Code"] == "InvalidParameterException"


def test_refuses_datasets_still_being_created_or_empty(client, emulator, project, output, put_manifest):
    emulator.configure(dataset_create_delay=10)
    manifest = {"GroundTruthManifest": {"S3Object": put_manifest(labelled({"cat": 3}))}}
    client.create_dataset(ProjectArn=project, DatasetType="TRAIN", DatasetSource=manifest)
    client.create_dataset(ProjectArn=project, DatasetType="TEST")

    in_progress = _refusal(client, project, output)
    emulator.advance_time(10)
    empty = _refusal(client, project, output)

    assert in_progress["Code"] == "ResourceInUseException"
    assert (empty["Code"], "TEST dataset" in empty["Message"], "empty" in empty["Message"]) == (
        "InvalidParameterException",
        True,
        True,
    )


def test_refuses_a_failed_dataset(client, emulator, project, output):
    emulator.faults.fail_next(project, "broken")
    client.create_dataset(ProjectArn=project, DatasetType="TRAIN")
    client.create_dataset(ProjectArn=project, DatasetType="TEST")

    refused = _refusal(client, project, output)

    assert (refused["Code"], "CREATE_FAILED" in refused["Message"]) == ("InvalidParameterException", True)


def test_refuses_a_used_version_name_manifests_beside_datasets_and_a_missing_project(client, trainable, output):
    _train(client, trainable, output)
    training = {"Assets": [{"GroundTruthManifest": {"S3Object": {"Bucket": "bucket", "Name": "m"}}}]}

    assert _refusal(client, trainable, output)["Code"] == "ResourceInUseException"
    beside = _refusal(client, trainable, output, name="v2", TrainingData=training, TestingData={"AutoCreate": True})
    assert beside["Code"] == "InvalidParameterException"
    missing = _refusal(client, trainable.replace("my-project", "other"), output)
    assert missing["Code"] == "ResourceNotFoundException"


def test_refuses_training_data_without_testing_data(client, project, output, put_manifest):
    training = {"Assets": [{"GroundTruthManifest": {"S3Object": put_manifest(labelled({"cat": 5}))}}]}

    refused = _refusal(client, project, output, TrainingData=training)

    assert (refused["Code"], "TestingData" in refused["Message"]) == ("InvalidParameterException", True)


def test_describe_filters_by_name_lists_newest_first_and_paginates(client, trainable, output):
    arns = [_train(client, trainable, output, name=f"v{i}") for i in range(5)]

    every = client.describe_project_versions(ProjectArn=trainable)["ProjectVersionDescriptions"]
    named = client.describe_project_versions(ProjectArn=trainable, VersionNames=["v1", "v3", "nope"])
    pages = client.get_paginator("describe_project_versions").paginate(
        ProjectArn=trainable, PaginationConfig={"PageSize": 2}
    )

    assert [d["ProjectVersionArn"] for d in every] == arns[::-1]
    assert [d["ProjectVersionArn"] for d in named["ProjectVersionDescriptions"]] == [arns[3], arns[1]]
    assert [len(page["ProjectVersionDescriptions"]) for page in pages] == [2, 2, 1]


def test_describe_refuses_more_than_ten_names_and_a_missing_project(client, trainable):
    with pytest.raises(client.exceptions.ClientError) as too_many:
        client.describe_project_versions(ProjectArn=trainable, VersionNames=[f"v{i}" for i in range(11)])
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_project_versions(ProjectArn=trainable.replace("my-project", "other"))

    assert error_of(too_many)["Code"] == "ValidationException"


def test_the_training_completed_waiter_succeeds_and_fails_with_the_service(client, emulator, trainable, output):
    emulator.configure(training_failures={"bad": "no luck"})
    _train(client, trainable, output, name="good")
    _train(client, trainable, output, name="bad")
    waiter = client.get_waiter("project_version_training_completed")

    waiter.wait(ProjectArn=trainable, VersionNames=["good"], WaiterConfig=NOW_WAIT)
    with pytest.raises(WaiterError, match="terminal failure state"):
        waiter.wait(ProjectArn=trainable, VersionNames=["bad"], WaiterConfig=NOW_WAIT)


def test_versions_are_taggable_and_tagging_a_deleted_version_is_refused(client, trainable, output):
    arn = _train(client, trainable, output, Tags={"a": "1"})

    client.tag_resource(ResourceArn=arn, Tags={"b": "2"})
    client.untag_resource(ResourceArn=arn, TagKeys=["a"])
    tags = client.list_tags_for_resource(ResourceArn=arn)
    _describe(client, trainable)
    client.delete_project_version(ProjectVersionArn=arn)
    client.describe_project_versions(ProjectArn=trainable)

    assert_matches_output("ListTagsForResource", tags)
    assert tags["Tags"] == {"b": "2"}
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.list_tags_for_resource(ResourceArn=arn)


def test_requests_are_validated_against_the_model(client, trainable, output):
    refused = _refusal(client, trainable, output, name="not a name!", VersionDescription="ok")

    assert refused == {
        "Code": "ValidationException",
        "Message": "1 validation error detected: Value 'not a name!' at 'versionName' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-zA-Z0-9_.\\-]+",
    }
