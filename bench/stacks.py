"""The default library stack (B1's, N=1), synthesized once per run and shared by the benchmarks that read it."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from bench.b1_synth import synth
from bench.measure import BenchError
from bench.synth_app import STACK_NAME

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

    from bench.settings import Settings

_RETRY = re.compile(r'"IntervalSeconds":(\d+),"MaxAttempts":(\d+)')


def default_stack(settings: Settings) -> tuple[Path, dict[str, Any]]:
    """The cloud assembly directory and template of one library dataset with every default (synthesized once)."""
    outdir = settings.workdir / "default-stack.out"
    template_path = outdir / f"{STACK_NAME}.template.json"
    if not template_path.exists():
        synth("library", 1, outdir)
    template: dict[str, Any] = json.loads(template_path.read_text())
    return outdir, template


def _strings(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, dict):
        for value in node.values():
            yield from _strings(value)
    elif isinstance(node, list):
        for value in node:
            yield from _strings(value)


def waiter_retry(template: dict[str, Any]) -> tuple[int, int]:
    """``(IntervalSeconds, MaxAttempts)`` of the Provider framework's waiter state machine in ``template``."""
    found = _RETRY.search("".join(_strings(template.get("Resources", {}))))
    if found:
        return int(found.group(1)), int(found.group(2))
    raise BenchError("no waiter state machine Retry (IntervalSeconds/MaxAttempts) in the template")
