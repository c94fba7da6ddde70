"""``rekognition-datasets`` without the ``local`` extra: one line naming the install; ``validate`` works."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

import pytest

from rekognition_datasets_handler.manifest import classification_entry
from rekognition_datasets_local.cli.main import main

if TYPE_CHECKING:
    from pathlib import Path


@pytest.fixture
def without_moto(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make ``moto`` unimportable, as in an install without the extra (a ``None`` entry blocks the import)."""
    monkeypatch.setitem(sys.modules, "moto", None)


@pytest.mark.usefixtures("without_moto")
@pytest.mark.parametrize("argv", [["deploy"], ["status", "Stack"], ["destroy"], ["emulator", "--port", "0"]])
def test_kit_commands_say_what_to_install_in_one_line(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == (
        f"rekognition-datasets {argv[0]}: needs the offline kit (missing moto): "
        "pip install 'cdk-rekognition-datasets[local]'\n"
    )


@pytest.mark.usefixtures("without_moto")
def test_validate_needs_no_extra(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    manifest = tmp_path / "train.manifest"
    lines = [classification_entry(f"s3://bucket/{name}.png", [label]) for name, label in [("a", "cat"), ("b", "dog")]]
    manifest.write_text("".join(json.dumps(line) + "\n" for line in lines))
    assert main(["validate", str(manifest)]) == 0
    assert "needs the offline kit" not in capsys.readouterr().err
