"""Reads of the Rekognition dataset API that every reconcile step starts from."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from dataset_provider.errors import ProviderError
from dataset_provider.retry import error_code

if TYPE_CHECKING:
    from mypy_boto3_rekognition import RekognitionClient

IN_PROGRESS = frozenset({"CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS"})
FAILED = frozenset({"CREATE_FAILED", "UPDATE_FAILED"})
COMPLETE = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE"})
MAX_ERROR_SAMPLES = 5


@dataclass(frozen=True)
class Dataset:
    """A dataset as DescribeDataset + ListTagsForResource show it."""

    arn: str
    status: str
    status_message: str
    stats: dict[str, int]
    tags: dict[str, str]


@dataclass(frozen=True)
class Slot:
    """What DescribeProjects says about one (project, type) slot: the dataset in it and its status."""

    project_exists: bool
    dataset_arn: str | None
    status: str = ""


def is_not_found(exc: Exception) -> bool:
    """True for ResourceNotFoundException."""
    return error_code(exc) == "ResourceNotFoundException"


def find_slot(rek: RekognitionClient, project_arn: str, project_name: str, dataset_type: str) -> Slot:
    """The dataset (if any) of ``dataset_type`` in the project (matched by ARN, not only by name)."""
    response = rek.describe_projects(ProjectNames=[project_name])
    for project in response.get("ProjectDescriptions", []):
        if project.get("ProjectArn") != project_arn:
            continue
        for meta in project.get("Datasets", []):
            if meta.get("DatasetType") == dataset_type and meta.get("DatasetArn"):
                return Slot(project_exists=True, dataset_arn=meta["DatasetArn"], status=str(meta.get("Status", "")))
        return Slot(project_exists=True, dataset_arn=None)
    return Slot(project_exists=False, dataset_arn=None)


def describe(rek: RekognitionClient, arn: str, tags: dict[str, str]) -> Dataset | None:
    """DescribeDataset alone, with ``tags`` as the caller knows them; None when the dataset does not exist."""
    try:
        description = rek.describe_dataset(DatasetArn=arn)["DatasetDescription"]
    except ClientError as exc:
        if is_not_found(exc):
            return None
        raise
    stats = description.get("DatasetStats", {})
    return Dataset(
        arn=arn,
        status=str(description.get("Status", "")),
        status_message=str(description.get("StatusMessage", "")),
        stats={k: int(v) for k, v in stats.items() if isinstance(v, int)},
        tags=tags,
    )


def read_tags(rek: RekognitionClient, arn: str) -> dict[str, str] | None:
    """ListTagsForResource, or None when the dataset does not exist."""
    try:
        return dict(rek.list_tags_for_resource(ResourceArn=arn).get("Tags", {}))
    except ClientError as exc:
        if is_not_found(exc):
            return None
        raise


def with_tags(rek: RekognitionClient, dataset: Dataset) -> Dataset | None:
    """``dataset`` with the tags the service holds; None when it no longer exists."""
    tags = read_tags(rek, dataset.arn)
    return None if tags is None else replace(dataset, tags=tags)


def read_dataset(rek: RekognitionClient, arn: str) -> Dataset | None:
    """DescribeDataset + tags, or None when the dataset does not exist (any more)."""
    dataset = describe(rek, arn, {})
    return None if dataset is None else with_tags(rek, dataset)


def _error_codes(node: Any, found: list[str]) -> None:
    if isinstance(node, dict):
        for error in node.get("cl-errors", []) if isinstance(node.get("cl-errors"), list) else []:
            if isinstance(error, dict) and error.get("code"):
                found.append(str(error["code"]))
        for key, value in node.items():
            if key != "cl-errors":
                _error_codes(value, found)


def entry_error_samples(rek: RekognitionClient, arn: str) -> list[str]:
    """The first few per-entry error codes, as ``CODE (image name)``; [] when the dataset is not readable."""
    try:
        entries = rek.list_dataset_entries(DatasetArn=arn, HasErrors=True, MaxResults=MAX_ERROR_SAMPLES)
    except ClientError:
        return []
    samples: list[str] = []
    for line in entries.get("DatasetEntries", []):
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        codes: list[str] = []
        _error_codes(entry, codes)
        name = str(entry.get("source-ref", "")).rsplit("/", 1)[-1][:60] if isinstance(entry, dict) else ""
        samples.extend(f"{code} ({name})" if name else code for code in dict.fromkeys(codes))
    return samples[:MAX_ERROR_SAMPLES]


def failure(rek: RekognitionClient, dataset: Dataset, what: str) -> ProviderError:
    """A short terminal error: the service's StatusMessage plus a sample of entry error codes."""
    message = f"Dataset {dataset.arn} {what}"
    if dataset.status_message:
        message += f": {dataset.status_message[:400]}"
    samples = entry_error_samples(rek, dataset.arn)
    if samples:
        message += ". Entry errors: " + ", ".join(samples)
    return ProviderError(message)
