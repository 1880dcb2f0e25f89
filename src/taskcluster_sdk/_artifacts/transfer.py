"""Decisions shared by the sync and async storage transfers: retry, resume, progress.

The drivers perform the HTTP exchanges and report what happened here; this
module decides whether to retry, which `Range` to ask for and what a
response means for the bytes already written.
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping

import httpx

from .._retry import RetryState
from .content import ContentHasher, ProgressCallback
from .errors import ArtifactError, StorageHTTPError, redact_url
from .local import DownloadSink

__all__ = [
    "ERROR_BODY_LIMIT",
    "TRANSFER_ERRORS",
    "DownloadState",
    "RestartRequiredError",
    "RetryBudget",
    "storage_error",
    "successful",
]

_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")
# S3 and GCS (XML API) answer errors as `<Error><Code>..</Code><Message>..</Message>..`;
# two leaf elements are all that is read, so no XML parser (nor its entity expansion).
_XML_CODE = re.compile(rb"<Code>([^<]{1,200})</Code>")
_XML_MESSAGE = re.compile(rb"<Message>([^<]{1,500})</Message>")
# How much of an error answer's body is read to learn why storage refused.
ERROR_BODY_LIMIT = 8192


class RestartRequiredError(ArtifactError):
    """The storage answered a resumed download with a range we cannot use; start over."""


# What a storage transfer may fail with and still be worth judging for a
# retry; anything else (a full disk, a failing progress callback) propagates.
TRANSFER_ERRORS = (httpx.TransportError, StorageHTTPError, RestartRequiredError)


class RetryBudget:
    """Which storage failures to retry, spaced by the runtime's retry schedule.

    Transport failures (refused or dropped connections, timeouts) and 5xx
    answers are retried. A 4xx is final, except from a signed URL that is
    stale (past its `expires`, or refused by storage as expired) and can be
    signed afresh: the caller renews it before the retry.
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


def successful(method: str, status_code: int) -> bool:
    """Whether storage accepted the request (a GET may answer a range with 206)."""
    if method == "GET":
        return status_code in (200, 206)
    return 200 <= status_code < 300


def storage_error(method: str, url: str, status_code: int, body: bytes) -> StorageHTTPError:
    """The error for a refused storage request, with the storage's own code and message."""
    code = _XML_CODE.search(body)
    message = _XML_MESSAGE.search(body)
    return StorageHTTPError(
        method,
        url,
        status_code,
        _xml_text(code.group(1)) if code else None,
        _xml_text(message.group(1)) if message else None,
    )


def _xml_text(raw: bytes) -> str:
    return html.unescape(raw.decode("utf-8", errors="replace")).strip()


class DownloadState:
    """One download across its attempts: what was written, hashed, and how to resume.

    A retry asks for the missing bytes with `Range`; a server that answers
    200 instead sends everything again, so what was written is dropped.
    `verify` hashes the bytes as they are written (object downloads, whose
    hashes the object service recorded); other kinds have nothing to check.
    """

    def __init__(
        self, url: str, sink: DownloadSink, progress: ProgressCallback | None, *, verify: bool
    ) -> None:
        self.url = url
        self.sink = sink
        self.verify = verify
        self.hasher = ContentHasher()
        self.total: int | None = None
        self._progress = progress
        # Ranges count encoded bytes; once the storage compresses, resume is off.
        self._resumable = True

    @property
    def blocking(self) -> bool:
        """Whether absorbing a chunk is worth a worker thread (file I/O, or hashing)."""
        return self.sink.blocking or self.verify

    def request_headers(self) -> dict[str, str]:
        if self.sink.written and self._resumable:
            return {"Range": f"bytes={self.sink.written}-"}
        return {}

    def begin(self, status_code: int, headers: Mapping[str, str]) -> None:
        """Line the sink up for the body of a successful (200 or 206) answer."""
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
                f"GET {redact_url(self.url)} answered range {headers.get('content-range')!r} "
                f"to a request for bytes {self.sink.written}-"
            )
        self.total = _int_or_none(match.group(3))

    def moved(self, url: str) -> None:
        """Continue from `url`, a fresh signature for the same content, or other content.

        A renewed URL naming another object (a newer run answering
        `latestArtifact`) must not continue the bytes of the first: start over.
        """
        if redact_url(url) != redact_url(self.url):
            self._start_over()
        self.url = url

    def absorb(self, chunk: bytes) -> None:
        """Write (and hash) one chunk of the body: blocking local work."""
        self.sink.write(chunk)
        if self.verify:
            self.hasher.update(chunk)

    def report(self) -> None:
        """Tell the progress callback how far the download is."""
        if self._progress is not None:
            self._progress(self.sink.written, self.total)

    def _start_over(self) -> None:
        self.sink.restart()
        self.hasher = ContentHasher()


def _int_or_none(text: str | None) -> int | None:
    if text is None or not text.isdigit():
        return None
    return int(text)
