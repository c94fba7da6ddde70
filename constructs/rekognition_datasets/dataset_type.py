"""Dataset types."""

from __future__ import annotations

import enum


class DatasetType(enum.Enum):
    """The purpose of a dataset in its project: at most one of each per project."""

    TRAIN = "TRAIN"
    TEST = "TEST"
