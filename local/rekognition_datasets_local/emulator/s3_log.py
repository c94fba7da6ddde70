"""The S3 requests moto answered, by S3 operation name, for tests and benchmarks to count what S3 would bill.

A WSGI middleware in front of moto's server: it names each request signed for S3 the way the S3 API does
(``ListObjectsV2``, ``PutObject``, ``UploadPart``...) from its method, path-style bucket/key and sub-resource
parameters, and records it with its bucket, key and outcome (``OK`` or the S3 error code) in a ``RequestLog``.
Requests for moto's other services (EventBridge, Lambda) and its ``/moto-api`` are not recorded.
"""

from __future__ import annotations

import re
import time
import urllib.parse
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from rekognition_datasets_local.emulator.request_log import RequestLog

_ERROR_CODE: Final = re.compile(rb"<Code>([^<]{1,64})</Code>")
#: Sub-resources that name an operation of their own, as S3's API reference names them (bucket, object).
_BUCKET_GET: Final = {"list-type": "ListObjectsV2", "versions": "ListObjectVersions", "uploads": "ListMultipartUploads"}
_KEY_SUBRESOURCES: Final = ("tagging", "acl", "retention", "legal-hold", "attributes")


def operation_name(
    method: str, path: str, query: dict[str, list[str]], headers: dict[str, str]
) -> tuple[str, str, str]:
    """``(operation, bucket, key)`` of a path-style S3 request (``/bucket/key?sub``)."""
    bucket, _, key = urllib.parse.unquote(path).lstrip("/").partition("/")
    if not bucket:
        return ("ListBuckets" if method == "GET" else f"{method} /"), "", ""
    if key:
        return _object_operation(method, query, headers), bucket, key
    return _bucket_operation(method, query), bucket, ""


def _object_operation(method: str, query: dict[str, list[str]], headers: dict[str, str]) -> str:
    copy = "x-amz-copy-source" in headers
    sub = next((name for name in _KEY_SUBRESOURCES if name in query), "")
    suffix = "".join(part.capitalize() for part in sub.split("-"))
    if method in ("GET", "HEAD"):
        if "uploadId" in query:
            return "ListParts"
        return f"{'Get' if method == 'GET' else 'Head'}Object{suffix}"
    if method == "PUT":
        if "partNumber" in query:
            return "UploadPartCopy" if copy else "UploadPart"
        return "CopyObject" if copy and not sub else f"PutObject{suffix}"
    if method == "POST":
        return "CompleteMultipartUpload" if "uploadId" in query else "CreateMultipartUpload"
    if method == "DELETE":
        return "AbortMultipartUpload" if "uploadId" in query else f"DeleteObject{suffix}"
    return f"{method} object"


def _bucket_operation(method: str, query: dict[str, list[str]]) -> str:
    sub = sorted(query)[0] if query else ""
    if method == "GET":
        listing = next((name for key, name in _BUCKET_GET.items() if key in query), None)
        if listing is not None:
            return listing
    if method == "POST" and "delete" in query:
        return "DeleteObjects"
    if method == "HEAD":
        return "HeadBucket"
    verb = {"GET": "Get", "PUT": "Put", "DELETE": "Delete"}.get(method, method)
    if not sub:
        return {"GET": "ListObjects", "PUT": "CreateBucket", "DELETE": "DeleteBucket"}.get(method, f"{method} bucket")
    return f"{verb}Bucket{''.join(part.capitalize() for part in sub.split('-'))}"


class S3Logging:
    """Wraps moto's WSGI ``app``: records each S3 request it answers in ``log``."""

    def __init__(self, app: Any, log: RequestLog) -> None:
        self._app = app
        self._log = log

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        query = urllib.parse.parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True)
        signed = environ.get("HTTP_AUTHORIZATION", "") or query.get("X-Amz-Credential", [""])[0]
        if "/s3/aws4_request" not in signed:  # the credential scope of a request signed for S3
            return self._app(environ, start_response)  # type: ignore[no-any-return]
        headers = {k[5:].lower().replace("_", "-"): v for k, v in environ.items() if k.startswith("HTTP_")}
        method = environ.get("REQUEST_METHOD", "GET")
        operation, bucket, key = operation_name(method, environ.get("PATH_INFO", "/"), query, headers)
        status: list[int] = []

        def recording_start_response(code: str, *args: Any) -> Any:
            status.append(int(code.split(" ", 1)[0]))
            return start_response(code, *args)

        body = self._app(environ, recording_start_response)
        outcome = "OK"
        if status and status[0] >= 300:
            body = list(body)  # an error's XML is small; read it for S3's error code
            found = _ERROR_CODE.search(b"".join(body))
            outcome = found.group(1).decode() if found else str(status[0])
        params = {"Bucket": bucket, **({"Key": key} if key else {})}
        if operation.startswith("List") and "prefix" in query:
            params["Prefix"] = query["prefix"][0]
        self._log.record(operation, params, outcome, time.time())
        return body  # type: ignore[no-any-return]
