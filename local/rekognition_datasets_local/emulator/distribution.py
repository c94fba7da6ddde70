"""DistributeDatasetEntries' split: 20% of the training entries move to the test dataset, label by label.

Deterministic: entries are ranked by a hash of their source-ref, so the same dataset always splits the same
way. Every label gets at least one test image and keeps at least one training image; when that is impossible
(a label with a single image) the split fails, as the service fails with
ERROR_INSUFFICIENT_IMAGES_PER_LABEL_FOR_DISTRIBUTE.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rekognition_datasets_local.emulator.models import Entries

INSUFFICIENT_IMAGES = "ERROR_INSUFFICIENT_IMAGES_PER_LABEL_FOR_DISTRIBUTE"


def split(entries: Entries) -> tuple[Entries, Entries] | None:
    """``(train, test)`` entries, or ``None`` when some label has too few images to split."""
    ranked = sorted(entries, key=lambda ref: hashlib.sha256(ref.encode()).hexdigest())
    by_label: dict[str, list[str]] = {}
    for ref in ranked:
        for label in sorted(entries[ref].labels):
            by_label.setdefault(label, []).append(ref)
    if not by_label:
        return None
    in_train = Counter({label: len(refs) for label, refs in by_label.items()})
    moved: set[str] = set()
    for label in sorted(by_label):
        refs = by_label[label]
        wanted = max(1, _fifth(len(refs))) - sum(ref in moved for ref in refs)
        for ref in refs:
            if wanted <= 0:
                break
            if ref not in moved and all(in_train[other] > 1 for other in entries[ref].labels):
                moved.add(ref)
                in_train.subtract(entries[ref].labels)
                wanted -= 1
        if not any(ref in moved for ref in refs):
            return None
    unlabeled = [ref for ref in ranked if not entries[ref].labels]
    moved.update(unlabeled[: _fifth(len(unlabeled))])
    train = {ref: result for ref, result in entries.items() if ref not in moved}
    test = {ref: result for ref, result in entries.items() if ref in moved}
    return train, test


def _fifth(count: int) -> int:
    """20% of ``count``, rounded half up."""
    return (count * 2 + 5) // 10
