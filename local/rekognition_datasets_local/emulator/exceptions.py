"""One small class per error code the emulated Rekognition Custom Labels API returns.

Each class fixes ``code`` (the AWS error shape name, which botocore maps to ``client.exceptions.<code>``),
its HTTP status and a default message; ``server.py`` serialises them in one place.
"""

from __future__ import annotations


class RekognitionError(Exception):
    """Base of every error the emulator returns on the wire."""

    code = "RekognitionError"
    status = 400
    default_message = ""

    def __init__(self, message: str | None = None) -> None:
        self.message = message if message is not None else self.default_message
        super().__init__(self.message)


class ValidationException(RekognitionError):
    code = "ValidationException"


class InvalidParameterException(RekognitionError):
    code = "InvalidParameterException"
    default_message = "Request has invalid parameters."


class ResourceNotFoundException(RekognitionError):
    code = "ResourceNotFoundException"


class ResourceInUseException(RekognitionError):
    code = "ResourceInUseException"
    default_message = "Specified resource is in use."


class ResourceAlreadyExistsException(RekognitionError):
    code = "ResourceAlreadyExistsException"


class ResourceNotReadyException(RekognitionError):
    code = "ResourceNotReadyException"


class InvalidS3ObjectException(RekognitionError):
    # [infer] The service's documented message names neither bucket, key nor version, so the emulator does not
    # either (a caller that relied on it would break on AWS): the caller, who sent them, must name them.
    code = "InvalidS3ObjectException"
    default_message = "Unable to get object metadata from S3. Check object key, region and/or access permissions."


class ImageTooLargeException(RekognitionError):
    code = "ImageTooLargeException"


class InvalidImageFormatException(RekognitionError):
    code = "InvalidImageFormatException"


class InvalidPaginationTokenException(RekognitionError):
    code = "InvalidPaginationTokenException"
    default_message = "Invalid Token"


class LimitExceededException(RekognitionError):
    code = "LimitExceededException"


class ThrottlingException(RekognitionError):
    code = "ThrottlingException"
    status = 500
    default_message = "Slow down"


class ProvisionedThroughputExceededException(RekognitionError):
    code = "ProvisionedThroughputExceededException"
    default_message = "Provisioned Rate exceeded."


class InternalServerError(RekognitionError):
    code = "InternalServerError"
    status = 500
    default_message = "Internal server error."


class UnknownOperationException(RekognitionError):
    code = "UnknownOperationException"


class SerializationException(RekognitionError):
    code = "SerializationException"


#: Error codes a throttling fault may raise.
THROTTLING_ERRORS: dict[str, type[RekognitionError]] = {
    ThrottlingException.code: ThrottlingException,
    ProvisionedThroughputExceededException.code: ProvisionedThroughputExceededException,
}
