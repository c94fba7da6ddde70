"""The F1 gate: a trained version whose F1 score is below the declared minimum is refused."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from rekognition_datasets_handler.errors import ProviderError

if TYPE_CHECKING:
    from collections.abc import Mapping

    from rekognition_datasets_handler.model_service import Version

_SCORE = re.compile(r"^(0(\.[0-9]{1,6})?|1(\.0{1,6})?)$")


def parse_min_f1(props: Mapping[str, Any]) -> float | None:
    """``MinF1Score``: a decimal in [0, 1] with at most 6 decimals, or None when absent."""
    value = props.get("MinF1Score")
    if value is None:
        return None
    if not isinstance(value, str) or not _SCORE.match(value):
        raise ProviderError(f"MinF1Score must be a decimal between 0 and 1 (e.g. '0.85'), got {value!r:.40}.")
    return float(value)


def gate_failure(version: Version, min_f1: float | None) -> str | None:
    """Why a trained ``version`` fails the gate (score, threshold, summary location), or None when it passes."""
    if min_f1 is None:
        return None
    if version.f1_score is None:
        return f"Version {version.name} has no F1 score to compare with min_f1_score {min_f1:g}."
    if version.f1_score >= min_f1:
        return None
    summary = version.summary_uri or "not written"
    return f"F1 score {version.f1_score:g} is below min_f1_score {min_f1:g} (evaluation summary {summary})"
