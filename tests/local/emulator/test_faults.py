"""Fault injection through ``emulator.faults`` and the request log."""

from __future__ import annotations

import pytest

from .conftest import error_of
from .manifests import jsonl, labelled


def test_throttle_next_call_of_any_operation(client, emulator):
    emulator.faults.throttle_next()

    with pytest.raises(client.exceptions.ThrottlingException) as raised:
        client.describe_projects()

    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert client.describe_projects()["ProjectDescriptions"] == []


def test_throttle_one_operation_with_provisioned_throughput(client, emulator):
    emulator.faults.throttle_next(2, operation="DescribeProjects", code="ProvisionedThroughputExceededException")

    client.create_project(ProjectName="unaffected")
    for _ in range(2):
        with pytest.raises(client.exceptions.ProvisionedThroughputExceededException) as raised:
            client.describe_projects()
        assert error_of(raised)["Message"] == "Provisioned Rate exceeded."
        assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
    assert len(client.describe_projects()["ProjectDescriptions"]) == 1


def _throttled_pattern(client, emulator, seed):
    emulator.faults.throttle_fraction("DescribeProjects", 0.5, seed=seed)
    pattern = []
    for _ in range(20):
        try:
            client.describe_projects()
            pattern.append(False)
        except client.exceptions.ThrottlingException:
            pattern.append(True)
    return pattern


def test_throttle_fraction_is_seeded(client, emulator):
    first = _throttled_pattern(client, emulator, seed=7)
    second = _throttled_pattern(client, emulator, seed=7)

    assert first == second
    assert 0 < sum(first) < 20
    client.create_project(ProjectName="other-operations-pass")


def test_star_throttles_a_fraction_of_every_operation(client, emulator):
    emulator.faults.throttle_fraction("*", 1.0)

    with pytest.raises(client.exceptions.ThrottlingException):
        client.describe_projects()
    with pytest.raises(client.exceptions.ThrottlingException):
        client.create_project(ProjectName="p")


def test_star_counts_calls_of_every_operation(client, emulator):
    emulator.faults.internal_error_next(1, operation="*")

    with pytest.raises(client.exceptions.InternalServerError):
        client.create_project(ProjectName="p")
    assert client.create_project(ProjectName="p")["ProjectArn"]


@pytest.mark.parametrize(
    ("name", "hint"),
    [("DescribeDatasets", "DescribeDataset"), ("createproject", "CreateProject"), ("Xyz", "CamelCase")],
)
def test_unknown_operation_names_are_refused_with_close_matches(emulator, name, hint):
    for arm in (
        lambda: emulator.faults.throttle_fraction(name, 0.5),
        lambda: emulator.faults.throttle_next(1, operation=name),
        lambda: emulator.faults.internal_error_next(1, operation=name),
    ):
        with pytest.raises(ValueError, match=f"unknown Rekognition operation '{name}'.*{hint}"):
            arm()


def test_internal_error_next_calls_of_an_operation(client, emulator):
    emulator.faults.internal_error_next(1, operation="CreateProject")

    with pytest.raises(client.exceptions.InternalServerError) as raised:
        client.create_project(ProjectName="p")

    assert raised.value.response["ResponseMetadata"]["HTTPStatusCode"] == 500
    assert client.create_project(ProjectName="p")["ProjectArn"]


def test_fail_next_update_of_a_dataset(client, emulator, project):
    dataset = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]
    client.update_dataset_entries(DatasetArn=dataset, Changes={"GroundTruth": jsonl(labelled({"cat": 2}))})
    emulator.faults.fail_next(dataset, "Internal failure while updating.")

    client.update_dataset_entries(DatasetArn=dataset, Changes={"GroundTruth": jsonl(labelled({"dog": 2}))})

    description = client.describe_dataset(DatasetArn=dataset)["DatasetDescription"]
    assert (description["Status"], description["StatusMessage"], description["StatusMessageCode"]) == (
        "UPDATE_FAILED",
        "Internal failure while updating.",
        "SERVICE_ERROR",
    )
    assert description["DatasetStats"]["TotalEntries"] == 2


def test_fail_next_dataset_create_in_a_project(client, emulator, project):
    emulator.faults.fail_next(project, "Service failure.")

    dataset = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]
    second = client.create_dataset(ProjectArn=project, DatasetType="TEST")["DatasetArn"]

    assert client.describe_dataset(DatasetArn=dataset)["DatasetDescription"]["Status"] == "CREATE_FAILED"
    assert client.describe_dataset(DatasetArn=second)["DatasetDescription"]["Status"] == "CREATE_COMPLETE"


def test_fail_next_distribution_fails_both(client, emulator, project):
    train = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]
    test = client.create_dataset(ProjectArn=project, DatasetType="TEST")["DatasetArn"]
    client.update_dataset_entries(DatasetArn=train, Changes={"GroundTruth": jsonl(labelled({"cat": 5, "dog": 5}))})
    emulator.faults.fail_next("*", "Distribution failed.")

    client.distribute_dataset_entries(Datasets=[{"Arn": train}, {"Arn": test}])

    for arn in (train, test):
        description = client.describe_dataset(DatasetArn=arn)["DatasetDescription"]
        assert (description["Status"], description["StatusMessageCode"]) == ("UPDATE_FAILED", "SERVICE_ERROR")


def test_slow_transitions(client, emulator, project):
    emulator.faults.slow(30)

    dataset = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]

    assert client.describe_dataset(DatasetArn=dataset)["DatasetDescription"]["Status"] == "CREATE_IN_PROGRESS"
    emulator.advance_time(30)
    assert client.describe_dataset(DatasetArn=dataset)["DatasetDescription"]["Status"] == "CREATE_COMPLETE"


def test_delete_dataset_out_of_band(client, emulator, project):
    dataset = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]

    emulator.faults.delete_dataset(dataset)

    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_dataset(DatasetArn=dataset)
    assert client.describe_projects()["ProjectDescriptions"][0]["Datasets"] == []
    assert client.delete_project(ProjectArn=project)["Status"] == "DELETING"


@pytest.mark.parametrize(
    ("arm", "message"),
    [
        (lambda f: f.throttle_next(code="SlowDown"), "code must be one of"),
        (lambda f: f.throttle_next(0), "count must be >= 1"),
        (lambda f: f.throttle_fraction("DescribeProjects", 1.5), "fraction must be between 0 and 1"),
        (lambda f: f.slow(-1), "seconds must be >= 0"),
    ],
)
def test_bad_fault_arguments_are_refused(emulator, arm, message):
    with pytest.raises(ValueError, match=message):
        arm(emulator.faults)


def test_request_log_records_operations_outcomes_and_blob_sizes(client, emulator, project):
    dataset = client.create_dataset(ProjectArn=project, DatasetType="TRAIN")["DatasetArn"]
    blob = jsonl(labelled({"cat": 3})).encode()
    client.update_dataset_entries(DatasetArn=dataset, Changes={"GroundTruth": blob})
    with pytest.raises(client.exceptions.ResourceAlreadyExistsException):
        client.create_dataset(ProjectArn=project, DatasetType="TRAIN")

    log = emulator.request_log

    assert [(e.operation, e.outcome) for e in log.entries()] == [
        ("CreateProject", "OK"),
        ("CreateDataset", "OK"),
        ("UpdateDatasetEntries", "OK"),
        ("CreateDataset", "ResourceAlreadyExistsException"),
    ]
    (update,) = log.entries("UpdateDatasetEntries")
    assert update.params == {"DatasetArn": dataset, "Changes": {"GroundTruth": {"size": len(blob)}}}
    assert log.count("CreateDataset") == 2
    assert log.count(outcome="OK") == 3
