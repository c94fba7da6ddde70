"""The built wheel as a CDK team installs it: no extras, a fresh venv pinned by constraints.txt, an app elsewhere.

The venv (about a minute: pip installs aws-cdk-lib's wheel, without byte-compiling) serves one test that checks
everything it holds, so that xdist, which spreads a module's tests over its workers, builds it only once.
The venv is a plain one (no system site-packages), so a dependency the wheel forgets to declare fails the synth.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from rekognition_datasets_handler.manifest import classification_entry

pytestmark = pytest.mark.e2e

REPO = Path(__file__).resolve().parents[2]
PROJECT = "cdk-rekognition-datasets"
RUNTIME = {"aws-cdk-lib", "constructs", "crhelper", "boto3"}
PACKAGES = {"rekognition_datasets", "rekognition_datasets_handler", "rekognition_datasets_local"}
#: What the build reads: the metadata files and the three package folders.
BUILD_INPUTS = ("pyproject.toml", "README.md", "LICENSE", "constructs", "lambda", "local")
#: Seeded by `python -m venv` itself, not installed by the wheel.
VENV_SEED = {"pip", "setuptools"}
PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)

APP = """
import aws_cdk as cdk
from rekognition_datasets import Dataset, DatasetDistribution, DatasetSource, DatasetType, Project

app = cdk.App(outdir="cdk.out")
stack = cdk.Stack(app, "WheelCheck")
project = Project(stack, "Shapes")
training = Dataset(
    stack, "Training", project=project, dataset_type=DatasetType.TRAIN, source=DatasetSource.from_image_folder("images")
)
testing = Dataset(stack, "Testing", project=project, dataset_type=DatasetType.TEST)
DatasetDistribution(stack, "Split", training=training, testing=testing)
app.synth()
"""

#: Every installed distribution's name and requirements, as the venv's own importlib.metadata sees them.
LIST_DISTRIBUTIONS = """
import importlib.metadata, json
print(json.dumps({d.metadata["Name"]: d.requires or [] for d in importlib.metadata.distributions()}))
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from a copy of the build inputs (no stale build/ or egg-info of the checkout can leak in)."""
    source = tmp_path_factory.mktemp("source")
    for name in BUILD_INPUTS:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(path, source / name)
    dist = tmp_path_factory.mktemp("dist")
    _run(sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "-w", dist, source)
    (built,) = dist.glob("*.whl")
    return built


def _run(*argv: object, cwd: Path | None = None, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME")}
    done = subprocess.run([str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert not check or done.returncode == 0, f"{argv} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done


def test_wheel_holds_the_three_packages_each_typed(wheel: Path) -> None:
    names = zipfile.ZipFile(wheel).namelist()
    top_level = {name.split("/")[0] for name in names if not name.split("/")[0].endswith(".dist-info")}
    assert top_level == PACKAGES
    assert {f"{package}/py.typed" for package in PACKAGES} <= set(names)


def test_installed_without_extras_it_synthesizes_and_its_command_names_the_extra(
    wheel: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    venv_bin = _install(wheel, tmp_path_factory.mktemp("venv"))
    _assert_only_the_four_runtime_packages_and_their_dependencies(venv_bin)
    _assert_synthesizes_a_project_a_dataset_from_an_image_folder_and_a_split(venv_bin, tmp_path_factory.mktemp("app"))
    _assert_command_names_the_extra_in_one_line_but_validates_without_it(venv_bin, tmp_path_factory.mktemp("cli"))


def _install(wheel: Path, root: Path) -> Path:
    """A fresh venv with the wheel installed without extras, pinned by constraints.txt; returns its bin/."""
    _run(sys.executable, "-m", "venv", root)
    bin_dir = root / "bin"
    _run(bin_dir / "python", "-m", "pip", "install", "--quiet", "--no-compile", "-c", REPO / "constraints.txt", wheel)
    return bin_dir


def _assert_only_the_four_runtime_packages_and_their_dependencies(venv_bin: Path) -> None:
    listed = json.loads(_run(venv_bin / "python", "-c", LIST_DISTRIBUTIONS).stdout)
    requires = {canonicalize_name(name): [Requirement(r) for r in reqs] for name, reqs in listed.items()}
    direct = {canonicalize_name(r.name) for r in requires[PROJECT] if r.marker is None}
    assert direct == RUNTIME
    needed: set[str] = set()
    todo = [PROJECT]
    while todo:
        name = todo.pop()
        if name in needed:
            continue
        needed.add(name)
        todo += [
            canonicalize_name(r.name)
            for r in requires[name]
            if r.marker is None or r.marker.evaluate({"extra": ""})  # no extras: drop `extra == "..."` requirements
        ]
    assert set(requires) - VENV_SEED == needed
    assert "moto" not in needed


def _assert_synthesizes_a_project_a_dataset_from_an_image_folder_and_a_split(venv_bin: Path, tmp_path: Path) -> None:
    for label in ("circle", "square"):
        for i in range(3):
            image = tmp_path / "images" / label / f"{label}-{i}.png"
            image.parent.mkdir(parents=True, exist_ok=True)
            image.write_bytes(PNG)
    (tmp_path / "app.py").write_text(textwrap.dedent(APP))
    _run(venv_bin / "python", "app.py", cwd=tmp_path)
    template = json.loads((tmp_path / "cdk.out" / "WheelCheck.template.json").read_text())
    types = sorted(resource["Type"] for resource in template["Resources"].values())
    assert types.count("AWS::Rekognition::Project") == 1
    assert types.count("Custom::RekognitionDataset") == 2
    assert types.count("Custom::RekognitionDatasetDistribution") == 1
    # The Lambda asset was bundled from the installed wheel: the handler package and crhelper, nothing of the CDK.
    (handler_asset,) = (p.parent for p in (tmp_path / "cdk.out").glob("asset.*/rekognition_datasets_handler"))
    assert (handler_asset / "crhelper").is_dir()
    assert not (handler_asset / "aws_cdk").exists()


def _assert_command_names_the_extra_in_one_line_but_validates_without_it(venv_bin: Path, tmp_path: Path) -> None:
    deploy = _run(venv_bin / "rekognition-datasets", "deploy", cwd=tmp_path, check=False)
    assert deploy.returncode == 2
    assert deploy.stdout == ""
    assert deploy.stderr.count("\n") == 1
    assert deploy.stderr.endswith("pip install 'cdk-rekognition-datasets[local]'\n")
    manifest = tmp_path / "train.manifest"
    lines = [classification_entry(f"s3://bucket/{name}.png", [label]) for name, label in [("a", "cat"), ("b", "dog")]]
    manifest.write_text("".join(json.dumps(line) + "\n" for line in lines))
    validate = _run(venv_bin / "rekognition-datasets", "validate", manifest, cwd=tmp_path, check=False)
    assert validate.returncode == 0, validate.stderr
    assert validate.stdout.startswith(f"{manifest}: OK: 2 lines (2 valid, 0 invalid, 0 ignored)")
