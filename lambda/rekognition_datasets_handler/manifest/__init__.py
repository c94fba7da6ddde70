"""The documented Custom Labels manifest rules, shared by the emulator, the handler and the synth-time checks.

Standard library only: it runs in Lambda.
"""

from __future__ import annotations

from .build import GENERATED_CREATION_DATE, classification_entry
from .codes import FILE_ERRORS, LINE_ERRORS, MESSAGES, PRECEDENCE_ERRORS, TRAINING_ERRORS, WARNINGS, message_for
from .issues import Issue, LineResult, ManifestSummary
from .stats import compute_stats
from .validator import ManifestValidator, validate_file, validate_lines

__all__ = [
    "FILE_ERRORS",
    "GENERATED_CREATION_DATE",
    "LINE_ERRORS",
    "MESSAGES",
    "PRECEDENCE_ERRORS",
    "TRAINING_ERRORS",
    "WARNINGS",
    "Issue",
    "LineResult",
    "ManifestSummary",
    "ManifestValidator",
    "classification_entry",
    "compute_stats",
    "message_for",
    "validate_file",
    "validate_lines",
]
