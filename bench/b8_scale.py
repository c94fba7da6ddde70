"""B8: datasets at scale: synth time, template bytes, largest resolved policy, offline deploy and its API calls."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import math
import os
import shutil
import struct
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
from unittest import mock

from bench.measure import child_env, run_child, timed
from bench.report import Figure, Stats, not_measured, verdict
from bench.scale_app import PREFIX, PREFIX_BUCKET, STACK_NAME

if TYPE_CHECKING:
    from collections.abc import Iterator

    from bench.settings import Settings

TITLE = "datasets at scale"
FULL_FOLDER_SIZES = (100, 1_000, 10_000, 20_000)
FULL_PREFIX_SIZES = (1_000, 100_000)
QUICK_FOLDER_SIZES = (20, 100)
QUICK_PREFIX_SIZES = (200,)
TARGET_PER_IMAGE_RATIO = 1.5
#: The folder size also deployed besides the largest (the issue's 1,000-image folder), when it is measured.
DEPLOYED_FOLDER = 1_000
#: Keys per ListObjectsV2 page (S3's maximum): the prefix source's minimum is one list call per page.
LIST_PAGE = 1_000
#: ``rekognition-datasets deploy --interval-factor``: the e2e waits.
INTERVAL_FACTOR = 0.001
LABELS = ("cat", "dog")
ACCOUNT, REGION = "123456789012", "us-east-1"

METHOD = (
    "Generated 1x1 PNG images (about 70 bytes each, distinct, alternately under `cat/` and `dog/`). "
    "`python -m bench.scale_app {folder|prefix|bare}` in a fresh interpreter synthesizes one stack: a project, a "
    "TRAIN dataset (`from_image_folder(N images)`, `from_bucket_prefix(bucket, 'images/')`, or empty: the bare "
    "minimum) and an empty TEST dataset, with `CDK_VALIDATION` unset. Folder synth and bare synth alternate (ABAB) "
    "with a `shutil.copytree` of the same folder (the cost of copying the files). Synth time per image = (folder "
    "synth - bare synth) / N against copy time / N, medians of the same run. Template bytes = the synthesized "
    "template. Largest resolved policy = the largest IAM policy document (or the sum of a role's inline ones) after "
    "the runner's intrinsic resolver replaces every Ref/GetAtt with a 64-character physical id or an ARN of "
    "realistic length, counted as IAM counts (JSON without whitespace). Offline deploy = `rekognition-datasets deploy "
    "--assembly DIR --interval-factor 0.001` (the CLI, in process; asset publishing included) against an emulator in "
    "the bench process, then `rekognition-datasets destroy`, for the 1,000-image and the largest folder and every "
    "prefix size; the prefix variant's N objects are put in the emulator's S3 first (not timed, not counted). "
    "Polls = the handler's is_complete invocations the runner made. Rekognition calls = the emulator's request log "
    "during the deploy; S3 calls = the emulator's S3 log (every request moto answered, named by S3 operation) on any "
    "bucket but the offline runner's state bucket; prefix list calls = its ListObjectsV2 requests under the source "
    "prefix, against the minimum of one per 1,000 objects. Each against the empty-dataset stack's deploy in the "
    "same emulator."
)


def tiny_png(index: int) -> bytes:
    """A distinct 1x1 RGB PNG (its colour encodes ``index``)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    pixel = b"\x00" + (index % (1 << 24)).to_bytes(3, "big")
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(pixel)) + chunk(b"IEND", b"")


def write_images(root: Path, count: int) -> Path:
    """``count`` tiny images under ``root/<label>/``."""
    for label in LABELS:
        (root / label).mkdir(parents=True, exist_ok=True)
    for index in range(count):
        (root / LABELS[index % 2] / f"{index}.png").write_bytes(tiny_png(index))
    return root


@dataclass(frozen=True)
class Synth:
    wall_s: float
    template_bytes: int
    largest_policy: int
    outdir: Path


def synth(variant: str, images: Path, outdir: Path, refresh: str = "") -> Synth:
    """Synthesize the ``variant`` stack in a child process; measure its template and its largest policy."""
    env = child_env({"CDK_VALIDATION": "false"})
    args = [sys.executable, "-m", "bench.scale_app", variant, str(images), str(outdir), *([refresh] if refresh else [])]
    wall, proc = run_child(args, env=env)
    path = Path(json.loads(proc.stdout.strip().splitlines()[-1])["template"])
    template: dict[str, Any] = json.loads(path.read_text())
    return Synth(wall, path.stat().st_size, largest_resolved_policy(template), outdir)


class _PlaceholderScope:
    """Resolves references to realistic lengths: 64-character physical ids, ARNs naming the logical id."""

    def ref(self, name: str) -> Any:
        pseudo = {
            "AWS::AccountId": ACCOUNT,
            "AWS::Region": REGION,
            "AWS::Partition": "aws",
            "AWS::URLSuffix": "amazonaws.com",
            "AWS::StackName": STACK_NAME,
            "AWS::StackId": f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/{STACK_NAME}/{'0' * 36}",
            "AWS::NoValue": None,
        }
        return pseudo.get(name, f"{STACK_NAME}-{name}-ABCDEFGHIJKLMNOPQRSTUVWXYZ"[:64])

    def get_att(self, logical_id: str, attribute: str) -> Any:
        return f"arn:aws:service:{REGION}:{ACCOUNT}:{attribute.lower()}/{STACK_NAME}-{logical_id}"[:128]

    def condition(self, name: str) -> bool:
        return True

    def mapping(self, name: str, top: str, second: str) -> Any:
        return "placeholder"


def largest_resolved_policy(template: dict[str, Any]) -> int:
    """The largest managed policy, or role's inline policies together, resolved, in IAM's characters."""
    from rekognition_datasets_local.runner.intrinsics import Resolver
    from rekognition_datasets_local.runner.quotas import policy_size

    resolver = Resolver(_PlaceholderScope())
    inline: dict[str, int] = {}
    largest = 0
    for logical_id, resource in template.get("Resources", {}).items():
        kind, props = resource["Type"], resource.get("Properties", {})
        if kind == "AWS::IAM::ManagedPolicy":
            largest = max(largest, policy_size(resolver.resolve(props["PolicyDocument"])))
        elif kind == "AWS::IAM::Policy":
            size = policy_size(resolver.resolve(props["PolicyDocument"]))
            for role in props.get("Roles", []):
                key = json.dumps(role, sort_keys=True)
                inline[key] = inline.get(key, 0) + size
        elif kind == "AWS::IAM::Role":
            own = sum(policy_size(resolver.resolve(p["PolicyDocument"])) for p in props.get("Policies", []))
            key = json.dumps({"Ref": logical_id})
            inline[key] = inline.get(key, 0) + own
    return max([largest, *inline.values()])


def run(settings: Settings) -> list[Figure]:
    folder_sizes = QUICK_FOLDER_SIZES if settings.quick else FULL_FOLDER_SIZES
    prefix_sizes = QUICK_PREFIX_SIZES if settings.quick else FULL_PREFIX_SIZES
    repeat = settings.repeats(2)
    runs = itertools.count()
    empty = settings.workdir / "b8-empty"
    empty.mkdir(parents=True, exist_ok=True)
    figures: list[Figure] = []
    per_size: dict[str, Synth] = {}
    per_image: tuple[Stats, Stats] | None = None
    for count in folder_sizes:
        images = write_images(settings.workdir / f"b8-images-{count}", count)
        walls: list[float] = []
        bares: list[Synth] = []
        copies: list[float] = []

        def copy(images: Path = images) -> float:
            target = settings.workdir / f"b8-copy-{next(runs)}"
            seconds, _ = timed(lambda: shutil.copytree(images, target))
            shutil.rmtree(target)
            return seconds

        for _ in range(repeat):  # baseline, copy, subject, alternately (ABAB...)
            bares.append(synth("bare", empty, settings.workdir / f"b8-bare-{next(runs)}"))
            copies.append(copy())
            ours = synth("folder", images, settings.workdir / f"b8-folder-{next(runs)}")
            walls.append(ours.wall_s)
            per_size[f"folder {count}"] = ours
        bare_median = Stats.of("s", [b.wall_s for b in bares]).median
        figures.append(
            Figure(
                "B8",
                f"synth wall time, from_image_folder N={count}",
                Stats.of("s", walls),
                baseline=Stats.of("s", [b.wall_s for b in bares]),
                baseline_label="empty dataset",
            )
        )
        per_image = (
            Stats.of("s", [max(w - bare_median, 0.0) / count for w in walls]),
            Stats.of("s", [c / count for c in copies]),
        )
        per_size.setdefault("bare", bares[0])
    assert per_image is not None
    ours_per_image, copy_per_image = per_image
    ratio = ours_per_image.median / copy_per_image.median if copy_per_image.median else float("inf")
    figures.append(
        Figure(
            "B8",
            f"synth time per image, from_image_folder N={folder_sizes[-1]}",
            ours_per_image,
            target=f"<= {TARGET_PER_IMAGE_RATIO:g}x copying the files",
            verdict=verdict(ratio <= TARGET_PER_IMAGE_RATIO),
            baseline=copy_per_image,
            baseline_label="shutil.copytree",
            note="(folder synth - median empty-dataset synth) / N",
        )
    )
    for count in prefix_sizes:
        # A refresh per size: the same fingerprint would reuse the smaller size's staged manifest (by design).
        outdir = settings.workdir / f"b8-prefix-{count}-{next(runs)}"
        per_size[f"prefix {count}"] = synth("prefix", empty, outdir, refresh=str(count))
    figures.extend(_size_rows(per_size))
    figures.extend(_deploy_rows(per_size, folder_sizes, prefix_sizes))
    return figures


def _size_rows(per_size: dict[str, Synth]) -> list[Figure]:
    """Template bytes and largest resolved policy for every size: targets constant in N."""
    subjects = {k: v for k, v in per_size.items() if k != "bare"}
    bare = per_size["bare"]
    rows = []
    for what, attr, unit in (
        ("template bytes", "template_bytes", "bytes"),
        ("largest resolved policy", "largest_policy", "chars"),
    ):
        by_variant: dict[str, list[int]] = {}
        for key, result in subjects.items():
            by_variant.setdefault(key.split()[0], []).append(getattr(result, attr))
        constant = all(len(set(values)) == 1 for values in by_variant.values())
        rows.append(
            Figure(
                "B8",
                f"{what}, " + ", ".join(subjects),
                Stats.of(unit, [getattr(r, attr) for r in subjects.values()]),
                target="constant in N (per source type)",
                verdict=verdict(constant),
                baseline=Stats.of(unit, [getattr(bare, attr)]),
                baseline_label="empty dataset",
                note="; ".join(f"{k}: {getattr(r, attr):,}" for k, r in subjects.items()),
            )
        )
    return rows


@dataclass(frozen=True)
class Deployed:
    """One offline deploy through the CLI: seconds, calls by operation, and the handler's invocations."""

    seconds: float
    rekognition: dict[str, int]
    s3: dict[str, int]
    #: ``ListObjectsV2`` calls under the prefix source's prefix (the pages the handler read).
    source_lists: int
    polls: int
    on_event: int


def _deploy_rows(
    per_size: dict[str, Synth], folder_sizes: tuple[int, ...], prefix_sizes: tuple[int, ...]
) -> list[Figure]:
    """Offline deploy (``rekognition-datasets deploy``) time, polls and API calls per subject, against bare."""
    try:
        from rekognition_datasets_local.emulator import Emulator
    except ModuleNotFoundError as missing:
        return [not_measured("B8", "offline deploy", f"`{missing.name}` is not importable")]
    folders = sorted({n for n in folder_sizes if n == DEPLOYED_FOLDER} | set(folder_sizes[-1:]))
    subjects = [*(f"folder {n}" for n in folders), *(f"prefix {n}" for n in prefix_sizes)]
    rows: list[Figure] = []
    with Emulator() as emulator, _pointed_at(emulator):
        bare = _deploy(emulator, per_size["bare"].outdir, 0)
        for subject in subjects:
            variant, count = subject.split()[0], int(subject.split()[1])
            if variant == "prefix":
                _fill_prefix(emulator, count)
            try:
                ours = _deploy(emulator, per_size[subject].outdir, count)
            except Exception as failed:  # a deploy that fails is a row that says why, never a number
                reason = str(failed).strip().splitlines()[0][:200] if str(failed).strip() else type(failed).__name__
                rows.append(not_measured("B8", f"offline deploy, {subject} images", reason))
                continue
            rows.extend(_subject_rows(subject, count, ours, bare))
    return rows


def _subject_rows(subject: str, count: int, ours: Deployed, bare: Deployed) -> list[Figure]:
    def calls(by_operation: dict[str, int]) -> Stats:
        return Stats.of("calls", [sum(by_operation.values())])

    def breakdown(by_operation: dict[str, int]) -> str:
        return ", ".join(f"{k} {v}" for k, v in sorted(by_operation.items()))

    rows = [
        Figure(
            "B8",
            f"offline deploy (CLI), {subject} images",
            Stats.of("s", [ours.seconds]),
            baseline=Stats.of("s", [bare.seconds]),
            baseline_label="empty dataset",
            note=f"one run; {ours.polls} is_complete polls and {ours.on_event} on_event calls (empty dataset: "
            f"{bare.polls} and {bare.on_event}); the stack is destroyed after",
        ),
    ]
    for service, ours_calls, bare_calls, what in (
        ("Rekognition", ours.rekognition, bare.rekognition, "the emulator's Rekognition log"),
        ("S3", ours.s3, bare.s3, "every S3 request on a bucket (asset publishing included, the runner's state not)"),
    ):
        rows.append(
            Figure(
                "B8",
                f"{service} calls, deploy, {subject} images",
                calls(ours_calls),
                baseline=calls(bare_calls),
                baseline_label="empty dataset",
                note=f"deterministic: one run; {what}: {breakdown(ours_calls)}",
            )
        )
    if subject.startswith("prefix"):
        pages = max(1, math.ceil(count / LIST_PAGE))
        rows.append(
            Figure(
                "B8",
                f"S3 list calls of the prefix, deploy, {subject} objects",
                Stats.of("calls", [ours.source_lists]),
                target=f"one per {LIST_PAGE:,} objects",
                verdict=verdict(ours.source_lists <= pages),
                baseline=Stats.of("calls", [pages]),
                baseline_label="minimum: ceil(N / 1,000) pages",
                note="ListObjectsV2 under the source prefix, from the emulator's S3 log",
            )
        )
    return rows


@contextlib.contextmanager
def _pointed_at(emulator: Any) -> Iterator[None]:
    """This process's environment pointing boto3 (and so the CLI) at ``emulator``, restored after."""
    env = {
        **emulator.env(),
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    with mock.patch.dict(os.environ, env):
        os.environ.pop("AWS_PROFILE", None)
        yield


def _cli(*args: str) -> None:
    from rekognition_datasets_local.cli.main import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(list(args))
    if code != 0:
        raise RuntimeError(f"rekognition-datasets {args[0]} exited {code}: {out.getvalue().strip()[-300:]}")


def _deploy(emulator: Any, assembly: Path, images: int) -> Deployed:
    """``rekognition-datasets deploy`` the assembly's stack, check its TRAIN dataset holds ``images`` entries,
    then ``rekognition-datasets destroy`` it: seconds, calls and invocations of the deploy."""
    import boto3

    from rekognition_datasets_local.runner.lambda_host import LambdaHost
    from rekognition_datasets_local.runner.state import STATE_BUCKET

    options = ("--assembly", str(assembly), "--interval-factor", str(INTERVAL_FACTOR), STACK_NAME)
    emulator.request_log.clear()
    emulator.s3_log.clear()
    # The handler's invocations, counted where the runner makes them (the CLI's session is its own).
    with mock.patch.object(LambdaHost, "invoke", autospec=True, side_effect=LambdaHost.invoke) as invoke:
        seconds, _ = timed(lambda: _cli("deploy", *options))
    names = [call.args[1].name for call in invoke.call_args_list]
    rekognition_calls = _by_operation(emulator.request_log.entries())
    s3_entries = emulator.s3_log.entries()
    source_lists = sum(
        1
        for e in s3_entries
        if e.operation == "ListObjectsV2" and e.params["Bucket"] == PREFIX_BUCKET and e.params.get("Prefix") == PREFIX
    )
    try:
        rekognition = boto3.client("rekognition")
        (project,) = rekognition.describe_projects()["ProjectDescriptions"]
        (train,) = (d for d in project["Datasets"] if d["DatasetType"] == "TRAIN")
        stats = rekognition.describe_dataset(DatasetArn=train["DatasetArn"])["DatasetDescription"]["DatasetStats"]
        if stats["TotalEntries"] != images:
            raise RuntimeError(f"the TRAIN dataset holds {stats['TotalEntries']} entries, not {images}")
    finally:
        _cli("destroy", *options)
    return Deployed(
        seconds=seconds,
        rekognition=rekognition_calls,
        s3=_by_operation([e for e in s3_entries if e.params["Bucket"] not in ("", STATE_BUCKET)]),
        source_lists=source_lists,
        polls=sum("IsComplete" in name for name in names),
        on_event=sum("OnEvent" in name for name in names),
    )


def _by_operation(entries: list[Any]) -> dict[str, int]:
    by_operation: dict[str, int] = {}
    for entry in entries:
        by_operation[entry.operation] = by_operation.get(entry.operation, 0) + 1
    return by_operation


def _fill_prefix(emulator: Any, count: int) -> None:
    """Put ``count`` tiny images under the prefix variant's bucket and prefix (labelled by sub-prefix), straight
    into the emulator's S3 backend (not timed, not counted)."""
    objects = ((f"{PREFIX}{LABELS[index % 2]}/{index}.png", tiny_png(index)) for index in range(count))
    emulator.put_objects(PREFIX_BUCKET, objects)
