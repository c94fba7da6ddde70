"""rekognition-datasets deploy | destroy | status | logs: run synthesized stacks offline against the emulator.

With AWS_ENDPOINT_URL_REKOGNITION and AWS_ENDPOINT_URL_S3 set (see rekognition-datasets emulator) the commands
use that emulator, and stacks persist between commands; otherwise each command starts an embedded emulator that
lives only as long as the command.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import argparse

#: Default scale of every wait (provider query interval, service polls): offline, a 30 s interval takes 3 s.
DEFAULT_INTERVAL_FACTOR = 0.1


def register(subparsers: Any) -> None:
    """Add the ``deploy``, ``destroy`` and ``status`` subcommands."""
    deploy = subparsers.add_parser("deploy", help="deploy (create or update) stacks offline", description=__doc__)
    _source_arguments(deploy)
    deploy.add_argument("stacks", nargs="*", metavar="STACK", help="stacks to deploy (default: all)")
    deploy.add_argument(
        "--parameter",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a template parameter (with --template; repeatable)",
    )
    deploy.add_argument(
        "--interval-factor",
        type=float,
        default=DEFAULT_INTERVAL_FACTOR,
        help=f"scale of the provider's query interval and service polls (default {DEFAULT_INTERVAL_FACTOR})",
    )
    deploy.set_defaults(run=_deploy)

    destroy = subparsers.add_parser("destroy", help="destroy deployed stacks offline", description=__doc__)
    _source_arguments(destroy)
    destroy.add_argument("stacks", nargs="*", metavar="STACK", help="stacks to destroy (default: all deployed)")
    destroy.add_argument("--interval-factor", type=float, default=DEFAULT_INTERVAL_FACTOR, help="as for deploy")
    destroy.set_defaults(run=_destroy)

    status = subparsers.add_parser("status", help="show deployed stacks and their datasets", description=__doc__)
    status.add_argument("stacks", nargs="*", metavar="STACK", help="stacks to show (default: all deployed)")
    status.set_defaults(run=_status)

    logs = subparsers.add_parser(
        "logs", help="print the logs of a stack's functions (what the handlers printed)", description=__doc__
    )
    logs.add_argument("stacks", nargs="*", metavar="STACK", help="stacks whose logs to print (default: all deployed)")
    logs.add_argument("--function", metavar="X", help="only functions whose name contains X")
    logs.add_argument("--tail", type=int, metavar="N", help="only the last N lines of each log")
    logs.set_defaults(run=_logs)


def _source_arguments(parser: argparse.ArgumentParser) -> None:
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--app", metavar="CMD", help='the CDK app command (default: "app" in ./cdk.json)')
    source.add_argument("--assembly", metavar="DIR", type=Path, help="an existing cloud assembly (cdk.out)")
    source.add_argument(
        "--template",
        metavar="FILE",
        type=Path,
        help="a plain CloudFormation template (JSON/YAML; local Code paths are packaged); STACK names it",
    )
    parser.add_argument("--output", metavar="DIR", type=Path, default=Path("cdk.out"), help="where --app synthesizes")


def _app_command(args: argparse.Namespace) -> str | None:
    if args.app:
        return str(args.app)
    cdk_json = Path("cdk.json")
    if cdk_json.is_file():
        app = json.loads(cdk_json.read_text()).get("app")
        return str(app) if app else None
    return None


def _assembly(args: argparse.Namespace, *, required: bool) -> Any:
    from rekognition_datasets_local.runner.assembly import CloudAssembly, synthesize

    if args.assembly:
        return CloudAssembly.read(args.assembly)
    app = _app_command(args)
    if app is None:
        if required:
            raise SystemExit('deploy needs --app CMD, --assembly DIR, or a cdk.json with an "app" in this directory')
        return None
    print(f"Synthesizing `{app}` into {args.output} ...", flush=True)
    return CloudAssembly.read(synthesize(app, args.output))


def _fail(exc: Exception) -> int:
    from rekognition_datasets_local.runner.engine import StackFailed

    if isinstance(exc, StackFailed):
        print(f"\n❌  {exc.stack} failed ({exc.status}):", file=sys.stderr)
        for logical_id, reason in exc.failures.items():
            print(f"   {logical_id}: {reason}", file=sys.stderr)
    else:
        print(f"\n❌  {exc}", file=sys.stderr)
    return 1


def _embedded_note(session: Any) -> None:
    if session.embedded is not None:
        session.printer.line(
            "(embedded emulator: what this command deploys is discarded when it exits; run "
            "`rekognition-datasets emulator` and export its variables to keep stacks between commands)"
        )


def _deploy(args: argparse.Namespace) -> int:
    from rekognition_datasets_local.runner.errors import RunnerError
    from rekognition_datasets_local.runner.resources.base import RunnerConfig
    from rekognition_datasets_local.runner.session import open_session
    from rekognition_datasets_local.runner.summary import print_datasets

    try:
        assembly = None if args.template else _assembly(args, required=True)
        stacks = assembly.select(args.stacks) if assembly else []
        if not _synth_messages(stacks):
            return 1
        with open_session(config=RunnerConfig(interval_factor=args.interval_factor)) as session:
            _embedded_note(session)
            states = [session.deploy(stack) for stack in stacks]
            if args.template:
                name = args.stacks[0] if args.stacks else args.template.stem
                states.append(session.deploy_template(args.template, name, _parameters(args.parameter)))
            for state in states:
                print_datasets(session.printer, session.clients.rekognition, state)
                session.printer.line(f"\n ✅  {state.stack_name}\n")
    except RunnerError as exc:
        return _fail(exc)
    return 0


def _synth_messages(stacks: list[Any]) -> bool:
    """Print the warnings and errors ``cdk synth`` prints; False (deploy nothing) when there are errors, as cdk."""
    errors = 0
    for stack in stacks:
        for level, path, message in stack.messages:
            errors += level == "error"
            print(f"[{'Error' if level == 'error' else 'Warning'} at {path}] {message}", file=sys.stderr)
    if errors:
        print(f"\n❌  Found {errors} error(s) in the synthesized app: nothing deployed", file=sys.stderr)
    return errors == 0


def _parameters(pairs: list[str]) -> dict[str, str]:
    values = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise SystemExit(f"--parameter {pair!r}: use KEY=VALUE")
        values[key] = value
    return values


def _destroy(args: argparse.Namespace) -> int:
    from rekognition_datasets_local.runner.errors import RunnerError
    from rekognition_datasets_local.runner.resources.base import RunnerConfig
    from rekognition_datasets_local.runner.session import open_session

    try:
        assembly = _assembly(args, required=False) if (args.app or args.assembly) else None
        if args.template and not args.stacks:
            args.stacks = [args.template.stem]
        with open_session(config=RunnerConfig(interval_factor=args.interval_factor)) as session:
            _embedded_note(session)
            names = args.stacks or (
                [s.stack_name for s in reversed(assembly.stacks)] if assembly else session.engine.store.stack_names()
            )
            for name in names:
                if session.engine.destroy(name):
                    session.printer.line(f"\n ✅  {name}: destroyed\n")
                else:
                    session.printer.line(f"{name}: not deployed (nothing to destroy)")
    except RunnerError as exc:
        return _fail(exc)
    return 0


def _status(args: argparse.Namespace) -> int:
    from rekognition_datasets_local.runner.session import open_session
    from rekognition_datasets_local.runner.summary import print_datasets

    with open_session() as session:
        _embedded_note(session)
        names = args.stacks or session.engine.store.stack_names()
        if not names:
            session.printer.line("no stacks deployed")
        for name in names:
            state = session.engine.store.load(name)
            if state is None:
                session.printer.line(f"{name}: not deployed")
                continue
            session.printer.line(f"{name}: {state.status}, {len(state.resources)} resources")
            print_datasets(session.printer, session.clients.rekognition, state)
    return 0


def _logs(args: argparse.Namespace) -> int:
    from rekognition_datasets_local.runner import logs
    from rekognition_datasets_local.runner.session import open_session

    with open_session() as session:
        _embedded_note(session)
        names = args.stacks or session.engine.store.stack_names()
        found = 0
        for name in names:
            state = session.engine.store.load(name)
            functions = (
                {r.physical_id for r in state.resources.values() if r.type == "AWS::Lambda::Function"}
                if state is not None
                else None  # destroyed: its functions' generated names start with the stack's name
            )
            for function, text in sorted(logs.read(session.clients.s3, functions, prefix=f"{name}-").items()):
                if args.function and args.function not in function:
                    continue
                found += 1
                lines = logs.last_lines(text, args.tail) if args.tail else text.splitlines()
                session.printer.line(f"==> /aws/lambda/{function} ({name}) <==")
                for line in lines:
                    session.printer.line(line)
        if not found:
            session.printer.line("no function logs kept for " + (", ".join(names) or "any stack"))
    return 0
