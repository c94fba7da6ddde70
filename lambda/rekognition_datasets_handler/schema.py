"""The typed property schema shared by the constructs (synth time) and the handler (run time).

CloudFormation sends every leaf value of ``ResourceProperties`` as a string, so every field here is a
string on the wire; the handler parses and validates them (``rekognition_datasets_handler.properties``), the constructs
render them. Nested objects stay objects. Keys are PascalCase, as CloudFormation properties are.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

if TYPE_CHECKING:
    from typing import NotRequired, TypedDict

#: ``ResourceType`` of a dataset custom resource.
DATASET_RESOURCE_TYPE: Final = "Custom::RekognitionDataset"
#: ``ResourceType`` of a train→test distribution custom resource.
DISTRIBUTION_RESOURCE_TYPE: Final = "Custom::RekognitionDatasetDistribution"

DatasetTypeName = Literal["TRAIN", "TEST"]
DATASET_TYPES: Final[tuple[str, ...]] = ("TRAIN", "TEST")

SourceTypeName = Literal["empty", "manifest", "dataset", "entries"]
SOURCE_TYPES: Final[tuple[str, ...]] = ("empty", "manifest", "dataset", "entries")

#: Bucket name written into the ``source-ref`` of entries that the constructs generate for a local image
#: folder. The real bucket (the CDK asset bucket) is only known at deploy time; the handler rewrites
#: ``s3://<IMAGE_BUCKET_PLACEHOLDER>/key`` to ``s3://<Source.ImageBucket>/key`` before applying entries.
IMAGE_BUCKET_PLACEHOLDER: Final = "rekognition-datasets-image-bucket"

#: Keys that CloudFormation/CDK add to every custom resource's properties; never part of a diff.
FRAMEWORK_KEYS: Final[frozenset[str]] = frozenset({"ServiceToken", "ServiceTimeout"})

#: Upper bound of one UpdateDatasetEntries ``Changes.GroundTruth`` blob (the service model's max).
MAX_GROUND_TRUTH_BYTES: Final = 5 * 1024 * 1024

# Tag keys the handler puts on what it creates (identity and progress; read back by every later step).
TAG_STACK_ID: Final = "rekognition-datasets:stack-id"
TAG_LOGICAL_ID: Final = "rekognition-datasets:logical-id"
TAG_FINGERPRINT: Final = "rekognition-datasets:source-fingerprint"
TAG_ENTRIES_PROGRESS: Final = "rekognition-datasets:entries-progress"
#: Put on a TRAIN dataset by its distribution before the split: its content is no longer its whole source.
TAG_SPLIT: Final = "rekognition-datasets:split"


# Typing only (annotations; nothing builds them at run time): a Lambda cold start that imports this module skips
# creating the TypedDicts (about 0.5 ms: each field annotation is compiled into a ForwardRef).
if TYPE_CHECKING:

    class SourceProperties(TypedDict):
        """``Source`` of a dataset. ``Type`` selects which other keys apply.

        - ``empty``: no other key.
        - ``manifest``: ``Bucket``, ``Key``, optional ``Version`` (a Ground Truth manifest; CreateDataset reads it).
        - ``dataset``: ``DatasetArn`` (CreateDataset copies it).
        - ``entries``: ``Bucket``, ``Key``, optional ``Version`` of a JSON Lines object the handler reads and
          applies with UpdateDatasetEntries in chunks below 5 MiB; optional ``ImageBucket`` (see
          ``IMAGE_BUCKET_PLACEHOLDER``).
        """

        Type: SourceTypeName
        Bucket: NotRequired[str]
        Key: NotRequired[str]
        Version: NotRequired[str]
        DatasetArn: NotRequired[str]
        ImageBucket: NotRequired[str]

    class DatasetProperties(TypedDict):
        """``ResourceProperties`` of ``Custom::RekognitionDataset`` (all leaves are strings)."""

        ProjectArn: str
        DatasetType: DatasetTypeName
        Source: NotRequired[SourceProperties]
        #: Fingerprint of the declared source (asset hash, object version, entries hash...). A change means the
        #: dataset must converge to a new source even when Bucket/Key stay the same.
        SourceFingerprint: NotRequired[str]
        Tags: NotRequired[dict[str, str]]
        #: Fail when DatasetStats.ErrorEntries exceeds this (a non-negative integer, as a string).
        MaxErrorEntries: NotRequired[str]
        #: Set on a TEST dataset that a distribution fills: the training source's fingerprint. When it changes,
        #: the test dataset is rebuilt empty so the distribution can re-split.
        ResetOnTrainingFingerprint: NotRequired[str]
        #: "true" on a TRAIN dataset that a distribution splits: any source change rebuilds it (never upserts),
        #: so no entry can end up in both datasets.
        Distributed: NotRequired[str]

    class DistributionProperties(TypedDict):
        """``ResourceProperties`` of ``Custom::RekognitionDatasetDistribution``."""

        TrainingDatasetArn: str
        TestingDatasetArn: str
        #: The training dataset's source fingerprint; a change re-splits.
        TrainingFingerprint: NotRequired[str]


# Attribute names (``Data`` keys, read with Fn::GetAtt).
ATTR_DATASET_ARN: Final = "DatasetArn"
ATTR_STATUS: Final = "Status"
ATTR_STATUS_MESSAGE: Final = "StatusMessage"
ATTR_TOTAL_ENTRIES: Final = "TotalEntries"
ATTR_LABELED_ENTRIES: Final = "LabeledEntries"
ATTR_TOTAL_LABELS: Final = "TotalLabels"
ATTR_ERROR_ENTRIES: Final = "ErrorEntries"
ATTR_SOURCE_FINGERPRINT: Final = "SourceFingerprint"
ATTR_TRAINING_ENTRIES: Final = "TrainingEntries"
ATTR_TESTING_ENTRIES: Final = "TestingEntries"
ATTR_TRAINING_LABELED_ENTRIES: Final = "TrainingLabeledEntries"
ATTR_TESTING_LABELED_ENTRIES: Final = "TestingLabeledEntries"

DATASET_ATTRIBUTES: Final[tuple[str, ...]] = (
    ATTR_DATASET_ARN,
    ATTR_STATUS,
    ATTR_STATUS_MESSAGE,
    ATTR_TOTAL_ENTRIES,
    ATTR_LABELED_ENTRIES,
    ATTR_TOTAL_LABELS,
    ATTR_ERROR_ENTRIES,
    ATTR_SOURCE_FINGERPRINT,
)
DISTRIBUTION_ATTRIBUTES: Final[tuple[str, ...]] = (
    ATTR_TRAINING_ENTRIES,
    ATTR_TESTING_ENTRIES,
    ATTR_TRAINING_LABELED_ENTRIES,
    ATTR_TESTING_LABELED_ENTRIES,
)

# Environment variables the handler reads (set by the constructs on the Lambda function).
ENV_LOG_LEVEL: Final = "LOG_LEVEL"
ENV_CALL_BUDGET_SECONDS: Final = "REKOGNITION_DATASETS_CALL_BUDGET_SECONDS"
#: Minutes between crhelper's EventBridge polls (plain CloudFormation handler only; integer >= 1, default 1).
ENV_POLL_MINUTES: Final = "REKOGNITION_DATASETS_POLL_MINUTES"
