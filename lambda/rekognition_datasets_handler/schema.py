"""The typed property schema shared by the constructs (synth time) and the handler (run time).

CloudFormation sends every leaf value of ``ResourceProperties`` as a string, so every field here is a
string on the wire; the handler parses and validates them (``rekognition_datasets_handler.properties``), the constructs
render them. Nested objects stay objects. Keys are PascalCase, as CloudFormation properties are.

The TypedDicts are the contract: the constructs build their properties as these types (mypy checks them), and
the handler accepts exactly the keys of the ``*_KEYS`` tuples beside them, which a test proves equal to the
TypedDicts' keys. The TypedDicts exist for type checking only, so a Lambda cold start does not build them.
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


#: Bucket name written into the ``source-ref`` of entries that the constructs generate for a local image
#: folder. The real bucket (the CDK asset bucket) is only known at deploy time; the handler rewrites
#: ``s3://<IMAGE_BUCKET_PLACEHOLDER>/key`` to ``s3://<Source.ImageBucket>/key`` before applying entries.
IMAGE_BUCKET_PLACEHOLDER: Final = "rekognition-datasets-image-bucket"

#: The marker the CDK Provider framework uses as PhysicalResourceId when on_event failed on Create.
CREATE_FAILED_MARKER: Final = "AWSCDK::CustomResourceProviderFramework::CREATE_FAILED"

#: Keys that CloudFormation/CDK add to every custom resource's properties; never part of a diff.
FRAMEWORK_KEYS: Final[frozenset[str]] = frozenset({"ServiceToken", "ServiceTimeout"})

#: Upper bound of one UpdateDatasetEntries ``Changes.GroundTruth`` blob (the service model's max).
MAX_GROUND_TRUTH_BYTES: Final = 5 * 1024 * 1024

#: Prefix of the tag keys the handler puts on what it creates; reserved (user tags may not use it).
RESERVED_TAG_PREFIX: Final = "rekognition-datasets:"
# Tag keys the handler puts on what it creates (identity and progress; read back by every later step).
TAG_STACK_ID: Final = RESERVED_TAG_PREFIX + "stack-id"
TAG_LOGICAL_ID: Final = RESERVED_TAG_PREFIX + "logical-id"
TAG_FINGERPRINT: Final = RESERVED_TAG_PREFIX + "source-fingerprint"
TAG_ENTRIES_PROGRESS: Final = RESERVED_TAG_PREFIX + "entries-progress"
#: Put on a TRAIN dataset by its distribution before the split: its content is no longer its whole source.
TAG_SPLIT: Final = RESERVED_TAG_PREFIX + "split"
#: The split generation a pair's datasets belong to: a distributed TRAIN's SourceFingerprint, and the same value as
#: its TEST's ResetOnTrainingFingerprint; proves a dataset the partner of the other (``resources/resplit.py``).
TAG_SPLIT_KEY: Final = RESERVED_TAG_PREFIX + "split-key"
#: How often a TRAIN dataset's update that took back its TEST's split part failed (``resources/resplit.py``):
#: an UPDATE_FAILED dataset keeps its content, so the merge is sent again, a bounded number of times.
TAG_MERGE_RETRIES: Final = RESERVED_TAG_PREFIX + "merge-retries"


# Typing only (annotations; nothing builds them at run time): a Lambda cold start that imports this module skips
# creating the TypedDicts (about 0.5 ms: each field annotation is compiled into a ForwardRef).
if TYPE_CHECKING:

    class EmptySourceProperties(TypedDict):
        """``Source`` of an empty dataset."""

        Type: Literal["empty"]

    class ManifestSourceProperties(TypedDict):
        """``Source`` from a Ground Truth manifest in S3 (CreateDataset reads it)."""

        Type: Literal["manifest"]
        Bucket: str
        Key: str
        Version: NotRequired[str]

    class DatasetCopySourceProperties(TypedDict):
        """``Source`` copying another dataset (CreateDataset copies it)."""

        Type: Literal["dataset"]
        DatasetArn: str

    class EntriesSourceProperties(TypedDict):
        """``Source`` from a JSON Lines object the handler reads and applies with UpdateDatasetEntries in chunks
        below 5 MiB; ``ImageBucket`` replaces ``IMAGE_BUCKET_PLACEHOLDER`` in its ``source-ref`` values."""

        Type: Literal["entries"]
        Bucket: str
        Key: str
        Version: NotRequired[str]
        ImageBucket: NotRequired[str]

    class PrefixSourceProperties(TypedDict):
        """``Source`` from the PNG/JPEG images under ``Bucket``/``Prefix``, labelled by their immediate sub-prefix.
        At deploy time the handler lists them into a manifest under ``StagingBucket``/``StagingPrefix`` and
        creates the dataset from it. ``Prefix`` and ``StagingPrefix`` are empty or end with "/"."""

        Type: Literal["prefix"]
        Bucket: str
        Prefix: str
        StagingBucket: str
        StagingPrefix: str

    class FolderSourceProperties(TypedDict):
        """``Source`` from a zip of an image folder (``Bucket``/``Key``, the CDK asset), labelled by each image's
        immediate folder. The handler extracts the images under ``StagingBucket``/``StagingPrefix`` (one bucket,
        as the service requires), lists them into a manifest there and creates the dataset from it."""

        Type: Literal["folder"]
        Bucket: str
        Key: str
        StagingBucket: str
        StagingPrefix: str

    #: ``Source`` of a dataset: ``Type`` selects the other keys (absent: empty).
    SourceProperties = (
        EmptySourceProperties
        | ManifestSourceProperties
        | DatasetCopySourceProperties
        | EntriesSourceProperties
        | PrefixSourceProperties
        | FolderSourceProperties
    )

    class DatasetProperties(TypedDict):
        """``ResourceProperties`` of ``Custom::RekognitionDataset`` (all leaves are strings)."""

        ProjectArn: str
        DatasetType: DatasetTypeName
        Source: NotRequired[SourceProperties]
        #: Fingerprint of the declared source (asset hash, object version, entries hash...). A change means the
        #: dataset must converge to a new source even when Bucket/Key stay the same. Required for the staged
        #: sources (prefix: a hash of bucket, prefix and the user's refresh token; folder: the zip asset hash):
        #: the same fingerprint reuses the manifest already staged for it.
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


# The keys the handler accepts, required and optional, per TypedDict above (a test proves them equal).
DATASET_REQUIRED_KEYS: Final = ("ProjectArn", "DatasetType")
DATASET_OPTIONAL_KEYS: Final = (
    "Source",
    "SourceFingerprint",
    "Tags",
    "MaxErrorEntries",
    "ResetOnTrainingFingerprint",
    "Distributed",
)
DISTRIBUTION_REQUIRED_KEYS: Final = ("TrainingDatasetArn", "TestingDatasetArn")
DISTRIBUTION_OPTIONAL_KEYS: Final = ("TrainingFingerprint",)
#: ``Source.Type`` -> (required keys, optional keys) of that source's TypedDict.
SOURCE_KEYS: Final[dict[str, tuple[tuple[str, ...], tuple[str, ...]]]] = {
    "empty": (("Type",), ()),
    "manifest": (("Type", "Bucket", "Key"), ("Version",)),
    "dataset": (("Type", "DatasetArn"), ()),
    "entries": (("Type", "Bucket", "Key"), ("Version", "ImageBucket")),
    "prefix": (("Type", "Bucket", "Prefix", "StagingBucket", "StagingPrefix"), ()),
    "folder": (("Type", "Bucket", "Key", "StagingBucket", "StagingPrefix"), ()),
}
#: Source types the handler stages into a manifest before creating the dataset from it (``SourceFingerprint``
#: is required: it names the staging area's generation).
STAGED_SOURCE_TYPES: Final = frozenset({"prefix", "folder"})
SOURCE_TYPES: Final = tuple(SOURCE_KEYS)


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
