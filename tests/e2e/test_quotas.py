"""AWS quotas through real synthesized stacks: templates and handler policies stay within them at any scale."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import aws_cdk as cdk
import pytest
from aws_cdk import aws_iam as iam
from bench.b8_scale import largest_resolved_policy, write_images

from rekognition_datasets import (
    Dataset,
    DatasetDistribution,
    DatasetProvider,
    DatasetSource,
    DatasetType,
    Project,
)
from rekognition_datasets_local.runner import quotas
from rekognition_datasets_local.runner.assembly import CloudAssembly
from rekognition_datasets_local.runner.engine import StackFailed
from rekognition_datasets_local.runner.quotas import policy_size

from .conftest import ok_calls
from .e2e_app import labelled

if TYPE_CHECKING:
    from pathlib import Path

    from rekognition_datasets_local.emulator import Emulator
    from rekognition_datasets_local.runner.session import Session

pytestmark = pytest.mark.e2e


def synth_image_folder_stack(folder: Path, outdir: Path) -> CloudAssembly:
    """One project, a TRAIN dataset from the folder, an empty TEST and a split (the issue's measured stack)."""
    app = cdk.App(outdir=str(outdir), context={"builtin_cloud_formation_validation": False})
    stack = cdk.Stack(app, "ImageFolder")
    project = Project(stack, "Project", project_name="e2e-image-folder")
    training = Dataset(stack, "Training", project=project, source=DatasetSource.from_image_folder(folder))
    testing = Dataset(stack, "Testing", project=project, dataset_type=DatasetType.TEST)
    DatasetDistribution(stack, "Split", training=training, testing=testing)
    app.synth()
    return CloudAssembly.read(outdir)


def _iam_documents(assembly: CloudAssembly) -> list[str]:
    (stack,) = assembly.stacks
    resources = stack.template().body["Resources"].values()
    return [json.dumps(r["Properties"]) for r in resources if r["Type"].startswith("AWS::IAM::")]


def test_a_200_image_folder_deploys_offline_with_the_template_and_policies_of_a_10_image_one(
    runner: Session, tmp_path: Path
) -> None:
    # GIVEN the stack of issue 12's table, synthesized with 10 and with 200 images (refused by IAM before)
    small = synth_image_folder_stack(write_images(tmp_path / "small", 10), tmp_path / "small.out")
    large = synth_image_folder_stack(write_images(tmp_path / "large", 200), tmp_path / "large.out")
    (stack,) = large.stacks
    # THEN its template and IAM documents are the same size as the small one's (nothing per image)
    assert stack.template().size_bytes == small.stacks[0].template().size_bytes
    assert [len(d) for d in _iam_documents(small)] == [len(d) for d in _iam_documents(large)]
    # WHEN it is deployed offline (every quota applied) THEN it deploys, every image an entry of one side of the split
    state = runner.deploy(stack)
    totals = []
    for side in ("Training", "Testing"):
        (dataset,) = (r for lid, r in state.resources.items() if lid.startswith(side))
        arn = str(dataset.attributes["DatasetArn"])
        stats = runner.clients.rekognition.describe_dataset(DatasetArn=arn)["DatasetDescription"]["DatasetStats"]
        assert stats["TotalEntries"] == stats["LabeledEntries"] > 0
        totals.append(stats["TotalEntries"])
    assert sum(totals) == 200
    # AND it destroys, leaving no project behind
    assert runner.engine.destroy(stack.stack_name)
    assert runner.clients.rekognition.describe_projects()["ProjectDescriptions"] == []


def _handler_policy_sizes(session: Session, stack_name: str) -> list[int]:
    """Resolved sizes (as IAM counts them) of every policy document the deployed stack holds."""
    state = session.engine.store.load(stack_name)
    assert state is not None
    return sorted(
        policy_size(r.properties["PolicyDocument"])
        for r in state.resources.values()
        if r.type in ("AWS::IAM::Policy", "AWS::IAM::ManagedPolicy")
    )


def test_a_user_policy_over_the_managed_size_is_still_refused_offline(runner: Session, tmp_path: Path) -> None:
    # GIVEN a stack whose user grants the handler role one statement naming 200 objects (over 6,144 characters)
    app = cdk.App(outdir=str(tmp_path / "cdk.out"), context={"builtin_cloud_formation_validation": False})
    stack = cdk.Stack(app, "OverQuota")
    Dataset(stack, "Empty", project=Project(stack, "Project"))
    grant = iam.ManagedPolicy(
        stack,
        "UserGrant",
        roles=[DatasetProvider.of(stack).role],
        statements=[
            iam.PolicyStatement(
                actions=["s3:GetObject"], resources=[f"arn:aws:s3:::user-bucket/images/{i:04}.png" for i in range(200)]
            )
        ],
    )
    app.synth()
    (artifact,) = CloudAssembly.read(tmp_path / "cdk.out").stacks
    # WHEN it is deployed offline
    with pytest.raises(StackFailed) as failed:
        runner.deploy(artifact)
    # THEN that managed policy fails as IAM refuses it, the measured size named, and the stack rolled back
    reason = failed.value.failures[stack.get_logical_id(grant.node.default_child)]  # type: ignore[arg-type]
    assert reason.startswith("Cannot exceed quota for PolicySize: 6144")
    assert "IAM managed policy size" in reason and "limit 6,144" in reason
    assert failed.value.status == "ROLLBACK_COMPLETE"
    assert runner.engine.store.load(artifact.stack_name) is None


def scale_app(outdir: Path, stacks: int, projects: int) -> cdk.App:
    """``stacks`` stacks of ``projects`` projects each, every other one named by the user: a TRAIN dataset from
    inline entries (distinct for every 5th project, so the asset reads pass their listed bound) and an empty TEST."""
    app = cdk.App(outdir=str(outdir), context={"builtin_cloud_formation_validation": False})
    shared = DatasetSource.from_entries(labelled({"rose": 2, "tulip": 2}))
    for s in range(stacks):
        stack = cdk.Stack(app, f"Scale{s}")
        for i in range(projects):
            project = Project(stack, f"Project{i}", project_name=f"e2e-scale-{s}-{i}" if i % 2 else None)
            own = DatasetSource.from_entries(labelled({"rose": 2, "tulip": 2}, prefix=f"{s}-{i}-"))
            Dataset(stack, f"Train{i}", project=project, source=own if i % 5 == 0 else shared)
            Dataset(stack, f"Test{i}", project=project, dataset_type=DatasetType.TEST)
    return app


def test_200_projects_and_400_datasets_in_one_stack_fail_synth_naming_the_fix(tmp_path: Path) -> None:
    app = scale_app(tmp_path / "cdk.out", stacks=1, projects=200)
    # (the validation error reaches Python through jsii as a RuntimeError)
    with pytest.raises(RuntimeError, match=r"over CloudFormation's 500 per stack: split the projects") as raised:
        app.synth()
    assert "200 AWS::Rekognition::Project, 400 Custom::RekognitionDataset" in str(raised.value)


def test_200_projects_and_400_datasets_in_two_stacks_synthesize_within_every_quota(tmp_path: Path) -> None:
    # GIVEN 200 projects (100 named, 100 generated) and 400 datasets, split as the synth error advises
    scale_app(tmp_path / "cdk.out", stacks=2, projects=100).synth()
    sizes = []
    for artifact in CloudAssembly.read(tmp_path / "cdk.out").stacks:
        template = artifact.template()
        # THEN CloudFormation's template quotas hold, and the handler's inline policies resolve within IAM's
        quotas.check_template(template)
        assert not [r for r in template.body["Resources"].values() if r["Type"] == "AWS::IAM::ManagedPolicy"]
        sizes.append(largest_resolved_policy(dict(template.body)))
    assert sizes[0] == sizes[1] <= quotas.ROLE_INLINE_POLICY_SIZE.limit


@pytest.mark.soak
def test_200_projects_and_400_datasets_in_two_stacks_deploy_within_every_quota(
    runner: Session, emulator: Emulator, tmp_path: Path
) -> None:
    # GIVEN 200 projects (100 named, 100 generated) and 400 datasets, split as the synth error advises
    scale_app(tmp_path / "cdk.out", stacks=2, projects=100).synth()
    sizes = []
    for artifact in CloudAssembly.read(tmp_path / "cdk.out").stacks:
        # WHEN each stack deploys offline (the runner applies every template, IAM and response quota)
        state = runner.deploy(artifact)
        # THEN all its datasets exist and its policies are the same size as the other stack's
        assert len([r for r in state.resources.values() if r.type == "Custom::RekognitionDataset"]) == 200
        sizes.append(_handler_policy_sizes(runner, artifact.stack_name))
    assert len(ok_calls(emulator, "CreateDataset")) == 400
    assert sizes[0] == sizes[1]
    assert max(sizes[0]) <= quotas.MANAGED_POLICY_SIZE.limit
