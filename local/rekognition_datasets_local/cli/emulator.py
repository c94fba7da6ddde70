"""``rekognition-datasets emulator``: run the local Rekognition + S3 emulator, or send faults to a running one.

Started, it prints ``AWS_ENDPOINT_URL_<SERVICE>=<url>`` lines (Rekognition, S3, EventBridge, Lambda, EventBridge
Scheduler, CloudFormation, STS, SSM, IAM) once it is ready and runs until SIGINT/SIGTERM; with them exported,
``npx cdk bootstrap/deploy/diff/destroy`` deploy against it (its CloudFormation API runs the runner's engine). With
``--control URL`` it starts nothing: it sends the fault flags (and ``--reset``, ``--advance``, ``--requests``) to the
emulator at URL.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from types import FrameType

    from rekognition_datasets_local.emulator.request_log import LoggedRequest

#: Variables printed when the emulator is ready, in this order.
PRINTED_ENV = (
    "AWS_ENDPOINT_URL_REKOGNITION",
    "AWS_ENDPOINT_URL_S3",
    "AWS_ENDPOINT_URL_EVENTS",
    "AWS_ENDPOINT_URL_EVENTBRIDGE",
    "AWS_ENDPOINT_URL_LAMBDA",
    "AWS_ENDPOINT_URL_SCHEDULER",
    "AWS_ENDPOINT_URL_CLOUDFORMATION",
    "AWS_ENDPOINT_URL_STS",
    "AWS_ENDPOINT_URL_SSM",
    "AWS_ENDPOINT_URL_IAM",
    # what plain boto3 needs besides the endpoints: the emulator's dummy credentials and its region
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_DEFAULT_REGION",
    "AWS_REGION",
)

Fault = dict[str, Any]

_DESCRIPTION = """\
Run the local Rekognition Custom Labels API (datasets and models), EventBridge Scheduler (one-time schedules that stop
a model, run on the emulator's clock), a CloudFormation API backed by the offline runner, and a moto server (S3,
EventBridge, Lambda, STS, SSM, IAM) on loopback. When ready it prints AWS_ENDPOINT_URL_<SERVICE>=<url> lines and the
credentials and region (export them all and unmodified boto3 clients and `npx cdk bootstrap/deploy/diff/destroy` use
the emulator) and runs until Ctrl-C or SIGTERM. With --control URL it
starts nothing: it sends the fault flags, --delay, --training-f1, --fail-training, --fail-start, --reset, --advance and
--requests to the emulator already running at URL (its Rekognition endpoint)."""


def register(subparsers: Any) -> None:
    """Add the ``emulator`` subcommand."""
    parser = subparsers.add_parser(
        "emulator",
        help="run the local Rekognition Custom Labels + S3 emulator (or control a running one)",
        description=_DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve = parser.add_argument_group("serving")
    serve.add_argument("--host", default="127.0.0.1", help="loopback address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=0, help="Rekognition port (default: a free one)")
    serve.add_argument("--s3-port", type=int, default=0, help="S3/EventBridge/Lambda (moto) port (default: a free one)")
    serve.add_argument("--region", default="us-east-1", help="region in ARNs (default us-east-1)")
    serve.add_argument("--account-id", default="123456789012", help="account in ARNs (default 123456789012)")
    serve.add_argument(
        "--delay",
        action="append",
        default=[],
        metavar="[KIND=]SECONDS",
        help="transition delay: SECONDS for all, or KIND=SECONDS with KIND one of "
        "dataset-create, dataset-update, dataset-delete, distribute, project-create, project-delete, training, "
        "version-start, version-stop, version-delete (repeatable; sent to --control URL too)",
    )
    serve.add_argument(
        "--training-f1",
        action="append",
        default=[],
        metavar="[NAME=]F1",
        help="F1 score (0-1) trainings reach: for all, or for NAME (a version, PROJECT/VERSION or a project) "
        "(repeatable; default 0.9; sent to --control URL too)",
    )
    serve.add_argument(
        "--fail-training",
        action="append",
        default=[],
        metavar="NAME=MESSAGE",
        help="trainings of NAME (a version, PROJECT/VERSION, a project or '*') end TRAINING_FAILED with MESSAGE "
        "(repeatable; sent to --control URL too)",
    )
    serve.add_argument(
        "--fail-start",
        action="append",
        default=[],
        metavar="NAME=MESSAGE",
        help="StartProjectVersion of NAME (as --fail-training) ends FAILED with MESSAGE (repeatable; sent to "
        "--control URL too)",
    )
    serve.add_argument(
        "--interval-factor",
        type=float,
        default=0.1,
        help="scale of the provider's query interval and service polls when the CloudFormation API deploys "
        "(default 0.1)",
    )
    serve.add_argument("--log-requests", action="store_true", help="print each API call as a JSON line on stderr")
    serve.add_argument(
        "--cascade-project-delete",
        action="store_true",
        help="DeleteProject deletes the project's datasets instead of refusing while it has any",
    )
    faults = parser.add_argument_group("faults (armed at start, or sent to --control URL)")
    faults.add_argument(
        "--throttle-next",
        action="append",
        default=[],
        metavar="[OP=]N",
        help="throttle the next N calls (of operation OP)",
    )
    faults.add_argument(
        "--throttle", action="append", default=[], metavar="OP=FRACTION", help="throttle a fraction of OP's calls"
    )
    faults.add_argument(
        "--throttle-code",
        default="ThrottlingException",
        choices=("ThrottlingException", "ProvisionedThroughputExceededException"),
        help="error the throttling faults raise",
    )
    faults.add_argument("--seed", type=int, default=0, help="seed of --throttle's draws (default 0)")
    faults.add_argument(
        "--internal-error-next",
        action="append",
        default=[],
        metavar="[OP=]N",
        help="InternalServerError for the next N calls (of OP)",
    )
    faults.add_argument(
        "--fail-next",
        action="append",
        default=[],
        metavar="ARN=MESSAGE",
        help="end the next operation on a dataset (or project, or '*') in a FAILED state with MESSAGE",
    )
    faults.add_argument("--slow", type=float, metavar="SECONDS", help="add SECONDS to every status transition")
    faults.add_argument("--delete-dataset", action="append", default=[], metavar="ARN", help="delete out of band")
    control = parser.add_argument_group("controlling a running emulator")
    control.add_argument("--control", metavar="URL", help="Rekognition URL of a running emulator to send faults to")
    control.add_argument(
        "--reset", action="store_true", help="forget all state, faults and logged requests (with --control)"
    )
    control.add_argument("--advance", type=float, metavar="SECONDS", help="move its clock forward (with --control)")
    control.add_argument("--requests", action="store_true", help="print its request log as JSON lines (with --control)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    """Entry point of the subcommand."""
    try:
        faults = _faults(args)
        changes = _config_changes(args)
        if args.control:
            return _control(args.control, faults, changes, args)
        if args.reset or args.advance is not None or args.requests or args.delete_dataset:
            raise ValueError("--reset, --advance, --requests and --delete-dataset need --control URL")
        return _serve(args, faults, changes)
    except ValueError as error:
        print(f"rekognition-datasets emulator: {error}", file=sys.stderr)
        return 2


def _serve(args: argparse.Namespace, faults: list[Fault], changes: dict[str, Any]) -> int:
    from rekognition_datasets_local.cloudformation import LocalCloud
    from rekognition_datasets_local.emulator import Emulator, EmulatorConfig
    from rekognition_datasets_local.runner.resources.base import RunnerConfig

    config = EmulatorConfig(
        region=args.region,
        account_id=args.account_id,
        delete_project_requires_no_datasets=not args.cascade_project_delete,
        **changes,
    )
    stop = threading.Event()

    def _on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    emulator = Emulator(config, host=args.host, port=args.port, s3_port=args.s3_port)
    for fault in faults:  # armed before anything listens, so a bad fault flag costs nothing
        _apply(emulator.faults, fault)
    cloud = LocalCloud(emulator, RunnerConfig(interval_factor=args.interval_factor))
    try:
        cloud.start()
    except OSError as error:
        print(f"rekognition-datasets emulator: cannot listen on {args.host}: {error}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGINT, _on_signal)
    signal.signal(signal.SIGTERM, _on_signal)
    try:
        if args.log_requests:
            emulator.request_log.subscribe(_print_request)
        env = cloud.env()
        for name in PRINTED_ENV:
            print(f"{name}={env[name]}")
        sys.stdout.flush()
        print("rekognition-datasets emulator: ready; stop with Ctrl-C (SIGINT) or SIGTERM", file=sys.stderr)
        stop.wait()
    finally:
        cloud.stop()
    return 0


def _print_request(entry: LoggedRequest) -> None:
    print(json.dumps(entry.to_dict()), file=sys.stderr, flush=True)


def _control(url: str, faults: list[Fault], changes: dict[str, Any], args: argparse.Namespace) -> int:
    from rekognition_datasets_local.emulator.control import ControlError, EmulatorControl

    control = EmulatorControl(url)
    try:
        if args.reset:
            control.reset()
        if changes:
            control.configure(**changes)
        for fault in faults:
            arguments = dict(fault)
            control.arm(arguments.pop("fault"), **arguments)
        if args.advance is not None:
            control.advance(args.advance)
        if args.requests:
            for entry in control.requests():
                print(json.dumps(entry))
    except ControlError as error:
        print(f"rekognition-datasets emulator: {error}", file=sys.stderr)
        return 1
    return 0


def _faults(args: argparse.Namespace) -> list[Fault]:
    """The fault flags as control-endpoint bodies (``{"fault": <Faults method>, ...}``)."""
    faults: list[Fault] = []
    for value in args.throttle_next:
        operation, count = _counted(value, "--throttle-next")
        faults.append({"fault": "throttle_next", "count": count, "operation": operation, "code": args.throttle_code})
    for value in args.throttle:
        operation, fraction = _pair(value, "--throttle", "OP=FRACTION")
        faults.append(
            {
                "fault": "throttle_fraction",
                "operation": operation,
                "fraction": _number(fraction, float, "--throttle"),
                "seed": args.seed,
                "code": args.throttle_code,
            }
        )
    for value in args.internal_error_next:
        operation, count = _counted(value, "--internal-error-next")
        faults.append({"fault": "internal_error_next", "count": count, "operation": operation})
    for value in args.fail_next:
        arn, message = _pair(value, "--fail-next", "ARN=MESSAGE", split_last=False)
        faults.append({"fault": "fail_next", "arn": arn, "message": message})
    if args.slow is not None:
        faults.append({"fault": "slow", "seconds": args.slow})
    faults.extend({"fault": "delete_dataset", "arn": arn} for arn in args.delete_dataset)
    return faults


def _apply(target: Any, fault: Fault) -> None:
    arguments = dict(fault)
    getattr(target, arguments.pop("fault"))(**arguments)


def _config_changes(args: argparse.Namespace) -> dict[str, Any]:
    """The ``EmulatorConfig`` fields the flags set: delays, and the trainings' F1 scores and failures."""
    changes: dict[str, Any] = dict(_delays(args.delay))
    f1s: dict[str, float] = {}
    for value in args.training_f1:
        name, _, score = value.rpartition("=")
        if name:
            f1s[name] = _number(score, float, "--training-f1")
        else:
            changes["training_f1"] = _number(score, float, "--training-f1")
    if f1s:
        changes["training_f1s"] = f1s
    for field, flag, values in (
        ("training_failures", "--fail-training", args.fail_training),
        ("start_failures", "--fail-start", args.fail_start),
    ):
        if values:
            changes[field] = dict(_pair(value, flag, "NAME=MESSAGE", split_last=False) for value in values)
    return changes


def _delays(values: list[str]) -> dict[str, float]:
    from rekognition_datasets_local.emulator.config import DELAY_FIELDS

    delays: dict[str, float] = {}
    for value in values:
        if "=" not in value:
            delays.update(dict.fromkeys(DELAY_FIELDS.values(), _number(value, float, "--delay")))
            continue
        kind, seconds = _pair(value, "--delay", "KIND=SECONDS")
        if kind not in DELAY_FIELDS:
            raise ValueError(f"--delay {value}: KIND must be one of {', '.join(DELAY_FIELDS)}")
        delays[DELAY_FIELDS[kind]] = _number(seconds, float, "--delay")
    return delays


def _counted(value: str, flag: str) -> tuple[str | None, int]:
    operation, _, count = value.rpartition("=")
    return operation or None, _number(count, int, flag)


def _pair(value: str, flag: str, form: str, *, split_last: bool = True) -> tuple[str, str]:
    left, sep, right = value.rpartition("=") if split_last else value.partition("=")
    if not sep or not left:
        raise ValueError(f"{flag} {value!r}: expected {form}")
    return left, right


def _number(text: str, kind: type[int] | type[float], flag: str) -> Any:
    try:
        return kind(text)
    except ValueError:
        raise ValueError(f"{flag}: {text!r} is not a {'whole ' if kind is int else ''}number") from None
