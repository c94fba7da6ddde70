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

from rekognition_datasets_handler import schema
from rekognition_datasets_handler.errors import ProviderError
from rekognition_datasets_handler.properties import parse_dataset, parse_source
from rekognition_datasets_handler.resources.distribution import parse_distribution

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

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
}


class Keys(NamedTuple):
    required: frozenset[str]
    optional: frozenset[str]

    @property
    def all(self) -> frozenset[str]:
        return self.required | self.optional


def _typed_dicts() -> dict[str, tuple[Keys, str | None]]:
    """Each TypedDict of ``schema.py``: its required and optional keys, and its ``Type`` literal if it has one."""
    found: dict[str, tuple[Keys, str | None]] = {}
    for node in ast.walk(ast.parse(inspect.getsource(schema))):
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


TYPED = _typed_dicts()
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


def _cases() -> list[tuple[str, Keys, Callable[[Mapping[str, Any]], object], dict[str, Any]]]:
    """(name, the TypedDict's keys, the handler's parser, a property set holding every key)."""
    cases: list[tuple[str, Keys, Callable[[Mapping[str, Any]], object], dict[str, Any]]] = []
    for name, parser in (("DatasetProperties", parse_dataset), ("DistributionProperties", parse_distribution)):
        keys = TYPED[name][0]
        cases.append((name, keys, parser, {key: SAMPLES[key] for key in keys.all}))
    for kind, keys in sorted(SOURCE_TYPED.items()):
        full = {"Type": kind} | {key: SAMPLES[key] for key in keys.all - {"Type"}}
        cases.append((f"Source {kind}", keys, parse_source, full))
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
