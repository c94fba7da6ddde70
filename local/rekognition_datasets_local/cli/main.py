"""``rekognition-datasets``: validate manifests, run the local emulator, deploy stacks offline.

Each subcommand lives in its own module exposing ``register(subparsers)``; this module only wires them, and
imports each lazily so ``validate`` never pays for the emulator's or the runner's imports, and works without the
``local`` extra (it only needs the handler's manifest rules); the other commands need the extra and say so in one line.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

#: subcommand module -> subcommands it registers (imported only when one of them is asked for).
_MODULES: dict[str, tuple[str, ...]] = {
    "rekognition_datasets_local.cli.validate": ("validate",),
    "rekognition_datasets_local.cli.emulator": ("emulator",),
    "rekognition_datasets_local.cli.runner": ("deploy", "destroy", "status", "logs"),
}

#: Subcommands that work without the ``local`` extra; every other one runs the emulator (moto's server) or the runner.
_WITHOUT_LOCAL_EXTRA = frozenset({"validate"})
#: Top-level modules of the distributions the ``local`` extra installs.
_LOCAL_EXTRA_MODULES = ("moto", "flask", "flask_cors", "werkzeug", "yaml", "cryptography")
_INSTALL_LOCAL_EXTRA = "pip install 'cdk-rekognition-datasets[local]'"


def _missing_local_extra() -> list[str]:
    """The ``local`` extra's top-level modules this environment cannot import."""
    return [name for name in _LOCAL_EXTRA_MODULES if importlib.util.find_spec(name) is None]


def _parser(wanted: str | None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rekognition-datasets",
        description="Rekognition Custom Labels datasets as code: validate manifests, emulate, deploy offline.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for module_name, commands in _MODULES.items():
        if wanted is None or wanted in commands:
            importlib.import_module(module_name).register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the process exit code."""
    args_in = list(sys.argv[1:] if argv is None else argv)
    wanted = next((a for a in args_in if not a.startswith("-")), None)
    known = {c for commands in _MODULES.values() for c in commands}
    missing = _missing_local_extra() if wanted in known - _WITHOUT_LOCAL_EXTRA else []
    if missing:
        print(
            f"rekognition-datasets {wanted}: needs the offline kit (missing {', '.join(missing)}): "
            f"{_INSTALL_LOCAL_EXTRA}",
            file=sys.stderr,
        )
        return 2
    parser = _parser(wanted if wanted in known else None)
    args = parser.parse_args(args_in)
    try:
        code: int = args.run(args)
        sys.stdout.flush()
    except BrokenPipeError:
        # the reader (``| head``) left: stop quietly, and keep the interpreter's final flush from failing again
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    return code


if __name__ == "__main__":
    raise SystemExit(main())
