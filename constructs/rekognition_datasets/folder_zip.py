"""An image folder zipped in the scan's single read, written where CDK stages the folder's asset.

Handing CDK the folder itself costs a second pass over every file in Node (the asset staging copies the folder
file by file into the cloud assembly, then zips it again when publishing). Instead the scan streams each image it
reads into one zip under the assembly's asset folder, named as CDK names a custom-hash file asset, so CDK finds it
already staged and neither copies nor re-zips it.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from pathlib import Path
from typing import TYPE_CHECKING, Final

import aws_cdk as cdk

from rekognition_datasets import images

if TYPE_CHECKING:
    from constructs import Construct

#: The zip's member timestamp (zip's earliest): the same folder gives the same bytes.
_FIXED_TIME: Final = (1980, 1, 1, 0, 0, 0)
#: A regular file, rw-r--r--, as the member's Unix mode.
_FILE_MODE: Final = (0o100644 & 0xFFFF) << 16


def staged_name(digest: str) -> str:
    """The file name CDK gives a ``.zip`` file asset whose custom hash is ``digest`` (``AssetStaging``:
    ``asset.<sha256(custom hash)>.zip``)."""
    return f"asset.{hashlib.sha256(digest.encode()).hexdigest()}.zip"


def zip_image_folder(scope: Construct, root: Path) -> tuple[images.FolderScan, Path]:
    """Scan ``root`` (see ``images.scan_image_folder``) and zip its images, stored uncompressed (PNG and JPEG are
    compressed already), into the asset folder of ``scope``'s stage: the scan and where the zip is.

    :raises ValueError: as the scan does; no zip is left behind then.
    """
    stage = cdk.Stage.of(scope)
    outdir = Path(stage.asset_outdir if stage is not None else tempfile.gettempdir())
    outdir.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".folder-", suffix=".zip.partial", dir=outdir)
    os.close(handle)
    partial = Path(name)
    partial.chmod(0o644)  # as CDK's copy of a user's file would be (mkstemp makes it private)
    try:
        with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_STORED) as archive:

            def add(relative: str, content: bytes) -> None:
                info = zipfile.ZipInfo(relative, date_time=_FIXED_TIME)
                info.external_attr = _FILE_MODE
                archive.writestr(info, content)

            scan = images.scan_image_folder(root, on_image=add)
        target = outdir / staged_name(scan.digest)
        partial.replace(target)  # the name is the content's hash: an existing one holds the same images
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return scan, target
