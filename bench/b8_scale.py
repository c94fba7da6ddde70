"""B8: datasets at scale: synth time, template bytes, largest resolved policy, offline deploy and its API calls."""

from __future__ import annotations

import concurrent.futures
import io
import itertools
import json
import shutil
import struct
import sys
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bench.measure import child_env, run_child, timed
from bench.report import Figure, Stats, not_measured, verdict
from bench.scale_app import PREFIX, PREFIX_BUCKET, STACK_NAME

if TYPE_CHECKING:
    from bench.settings import Settings
    from rekognition_datasets_local.runner.session import Session

TITLE = "datasets at scale"
FULL_FOLDER_SIZES = (100, 1_000, 10_000, 20_000)
FULL_PREFIX_SIZES = (1_000, 100_000)
QUICK_FOLDER_SIZES = (20, 100)
QUICK_PREFIX_SIZES = (200,)
TARGET_PER_IMAGE_RATIO = 1.5
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
    "realistic length, counted as IAM counts (JSON without whitespace). Offline deploy = `Session.deploy` (asset "
    "publishing included) against an embedded emulator with the e2e waits (query interval x 0.001), then destroy; "
    "the prefix variant's N objects are put in the emulator's S3 first (not timed). Rekognition calls = the "
    "emulator's request log during the deploy, against the bare stack's deploy in the same session. S3 calls are "
    "not in the emulator's log, so list pages are not counted."
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
    figures.extend(_deploy_rows(settings, per_size, folder_sizes, prefix_sizes))
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


def _deploy_rows(
    settings: Settings, per_size: dict[str, Synth], folder_sizes: tuple[int, ...], prefix_sizes: tuple[int, ...]
) -> list[Figure]:
    """Offline deploy time and Rekognition calls of the largest folder and every prefix size, against bare."""
    try:
        from rekognition_datasets_local.runner.assembly import CloudAssembly
        from rekognition_datasets_local.runner.output import Printer
        from rekognition_datasets_local.runner.resources.base import RunnerConfig
        from rekognition_datasets_local.runner.session import open_session
    except ModuleNotFoundError as missing:
        return [not_measured("B8", "offline deploy", f"`{missing.name}` is not importable")]
    config = RunnerConfig(interval_factor=0.001, poll_seconds=0.01)
    env = {k: v for k, v in child_env().items() if not k.startswith("AWS_ENDPOINT_URL")}
    subjects = [f"folder {folder_sizes[-1]}", *(f"prefix {n}" for n in prefix_sizes)]
    rows: list[Figure] = []
    with open_session(env=env, config=config, printer=Printer(io.StringIO()), workdir=settings.workdir) as session:
        emulator = session.embedded
        bare = _deploy(session, CloudAssembly.read(per_size["bare"].outdir), emulator, "B8Bare")
        for subject in subjects:
            variant, count = subject.split()[0], int(subject.split()[1])
            if variant == "prefix":
                _fill_prefix(session, int(count))
            try:
                assembly = CloudAssembly.read(per_size[subject].outdir)
                ours = _deploy(session, assembly, emulator, f"B8{variant}{count}", count)
            except Exception as failed:  # a deploy that fails is a row that says why, never a number
                reason = str(failed).strip().splitlines()[0][:200] if str(failed).strip() else type(failed).__name__
                rows.append(not_measured("B8", f"offline deploy, {subject} images", reason))
                continue
            rows.append(
                Figure(
                    "B8",
                    f"offline deploy, {subject} images",
                    Stats.of("s", [ours[0]]),
                    baseline=Stats.of("s", [bare[0]]),
                    baseline_label="empty dataset",
                    note="one run (publishing the assets included; the stack is destroyed after)",
                )
            )
            rows.append(
                Figure(
                    "B8",
                    f"Rekognition calls, deploy, {subject} images",
                    Stats.of("calls", [ours[1]]),
                    baseline=Stats.of("calls", [bare[1]]),
                    baseline_label="empty dataset",
                    note="deterministic: one run; " + ", ".join(f"{k} {v}" for k, v in sorted(ours[2].items())),
                )
            )
    return rows


def _deploy(
    session: Session, assembly: Any, emulator: Any, name: str, images: int = 0
) -> tuple[float, int, dict[str, int]]:
    """Deploy the assembly's stack as ``name``, check its TRAIN dataset holds ``images`` entries, then destroy it:
    deploy seconds, Rekognition calls during the deploy, and those calls by operation."""
    (stack,) = assembly.stacks
    emulator.request_log.clear()
    seconds, state = timed(lambda: session.deploy(stack, name))
    entries = emulator.request_log.entries()
    (training,) = (r for lid, r in state.resources.items() if lid.startswith("Training"))
    built = int(training.attributes.get("TotalEntries", -1))
    if built != images:
        session.engine.destroy(name)
        raise RuntimeError(f"the TRAIN dataset holds {built} entries, not {images}")
    by_operation: dict[str, int] = {}
    for entry in entries:
        by_operation[entry.operation] = by_operation.get(entry.operation, 0) + 1
    if not session.engine.destroy(name):
        raise RuntimeError(f"destroying {name} offline failed")
    return seconds, len(entries), by_operation


def _fill_prefix(session: Session, count: int) -> None:
    """Put ``count`` tiny images under the prefix variant's bucket and prefix (labelled by sub-prefix)."""
    s3 = session.clients.s3
    if PREFIX_BUCKET not in {b["Name"] for b in s3.list_buckets().get("Buckets", [])}:
        s3.create_bucket(Bucket=PREFIX_BUCKET)

    def put(index: int) -> None:
        key = f"{PREFIX}{LABELS[index % 2]}/{index}.png"
        s3.put_object(Bucket=PREFIX_BUCKET, Key=key, Body=tiny_png(index))

    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(put, range(count)))
