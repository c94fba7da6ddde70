"""The files a training writes to its output location: the evaluation summary and the manifest summary.

The evaluation summary follows the documented format [doc: im-summary-file]: ``EvaluationSummary-<Project>-
<Version>.json`` with ``EvaluationDetails``, ``AggregatedEvaluationResults`` (F1Score, Precision, Recall) and
``LabelEvaluationResults`` sorted by F1. Metrics are deterministic: the overall F1 is the configured one, and each
label's F1 is spread around it by a hash of the version ARN and the label, with precision and recall chosen so that
their harmonic mean is that F1.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rekognition_datasets_local.emulator.model_versions import ProjectVersion

#: Largest distance of a label's F1 from the overall F1.
_LABEL_SPREAD = 0.05
#: [infer] the assumed threshold of each label lies in this range (the documented examples show 0.3-0.6).
_THRESHOLDS = (0.3, 0.6)


def summary_key(version: ProjectVersion) -> str:
    """The evaluation summary's key: the output prefix, then the documented file name."""
    return f"{_prefix(version)}EvaluationSummary-{version.project_name}-{version.name}.json"


def manifest_summary_key(version: ProjectVersion) -> str:
    """[infer] The manifest summary's key (its name is not documented for dataset-based trainings)."""
    return f"{_prefix(version)}ManifestSummary-{version.project_name}-{version.name}.json"


def thresholds(version: ProjectVersion) -> dict[str, float]:
    """Each label's assumed threshold (0..1), as the summary reports it."""
    low, high = _THRESHOLDS
    return {
        label.name: round(low + (high - low) * unit(version.arn, "threshold", label.name), 3)
        for label in version.training.labels
    }


def summary(version: ProjectVersion, end: float) -> dict[str, Any]:
    """The evaluation summary document of a completed training."""
    training, f1 = version.training, version.training.f1
    precision, recall = _split(f1, unit(version.arn, "aggregate"))
    per_label: list[dict[str, Any]] = []
    assumed = thresholds(version)
    for label in training.labels:
        label_f1 = _clamp(f1 + _LABEL_SPREAD * (2 * unit(version.arn, "f1", label.name) - 1))
        label_precision, label_recall = _split(label_f1, unit(version.arn, "precision", label.name))
        per_label.append(
            {
                "Label": label.name,
                "NumberOfTestingImages": label.testing_images,
                "Metrics": {
                    "F1Score": label_f1,
                    "Precision": label_precision,
                    "Recall": label_recall,
                    "Threshold": assumed[label.name],
                },
            }
        )
    # [infer] "sorted by F1": highest first, as the console lists them. The aggregate carries F1, precision and
    # recall only (no ConfusionMatrix, AveragePrecision/AverageRecall): readers must not need more.
    per_label.sort(key=lambda result: (-result["Metrics"]["F1Score"], result["Label"]))
    return {
        "Version": 1,
        "EvaluationDetails": {
            "ProjectVersionArn": version.arn,
            "EvaluationEndTimestamp": _iso(end),
            "Labels": [label.name for label in training.labels],
            "NumberOfTrainingImages": training.training_images,
            "NumberOfTestingImages": training.testing_images,
        },
        "AggregatedEvaluationResults": {"F1Score": f1, "Precision": precision, "Recall": recall},
        "LabelEvaluationResults": per_label,
    }


def manifest_summary(version: ProjectVersion) -> dict[str, Any]:
    """[infer] The manifest summary (statistics of the lines the training read), as tm-debugging describes it."""
    training = version.training
    valid = training.training_images + training.testing_images
    return {
        "version": 1,
        "statistics": {
            "total_json_lines": valid + training.invalid_lines,
            "valid_json_lines": valid,
            "invalid_json_lines": training.invalid_lines,
        },
        "errors": [],
    }


def _prefix(version: ProjectVersion) -> str:
    return version.output_config.get("S3KeyPrefix", "")


def _split(f1: float, share: float) -> tuple[float, float]:
    """``(precision, recall)`` whose harmonic mean is ``f1``: precision a little above it, recall below."""
    if f1 == 0:
        return 0.0, 0.0
    precision = min(1.0, f1 + (1 - f1) * share / 2)
    recall = f1 * precision / (2 * precision - f1)
    return round(precision, 6), round(recall, 6)


def _clamp(value: float) -> float:
    return round(min(1.0, max(0.0, value)), 6)


def unit(*parts: str) -> float:
    """A number in [0, 1) fixed by ``parts`` (the emulator's deterministic stand-in for chance)."""
    digest = hashlib.sha256("\x00".join(parts).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _iso(epoch: float) -> str:
    """[infer] ISO 8601 in UTC with milliseconds (the documented example shows an ISO timestamp)."""
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
