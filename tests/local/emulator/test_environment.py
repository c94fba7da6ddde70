"""The shared fixture's environment: plain boto3 clients reach the emulator; reset clears everything."""

from __future__ import annotations

import threading

import boto3


def test_plain_clients_reach_rekognition_s3_events_and_lambda(emulator):
    boto3.client("s3").create_bucket(Bucket="env-bucket")
    rule = boto3.client("events").put_rule(Name="poll", ScheduleExpression="rate(1 minute)")["RuleArn"]
    arn = boto3.client("rekognition").create_project(ProjectName="env")["ProjectArn"]

    assert [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]] == ["env-bucket"]
    assert rule == "arn:aws:events:us-east-1:123456789012:rule/poll"
    assert boto3.client("lambda").list_functions()["Functions"] == []
    assert emulator.request_log.count("CreateProject") == 1
    assert arn.startswith("arn:aws:rekognition:us-east-1:123456789012:project/env/")


def test_reset_forgets_rekognition_and_moto_state(emulator, rekognition, s3):
    rekognition.create_project(ProjectName="gone-after-reset")
    s3.create_bucket(Bucket="gone-after-reset")
    boto3.client("events").put_rule(Name="gone", ScheduleExpression="rate(1 minute)")
    emulator.faults.throttle_next(5)
    emulator.advance_time(100)
    emulator.configure(dataset_create_delay=9)

    emulator.reset()

    assert rekognition.describe_projects()["ProjectDescriptions"] == []
    assert s3.list_buckets()["Buckets"] == []
    assert boto3.client("events").list_rules()["Rules"] == []
    assert emulator.config.dataset_create_delay == 0
    assert emulator.request_log.count() == 1


def test_concurrent_calls_get_unique_arns_and_are_all_logged(emulator):
    arns: list[str] = []

    def create(i: int) -> None:
        arns.append(boto3.client("rekognition").create_project(ProjectName=f"p{i}")["ProjectArn"])

    threads = [threading.Thread(target=create, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len({arn.rsplit("/", 1)[1] for arn in arns}) == 8
    assert emulator.request_log.count("CreateProject", outcome="OK") == 8
