"""The stored form of a dataset entry: the line + ``cl-metadata`` + ``cl-errors`` where each error applies.

Follows the one documented dataset line (the ERROR_UNSUPPORTED_USE_CASE_TYPE example): line errors in a top-level
``cl-errors``, metadata errors inside the ``-metadata`` object. [infer] attribute errors go inside the attribute
object (or its metadata when the attribute is not an object, as for classification), annotation errors inside the
annotation; the service documents no warnings for dataset entries, so warnings are not stored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from .attributes import METADATA_SUFFIX

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .issues import Issue

ERRORS_KEY = "cl-errors"
METADATA_KEY = "cl-metadata"


def build_entry(obj: dict[str, object], errors: Iterable[Issue], *, is_labeled: bool) -> dict[str, object]:
    """Annotate ``obj`` in place (replacing any ``cl-*`` keys of a re-imported entry) and return it."""
    _strip(obj)
    obj[METADATA_KEY] = {"is_labeled": is_labeled}
    for issue in errors:
        # every target lost its old "cl-errors" in _strip, so this is always our list
        listed = cast("list[dict[str, str]]", _target(obj, issue).setdefault(ERRORS_KEY, []))
        listed.append({"code": issue.code, "message": issue.message})
    return obj


def _target(obj: dict[str, object], issue: Issue) -> dict[str, object]:
    """The object whose ``cl-errors`` list holds ``issue``."""
    if issue.attribute is None or issue.scope == "line":
        return obj
    attribute = obj.get(issue.attribute)
    metadata = obj.get(issue.attribute + METADATA_SUFFIX)
    candidates: list[object] = []
    if issue.scope == "annotation" and isinstance(attribute, dict):
        annotations = attribute.get("annotations")
        if isinstance(annotations, list) and issue.annotation is not None and issue.annotation < len(annotations):
            candidates.append(annotations[issue.annotation])
    if issue.scope in ("annotation", "attribute"):
        candidates.append(attribute)
    candidates += [metadata, obj]
    return next(candidate for candidate in candidates if isinstance(candidate, dict))


def _strip(obj: dict[str, object]) -> None:
    """Drop service annotations carried over from a ListDatasetEntries line."""
    obj.pop(METADATA_KEY, None)
    obj.pop(ERRORS_KEY, None)
    for value in obj.values():
        if not isinstance(value, dict):
            continue
        value.pop(ERRORS_KEY, None)
        annotations = value.get("annotations")
        for annotation in annotations if isinstance(annotations, list) else ():
            if isinstance(annotation, dict):
                annotation.pop(ERRORS_KEY, None)
