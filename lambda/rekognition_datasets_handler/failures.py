"""What a failed dataset tells: its StatusMessage and a sample of per-entry error codes.

Imported on the first failure only: a cold start that succeeds never compiles it.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from botocore.exceptions import ClientError

from rekognition_datasets_handler.errors import ProviderError

if TYPE_CHECKING:
    from mypy_boto3_rekognition import RekognitionClient

    from rekognition_datasets_handler.service import Dataset

MAX_ERROR_SAMPLES = 5


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
