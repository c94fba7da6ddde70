"""The offline kit: a local Rekognition Custom Labels emulator, a CloudFormation-like deploy runner and the
``rekognition-datasets`` command (install with the ``local`` extra: ``pip install 'cdk-rekognition-datasets[local]'``).

Subpackages: ``emulator`` (Rekognition dataset API + S3 on loopback), ``runner`` (deploys a synthesized cloud
assembly against it), ``cli`` (the command).
"""
