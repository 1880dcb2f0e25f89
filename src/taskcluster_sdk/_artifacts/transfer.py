"""Decisions shared by the sync and async storage transfers: retry, resume, progress.

The drivers perform the HTTP exchanges and report what happened here; this
module decides whether to retry, which `Range` to ask for and what a
response means for the bytes already written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

import httpx

from .._retry import RetryState
from .content import ContentHasher, ProgressCallback
from .errors import ArtifactError, StorageHTTPError, redact_url
from .local import DownloadSink

__all__ = [
    "TRANSFER_ERRORS",
    "DownloadState",
    "RestartRequiredError",
    "RetryBudget",
    "check_put_status",
]

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class RestartRequiredError(ArtifactError):
    """The storage answered a resumed download with a range we cannot use; start over."""


# What a storage transfer may fail with and still be worth judging for a
# retry; anything else (a full disk, a failing progress callback) propagates.
TRANSFER_ERRORS = (httpx.TransportError, StorageHTTPError, RestartRequiredError)


class RetryBudget:
    """Which storage failures to retry, spaced by the runtime's retry schedule.

    Transport failures (refused or dropped connections, timeouts) and 5xx
    answers are retried. A 4xx is final, except from a signed URL that has
    expired: a fresh URL may succeed.
    """

    def __init__(self, max_retries: int, deadline: float | None = None) -> None:
        if isinstance(max_retries, bool) or max_retries < 0:
            raise ValueError(f"max_retries must be an int >= 0, got {max_retries!r}")
        self._state = RetryState(max_retries, deadline)

    def next_delay(
        self, error: Exception, method: str, url: str, *, url_expired: bool = False
    ) -> float | None:
        """Seconds to wait before retrying after `error`, or None to give up."""
        if isinstance(error, httpx.TransportError | RestartRequiredError):
            retriable = True
        elif isinstance(error, StorageHTTPError):
            retriable = error.retriable or url_expired
        else:
            retriable = False
        if not retriable:
            return None
        return self._state.next_delay(method, redact_url(url), str(error) or type(error).__name__)

    def describe(self) -> str:
        attempts = self._state.retries + 1
        return f"{attempts} attempt{'s' if attempts > 1 else ''}"


def check_put_status(url: str, status_code: int) -> None:
    if not 200 <= status_code < 300:
        raise StorageHTTPError("PUT", url, status_code)


class DownloadState:
    """One download across its attempts: what was written, hashed, and how to resume.

    A retry asks for the missing bytes with `Range`; a server that answers
    200 instead sends everything again, so what was written is dropped.
    """

    def __init__(self, url: str, sink: DownloadSink, progress: ProgressCallback | None) -> None:
        self.url = url
        self.sink = sink
        self.hasher = ContentHasher()
        self.total: int | None = None
        self._progress = progress
        # Ranges count encoded bytes; once the storage compresses, resume is off.
        self._resumable = True

    def request_headers(self) -> dict[str, str]:
        if self.sink.written and self._resumable:
            return {"Range": f"bytes={self.sink.written}-"}
        return {}

    def begin(self, status_code: int, headers: Mapping[str, str]) -> None:
        """Check the response head and line the sink up for its body."""
        if status_code not in (200, 206):
            raise StorageHTTPError("GET", self.url, status_code)
        encoded = headers.get("content-encoding", "identity").lower() not in ("", "identity")
        if encoded:
            self._resumable = False
        length = None if encoded else _int_or_none(headers.get("content-length"))
        if status_code == 200:
            self._start_over()
            self.total = length
            return
        match = _CONTENT_RANGE.fullmatch(headers.get("content-range", "").strip())
        if match is None or int(match.group(1)) != self.sink.written:
            self._start_over()
            self._resumable = False
            raise RestartRequiredError(
                f"GET {self.url} answered range {headers.get('content-range')!r} "
                f"to a request for bytes {self.sink.written}-"
            )
        self.total = _int_or_none(match.group(3))

    def write(self, chunk: bytes) -> None:
        self.sink.write(chunk)
        self.account(chunk)

    def account(self, chunk: bytes) -> None:
        """Hash and report a chunk already written to the sink."""
        self.hasher.update(chunk)
        if self._progress is not None:
            self._progress(self.sink.written, self.total)

    def _start_over(self) -> None:
        self.sink.restart()
        self.hasher = ContentHasher()


def _int_or_none(text: str | None) -> int | None:
    if text is None or not text.isdigit():
        return None
    return int(text)
