"""Rekognition project and dataset ARNs (patterns from the botocore service model)."""

from __future__ import annotations

import re
from typing import NamedTuple

#: A project ARN (``...:project/<name>/<timestamp>``) or a dataset ARN (``.../dataset/<type>/<timestamp>``, group 2):
#: one pattern for both, so a cold start compiles one regular expression, not two.
ARN = re.compile(
    r"^arn:[a-z\d-]+:rekognition:[a-z\d-]+:\d{12}:project/([a-zA-Z0-9_.\-]{1,255})/(?:dataset/(train|test)/)?[0-9]+$"
)


class DatasetArn(NamedTuple):
    """A parsed dataset ARN: the project name and the dataset type (TRAIN/TEST)."""

    arn: str
    project_name: str
    dataset_type: str


def project_name(project_arn: str) -> str | None:
    """The project name inside a project ARN, or None if it is not one."""
    match = ARN.match(project_arn)
    return match.group(1) if match and match.group(2) is None else None


def parse_dataset_arn(arn: str) -> DatasetArn | None:
    """Parse a dataset ARN, or None if ``arn`` is not one."""
    match = ARN.match(arn)
    if match is None or match.group(2) is None or len(arn) > 2048:
        return None
    return DatasetArn(arn=arn, project_name=match.group(1), dataset_type=match.group(2).upper())


def in_slot(arn: str, project_arn: str, dataset_type: str) -> bool:
    """True when ``arn`` is a ``dataset_type`` dataset ARN of the project ``project_arn`` names.

    A dataset ARN carries no project timestamp, so the partition, region, account and project name are compared.
    """
    parsed = parse_dataset_arn(arn)
    return (
        parsed is not None
        and parsed.dataset_type == dataset_type
        and arn.startswith(f"{project_arn.rpartition('/')[0]}/dataset/")
    )
