"""IAM action lists (Rekognition Custom Labels and S3), kept in one place like aws-s3's ``perms``."""

from __future__ import annotations

from typing import Final

#: Read a dataset's description, entries and labels.
DATASET_READ_ACTIONS: Final[tuple[str, ...]] = (
    "rekognition:DescribeDataset",
    "rekognition:ListDatasetEntries",
    "rekognition:ListDatasetLabels",
)

#: Copy a dataset (CreateDataset with a source dataset reads its entries).
DATASET_COPY_ACTIONS: Final[tuple[str, ...]] = ("rekognition:DescribeDataset", "rekognition:ListDatasetEntries")

#: Change a dataset's content (on dataset ARNs).
DATASET_WRITE_ACTIONS: Final[tuple[str, ...]] = (
    "rekognition:UpdateDatasetEntries",
    "rekognition:DistributeDatasetEntries",
    "rekognition:DeleteDataset",
)

#: Tag operations the handler uses on what it creates (CreateDataset with Tags depends on TagResource).
TAG_ACTIONS: Final[tuple[str, ...]] = (
    "rekognition:TagResource",
    "rekognition:UntagResource",
    "rekognition:ListTagsForResource",
)

#: What the handler does to the datasets it manages (on dataset ARNs).
MANAGE_DATASET_ACTIONS: Final[tuple[str, ...]] = (*DATASET_READ_ACTIONS, *DATASET_WRITE_ACTIONS, *TAG_ACTIONS)

#: Create a dataset in a project (on the project ARN).
PROJECT_CREATE_DATASET_ACTIONS: Final[tuple[str, ...]] = ("rekognition:CreateDataset",)

#: Actions IAM cannot scope to a resource (the service authorization reference lists no resource type).
UNSCOPED_ACTIONS: Final[tuple[str, ...]] = ("rekognition:DescribeProjects",)

#: Run inference with a project's model versions.
DETECT_CUSTOM_LABELS_ACTIONS: Final[tuple[str, ...]] = ("rekognition:DetectCustomLabels",)

#: Read a manifest, entries file or image (``GetObjectVersion`` only when a version is pinned).
S3_OBJECT_READ_ACTIONS: Final[tuple[str, ...]] = ("s3:GetObject",)
S3_OBJECT_VERSION_READ_ACTIONS: Final[tuple[str, ...]] = ("s3:GetObject", "s3:GetObjectVersion")

#: Decrypt objects of a bucket encrypted with a customer managed key.
KMS_DECRYPT_ACTIONS: Final[tuple[str, ...]] = ("kms:Decrypt",)

#: List a bucket (on the bucket ARN, scoped with an ``s3:prefix`` condition).
S3_LIST_ACTIONS: Final[tuple[str, ...]] = ("s3:ListBucket",)

#: Write, read back and clean up staged objects (a manifest, extracted images, the handler's progress record),
#: multipart uploads included.
S3_STAGING_ACTIONS: Final[tuple[str, ...]] = (
    "s3:GetObject",
    "s3:PutObject",
    "s3:DeleteObject",
    "s3:AbortMultipartUpload",
    "s3:ListMultipartUploadParts",
)

#: Write objects to a bucket encrypted with a customer managed key (and read them back).
KMS_ENCRYPT_ACTIONS: Final[tuple[str, ...]] = ("kms:Decrypt", "kms:GenerateDataKey")

#: What the handler does on every project ARN it covers: create datasets, and list model versions (the project's
#: teardown guard reads them whether or not the stack trains any).
PROJECT_ACTIONS: Final[tuple[str, ...]] = (*PROJECT_CREATE_DATASET_ACTIONS, "rekognition:DescribeProjectVersions")

#: Train in a project (on the project ARN), only where the stack declares a model or auto_delete_models.
PROJECT_TRAIN_ACTIONS: Final[tuple[str, ...]] = ("rekognition:CreateProjectVersion",)

#: What the handler does to the model versions it manages (on version ARNs; CreateProjectVersion with Tags also
#: names the new version).
MANAGE_MODEL_VERSION_ACTIONS: Final[tuple[str, ...]] = (
    "rekognition:CreateProjectVersion",
    "rekognition:StartProjectVersion",
    "rekognition:StopProjectVersion",
    "rekognition:DeleteProjectVersion",
    *TAG_ACTIONS,
)

#: Stop a model version (what the auto-stop schedule's role may do).
STOP_MODEL_VERSION_ACTIONS: Final[tuple[str, ...]] = ("rekognition:StopProjectVersion",)

#: The EventBridge rules that watch a training (on ``rule/rekognition-model-watch-*``).
WATCH_RULE_ACTIONS: Final[tuple[str, ...]] = (
    "events:PutRule",
    "events:PutTargets",
    "events:RemoveTargets",
    "events:DeleteRule",
    "events:DescribeRule",
)

#: The one-time schedules that stop a served version (on ``schedule/default/rekognition-model-stop-*``).
AUTO_STOP_SCHEDULE_ACTIONS: Final[tuple[str, ...]] = (
    "scheduler:CreateSchedule",
    "scheduler:DeleteSchedule",
    "scheduler:GetSchedule",
)

#: Hand the auto-stop role to EventBridge Scheduler.
PASS_ROLE_ACTIONS: Final[tuple[str, ...]] = ("iam:PassRole",)

#: Rekognition writes a training's output (evaluation summary, manifests) with the caller's permissions.
S3_OUTPUT_WRITE_ACTIONS: Final[tuple[str, ...]] = ("s3:PutObject",)

#: Train with a customer managed key (the caller's permissions on the key, per CreateProjectVersion's KmsKeyId).
KMS_TRAINING_ACTIONS: Final[tuple[str, ...]] = (
    "kms:CreateGrant",
    "kms:DescribeKey",
    "kms:GenerateDataKey",
    "kms:Decrypt",
)
