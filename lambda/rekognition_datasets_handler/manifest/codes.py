"""The documented Custom Labels manifest error/warning codes, their messages and the manifest limits.

Messages are the developer guide's "Error message" strings (reference §3.4). Codes marked [infer] are not
documented by AWS: the service drops those lines silently, so we name them ourselves for local reports.
"""

from __future__ import annotations

from typing import Final

# --- Limits (reference §3.3) ---------------------------------------------------------------------------------
MAX_LINE_CHARS: Final = 100_000
MAX_LINES: Final = 250_000
MAX_LABELS: Final = 250
MAX_MANIFEST_BYTES: Final = 1024**3
MAX_BOUNDING_BOXES: Final = 50
MAX_LABEL_NAME_CHARS: Final = 256
MIN_IMAGE_SIDE: Final = 64
MAX_IMAGE_SIDE: Final = 4096
#: the service downsizes images whose longer side exceeds this before checking box sizes
RESIZE_SIDE: Final = 1280
INVALID_THRESHOLD: Final = 0.2
MIN_LABELS_CLASSIFICATION: Final = 2
MIN_LABELS_DETECTION: Final = 1
MAX_SAMPLE_ERRORS: Final = 20

CLASSIFICATION_TYPE: Final = "groundtruth/image-classification"
DETECTION_TYPE: Final = "groundtruth/object-detection"

# --- Terminal file errors: the dataset goes to CREATE_FAILED/UPDATE_FAILED with this StatusMessage ----------------
ERROR_MANIFEST_INACCESSIBLE_OR_UNSUPPORTED_FORMAT: Final = "ERROR_MANIFEST_INACCESSIBLE_OR_UNSUPPORTED_FORMAT"
ERROR_MANIFEST_SIZE_TOO_LARGE: Final = "ERROR_MANIFEST_SIZE_TOO_LARGE"
ERROR_MANIFEST_ROWS_EXCEEDS_MAXIMUM: Final = "ERROR_MANIFEST_ROWS_EXCEEDS_MAXIMUM"
ERROR_INVALID_PERMISSIONS_MANIFEST_S3_BUCKET: Final = "ERROR_INVALID_PERMISSIONS_MANIFEST_S3_BUCKET"
ERROR_TOO_MANY_RECORDS_IN_ERROR: Final = "ERROR_TOO_MANY_RECORDS_IN_ERROR"
ERROR_MANIFEST_TOO_MANY_LABELS: Final = "ERROR_MANIFEST_TOO_MANY_LABELS"
ERROR_INSUFFICIENT_IMAGES_PER_LABEL_FOR_DISTRIBUTE: Final = "ERROR_INSUFFICIENT_IMAGES_PER_LABEL_FOR_DISTRIBUTE"
ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS: Final = "ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS"
#: the docs only give the message "The manifest file is empty."; the code is our anchor name.
ERROR_EMPTY_MANIFEST: Final = "ERROR_EMPTY_MANIFEST"

FILE_ERRORS: Final[dict[str, str]] = {
    ERROR_MANIFEST_INACCESSIBLE_OR_UNSUPPORTED_FORMAT: "The manifest file extension or contents are invalid.",
    ERROR_MANIFEST_SIZE_TOO_LARGE: "The manifest file size exceeds the maximum supported size.",
    ERROR_MANIFEST_ROWS_EXCEEDS_MAXIMUM: "The manifest file has too many rows.",
    ERROR_INVALID_PERMISSIONS_MANIFEST_S3_BUCKET: "The S3 bucket permissions are incorrect.",
    ERROR_TOO_MANY_RECORDS_IN_ERROR: "The manifest file has too many terminal errors.",
    ERROR_MANIFEST_TOO_MANY_LABELS: "The manifest file has too many labels.",
    ERROR_INSUFFICIENT_IMAGES_PER_LABEL_FOR_DISTRIBUTE: (
        "The manifest file doesn't have enough labeled images to distribute the dataset."
    ),
    ERROR_IMAGES_IN_MULTIPLE_S3_BUCKETS: "The manifest file contains images from multiple S3 buckets.",
    ERROR_EMPTY_MANIFEST: "The manifest file is empty.",
}

# --- Errors that only fail training (manifest_summary.json), not the dataset import ---------------------------
ERROR_MANIFEST_TOO_FEW_LABELS: Final = "ERROR_MANIFEST_TOO_FEW_LABELS"

#: Training-time terminal manifest content errors (reference §3.4 D); this module reports only too few labels,
#: the others need the images, both datasets or the training job.
TRAINING_ERRORS: Final[dict[str, str]] = {
    ERROR_MANIFEST_TOO_FEW_LABELS: "The manifest file has too few labels.",
    "ERROR_TOO_MANY_INVALID_ROWS_IN_MANIFEST": "The manifest file contains too many invalid rows.",
    "ERROR_INVALID_PERMISSIONS_IMAGES_S3_BUCKET": "The permissions for the images S3 bucket are invalid.",
    "ERROR_INVALID_IMAGES_S3_BUCKET_OWNER": "Invalid owner id for images S3 bucket.",
    "ERROR_INSUFFICIENT_IMAGES_PER_LABEL_FOR_AUTOSPLIT": (
        "The manifest file contains insufficient labeled images per label to perform auto-split."
    ),
    "ERROR_INSUFFICIENT_LABEL_OVERLAP": (
        "Less than {percent}% label overlap between the training and testing manifest files."
    ),
    "ERROR_MANIFEST_TOO_FEW_USABLE_LABELS": "The manifest file has too few usable labels.",
    "ERROR_INSUFFICIENT_USABLE_LABEL_OVERLAP": (
        "Less than {percent}% usable label overlap between the training and testing manifest files."
    ),
    "ERROR_FAILED_IMAGES_S3_COPY": "Failed to copy images from S3 bucket.",
}

# --- Per-line errors ---------------------------------------------------------------------------------------------
ERROR_MISSING_SOURCE_REF: Final = "ERROR_MISSING_SOURCE_REF"
ERROR_INVALID_SOURCE_REF_FORMAT: Final = "ERROR_INVALID_SOURCE_REF_FORMAT"
ERROR_NO_LABEL_ATTRIBUTES: Final = "ERROR_NO_LABEL_ATTRIBUTES"
ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT: Final = "ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT"
ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT: Final = "ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT"
ERROR_NO_VALID_LABEL_ATTRIBUTES: Final = "ERROR_NO_VALID_LABEL_ATTRIBUTES"
ERROR_MISSING_BOUNDING_BOX_CONFIDENCE: Final = "ERROR_MISSING_BOUNDING_BOX_CONFIDENCE"
ERROR_MISSING_CLASS_MAP_ID: Final = "ERROR_MISSING_CLASS_MAP_ID"
ERROR_INVALID_JSON_LINE: Final = "ERROR_INVALID_JSON_LINE"
ERROR_INVALID_IMAGE_DIMENSION: Final = "ERROR_INVALID_IMAGE_DIMENSION"
ERROR_INVALID_BOUNDING_BOX: Final = "ERROR_INVALID_BOUNDING_BOX"
ERROR_NO_VALID_ANNOTATIONS: Final = "ERROR_NO_VALID_ANNOTATIONS"
ERROR_BOUNDING_BOX_TOO_SMALL: Final = "ERROR_BOUNDING_BOX_TOO_SMALL"
ERROR_TOO_MANY_BOUNDING_BOXES: Final = "ERROR_TOO_MANY_BOUNDING_BOXES"
ERROR_UNSUPPORTED_USE_CASE_TYPE: Final = "ERROR_UNSUPPORTED_USE_CASE_TYPE"
ERROR_INVALID_LABEL_NAME_LENGTH: Final = "ERROR_INVALID_LABEL_NAME_LENGTH"
#: needs the image itself (format, size, dimensions, readable path): never raised from the manifest alone
ERROR_INVALID_IMAGE: Final = "ERROR_INVALID_IMAGE"
#: [infer] terminal content errors the service drops without a code; named here for local reports.
ERROR_JSON_LINE_TOO_LONG: Final = "ERROR_JSON_LINE_TOO_LONG"
ERROR_DUPLICATE_SOURCE_REF: Final = "ERROR_DUPLICATE_SOURCE_REF"

LINE_ERRORS: Final[dict[str, str]] = {
    ERROR_MISSING_SOURCE_REF: "The source-ref key is missing.",
    ERROR_INVALID_SOURCE_REF_FORMAT: "The format of the source-ref value is invalid.",
    ERROR_NO_LABEL_ATTRIBUTES: "No label attributes found.",
    ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT: "The format of the label attribute {attribute} is invalid.",
    ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT: "The format of the label attribute metadata is invalid.",
    ERROR_NO_VALID_LABEL_ATTRIBUTES: "No valid label attributes found.",
    ERROR_MISSING_BOUNDING_BOX_CONFIDENCE: "One or more bounding boxes has a missing confidence value.",
    ERROR_MISSING_CLASS_MAP_ID: "One of more class ids is missing from the class map.",
    ERROR_INVALID_JSON_LINE: "The JSON Line has an invalid format.",
    ERROR_INVALID_IMAGE: "The image is invalid. Check S3 path and/or image properties.",
    ERROR_INVALID_IMAGE_DIMENSION: "The image dimension(s) do not conform to allowed dimensions.",
    ERROR_INVALID_BOUNDING_BOX: "The bounding box has off frame values.",
    ERROR_NO_VALID_ANNOTATIONS: "No valid annotations found.",
    ERROR_BOUNDING_BOX_TOO_SMALL: "The height and width of the bounding box is too small.",
    ERROR_TOO_MANY_BOUNDING_BOXES: "There are more bounding boxes than the allowed maximum.",
    ERROR_UNSUPPORTED_USE_CASE_TYPE: (
        "The use case type of the {attribute}-metadata label attribute metadata is unsupported. Check the type field."
    ),
    # [infer] no message is documented; this one states the documented limit.
    ERROR_INVALID_LABEL_NAME_LENGTH: "The label name is too long. The maximum length is 256 characters.",
    ERROR_JSON_LINE_TOO_LONG: "The JSON Line is longer than 100,000 characters.",
    ERROR_DUPLICATE_SOURCE_REF: "The source-ref value is already used by an earlier JSON Line.",
}

#: "The following JSON Line errors are detected first. If any of these errors occur, validation of JSON Line
#: errors is stopped" (tm-debugging-fixing-validation-errors.md).
PRECEDENCE_ERRORS: Final[frozenset[str]] = frozenset(
    {
        ERROR_MISSING_SOURCE_REF,
        ERROR_INVALID_SOURCE_REF_FORMAT,
        ERROR_NO_LABEL_ATTRIBUTES,
        ERROR_INVALID_LABEL_ATTRIBUTE_FORMAT,
        ERROR_INVALID_LABEL_ATTRIBUTE_METADATA_FORMAT,
        ERROR_MISSING_BOUNDING_BOX_CONFIDENCE,
        ERROR_MISSING_CLASS_MAP_ID,
        ERROR_INVALID_JSON_LINE,
    }
)

# --- Warnings ----------------------------------------------------------------------------------------------------
WARNING_UNANNOTATED_RECORD: Final = "WARNING_UNANNOTATED_RECORD"
WARNING_NO_ANNOTATIONS: Final = "WARNING_NO_ANNOTATIONS"
WARNING_NO_ATTRIBUTE_ANNOTATIONS: Final = "WARNING_NO_ATTRIBUTE_ANNOTATIONS"
#: [infer] the validation-rules table raises a warning below the 20% invalid-lines threshold; no code documented.
WARNING_INVALID_LINES: Final = "WARNING_INVALID_LINES"

WARNINGS: Final[dict[str, str]] = {
    WARNING_UNANNOTATED_RECORD: "Record is unannotated.",
    WARNING_NO_ANNOTATIONS: "No annotations were found.",
    WARNING_NO_ATTRIBUTE_ANNOTATIONS: "No attribute annotations were found.",
    WARNING_INVALID_LINES: "{invalid} of {total} JSON Lines are invalid and are not used (the limit is 20%).",
}

#: Every code of the catalogue with its message template.
MESSAGES: Final[dict[str, str]] = {**FILE_ERRORS, **TRAINING_ERRORS, **LINE_ERRORS, **WARNINGS}


def message_for(code: str, **fields: object) -> str:
    """The documented message of ``code``, with ``{attribute}``-style placeholders filled in."""
    template = MESSAGES[code]
    return template.format(**fields) if fields else template
