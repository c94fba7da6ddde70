"""B4 smoke run: a small entries object through the real handler; the request log gives the call sizes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench.manifests import write_entries

from bench import b4_chunks

if TYPE_CHECKING:
    from pathlib import Path

    from rekognition_datasets_local.emulator import Emulator


def test_apply_entries_reports_every_update_call(emulator: Emulator, tmp_path: Path) -> None:
    path = tmp_path / "entries.jsonl"
    write_entries(path, 50_000)
    sizes, polls, seconds = b4_chunks.apply_entries(emulator, path, "smoke")
    assert sizes == [path.stat().st_size]
    assert polls >= 1
    assert seconds > 0
