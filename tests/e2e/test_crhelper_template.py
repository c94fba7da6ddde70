"""Scenario 15: the plain CloudFormation template with the crhelper handler: create, update, delete, polling."""

from __future__ import annotations

import json
import shutil
from typing import TYPE_CHECKING

import pytest

from rekognition_datasets.bundling import bundle_handler
from rekognition_datasets_local.runner.engine import StackFailed

from .conftest import ROOT, ok_calls
from .e2e_app import labelled

if TYPE_CHECKING:
    from pathlib import Path

    from rekognition_datasets_local.emulator import Emulator
    from rekognition_datasets_local.runner.session import Session

pytestmark = pytest.mark.e2e

TEMPLATE = ROOT / "examples" / "crhelper-template.yaml"
BUCKET = "crhelper-manifests"


def put(runner: Session, key: str, counts: dict[str, int]) -> None:
    body = "".join(json.dumps(x) + "\n" for x in labelled(counts))
    runner.clients.s3.put_object(Bucket=BUCKET, Key=key, Body=body.encode())


def train_entries(runner: Session) -> int:
    rekognition = runner.clients.rekognition
    (project,) = rekognition.describe_projects(ProjectNames=["crhelper-example"])["ProjectDescriptions"]
    (train,) = (d for d in project["Datasets"] if d["DatasetType"] == "TRAIN")
    description = rekognition.describe_dataset(DatasetArn=train["DatasetArn"])["DatasetDescription"]
    return int(description["DatasetStats"]["TotalEntries"])


def packaged_template(workdir: Path) -> Path:
    """The example template beside its package, built as ``make crhelper-package`` builds it."""
    bundle_handler(workdir / "build" / "crhelper-provider")
    template = workdir / "examples" / TEMPLATE.name
    template.parent.mkdir()
    shutil.copy(TEMPLATE, template)
    return template


def test_15_crhelper_template_creates_updates_and_deletes_through_polling(
    runner: Session, emulator: Emulator, tmp_path: Path
) -> None:
    template = packaged_template(tmp_path)
    runner.clients.s3.create_bucket(Bucket=BUCKET)
    put(runner, "manifests/train.manifest", {"rose": 5, "tulip": 5})
    host = runner.engine.host
    events = runner.clients.events
    assert events is not None
    # WHEN the template is deployed: crhelper answers by PUT after polling through its EventBridge rules
    state = runner.deploy_template(template, "Crhelper", {"ManifestBucket": BUCKET})
    assert state.status == "CREATE_COMPLETE"
    assert train_entries(runner) == 10
    provider_calls = [t for name, t in host.invocations if name == "Crhelper-dataset-provider"]
    assert provider_calls.count("Create") > 2  # two first calls, then scheduled polls
    assert events.list_rules()["Rules"] == []
    # WHEN the manifest key changes: an Update, polled to completion
    put(runner, "manifests/v2.manifest", {"rose": 6, "tulip": 6, "daisy": 6})
    state = runner.deploy_template(
        template, "Crhelper", {"ManifestBucket": BUCKET, "ManifestKey": "manifests/v2.manifest"}
    )
    assert state.status == "UPDATE_COMPLETE"
    assert train_entries(runner) == 18
    # WHEN the stack is destroyed: everything is gone, no polling rule is left
    assert runner.engine.destroy("Crhelper")
    assert runner.clients.rekognition.describe_projects()["ProjectDescriptions"] == []
    assert events.list_rules()["Rules"] == []
    assert len(ok_calls(emulator, "DeleteDataset")) >= 2


def test_a_package_without_crhelper_fails_as_it_would_in_lambda(runner: Session, tmp_path: Path) -> None:
    # GIVEN the template beside a package that forgot crhelper (the Lambda runtime provides only the AWS SDK)
    template = packaged_template(tmp_path)
    shutil.rmtree(tmp_path / "build" / "crhelper-provider" / "crhelper")
    runner.clients.s3.create_bucket(Bucket=BUCKET)
    put(runner, "manifests/train.manifest", {"rose": 5, "tulip": 5})
    # WHEN it is deployed THEN the stack fails with the import error, although crhelper is installed locally
    with pytest.raises(StackFailed, match="crhelper"):
        runner.deploy_template(template, "Crhelper", {"ManifestBucket": BUCKET})
    assert runner.clients.rekognition.describe_projects()["ProjectDescriptions"] == []
