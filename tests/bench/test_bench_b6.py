"""B6 pieces: parsing ``-X importtime`` output, zipping an asset, finding handler assets in a template."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from bench.b6_cold_start import MARKER, handler_functions, parse_importtime, zipped_size
from bench.measure import BenchError

if TYPE_CHECKING:
    from pathlib import Path

_STDERR = f"""import time: self [us] | cumulative | imported package
import time:       100 |        100 | io
{MARKER}
import time:       300 |        300 |   rekognition_datasets_handler.schema
import time:        50 |        350 | rekognition_datasets_handler
import time:        20 |         20 | json
"""


def test_parse_importtime_keeps_lines_after_the_marker_with_depth() -> None:
    lines = parse_importtime(_STDERR)
    assert [(line.depth, line.name, line.cumulative_us) for line in lines] == [
        (1, "rekognition_datasets_handler.schema", 300),
        (0, "rekognition_datasets_handler", 350),
        (0, "json", 20),
    ]


def test_parse_importtime_without_marker_fails() -> None:
    with pytest.raises(BenchError, match="marker"):
        parse_importtime("import time: 1 | 1 | io\n")


def test_zipped_size_is_a_real_zip(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("x = 1\n" * 1000)
    assert 0 < zipped_size(tmp_path) < 6000


def test_handler_functions_maps_python_handlers_to_local_assets(tmp_path: Path) -> None:
    (tmp_path / "asset.abc").mkdir()
    template = {
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Runtime": "python3.14", "Handler": "pkg.mod.fn", "Code": {"S3Key": "abc.zip"}},
            },
            "Js": {
                "Type": "AWS::Lambda::Function",
                "Properties": {"Runtime": "nodejs24.x", "Handler": "framework.x", "Code": {"S3Key": "abc.zip"}},
            },
        }
    }
    assert handler_functions(template, tmp_path) == {"pkg.mod.fn": tmp_path / "asset.abc"}
    with pytest.raises(BenchError, match="no Python Lambda"):
        handler_functions({"Resources": {}}, tmp_path)
