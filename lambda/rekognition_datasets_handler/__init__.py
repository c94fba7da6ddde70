"""Lambda custom-resource provider for Rekognition Custom Labels datasets.

Entry points: ``rekognition_datasets_handler.provider`` (CDK Provider framework ``on_event``/``is_complete``) and
``rekognition_datasets_handler.crhelper_handler.handler`` (plain CloudFormation / SAM, ServiceToken = this Lambda). Both
dispatch through ``rekognition_datasets_handler.core`` to the reconcilers in ``rekognition_datasets_handler.resources``.

Environment: ``LOG_LEVEL`` (default INFO), ``REKOGNITION_DATASETS_CALL_BUDGET_SECONDS`` (retry budget of one
``on_event``, default 120), ``REKOGNITION_DATASETS_POLL_MINUTES`` (crhelper polling interval, default 1),
``AWS_MAX_ATTEMPTS`` (botocore attempts per call, default 3) and the standard ``AWS_ENDPOINT_URL_*``.
"""
