"""Signal an ``AWS::CloudFormation::WaitConditionHandle``: one HTTP PUT of a JSON body to its presigned URL."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Mapping

SIGNAL_TIMEOUT_SECONDS = 10
#: CloudFormation keeps at most this much of a signal's Reason [infer: as for custom resource responses].
MAX_REASON_CHARS = 1000


def signal_body(status: Literal["SUCCESS", "FAILURE"], reason: str, unique_id: str, data: Mapping[str, str]) -> bytes:
    """The signal's JSON: Status, Reason, UniqueId (the same id overwrites an earlier signal) and Data (a string)."""
    body = {"Status": status, "Reason": reason[:MAX_REASON_CHARS], "UniqueId": unique_id, "Data": json.dumps(data)}
    return json.dumps(body).encode()


def send_signal(url: str, body: bytes) -> str | None:
    """PUT ``body`` to the handle's ``url`` with an empty Content-Type (the presigned URL signs none); returns
    None once the handle took it, else why not (the caller keeps watching and tries again)."""
    request = urllib.request.Request(url, data=body, method="PUT", headers={"Content-Type": ""})
    try:
        with urllib.request.urlopen(request, timeout=SIGNAL_TIMEOUT_SECONDS) as response:
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        return f"the wait handle answered HTTP {exc.code}"
    except (urllib.error.URLError, OSError) as exc:
        return f"the wait handle could not be reached: {exc}"
    return None if 200 <= status < 300 else f"the wait handle answered HTTP {status}"
