"""Rules for an image-level (``groundtruth/image-classification``) label attribute pair."""

from __future__ import annotations

from . import codes
from .attributes import AttributeCheck, common_metadata_ok, is_confidence, is_int, is_label_name
from .issues import Issue, error


def structure_issues(attribute: str, value: object, metadata: dict[str, object]) -> list[Issue]:
    """Format errors (first-detected: they stop the line's validation)."""
    issues: list[Issue] = []
    # "It is not used by Amazon Rekognition Custom Labels and can be any integer value."
    if not is_int(value):
        issues.append(error(codes.ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT, "attribute", attribute=attribute))
    if not _metadata_ok(metadata):
        issues.append(error(codes.ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT, "metadata", attribute=attribute))
    return issues


def check(attribute: str, value: object, metadata: dict[str, object]) -> AttributeCheck:
    """Content rules of a structurally sound pair: the label name length."""
    name = str(metadata["class-name"])
    if len(name) > codes.MAX_LABEL_NAME_CHARS:
        issue = error(codes.ERROR_INVALID_LABEL_NAME_LENGTH, "metadata", attribute=attribute)
        return AttributeCheck(attribute, [issue], valid=False)
    return AttributeCheck(attribute, image_level_labels=frozenset({name}))


def _metadata_ok(metadata: dict[str, object]) -> bool:
    return (
        common_metadata_ok(metadata)
        and is_label_name(metadata.get("class-name"))
        and is_confidence(metadata.get("confidence"))
    )
