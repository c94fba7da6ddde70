"""The ``rekognition-datasets`` console command."""
