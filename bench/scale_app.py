"""Child process of B8: one project, a TRAIN dataset from a folder, an S3 prefix or nothing, an empty TEST.

``python -m bench.scale_app {folder|prefix|bare} IMAGES OUTDIR [REFRESH]`` prints one JSON line: ``import_s``,
``build_s``, ``synth_s`` and the template path. ``folder`` reads the local folder ``IMAGES`` (``from_image_folder``);
``prefix`` names ``s3://bench-b8-images/images/`` (``from_bucket_prefix`` with ``refresh=REFRESH``: one per size,
so a size never reuses another's staged manifest; nothing is read at synth); ``bare`` is
the bare minimum: the same stack with an empty TRAIN dataset.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from bench.synth_app import print_synth

STACK_NAME = "ScaleBench"
VARIANTS = ("folder", "prefix", "bare")
#: The bucket and prefix of the ``prefix`` variant (B8 fills them in the emulator before deploying).
PREFIX_BUCKET = "bench-b8-images"
PREFIX = "images/"


def main(argv: list[str]) -> int:
    variant, images, outdir = argv[0], Path(argv[1]), argv[2]
    refresh = argv[3] if len(argv) > 3 else None
    if variant not in VARIANTS:
        raise SystemExit(f"variant must be one of {VARIANTS}, got {variant!r}")
    start = time.perf_counter()
    import aws_cdk as cdk
    from aws_cdk import aws_s3 as s3

    from rekognition_datasets import Dataset, DatasetSource, DatasetType, Project

    imported = time.perf_counter()
    app = cdk.App(outdir=outdir)
    stack = cdk.Stack(app, STACK_NAME)
    project = Project(stack, "Project")
    if variant == "folder":
        source = DatasetSource.from_image_folder(images)
    elif variant == "prefix":
        bucket = s3.Bucket.from_bucket_name(stack, "Images", PREFIX_BUCKET)
        source = DatasetSource.from_bucket_prefix(bucket, PREFIX, refresh=refresh)
    else:
        source = DatasetSource.empty()
    Dataset(stack, "Training", project=project, source=source)
    Dataset(stack, "Testing", project=project, dataset_type=DatasetType.TEST)
    print_synth(app, STACK_NAME, start, imported)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
