"""The CloudFormation API (AWS Query protocol) in front of the runner's engine, for the unmodified CDK CLI.

``LocalCloud(Emulator(...))`` starts the emulator with the API mounted on its endpoint; ``env()`` gives the
variables (``AWS_ENDPOINT_URL_CLOUDFORMATION``, ``_STS``, ``_SSM``, ``_S3``...) that point ``cdk`` at it.
"""

from __future__ import annotations

from rekognition_datasets_local.cloudformation.cloud import LocalCloud
from rekognition_datasets_local.cloudformation.service import CloudFormationService

__all__ = ["CloudFormationService", "LocalCloud"]
