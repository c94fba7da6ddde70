"""What one label attribute / ``-metadata`` pair contributes to a line, and the checks both use cases share."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .issues import Issue

#: keys the service adds to stored entries; never label attributes, replaced when an entry is re-imported
RESERVED_KEYS = frozenset({"source-ref", "cl-metadata", "cl-errors"})
METADATA_SUFFIX = "-metadata"


@dataclass
class AttributeCheck:
    """The outcome of validating one structurally sound label attribute pair."""

    attribute: str
    issues: list[Issue] = field(default_factory=list)
    #: the attribute can be used for training (it may still carry annotation errors or warnings)
    valid: bool = True
    image_level_labels: frozenset[str] = frozenset()
    box_counts: dict[str, int] = field(default_factory=dict)
    #: number of annotations the attribute declares (valid or not), for the per-image box limit
    annotation_count: int = 0
    #: a detection attribute with no annotations whose metadata says human-annotated "yes"
    annotated_without_boxes: bool = False


def find_pairs(obj: dict[str, object]) -> tuple[list[str], list[str]]:
    """Label attributes that have a ``-metadata`` sibling, and ``-metadata`` keys without their attribute."""
    pairs: list[str] = []
    orphans: list[str] = []
    for key in obj:
        if key in RESERVED_KEYS or not key.endswith(METADATA_SUFFIX):
            continue
        attribute = key[: -len(METADATA_SUFFIX)]
        if attribute in obj and attribute not in RESERVED_KEYS:
            pairs.append(attribute)
        else:
            orphans.append(attribute)
    return pairs, orphans


def unpaired_box_attributes(obj: dict[str, object]) -> list[str]:
    """Bounding-box label attributes (a dict holding ``annotations`` or ``image_size``) without a ``-metadata``.

    [infer] The line-error documentation's ERROR_NO_LABEL_ATTRIBUTES covers "the bounding-box or
    bounding-box-metadata key (or both) is missing"; a value shaped as a bounding-box attribute is how a line shows
    its bounding-box key.
    """
    return [
        key
        for key, value in obj.items()
        if isinstance(value, dict)
        and key not in RESERVED_KEYS
        and not key.endswith(METADATA_SUFFIX)
        and key + METADATA_SUFFIX not in obj
        and ("annotations" in value or "image_size" in value)
    ]


def is_int(value: object) -> bool:
    """A JSON integer (booleans are not integers here)."""
    return type(value) is int


def is_number(value: object) -> bool:
    """A finite JSON number (booleans excluded); exact type checks: the JSON parser makes no subclasses."""
    kind = type(value)
    return kind is int or (kind is float and math.isfinite(value))  # type: ignore[arg-type]


def is_confidence(value: object) -> bool:
    """A number between 0 and 1 ("not used … but a value between 0 and 1 must be supplied")."""
    return is_number(value) and 0 <= value <= 1  # type: ignore[operator]


def is_date_time(value: object) -> bool:
    """An ISO 8601 date-time string, as Ground Truth writes ``creation-date``."""
    if not isinstance(value, str):
        return False
    try:
        datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


def is_label_name(value: object) -> bool:
    """A non-empty string (length limits are a separate, non-structural check)."""
    return isinstance(value, str) and bool(value.strip())


def common_metadata_ok(metadata: dict[str, object]) -> bool:
    """Fields every ``-metadata`` object needs: human-annotated yes/no, creation-date, optional job-name."""
    job_name = metadata.get("job-name")
    return (
        metadata.get("human-annotated") in ("yes", "no")
        and is_date_time(metadata.get("creation-date"))
        and (job_name is None or isinstance(job_name, str))
    )
