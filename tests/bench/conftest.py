"""Make the repository root importable so the tests can import the ``bench`` package (run as ``python -m bench``)."""

from __future__ import annotations

import sys
from pathlib import Path

_REPO = str(Path(__file__).resolve().parents[2])
if _REPO not in sys.path:
    sys.path.insert(0, _REPO)
