"""The fast path for common valid lines gives exactly the result of the full rules, or stands aside."""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rekognition_datasets_handler.manifest import ManifestValidator, lines
from rekognition_datasets_handler.manifest.plain import plain_labels

from .builders import BUCKET, box, classification, detection
from .test_properties import json_values, mutated_lines

if TYPE_CHECKING:
    from rekognition_datasets_handler.manifest.issues import LineResult, ManifestSummary

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

label_names = st.sampled_from(["cat", "dog", "cow", "a" * 256]) | st.sampled_from(["a" * 257, "", " ", 7, None])
#: edge values: limits, non-finite floats, booleans and non-numbers
edges = st.sampled_from([-0.5, 0, 0.5, 1, 1.5, 63, 64, 4096, 4097, 1e400, True, False, "1", None])
sides = st.sampled_from([640, 480, 2000.5]) | edges


def _maybe(draw: st.DrawFn, value: object, other: st.SearchStrategy[Any]) -> Any:
    """``value`` most of the time, else a draw from ``other``."""
    return draw(other) if draw(st.integers(0, 3)) == 0 else value


@st.composite
def boxes(draw: st.DrawFn) -> dict[str, Any]:
    """A box inside a 640x480 image, sometimes with one field replaced by an edge value."""
    annotation = box(
        class_id=draw(st.integers(0, 2)),
        top=draw(st.integers(0, 300) | st.floats(0, 300)),
        left=draw(st.integers(0, 400)),
        width=draw(st.sampled_from([1, 1.5, 2, 100, 240])),
        height=draw(st.sampled_from([1, 2, 80, 180.5])),
    )
    if draw(st.booleans()):
        annotation[draw(st.sampled_from(["class_id", "top", "left", "width", "height"]))] = draw(edges)
    return annotation


@st.composite
def detection_pairs(draw: st.DrawFn) -> dict[str, Any]:
    annotations = draw(st.lists(boxes(), max_size=3) | st.lists(st.just(box()), min_size=49, max_size=52))
    class_map = {"0": "dog", "1": "cat", "2": "cow"}
    if draw(st.booleans()):
        class_map[draw(st.sampled_from(["1", "2", "9"]))] = draw(label_names)
    size = (_maybe(draw, 640, sides), _maybe(draw, 480, sides))
    attribute = draw(st.sampled_from(["bb", "b2"]))
    line = detection(boxes=annotations, class_map=class_map, size=size, attribute=attribute)
    if draw(st.integers(0, 3)) == 0:
        line[attribute]["image_size"][0]["depth"] = draw(edges)
    if draw(st.integers(0, 3)) == 0:
        line[f"{attribute}-metadata"]["objects"][-1:] = [{"confidence": draw(edges)}]
    return line


@st.composite
def classification_pairs(draw: st.DrawFn) -> dict[str, Any]:
    attribute = draw(st.sampled_from(["animal", "sport"]) | st.sampled_from(["cl", "source-ref", "x-metadata"]))
    return classification(label=draw(label_names), attribute=attribute, confidence=_maybe(draw, 1, edges))


@st.composite
def generated_lines(draw: st.DrawFn) -> str:
    """Lines of one or more pairs of either use case, mostly well-formed, with edge values near every limit."""
    line: dict[str, Any] = {}
    for pair in draw(st.lists(classification_pairs() | detection_pairs(), min_size=1, max_size=3)):
        line.update(pair)
    if draw(st.booleans()):
        line[draw(st.sampled_from(["cl-metadata", "cl-errors", "extra", "orphan-metadata"]))] = draw(json_values)
    return json.dumps(line)


def _full_rules(line: str) -> LineResult:
    with patch.object(lines, "plain_labels", return_value=None):
        return lines.check_line(line, 3, ())


def _fields(result: LineResult) -> dict[str, object]:
    return {field.name: getattr(result, field.name) for field in dataclasses.fields(result) if field.name[0] != "_"}


def _assert_same(line: str) -> None:
    fast, full = lines.check_line(line, 3, ()), _full_rules(line)
    assert _fields(fast) == _fields(full)
    assert fast.is_labeled == full.is_labeled
    for name in ("labels", "bounding_box_labels", "image_level_labels", "bounding_box_counts"):
        assert list(getattr(fast, name)) == list(getattr(full, name)), name  # same iteration order too
    assert fast.entry == full.entry


@SETTINGS
@given(st.lists(generated_lines(), min_size=1, max_size=4))
def test_generated_lines_match_the_full_rules(batch: list[str]) -> None:
    for line in batch:  # several lines in a row: the remembered class map must not leak between lines
        _assert_same(line)


@SETTINGS
@given(mutated_lines())
def test_mutated_lines_match_the_full_rules(line: str) -> None:
    _assert_same(line)


@pytest.mark.parametrize(
    "line",
    [
        classification(),
        classification(label="ball", attribute="sport") | classification(label="cat"),
        detection(boxes=[box(), box(class_id=1, left=300)], class_map={"0": "dog", "1": "cat"}),
        classification(label="ball", attribute="sport1") | detection(attribute="bb"),
    ],
)
def test_common_valid_shapes_take_the_fast_path(line: dict[str, Any]) -> None:
    assert plain_labels(json.loads(json.dumps(line))) is not None
    _assert_same(json.dumps(line))


def _with_infinity(line: dict[str, Any]) -> str:
    """``line`` as JSON with every "INF" string replaced by a number literal that parses as infinity."""
    return json.dumps(line).replace('"INF"', "1e400")


@pytest.mark.parametrize(
    "line",
    [
        *(json.dumps(detection(boxes=[box(width=20, height=20)], size=(side, 64))) for side in (63, 64, 4096, 4097)),
        *(json.dumps(detection(class_map={"0": "d" * length})) for length in (256, 257)),
        *(json.dumps(classification(label="c" * length)) for length in (256, 257)),
        *(json.dumps(detection(boxes=[box()] * count)) for count in (0, 50, 51)),
        json.dumps(detection(boxes=[box(), box(class_id=1)], class_map={"0": "dog", "1": "cat"}) | detection("b2")),
        json.dumps(detection(boxes=[box(left=540.5), box(width=1), box(height=1.5)])),
        json.dumps(detection(size=(4096, 640), boxes=[box(width=3.2), box(height=3.3), box(class_id=True)])),
        _with_infinity(detection(boxes=[box(top="INF")])),
        _with_infinity(detection(size=("INF", 480))),
        _with_infinity(classification(confidence="INF")),
        json.dumps(classification(confidence=1.01)),
        json.dumps(classification(confidence=None)),
        json.dumps(classification(**{"job-name": 3})),
        json.dumps(classification(**{"human-annotated": "maybe"})),
        json.dumps(classification(**{"creation-date": "yesterday"})),
        json.dumps(detection(objects=[{"confidence": 1}, {"confidence": 1}])),
        json.dumps(detection(objects=[{}])),
        json.dumps(detection(**{"class-map": {"0": "dog", "1": " "}})),
        json.dumps(detection(type="groundtruth/semantic-segmentation")),
        # class-map keys the fast path must not read as numbers: str(class_id) finds only the canonical one
        *(json.dumps(detection(class_map={key: "dog"})) for key in ("00", "+0", " 0", "0 ", "-0", "0.0", "\u0660")),
        json.dumps(detection(boxes=[box(class_id=-1)], class_map={"-1": "dog"})),
        json.dumps(detection(boxes=[box(class_id=10**30)], class_map={str(10**30): "dog"})),
        json.dumps(detection(boxes=[box(), box(class_id=1)], class_map={"0": "dog", "1": "d" * 257})),
        json.dumps(detection(boxes=[box(top=0.5, left=1e-3, width=63.25, height=2.0)])),
        json.dumps(detection(boxes=[box(width=-5)])),
        json.dumps(detection(boxes=[{"class_id": 0, "top": 1, "left": 1, "width": 90}])),
        json.dumps(detection(boxes=[[0, 1, 1, 90, 90]])),  # type: ignore[list-item]
        json.dumps(detection(objects=[[1]])),
        json.dumps(detection(objects=[{"confidence": 0.5}])),
        json.dumps(detection(size=(1281, 640), boxes=[box(width=2, height=2)])),
        json.dumps(detection(size=(4096, 4096), boxes=[box(width=3.2, height=4)])),
        json.dumps(detection() | {"bounding-box": {"image_size": [{"width": 640, "height": 480, "depth": 3}] * 2}}),
        json.dumps(classification(label="cat") | classification(label="cat", attribute="pet")),
        json.dumps(classification(label=" cat ")),
        json.dumps(classification(**{"creation-date": 20230101})),
        json.dumps(classification() | {"animal": True}),
        json.dumps(classification() | {"animal-metadata": ["not", "a", "dict"]}),
    ],
)
def test_edge_lines_match_the_full_rules(line: str) -> None:
    _assert_same(line)


def test_a_remembered_class_map_is_a_copy() -> None:
    valid = detection(class_map={"0": "dog"})
    result = lines.check_line(json.dumps(valid), 1, ())
    assert result.entry is not None
    result.entry["bounding-box-metadata"]["class-map"]["0"] = " "  # type: ignore[index]
    invalid = json.dumps(detection(class_map={"0": " "}))
    assert plain_labels(json.loads(invalid)) is None
    _assert_same(invalid)


def test_the_entry_is_built_once_on_first_use() -> None:
    result = lines.check_line(json.dumps(classification()), 1, ())
    assert result.entry is result.entry


#: source-refs for manifests: new ones, repeats, another bucket and invalid ones
source_refs = st.sampled_from(
    [f"s3://custom-labels-bucket/{n}.jpg" for n in range(5)] + ["s3://other-bucket/a.jpg", "s3://x/", "no-ref"]
)


@st.composite
def manifests(draw: st.DrawFn) -> list[str]:
    """Manifests of generated, mutated and broken lines, with repeated, invalid and other-bucket source-refs."""
    manifest = []
    for line in draw(st.lists(generated_lines() | mutated_lines() | st.text(max_size=30), max_size=10)):
        ending = draw(st.sampled_from(["", "\n", "\r\n"]))
        manifest.append(line.replace(f"s3://{BUCKET}/img.jpg", draw(source_refs)) + ending)
    return manifest


def _summary(manifest: list[str], max_lines: int, *, feed_all: bool) -> ManifestSummary:
    validator = ManifestValidator(max_lines=max_lines)
    if feed_all:
        validator.feed_all(manifest)
    else:
        with patch.object(lines, "plain_labels", return_value=None):
            for line in manifest:
                validator.feed(line)
    return validator.finish()


@SETTINGS
@given(manifests(), st.integers(1, 12))
def test_feed_all_gives_the_summary_of_the_full_rules(manifest: list[str], max_lines: int) -> None:
    fast, full = _summary(manifest, max_lines, feed_all=True), _summary(manifest, max_lines, feed_all=False)
    assert fast == full
    assert list(fast.label_stats) == list(full.label_stats)  # labels in the same order of first appearance
