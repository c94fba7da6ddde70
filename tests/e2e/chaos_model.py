"""The chaos test's declarations: stack variants over one stack name, and the entries each declares.

Every variant is one version of stack ``Chaos``: project P (a TRAIN and a TEST dataset, each maybe absent, maybe
split by a ``DatasetDistribution``) and project Q (one TRAIN dataset, maybe retained), sources of every kind,
stack tags. ``chaos_app.py`` synthesizes them all once; the state machine picks sequences among them.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from rekognition_datasets_handler.manifest import classification_entry

if TYPE_CHECKING:
    from pathlib import Path

STACK: Final = "Chaos"
PROJECT_P: Final = "e2e-chaos-p"
PROJECT_Q: Final = "e2e-chaos-q"
IMAGES_BUCKET: Final = "e2e-chaos-images"
MANIFEST_BUCKET: Final = "e2e-chaos-manifests"
TAG_KEY: Final = "team"

#: Entry sets by name: label -> image numbers. B overlaps A (a switch adds and removes entries).
ENTRY_SETS: Final[dict[str, dict[str, range]]] = {
    "A": {"rose": range(6), "tulip": range(6)},
    "B": {"rose": range(4), "tulip": range(2, 8), "daisy": range(4)},
    "C": {"rose": range(10, 13), "tulip": range(10, 13)},
}
#: The local image folder: label -> number of (distinct) JPEG images.
FOLDER_IMAGES: Final = {"rose": 3, "tulip": 3}


def lines(name: str) -> list[dict[str, object]]:
    """The manifest lines of entry set ``name``."""
    return [
        classification_entry(f"s3://{IMAGES_BUCKET}/images/{label}-{i}.jpg", [label])
        for label, numbers in ENTRY_SETS[name].items()
        for i in numbers
    ]


def manifest_text(name: str) -> str:
    return "".join(json.dumps(line) + "\n" for line in lines(name))


def write_image_folder(root: Path) -> Path:
    """A folder of distinct (tiny, JPEG-magic) images labelled by their child folder, named uniquely across labels."""
    for label, count in FOLDER_IMAGES.items():
        (root / label).mkdir(parents=True, exist_ok=True)
        for i in range(count):
            (root / label / f"{label}-folder-{i}.jpg").write_bytes(b"\xff\xd8\xff\xe0" + f"{label}-{i}".encode())
    return root


@dataclass(frozen=True)
class Variant:
    """One declaration of stack Chaos. Sources: ``empty``, ``entries-X``, ``bucket-X`` (``X.manifest`` in
    the manifest bucket), ``file-X`` (local manifest file), ``folder`` (local images), ``copy`` (of P's TRAIN)."""

    train: str | None = None
    test: str | None = None
    split: bool = False
    q: str | None = None
    q_retain: bool = False
    tag: str | None = None

    def __str__(self) -> str:
        parts = [f"P.train={self.train}", f"P.test={self.test}"]
        parts += ["split"] * self.split + [f"Q.train={self.q}"] * bool(self.q) + ["Q retained"] * self.q_retain
        return ", ".join(parts + [f"tag={self.tag}"] * bool(self.tag))


VARIANTS: Final = (
    Variant(train="entries-A"),
    Variant(train="entries-B"),
    Variant(train="entries-A", test="empty", split=True),
    Variant(train="bucket-A", test="empty", split=True),
    Variant(train="bucket-B"),
    Variant(train="file-A", test="empty"),
    Variant(train="file-B", test="entries-C", tag="a"),
    Variant(train="folder"),
    Variant(train="folder", test="empty", split=True),
    Variant(train="empty", test="empty"),
    Variant(test="entries-C"),
    Variant(train="entries-A", q="entries-B", tag="a"),
    Variant(train="entries-A", q="copy", q_retain=True),
    Variant(train="bucket-A", q="copy", tag="b"),
    Variant(train="file-A", test="empty", split=True, q="bucket-A", q_retain=True, tag="a"),
    Variant(train="entries-B", test="entries-C", q="entries-B"),
)


def artifact(index: int) -> str:
    """The cloud assembly artifact id of variant ``index`` (its stack name is always ``STACK``)."""
    return f"Chaos{index}"
