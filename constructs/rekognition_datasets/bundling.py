"""Local (Docker-free) bundling of the handler package and crhelper into one Lambda code asset."""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aws_cdk as cdk
import jsii
from aws_cdk import aws_lambda as lambda_

if TYPE_CHECKING:
    from collections.abc import Iterator

_IGNORED_DIRS = frozenset({"__pycache__", "tests", ".mypy_cache", ".pytest_cache", ".ruff_cache"})
_IGNORED_SUFFIXES = frozenset({".pyc", ".pyo"})


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ModuleNotFoundError(f"{name} is not installed; run `pip install -e .`")
    return Path(spec.origin).resolve().parent


def _files(root: Path) -> Iterator[Path]:
    """Every file under ``root`` that ships, in a stable order."""
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if any(part in _IGNORED_DIRS for part in relative.parts) or path.suffix in _IGNORED_SUFFIXES:
            continue
        if path.is_file():
            yield path


def _copy_tree(source: Path, destination: Path) -> None:
    for path in _files(source):
        target = destination / path.relative_to(source)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, target)


def handler_asset_hash(handler_dir: Path) -> str:
    """Hash of every shipped handler file (path and content) and the installed crhelper version."""
    digest = hashlib.sha256()
    for path in _files(handler_dir):
        digest.update(path.relative_to(handler_dir).as_posix().encode())
        digest.update(b"\0")
        digest.update(path.read_bytes())
        digest.update(b"\0")
    digest.update(f"crhelper=={importlib.metadata.version('crhelper')}".encode())
    return digest.hexdigest()


@jsii.implements(cdk.ILocalBundling)
class _LocalBundler:
    """Copies the handler package and the installed pure-Python crhelper into the asset output."""

    def __init__(self, handler_dir: Path) -> None:
        self._handler_dir = handler_dir

    def try_bundle(self, output_dir: str, *args: Any, **kwargs: Any) -> bool:
        bundle_handler(Path(output_dir), self._handler_dir)
        return True


def bundle_handler(output_dir: Path, handler_dir: Path | None = None) -> None:
    """Write the Lambda package (the handler package plus crhelper) into ``output_dir``.

    The CDK asset uses it; so does ``make crhelper-package`` for the plain CloudFormation template.
    """
    source = handler_dir if handler_dir is not None else _package_dir("rekognition_datasets_handler")
    _copy_tree(source, output_dir / source.name)
    _copy_tree(_package_dir("crhelper"), output_dir / "crhelper")


def handler_code(handler_dir: Path | None = None) -> lambda_.Code:
    """The Lambda code asset (one per provider, shared by both functions)."""
    source = handler_dir if handler_dir is not None else _package_dir("rekognition_datasets_handler")
    return lambda_.Code.from_asset(
        str(source),
        asset_hash_type=cdk.AssetHashType.CUSTOM,
        asset_hash=handler_asset_hash(source),
        bundling=cdk.BundlingOptions(
            image=cdk.DockerImage.from_registry("public.ecr.aws/lambda/python:latest"),
            local=_LocalBundler(source),
        ),
    )
