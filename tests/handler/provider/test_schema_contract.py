"""The handler accepts exactly the keys of the typed schema the constructs build their properties with.

The TypedDicts exist for type checking only (a cold start does not build them), so their keys are read from
``schema.py``'s source; the handler's key tuples must equal them, and the parsers must accept, use and require
exactly those keys.
"""

from __future__ import annotations

import ast
import inspect
from typing import TYPE_CHECKING, Any, NamedTuple

import pytest

from rekognition_datasets_handler import model_schema, schema
from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.model_properties import (
    parse_model_evaluation,
    parse_model_version,
    parse_project_models,
)
from rekognition_datasets_handler.properties import parse_dataset, parse_source
from rekognition_datasets_handler.resources.distribution import parse_distribution

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from types import ModuleType

PROJECT = "arn:aws:rekognition:us-east-1:123456789012:project/flowers/1700000000000"
DATASET = "arn:aws:rekognition:us-east-1:123456789012:project/flowers/dataset/train/1700000000001"
TEST_DATASET = "arn:aws:rekognition:us-east-1:123456789012:project/flowers/dataset/test/1700000000002"

#: A valid value for every key of the schema (a key added to the schema without one fails these tests).
SAMPLES: dict[str, Any] = {
    "ProjectArn": PROJECT,
    "DatasetType": "TEST",
    "Source": {"Type": "dataset", "DatasetArn": DATASET},
    "SourceFingerprint": "fingerprint-1",
    "Tags": {"team": "vision"},
    "MaxErrorEntries": "3",
    "ResetOnTrainingFingerprint": "training-fingerprint-1",
    "Distributed": "true",
    "TrainingDatasetArn": DATASET,
    "TestingDatasetArn": TEST_DATASET,
    "TrainingFingerprint": "training-fingerprint-1",
    "Bucket": "provider-test-data",
    "Key": "train.manifest",
    "Version": "v1",
    "DatasetArn": DATASET,
    "ImageBucket": "provider-test-images",
    "Prefix": "photos/",
    "StagingBucket": "provider-test-assets",
    "StagingPrefix": "staged/",
    "VersionName": "v1",
    "OutputBucket": "provider-test-output",
    "OutputPrefix": "models/",
    "DataFingerprint": "data-fingerprint-1",
    "WaitHandle": "https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com/handle?X-Amz-Signature=s",
    "MinF1Score": "0.85",
    "WatchMinutes": "5",
    "KmsKeyId": "alias/models",
    "VersionDescription": "trained by the stack",
    "ProjectVersionArn": "arn:aws:rekognition:us-east-1:123456789012:project/flowers/version/v1/1700000000003",
    "AutoDeleteModels": "true",
}


class Keys(NamedTuple):
    required: frozenset[str]
    optional: frozenset[str]

    @property
    def all(self) -> frozenset[str]:
        return self.required | self.optional


def _typed_dicts(module: ModuleType) -> dict[str, tuple[Keys, str | None]]:
    """Each TypedDict of ``module``: its required and optional keys, and its ``Type`` literal if it has one."""
    found: dict[str, tuple[Keys, str | None]] = {}
    for node in ast.walk(ast.parse(inspect.getsource(module))):
        if not isinstance(node, ast.ClassDef) or not any(
            isinstance(base, ast.Name) and base.id == "TypedDict" for base in node.bases
        ):
            continue
        required: set[str] = set()
        optional: set[str] = set()
        type_literal = None
        for field in node.body:
            if not isinstance(field, ast.AnnAssign) or not isinstance(field.target, ast.Name):
                continue
            annotation = field.annotation
            wrapper = annotation.value if isinstance(annotation, ast.Subscript) else None
            is_optional = isinstance(wrapper, ast.Name) and wrapper.id == "NotRequired"
            (optional if is_optional else required).add(field.target.id)
            if field.target.id == "Type" and isinstance(annotation, ast.Subscript):
                literal = annotation.slice
                assert isinstance(literal, ast.Constant)
                type_literal = str(literal.value)
        found[node.name] = (Keys(frozenset(required), frozenset(optional)), type_literal)
    return found


TYPED = _typed_dicts(schema) | _typed_dicts(model_schema)
#: The model TypedDicts, their key tuples in ``model_schema`` and the handler's parser (None: parsed by a
#: reconciler another branch owns).
MODEL_CONTRACT: dict[str, tuple[tuple[str, ...], tuple[str, ...], Callable[[Mapping[str, Any]], object] | None]] = {
    "ModelVersionProperties": (
        model_schema.MODEL_VERSION_REQUIRED_KEYS,
        model_schema.MODEL_VERSION_OPTIONAL_KEYS,
        parse_model_version,
    ),
    "ModelEvaluationProperties": (
        model_schema.MODEL_EVALUATION_REQUIRED_KEYS,
        model_schema.MODEL_EVALUATION_OPTIONAL_KEYS,
        parse_model_evaluation,
    ),
    "ModelServingProperties": (
        model_schema.MODEL_SERVING_REQUIRED_KEYS,
        model_schema.MODEL_SERVING_OPTIONAL_KEYS,
        None,
    ),
    "ProjectModelsProperties": (
        model_schema.PROJECT_MODELS_REQUIRED_KEYS,
        model_schema.PROJECT_MODELS_OPTIONAL_KEYS,
        parse_project_models,
    ),
}
SOURCE_TYPED = {kind: keys for keys, kind in TYPED.values() if kind is not None}


def test_key_tuples_equal_the_typed_dicts() -> None:
    assert TYPED["DatasetProperties"][0] == Keys(
        frozenset(schema.DATASET_REQUIRED_KEYS), frozenset(schema.DATASET_OPTIONAL_KEYS)
    )
    assert TYPED["DistributionProperties"][0] == Keys(
        frozenset(schema.DISTRIBUTION_REQUIRED_KEYS), frozenset(schema.DISTRIBUTION_OPTIONAL_KEYS)
    )
    assert {
        kind: Keys(frozenset(required), frozenset(optional))
        for kind, (required, optional) in schema.SOURCE_KEYS.items()
    } == SOURCE_TYPED
    assert (
        set(schema.SOURCE_TYPES) == set(SOURCE_TYPED) == {"empty", "manifest", "dataset", "entries", "prefix", "folder"}
    )


def test_model_key_tuples_equal_the_typed_dicts() -> None:
    assert set(MODEL_CONTRACT) == set(_typed_dicts(model_schema))
    for name, (required, optional, _) in MODEL_CONTRACT.items():
        assert TYPED[name][0] == Keys(frozenset(required), frozenset(optional)), name


def _cases() -> list[tuple[str, Keys, Callable[[Mapping[str, Any]], object], dict[str, Any]]]:
    """(name, the TypedDict's keys, the handler's parser, a property set holding every key)."""
    cases: list[tuple[str, Keys, Callable[[Mapping[str, Any]], object], dict[str, Any]]] = []
    for name, parser in (("DatasetProperties", parse_dataset), ("DistributionProperties", parse_distribution)):
        keys = TYPED[name][0]
        cases.append((name, keys, parser, {key: SAMPLES[key] for key in keys.all}))
    for kind, keys in sorted(SOURCE_TYPED.items()):
        full = {"Type": kind} | {key: SAMPLES[key] for key in keys.all - {"Type"}}
        cases.append((f"Source {kind}", keys, parse_source, full))
    for name, (_, _, model_parser) in MODEL_CONTRACT.items():
        if model_parser is not None:
            keys = TYPED[name][0]
            cases.append((name, keys, model_parser, {key: SAMPLES[key] for key in keys.all}))
    return cases


CASES = _cases()
IDS = [case[0] for case in CASES]


@pytest.mark.parametrize(("name", "keys", "parse", "full"), CASES, ids=IDS)
def test_every_schema_key_is_accepted_and_read(
    name: str, keys: Keys, parse: Callable[[Mapping[str, Any]], object], full: dict[str, Any]
) -> None:
    parsed = parse(full)
    for key in keys.optional:  # each optional key changes what the handler parsed: it is read, not just let in
        assert parse({k: v for k, v in full.items() if k != key}) != parsed, f"{name}.{key} is ignored"


@pytest.mark.parametrize(("name", "keys", "parse", "full"), CASES, ids=IDS)
def test_every_required_key_is_required(
    name: str, keys: Keys, parse: Callable[[Mapping[str, Any]], object], full: dict[str, Any]
) -> None:
    for key in keys.required:
        with pytest.raises(ProviderError, match=key):
            parse({k: v for k, v in full.items() if k != key})


@pytest.mark.parametrize(("name", "keys", "parse", "full"), CASES, ids=IDS)
def test_an_unknown_key_is_refused_by_name(
    name: str, keys: Keys, parse: Callable[[Mapping[str, Any]], object], full: dict[str, Any]
) -> None:
    with pytest.raises(ProviderError, match=r"Unknown .*property 'SourceBucket'; allowed: ") as refused:
        parse({**full, "SourceBucket": "provider-test-data"})
    assert all(key in str(refused.value) for key in keys.all)


@pytest.mark.parametrize("kind", sorted(schema.SOURCE_KEYS))
def test_a_source_refuses_the_keys_of_other_source_types(kind: str) -> None:
    own = SOURCE_TYPED[kind].all
    full = {"Type": kind} | {key: SAMPLES[key] for key in own - {"Type"}}
    for other in sorted(set().union(*(keys.all for keys in SOURCE_TYPED.values())) - own):
        with pytest.raises(ProviderError, match=f"Unknown Source property '{other}'"):
            parse_source({**full, other: SAMPLES[other]})


@pytest.mark.parametrize(("name", "keys", "parse", "full"), CASES[:2], ids=IDS[:2])
def test_the_keys_cloudformation_adds_are_accepted(
    name: str, keys: Keys, parse: Callable[[Mapping[str, Any]], object], full: dict[str, Any]
) -> None:
    framework = {"ServiceToken": "arn:aws:lambda:us-east-1:123456789012:function:f", "ServiceTimeout": "3000"}
    assert parse({**full, **framework}) == parse(full)
