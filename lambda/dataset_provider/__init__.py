"""Lambda custom-resource provider for Rekognition Custom Labels datasets.

Entry points: ``dataset_provider.provider`` (CDK Provider framework ``on_event``/``is_complete``) and
``dataset_provider.crhelper_handler`` (plain CloudFormation / SAM, ServiceToken = this Lambda).
"""
