"""Property-based: no malformed event or property set escapes as anything but a short ProviderError, or hangs."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rekognition_datasets_handler.errors import MAX_REASON_CHARS, ProviderError
from rekognition_datasets_handler.model_properties import (
    parse_model_evaluation,
    parse_model_version,
    parse_project_models,
)
from rekognition_datasets_handler.model_schema import (
    MODEL_EVALUATION_RESOURCE_TYPE,
    MODEL_SERVING_RESOURCE_TYPE,
    MODEL_VERSION_RESOURCE_TYPE,
    PROJECT_MODELS_RESOURCE_TYPE,
    WATCH_EVENT_KEY,
)
from rekognition_datasets_handler.properties import parse_dataset
from rekognition_datasets_handler.provider import is_complete, on_event
from rekognition_datasets_handler.resources.distribution import parse_distribution
from rekognition_datasets_handler.schema import DATASET_RESOURCE_TYPE, DISTRIBUTION_RESOURCE_TYPE
from rekognition_datasets_handler.serving_properties import parse_serving

from .cfn import SERVICE_TOKEN, STACK_ID

if TYPE_CHECKING:
    from rekognition_datasets_handler.runtime import Runtime

#: Replaced by the emulator's real project ARN inside the test, so generated events reach the service paths.
PROJECT = "arn:aws:rekognition:us-east-1:123456789012:project/flowers/1700000000000"
DATASET = "arn:aws:rekognition:us-east-1:123456789012:project/flowers/dataset/train/1700000000001"
VERSION = "arn:aws:rekognition:us-east-1:123456789012:project/flowers/version/v1/1700000000002"

json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30))
junk = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)
arn_like = st.one_of(
    st.just(PROJECT), st.just(DATASET), st.sampled_from(["", "arn:", PROJECT + "x", DATASET.upper()]), junk
)
source = st.one_of(
    junk,
    st.fixed_dictionaries(
        {"Type": st.sampled_from(["empty", "manifest", "dataset", "entries", "other", ""])},
        optional={
            "Bucket": st.sampled_from(["provider-test-data", "b", "UPPER_ok", ""]) | junk,
            "Key": st.text(max_size=20) | junk,
            "Version": st.text(max_size=10) | junk,
            "DatasetArn": arn_like,
            "ImageBucket": st.sampled_from(["images-bucket", "x"]) | junk,
            "Extra": junk,
        },
    ),
)
dataset_properties = st.fixed_dictionaries(
    {},
    optional={
        "ProjectArn": arn_like,
        "DatasetType": st.sampled_from(["TRAIN", "TEST", "train", ""]) | junk,
        "Source": source,
        "SourceFingerprint": st.text(max_size=10) | junk,
        "Tags": st.dictionaries(st.text(max_size=10), st.text(max_size=10) | junk, max_size=3) | junk,
        "MaxErrorEntries": st.sampled_from(["0", "5", "-1", "1e3", "٣"]) | junk,
        "ResetOnTrainingFingerprint": st.text(max_size=10) | junk,
        "Distributed": st.sampled_from(["true", "false", "yes"]) | junk,
        "ServiceToken": st.just(SERVICE_TOKEN),
        "Unknown": junk,
    },
)
distribution_properties = st.fixed_dictionaries(
    {}, optional={"TrainingDatasetArn": arn_like, "TestingDatasetArn": arn_like, "TrainingFingerprint": junk}
)
#: Any of the model resources' keys, valid or junk.
model_properties = st.fixed_dictionaries(
    {},
    optional={
        "ProjectArn": arn_like,
        "VersionName": st.sampled_from(["v1", "v 1", ""]) | junk,
        "OutputBucket": st.sampled_from(["provider-test-output", "B"]) | junk,
        "OutputPrefix": st.sampled_from(["", "models/", "/x", "x"]) | junk,
        "DataFingerprint": st.text(max_size=10) | junk,
        "WaitHandle": st.sampled_from(["https://example.invalid/handle", "ftp://x"]) | junk,
        "MinF1Score": st.sampled_from(["0.85", "1", "1.5", "-0", ".5"]) | junk,
        "WatchMinutes": st.sampled_from(["1", "0", "1441", "٣"]) | junk,
        "KmsKeyId": st.sampled_from(["alias/k", "-bad"]) | junk,
        "VersionDescription": st.text(max_size=10) | junk,
        "Tags": st.dictionaries(st.text(max_size=10), st.text(max_size=10) | junk, max_size=3) | junk,
        "ProjectVersionArn": st.just(VERSION) | arn_like,
        "AutoDeleteModels": st.sampled_from(["true", "false", "yes"]) | junk,
        "MinInferenceUnits": st.sampled_from(["1", "0", "2", "01", "10001", "٣"]) | junk,
        "MaxInferenceUnits": st.sampled_from(["1", "3", "0"]) | junk,
        "AutoStopAfterMinutes": st.sampled_from(["1", "0", "60", "527041"]) | junk,
        "SchedulerRoleArn": st.sampled_from(["arn:aws:iam::123456789012:role/stopper", "stopper"]) | junk,
    },
)
valid_dataset_properties = st.fixed_dictionaries(
    {
        "ProjectArn": st.just(PROJECT),
        "DatasetType": st.sampled_from(["TRAIN", "TEST"]),
        "Source": st.sampled_from(
            [
                {"Type": "empty"},
                {"Type": "manifest", "Bucket": "provider-test-data", "Key": "missing.manifest"},
                {"Type": "entries", "Bucket": "provider-test-data", "Key": "missing.jsonl"},
                {"Type": "dataset", "DatasetArn": DATASET},
            ]
        ),
    },
    optional={"Tags": st.just({"team": "vision"}), "MaxErrorEntries": st.sampled_from(["0", "3"])},
)
ENVELOPE_KEYS = (
    "RequestType",
    "ResourceType",
    "StackId",
    "RequestId",
    "LogicalResourceId",
    "PhysicalResourceId",
    "ResourceProperties",
    "OldResourceProperties",
)
#: A mutation value meaning "remove the key".
REMOVE = object()
well_formed = st.fixed_dictionaries(
    {
        "RequestType": st.sampled_from(["Create", "Update", "Delete"]),
        "ResourceType": st.sampled_from(
            [
                DATASET_RESOURCE_TYPE,
                DISTRIBUTION_RESOURCE_TYPE,
                MODEL_VERSION_RESOURCE_TYPE,
                MODEL_EVALUATION_RESOURCE_TYPE,
                MODEL_SERVING_RESOURCE_TYPE,
                PROJECT_MODELS_RESOURCE_TYPE,
            ]
        ),
        "StackId": st.just(STACK_ID),
        "RequestId": st.uuids().map(str),
        "LogicalResourceId": st.just("Fuzzed"),
        "PhysicalResourceId": st.sampled_from(
            [DATASET, VERSION, "made-up", "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"]
        ),
        "ResourceProperties": valid_dataset_properties
        | dataset_properties
        | distribution_properties
        | model_properties,
        "OldResourceProperties": valid_dataset_properties | dataset_properties,
        "ResponseURL": st.just("https://example.invalid/response"),
    }
)
mutations = st.lists(st.tuples(st.sampled_from(ENVELOPE_KEYS), junk | st.just(REMOVE)), max_size=2)


def mutate(request: dict[str, Any], changes: list[tuple[str, Any]]) -> dict[str, Any]:
    """``request`` with some envelope keys replaced by junk or removed."""
    out = dict(request)
    for key, value in changes:
        if value is REMOVE:
            out.pop(key, None)
        else:
            out[key] = value
    return out


events = st.builds(mutate, well_formed, mutations) | junk


def with_project(value: Any, project_arn: str) -> Any:
    """``value`` with every PROJECT placeholder replaced by ``project_arn``."""
    if isinstance(value, dict):
        return {k: with_project(v, project_arn) for k, v in value.items()}
    if isinstance(value, list):
        return [with_project(v, project_arn) for v in value]
    return project_arn if value == PROJECT else value


@given(props=dataset_properties)
def test_dataset_properties_parse_or_fail_in_one_short_sentence(props: dict[str, Any]) -> None:
    try:
        spec = parse_dataset(props)
    except ProviderError as exc:
        assert 0 < len(str(exc)) <= MAX_REASON_CHARS and "\n" not in str(exc)
    else:
        assert spec.dataset_type in ("TRAIN", "TEST") and len(spec.fingerprint) == 32


@given(props=distribution_properties)
def test_distribution_properties_parse_or_fail_in_one_short_sentence(props: dict[str, Any]) -> None:
    try:
        parse_distribution(props)
    except ProviderError as exc:
        assert 0 < len(str(exc)) <= MAX_REASON_CHARS


@given(props=model_properties)
def test_model_properties_parse_or_fail_in_one_short_sentence(props: dict[str, Any]) -> None:
    for parse in (parse_model_version, parse_model_evaluation, parse_project_models, parse_serving):
        try:
            parse(props)
        except ProviderError as exc:
            assert 0 < len(str(exc)) <= MAX_REASON_CHARS and "\n" not in str(exc)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(watch=junk | model_properties)
def test_a_junk_watch_event_is_logged_never_raised(watch: Any, runtime: Runtime) -> None:
    result = on_event({WATCH_EVENT_KEY: watch}, None, runtime)
    assert result["Watch"] in ("error", "retry")


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(request=events)
def test_no_event_escapes_as_an_unhandled_exception(request: Any, runtime: Runtime, project_arn: str) -> None:
    request = with_project(request, project_arn)
    for entry_point in (on_event, is_complete):
        try:
            result = entry_point(request, None, runtime)
        except ProviderError as exc:
            assert 0 < len(str(exc)) <= MAX_REASON_CHARS
        else:
            json.dumps(result)
            assert isinstance(result, dict)
