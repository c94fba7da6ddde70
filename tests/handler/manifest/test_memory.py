"""Memory stays flat however long the manifest is: only the source-ref set and label counters grow."""

from __future__ import annotations

import gc
import sys
import tracemalloc
from typing import TYPE_CHECKING

from rekognition_datasets_handler.manifest import ManifestValidator

if TYPE_CHECKING:
    from collections.abc import Iterator


def _lines(count: int, labels: int = 5) -> Iterator[str]:
    for n in range(count):
        yield (
            f'{{"source-ref":"s3://bucket/images/{n:08d}.jpg","l":1,"l-metadata":{{"confidence":1,'
            f'"class-name":"label-{n % labels}","human-annotated":"yes","creation-date":"2023-01-01T00:00:00",'
            '"type":"groundtruth/image-classification"}}'
        )


def _retained(validator: ManifestValidator, lines: Iterator[str]) -> int:
    """Bytes still allocated after feeding ``lines`` (the results are discarded as a streaming caller would)."""
    for line in lines:
        validator.feed(line)
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def test_lines_that_add_no_source_ref_add_no_memory() -> None:
    # GIVEN a validator that has stored 1,000 source-refs
    tracemalloc.start()
    try:
        validator = ManifestValidator()
        after_unique = _retained(validator, _lines(1_000))
        # WHEN 4,000 more lines arrive that store nothing new (duplicates and broken lines)
        _retained(validator, (line for _ in range(3) for line in _lines(1_000)))
        grown = _retained(validator, ("{broken" for _ in range(1_000))) - after_unique
    finally:
        tracemalloc.stop()
    # THEN retained memory does not grow with them: under 4 bytes a line, so no list of lines or results is kept
    assert grown < 16 * 1024
    assert validator.total_lines == 5_000


def test_growth_is_proportional_to_the_source_ref_set() -> None:
    tracemalloc.start()
    try:
        validator = ManifestValidator()
        before = _retained(validator, _lines(0))
        grown = _retained(validator, _lines(2_000)) - before
    finally:
        tracemalloc.stop()
    per_ref = sys.getsizeof("s3://bucket/images/00000000.jpg")
    # a set slot plus the string itself per stored line, with generous room for the set's spare capacity
    assert grown < 2_000 * (per_ref + 100)
