"""The cloud assembly (``cdk.out``): synthesize it from an app command, read its stacks and asset manifests."""

from __future__ import annotations

import json
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rekognition_datasets_local.runner.errors import TemplateError
from rekognition_datasets_local.runner.template import Template

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence


@dataclass(frozen=True)
class StackArtifact:
    """One stack of the assembly."""

    artifact_id: str
    stack_name: str
    template_path: Path
    assets_path: Path | None
    dependencies: tuple[str, ...]
    #: the annotations ``cdk synth`` prints: (level "warning" | "error", construct path, message)
    messages: tuple[tuple[str, str, str], ...] = ()

    def template(self) -> Template:
        """The stack's template; ``cdk deploy`` passes it by TemplateURL (the synthesizer's template asset, or
        uploaded by the CLI itself when over 50 KiB), so the 1 MB quota applies, not the 51,200-byte one."""
        return Template.from_file(self.template_path, uploaded=True)


@dataclass(frozen=True)
class CloudAssembly:
    """The stacks of a ``cdk.out`` directory, in dependency order."""

    directory: Path
    stacks: tuple[StackArtifact, ...]

    @classmethod
    def read(cls, directory: Path) -> CloudAssembly:
        manifest_path = directory / "manifest.json"
        if not manifest_path.is_file():
            raise TemplateError(f"{directory} is not a cloud assembly (no manifest.json): run the app first")
        artifacts: Mapping[str, Mapping[str, object]] = json.loads(manifest_path.read_text())["artifacts"]
        stacks = [
            _stack(directory, artifact_id, body, artifacts)
            for artifact_id, body in artifacts.items()
            if body.get("type") == "aws:cloudformation:stack"
        ]
        return cls(directory=directory, stacks=tuple(_dependency_order(stacks)))

    def select(self, names: Sequence[str]) -> list[StackArtifact]:
        """The named stacks (by stack name or artifact id), or all stacks when no name is given."""
        if not names:
            return list(self.stacks)
        by_name = {s.stack_name: s for s in self.stacks} | {s.artifact_id: s for s in self.stacks}
        missing = [n for n in names if n not in by_name]
        if missing:
            raise TemplateError(f"no stack named {', '.join(missing)}; the app has {', '.join(sorted(by_name))}")
        return [s for s in self.stacks if s.stack_name in names or s.artifact_id in names]


def _stack(
    directory: Path, artifact_id: str, body: Mapping[str, object], artifacts: Mapping[str, Mapping[str, object]]
) -> StackArtifact:
    props = body.get("properties")
    assert isinstance(props, dict)
    deps = tuple(str(d) for d in body.get("dependencies", []) or [])  # type: ignore[attr-defined]
    assets = next(
        (
            directory / str(artifacts[d]["properties"]["file"])  # type: ignore[index]
            for d in deps
            if d in artifacts and artifacts[d].get("type") == "cdk:asset-manifest"
        ),
        None,
    )
    return StackArtifact(
        artifact_id=artifact_id,
        stack_name=str(props.get("stackName", artifact_id)),
        template_path=directory / str(props["templateFile"]),
        assets_path=assets,
        dependencies=tuple(d for d in deps if artifacts.get(d, {}).get("type") == "aws:cloudformation:stack"),
        messages=_messages(directory, body),
    )


_MESSAGE_LEVELS = {"aws:cdk:warning": "warning", "aws:cdk:error": "error"}


def _messages(directory: Path, body: Mapping[str, object]) -> tuple[tuple[str, str, str], ...]:
    """The stack's warning and error annotations (construct path -> entries), in path order: the artifact's
    ``metadata``, or the ``additionalMetadataFile`` newer CDK versions write it to."""
    metadata = body.get("metadata")
    extra = body.get("additionalMetadataFile")
    if isinstance(extra, str) and (directory / extra).is_file():
        metadata = {**(metadata if isinstance(metadata, dict) else {}), **json.loads((directory / extra).read_text())}
    if not isinstance(metadata, dict):
        return ()
    return tuple(
        (_MESSAGE_LEVELS[entry["type"]], str(path), str(entry.get("data", "")))
        for path, entries in metadata.items()
        for entry in entries
        if isinstance(entry, dict) and entry.get("type") in _MESSAGE_LEVELS
    )


def _dependency_order(stacks: list[StackArtifact]) -> list[StackArtifact]:
    by_id = {s.artifact_id: s for s in stacks}
    order: list[StackArtifact] = []

    def visit(stack: StackArtifact) -> None:
        if stack in order:
            return
        for dep in stack.dependencies:
            if dep in by_id:
                visit(by_id[dep])
        order.append(stack)

    for stack in stacks:
        visit(stack)
    return order


def project_context(directory: Path) -> dict[str, object]:
    """The CDK context the CLI would pass: ``cdk.json``'s ``context`` overlaid with ``cdk.context.json``."""
    context: dict[str, object] = {}
    for name, key in (("cdk.json", "context"), ("cdk.context.json", None)):
        path = directory / name
        if path.is_file():
            body = json.loads(path.read_text())
            context.update(body.get(key, {}) if key else body)
    return context


def synthesize(
    app: str,
    outdir: Path,
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    context: Mapping[str, Any] | None = None,
) -> Path:
    """Run a CDK app command the way the CDK CLI does (``CDK_OUTDIR`` set, the project's context in
    ``CDK_CONTEXT_JSON``, ``context`` over it as ``cdk -c key=value`` would) and return the assembly directory."""
    outdir.mkdir(parents=True, exist_ok=True)
    app_env = {**os.environ, **(env or {}), "CDK_OUTDIR": str(outdir.resolve())}
    context = {**project_context(cwd or Path.cwd()), **(context or {})}
    if context:
        app_env["CDK_CONTEXT_JSON"] = json.dumps(context)
    app_env.setdefault("CDK_DEFAULT_REGION", app_env.get("AWS_DEFAULT_REGION", "us-east-1"))
    # through a shell, as the CDK CLI runs it (so ``FOO=1 python app.py`` and ``&&`` work)
    result = subprocess.run(app, shell=True, cwd=cwd, env=app_env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-15:])
        raise TemplateError(f"the app `{app}` failed (exit {result.returncode}):\n{tail}")
    return outdir
