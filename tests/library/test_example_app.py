"""``python3 app.py`` from the repository root: the real ``constructs`` package, a complete example stack."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_app_py_synthesizes_from_the_repository_root(tmp_path: Path) -> None:
    env = {**os.environ, "CDK_OUTDIR": str(tmp_path), "CDK_VALIDATION": "false"}
    env.pop("CDK_CONTEXT_JSON", None)
    result = subprocess.run(
        [sys.executable, "app.py"], cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]
    template = json.loads((tmp_path / "RekognitionDatasetsExample.template.json").read_text())
    types = sorted(r["Type"] for r in template["Resources"].values() if not r["Type"].startswith("AWS::IAM"))
    assert types.count("Custom::RekognitionDataset") == 2
    assert types.count("Custom::RekognitionDatasetDistribution") == 1
    assert types.count("AWS::Rekognition::Project") == 1
    assert set(template["Outputs"]) == {
        "ProjectArn",
        "TrainingDatasetArn",
        "TestingDatasetArn",
        "TrainingEntries",
        "TestingEntries",
    }
    # The 15 committed images are one zip file asset, beside the handler code: nothing per image.
    assets = json.loads((tmp_path / "RekognitionDatasetsExample.assets.json").read_text())["files"]
    assert not any(a["source"]["path"].endswith(".png") for a in assets.values())
    sources = [r["Properties"]["Source"] for r in template["Resources"].values() if "Source" in r.get("Properties", {})]
    (folder,) = (source for source in sources if source["Type"] == "folder")
    (images,) = (a for a in assets.values() if folder["Key"] in json.dumps(a["destinations"]))
    assert images["source"]["packaging"] == "file"
    assert images["source"]["path"].endswith(".zip")
