"""Reads of the Rekognition dataset API that every reconcile step starts from."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from botocore.exceptions import ClientError

from rekognition_datasets_handler.retry import error_code

if TYPE_CHECKING:
    from mypy_boto3_rekognition import RekognitionClient

IN_PROGRESS = frozenset({"CREATE_IN_PROGRESS", "UPDATE_IN_PROGRESS", "DELETE_IN_PROGRESS"})
FAILED = frozenset({"CREATE_FAILED", "UPDATE_FAILED"})
COMPLETE = frozenset({"CREATE_COMPLETE", "UPDATE_COMPLETE"})


class Dataset(NamedTuple):
    """A dataset as DescribeDataset + ListTagsForResource show it."""

    arn: str
    status: str
    status_message: str
    stats: dict[str, int]
    tags: dict[str, str]


class Slot(NamedTuple):
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
    return None if tags is None else dataset._replace(tags=tags)


def read_dataset(rek: RekognitionClient, arn: str) -> Dataset | None:
    """DescribeDataset + tags, or None when the dataset does not exist (any more)."""
    dataset = describe(rek, arn, {})
    return None if dataset is None else with_tags(rek, dataset)
