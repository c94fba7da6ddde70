"""Reads of the Rekognition model (ProjectVersion) API that the model reconcilers and the watch start from.

Imported only by the model resources and the watch: a dataset's cold start does not compile it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any, NamedTuple

from botocore.exceptions import ClientError

from rekognition_datasets_handler.service import is_not_found

if TYPE_CHECKING:
    from mypy_boto3_rekognition import RekognitionClient

VERSION_ARN = re.compile(
    r"^arn:[a-z\d-]+:rekognition:[a-z\d-]+:\d{12}:project/([a-zA-Z0-9_.\-]{1,255})/version/"
    r"([a-zA-Z0-9_.\-]{1,255})/[0-9]+$"
)
TRAINING = "TRAINING_IN_PROGRESS"
TRAINING_FAILED = "TRAINING_FAILED"
#: Statuses of a version whose training succeeded (it has an evaluation). [infer] FAILED is a failed *start* of a
#: trained version; DEPRECATED and EXPIRED versions keep their evaluation.
TRAINED = frozenset(
    {"TRAINING_COMPLETED", "STARTING", "RUNNING", "FAILED", "STOPPING", "STOPPED", "DEPRECATED", "EXPIRED"}
)
#: A version that must be stopped before it can be deleted.
SERVING = frozenset({"RUNNING", "STARTING"})
#: Statuses that settle by themselves; nothing can be done to the version meanwhile (there is no API to stop a
#: training; a stop, copy or delete is already under way).
SETTLING = frozenset({TRAINING, "STOPPING", "DELETING", "COPYING_IN_PROGRESS"})
#: DescribeProjectVersions' largest page.
PAGE_SIZE = 100


class VersionArn(NamedTuple):
    """A parsed version ARN: its project's name and its own."""

    project_name: str
    version_name: str


class Version(NamedTuple):
    """A version as DescribeProjectVersions shows it."""

    arn: str
    name: str
    status: str
    status_message: str
    f1_score: float | None
    summary_uri: str | None
    billable_seconds: int | None
    #: The inference units it runs with (the serving resource compares them with the declared ones).
    min_units: int | None = None
    max_units: int | None = None


def parse_version_arn(arn: str) -> VersionArn | None:
    """The project and version names inside a version ARN, or None if ``arn`` is not one."""
    match = VERSION_ARN.match(arn) if len(arn) <= 2048 else None
    return VersionArn(match.group(1), match.group(2)) if match else None


def in_project(version_arn: str, project_arn: str) -> bool:
    """True when ``version_arn`` is a version of the project ``project_arn`` names (partition to project name:
    a version ARN carries no project timestamp)."""
    return parse_version_arn(version_arn) is not None and version_arn.startswith(
        f"{project_arn.rpartition('/')[0]}/version/"
    )


def version_of(description: Any) -> Version:
    """A ``Version`` from one ``ProjectVersionDescription``."""
    arn = str(description.get("ProjectVersionArn", ""))
    parsed = parse_version_arn(arn)
    evaluation = description.get("EvaluationResult") or {}
    s3_object = (evaluation.get("Summary") or {}).get("S3Object") or {}
    summary = f"s3://{s3_object['Bucket']}/{s3_object['Name']}" if s3_object.get("Bucket") else None
    f1 = evaluation.get("F1Score")
    billable = description.get("BillableTrainingTimeInSeconds")
    return Version(
        arn=arn,
        name=parsed.version_name if parsed else "",
        status=str(description.get("Status", "")),
        status_message=str(description.get("StatusMessage", "")),
        f1_score=float(f1) if isinstance(f1, int | float) else None,
        summary_uri=summary,
        billable_seconds=int(billable) if isinstance(billable, int) else None,
        min_units=_units(description.get("MinInferenceUnits")),
        max_units=_units(description.get("MaxInferenceUnits")),
    )


def _units(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def describe_version(rek: RekognitionClient, project_arn: str, version_arn: str) -> Version | None:
    """The version ``version_arn`` of the project, or None when it (or its project) does not exist."""
    parsed = parse_version_arn(version_arn)
    if parsed is None:
        return None
    for version in versions_named(rek, project_arn, parsed.version_name):
        if version.arn == version_arn:
            return version
    return None


def versions_named(rek: RekognitionClient, project_arn: str, name: str) -> list[Version]:
    """The project's versions named ``name`` (at most one); [] when the project does not exist."""
    try:
        response = rek.describe_project_versions(ProjectArn=project_arn, VersionNames=[name])
    except ClientError as exc:
        if is_not_found(exc):
            return []
        raise
    return [version_of(d) for d in response.get("ProjectVersionDescriptions", [])]


def versions_page(
    rek: RekognitionClient, project_arn: str, token: str | None, page_size: int = PAGE_SIZE
) -> tuple[list[Version], str | None]:
    """One page of the project's versions and the next token; ([], None) when the project does not exist."""
    extra = {"NextToken": token} if token else {}
    try:
        response = rek.describe_project_versions(ProjectArn=project_arn, MaxResults=page_size, **extra)
    except ClientError as exc:
        if is_not_found(exc):
            return [], None
        raise
    return [version_of(d) for d in response.get("ProjectVersionDescriptions", [])], response.get("NextToken")


def project_of(rek: RekognitionClient, version_arn: str) -> str | None:
    """The ARN of the project that holds ``version_arn`` (DescribeProjects by name), or None."""
    parsed = parse_version_arn(version_arn)
    if parsed is None:
        return None
    response = rek.describe_projects(ProjectNames=[parsed.project_name])
    for project in response.get("ProjectDescriptions", []):
        if in_project(version_arn, str(project.get("ProjectArn", ""))):
            return str(project["ProjectArn"])
    return None
