"""The typed property schema of the model resources, shared by the constructs and the handler.

Same conventions as ``schema`` (the datasets' contract): every leaf is a string on the wire, keys are PascalCase,
the TypedDicts exist for type checking only and the ``*_KEYS`` tuples beside them are what the handler accepts
(a test proves them equal).

How a model version is deployed (training outlasts any custom resource, so nothing waits for it in a Lambda):

1. ``Custom::RekognitionModelVersion`` calls CreateProjectVersion and answers at once with the version's ARN. It
   also puts an EventBridge rule named ``WATCH_RULE_PREFIX`` + a hash of the ARN (``rate(WatchMinutes)``) whose
   target is the handler function itself, with a ``WATCH_EVENT_KEY`` input.
2. An ``AWS::CloudFormation::WaitCondition`` (up to 12 hours) waits on the ``WaitHandle``. Each watch invocation
   reads the version; once training has settled it signals the handle (SUCCESS, or FAILURE with the service's
   StatusMessage, or with the F1 score, the gate and the evaluation summary's location when the score is below
   ``MinF1Score``) and deletes its rule.
3. ``Custom::RekognitionModelEvaluation`` (after the wait condition) reads the settled version and exposes its
   F1 score and summary location as attributes; it re-checks the gate.
4. ``Custom::RekognitionModelServing`` starts a version with inference units and stops it on removal; with
   ``AutoStopAfterMinutes`` it puts a one-time EventBridge Scheduler schedule that stops the version.
5. ``Custom::RekognitionProjectModels`` guards a project's teardown: on Delete it refuses while the project holds
   model versions (naming them and the option), or, with ``AutoDeleteModels``, stops and deletes every one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from typing import NotRequired, TypedDict

MODEL_VERSION_RESOURCE_TYPE: Final = "Custom::RekognitionModelVersion"
MODEL_EVALUATION_RESOURCE_TYPE: Final = "Custom::RekognitionModelEvaluation"
MODEL_SERVING_RESOURCE_TYPE: Final = "Custom::RekognitionModelServing"
PROJECT_MODELS_RESOURCE_TYPE: Final = "Custom::RekognitionProjectModels"

#: Name prefix of the EventBridge rules that watch a training (the handler's IAM policy is scoped to it).
WATCH_RULE_PREFIX: Final = "rekognition-model-watch-"
#: Top-level key of a watch rule's target input; an event with this key is a watch, not a CloudFormation event.
WATCH_EVENT_KEY: Final = "RekognitionModelWatch"
#: Name prefix of the one-time EventBridge Scheduler schedules that stop a served version.
AUTO_STOP_SCHEDULE_PREFIX: Final = "rekognition-model-stop-"

if TYPE_CHECKING:

    class ModelVersionProperties(TypedDict):
        """``ResourceProperties`` of ``Custom::RekognitionModelVersion``. Any change but ``Tags`` trains a new
        version (a new physical id); the old one is deleted by CloudFormation's cleanup once the update is
        accepted, or kept when the removal policy retains it."""

        ProjectArn: str
        #: Unique in the project; the constructs derive it from ``DataFingerprint``.
        VersionName: str
        OutputBucket: str
        #: Empty or ends with "/".
        OutputPrefix: str
        #: The training and testing datasets' source fingerprints, joined: new data, new version.
        DataFingerprint: str
        #: The wait condition handle's URL (``Ref`` of an ``AWS::CloudFormation::WaitConditionHandle``).
        WaitHandle: str
        #: A decimal in [0, 1]; a version below it is signalled FAILURE.
        MinF1Score: NotRequired[str]
        #: Minutes between two watch invocations (integer >= 1, default 1).
        WatchMinutes: NotRequired[str]
        KmsKeyId: NotRequired[str]
        VersionDescription: NotRequired[str]
        Tags: NotRequired[dict[str, str]]

    class ModelEvaluationProperties(TypedDict):
        """``ResourceProperties`` of ``Custom::RekognitionModelEvaluation``."""

        ProjectVersionArn: str
        #: The version's project (saves a DescribeProjects per poll: a version ARN does not carry it).
        ProjectArn: NotRequired[str]
        MinF1Score: NotRequired[str]

    class ModelServingProperties(TypedDict):
        """``ResourceProperties`` of ``Custom::RekognitionModelServing``. A new ``ProjectVersionArn`` is a new
        physical id (the new version starts, then CloudFormation's cleanup stops the old); new units stop and
        restart the same version."""

        ProjectVersionArn: str
        #: The version's project (saves a DescribeProjects per poll: a version ARN does not carry it).
        ProjectArn: NotRequired[str]
        MinInferenceUnits: str
        MaxInferenceUnits: NotRequired[str]
        #: Minutes after which a one-time schedule stops the running version (integer >= 1).
        AutoStopAfterMinutes: NotRequired[str]
        #: The role EventBridge Scheduler assumes to call StopProjectVersion (required with auto-stop).
        SchedulerRoleArn: NotRequired[str]

    class ProjectModelsProperties(TypedDict):
        """``ResourceProperties`` of ``Custom::RekognitionProjectModels``."""

        ProjectArn: str
        #: "true": Delete stops and deletes every version of the project; otherwise Delete fails while any exists.
        AutoDeleteModels: str


MODEL_VERSION_REQUIRED_KEYS: Final = (
    "ProjectArn",
    "VersionName",
    "OutputBucket",
    "OutputPrefix",
    "DataFingerprint",
    "WaitHandle",
)
MODEL_VERSION_OPTIONAL_KEYS: Final = ("MinF1Score", "WatchMinutes", "KmsKeyId", "VersionDescription", "Tags")
MODEL_EVALUATION_REQUIRED_KEYS: Final = ("ProjectVersionArn",)
MODEL_EVALUATION_OPTIONAL_KEYS: Final = ("ProjectArn", "MinF1Score")
MODEL_SERVING_REQUIRED_KEYS: Final = ("ProjectVersionArn", "MinInferenceUnits")
MODEL_SERVING_OPTIONAL_KEYS: Final = ("ProjectArn", "MaxInferenceUnits", "AutoStopAfterMinutes", "SchedulerRoleArn")
PROJECT_MODELS_REQUIRED_KEYS: Final = ("ProjectArn", "AutoDeleteModels")
PROJECT_MODELS_OPTIONAL_KEYS: Final = ()

# Attribute names (``Data`` keys).
ATTR_PROJECT_VERSION_ARN: Final = "ProjectVersionArn"
ATTR_VERSION_NAME: Final = "VersionName"
ATTR_F1_SCORE: Final = "F1Score"
ATTR_EVALUATION_SUMMARY: Final = "EvaluationSummaryS3Uri"
ATTR_BILLABLE_TRAINING_SECONDS: Final = "BillableTrainingTimeInSeconds"
ATTR_MODEL_STATUS: Final = "Status"
ATTR_AUTO_STOP_AT: Final = "AutoStopAt"
