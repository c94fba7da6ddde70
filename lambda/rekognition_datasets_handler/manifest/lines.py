"""One manifest line: the envelope, its label attribute pairs in documented precedence, line-level rules."""

from __future__ import annotations

from collections.abc import Callable, Container
from dataclasses import dataclass, field
from typing import cast

from . import classification, codes, detection
from .attributes import METADATA_SUFFIX, AttributeCheck, find_pairs, unpaired_box_attributes
from .entry import build_entry
from .envelope import Envelope, parse_line
from .issues import Issue, LineResult, LineStatus, error, valid_line_result, warning
from .plain import label_set, plain_labels

StructureRule = Callable[[str, object, dict[str, object]], list[Issue]]
CheckRule = Callable[[str, object, dict[str, object]], AttributeCheck]

#: use-case type -> (format rules, content rules)
_RULES: dict[str, tuple[StructureRule, CheckRule]] = {
    codes.CLASSIFICATION_TYPE: (classification.structure_issues, classification.check),
    codes.DETECTION_TYPE: (detection.structure_issues, detection.check),
}


@dataclass
class LineContent:
    """Findings of a parsed, non-terminal line."""

    errors: list[Issue] = field(default_factory=list)
    warnings: list[Issue] = field(default_factory=list)
    status: LineStatus = "invalid"
    is_labeled: bool = True
    image_level_labels: frozenset[str] = frozenset()
    box_counts: dict[str, int] = field(default_factory=dict)


def check_line(raw: str, line_number: int, seen_source_refs: Container[str]) -> LineResult:
    """Validate one raw manifest line; ``seen_source_refs`` holds the source-refs of earlier stored lines."""
    envelope = parse_line(raw)
    obj, source_ref, terminal_code = envelope
    if terminal_code is None and obj is not None and source_ref not in seen_source_refs:
        plain = plain_labels(obj)
        if plain is not None:
            names, boxes = plain
            return valid_line_result(
                line_number, source_ref, label_set(names), boxes, lambda: build_entry(obj, (), is_labeled=True)
            )
    return full_result(envelope, line_number, seen_source_refs)


def full_result(envelope: Envelope, line_number: int, seen_source_refs: Container[str]) -> LineResult:
    """The result of a parsed line under the full rules, without the fast path."""
    obj, source_ref, terminal_code = envelope
    if terminal_code is not None:
        return terminal_result(line_number, source_ref, terminal_code)
    if source_ref in seen_source_refs:
        return terminal_result(line_number, source_ref, codes.ERROR_DUPLICATE_SOURCE_REF)
    assert obj is not None
    content = check_content(obj)
    box_labels = frozenset(content.box_counts)
    errors = content.errors
    return LineResult(
        line_number=line_number,
        source_ref=source_ref,
        terminal=False,
        errors=tuple(numbered(issue, line_number) for issue in errors),
        warnings=tuple(numbered(issue, line_number) for issue in content.warnings),
        labels=content.image_level_labels | box_labels,
        bounding_box_labels=box_labels,
        status=content.status,
        image_level_labels=content.image_level_labels,
        bounding_box_counts=content.box_counts,
        _labeled=content.is_labeled,
        _build_entry=lambda: build_entry(obj, errors, is_labeled=content.is_labeled),
    )


def numbered(issue: Issue, line_number: int) -> Issue:
    """``issue`` placed on its line (cheaper than ``dataclasses.replace`` on the hot path)."""
    return Issue(
        issue.code,
        issue.message,
        issue.scope,
        issue.severity,
        line_number,
        issue.attribute,
        issue.annotation,
        issue.detail,
    )


def terminal_result(line_number: int, source_ref: str | None, code: str) -> LineResult:
    """A line the service drops silently: no stored entry, no labels."""
    issue = numbered(error(code, "line"), line_number)
    return LineResult(line_number, source_ref, True, (issue,), (), frozenset(), frozenset())


def check_content(obj: dict[str, object]) -> LineContent:
    """The label attribute rules of one line, stopping at the first-detected (precedence) errors."""
    pairs, orphans = find_pairs(obj)
    if orphans or unpaired_box_attributes(obj):
        # "the bounding-box or bounding-box-metadata key (or both) is missing"; [infer] a "-metadata" key without
        # its label attribute is a missing label attribute for classification too.
        return LineContent([error(codes.ERROR_NO_LABEL_ATTRIBUTES, "line")], is_labeled=bool(pairs))
    if not pairs:
        return LineContent(
            warnings=[warning(codes.WARNING_UNANNOTATED_RECORD, "line")], status="ignored", is_labeled=False
        )
    metadata = {attribute: obj[attribute + METADATA_SUFFIX] for attribute in pairs}
    structural = [
        issue for attribute in pairs for issue in _structure_issues(attribute, obj[attribute], metadata[attribute])
    ]
    if any(issue.code in codes.PRECEDENCE_ERRORS for issue in structural):
        return LineContent(structural)
    checks: list[AttributeCheck] = []
    for attribute, meta in metadata.items():
        rules = _rules(meta)
        if rules is not None:
            checks.append(rules[1](attribute, obj[attribute], cast("dict[str, object]", meta)))
    return _assemble(structural, checks)


def _rules(metadata: object) -> tuple[StructureRule, CheckRule] | None:
    kind = metadata.get("type") if isinstance(metadata, dict) else None
    return _RULES.get(kind) if isinstance(kind, str) else None


def _structure_issues(attribute: str, value: object, metadata: object) -> list[Issue]:
    if not isinstance(metadata, dict) or not isinstance(metadata.get("type"), str):
        return [error(codes.ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT, "metadata", attribute=attribute)]
    rules = _rules(metadata)
    if rules is None:
        # Not a first-detected error: the attribute is skipped and the line may still have valid ones.
        return [error(codes.ERROR_UNSUPPORTED_USE_CASE_TYPE, "metadata", attribute=attribute)]
    return rules[0](attribute, value, metadata)


def _assemble(issues: list[Issue], checks: list[AttributeCheck]) -> LineContent:
    """Line-level rules over the attribute results: box limit, no valid attribute, unlabeled warnings."""
    issues = issues + [issue for check in checks for issue in check.issues]
    if sum(check.annotation_count for check in checks) > codes.MAX_BOUNDING_BOXES:
        issues.append(error(codes.ERROR_TOO_MANY_BOUNDING_BOXES, "line"))
    content = LineContent(
        errors=[issue for issue in issues if issue.severity == "error"],
        warnings=[issue for issue in issues if issue.severity == "warning"],
    )
    valid = [check for check in checks if check.valid]
    line_failed = any(issue.scope == "line" for issue in content.errors)
    if not line_failed and not valid:
        content.errors.append(error(codes.ERROR_NO_VALID_LABEL_ATTRIBUTES, "line"))
    if line_failed or not valid:
        return content
    _add_labels(content, valid)
    return content


def _add_labels(content: LineContent, valid: list[AttributeCheck]) -> None:
    """Labels of a usable line; a line left without any label is ignored with a warning."""
    content.image_level_labels = frozenset().union(*(check.image_level_labels for check in valid))
    for check in valid:
        for label, boxes in check.box_counts.items():
            content.box_counts[label] = content.box_counts.get(label, 0) + boxes
    content.status = "valid"
    if not content.image_level_labels and not content.box_counts:
        without_boxes = any(check.annotated_without_boxes for check in valid)
        code = codes.WARNING_NO_ANNOTATIONS if without_boxes else codes.WARNING_UNANNOTATED_RECORD
        content.warnings.append(warning(code, "line"))
        content.status = "ignored"
