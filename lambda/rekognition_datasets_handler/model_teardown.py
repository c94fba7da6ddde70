"""One step toward deleting a model version: stop it if it serves, wait while it settles, else delete it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from botocore.exceptions import ClientError

from rekognition_datasets_handler.model_service import SERVING, SETTLING
from rekognition_datasets_handler.retry import error_code

if TYPE_CHECKING:
    from mypy_boto3_rekognition import RekognitionClient

    from rekognition_datasets_handler.model_service import Version

Step = Literal["stopping", "waiting", "deleting", "gone"]


def teardown_step(rek: RekognitionClient, version: Version) -> Step:
    """Stop a RUNNING/STARTING version; wait for a training, stop or delete to settle (DeleteProjectVersion refuses
    a training version and nothing stops a training); delete anything else. A version that changed state since it
    was read (ResourceInUseException) is tried again on the next step."""
    if version.status in SETTLING:
        return "waiting"
    serving = version.status in SERVING
    try:
        if serving:
            rek.stop_project_version(ProjectVersionArn=version.arn)
        else:
            rek.delete_project_version(ProjectVersionArn=version.arn)
    except ClientError as exc:
        code = error_code(exc)
        if code == "ResourceNotFoundException":
            return "gone"
        if code == "ResourceInUseException":
            return "waiting"
        raise
    return "stopping" if serving else "deleting"
