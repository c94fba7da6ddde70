"""Property tests: no input makes the validator raise, and every result is well-formed."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rekognition_datasets_handler.manifest import MESSAGES, ManifestValidator, compute_stats

from .builders import box, classification, detection

if TYPE_CHECKING:
    from rekognition_datasets_handler.manifest.issues import LineResult, ManifestSummary

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=10,
)

VALID_LINES = [
    classification(),
    detection(boxes=[box(), box(class_id=1, left=300)], class_map={"0": "dog", "1": "cat"}),
    classification(label="ball", attribute="sport1") | detection(attribute="bb"),
]


def _paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every path to a value inside a JSON document."""
    paths = [prefix] if prefix else []
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, child in children:
        paths += _paths(child, (*prefix, key))
    return paths


@st.composite
def mutated_lines(draw: st.DrawFn) -> str:
    """A valid line with one value replaced or removed, or one key added, anywhere in it."""
    obj = json.loads(json.dumps(draw(st.sampled_from(VALID_LINES))))
    path = draw(st.sampled_from(_paths(obj)))
    parent = obj
    for key in path[:-1]:
        parent = parent[key]
    action = draw(st.sampled_from(["replace", "delete", "add"]))
    if action == "replace":
        parent[path[-1]] = draw(json_values)
    elif action == "delete":
        del parent[path[-1]]
    elif isinstance(parent, dict):
        parent[draw(st.text(max_size=15))] = draw(json_values)
    return json.dumps(obj)


def _check_well_formed(result: LineResult, line_number: int) -> None:
    assert result.line_number == line_number
    assert (result.entry is None) == result.terminal
    assert all(issue.severity == "error" and issue.line == line_number for issue in result.errors)
    assert all(issue.severity == "warning" and issue.line == line_number for issue in result.warnings)
    assert result.bounding_box_labels <= result.labels
    assert set(result.bounding_box_counts) == result.bounding_box_labels
    assert all(count > 0 for count in result.bounding_box_counts.values())
    if result.terminal:
        assert len(result.errors) == 1 and not result.labels and result.status != "valid"
    if result.status == "invalid":
        assert result.has_errors and not result.labels
    if result.status == "ignored" and not result.terminal:
        assert result.warnings and not result.labels
    if result.entry is not None:
        json.dumps(result.entry)  # serialisable as ListDatasetEntries returns it
        assert result.entry["cl-metadata"] == {"is_labeled": result.is_labeled}
        assert _stored_errors(result.entry) == len(result.errors)


def _stored_errors(value: Any) -> int:
    """How many ``cl-errors`` items an entry holds, at any depth."""
    if isinstance(value, list):
        return sum(_stored_errors(item) for item in value)
    if not isinstance(value, dict):
        return 0
    stored = value.get("cl-errors")
    own = sum(isinstance(e, dict) and e.get("code") in MESSAGES for e in stored) if isinstance(stored, list) else 0
    return own + sum(_stored_errors(child) for key, child in value.items() if key != "cl-errors")


def _check_summary(summary: ManifestSummary, results: list[LineResult]) -> None:
    assert summary.total_lines == len(results)
    assert summary.valid_lines + summary.invalid_lines + summary.ignored_lines == summary.total_lines
    assert (summary.stats, summary.label_stats) == compute_stats(results)
    assert summary.stats["TotalEntries"] == sum(not result.terminal for result in results)
    assert summary.stats["LabeledEntries"] <= summary.stats["TotalEntries"]
    assert summary.stats["ErrorEntries"] <= summary.stats["TotalEntries"]
    assert summary.ok == (not summary.file_errors)
    assert all(issue.scope == "file" for issue in (*summary.file_errors, *summary.warnings))


def _run(lines: list[str]) -> None:
    validator = ManifestValidator()
    results = [validator.feed(line) for line in lines]
    for number, result in enumerate(results, start=1):
        _check_well_formed(result, number)
    _check_summary(validator.finish(), results)


@SETTINGS
@given(st.lists(st.text(max_size=200), max_size=8))
def test_arbitrary_text_lines(lines: list[str]) -> None:
    _run(lines)


@SETTINGS
@given(st.lists(json_values.map(json.dumps), max_size=8))
def test_arbitrary_json_values(lines: list[str]) -> None:
    _run(lines)


@SETTINGS
@given(
    st.lists(
        st.dictionaries(
            st.sampled_from(["source-ref", "a", "a-metadata", "cl-metadata", "b-metadata"]), json_values, max_size=4
        ).map(json.dumps),
        max_size=8,
    )
)
def test_arbitrary_objects_with_manifest_keys(lines: list[str]) -> None:
    _run(lines)


@SETTINGS
@given(st.lists(mutated_lines(), min_size=1, max_size=6))
def test_mutated_valid_lines(lines: list[str]) -> None:
    _run(lines)
