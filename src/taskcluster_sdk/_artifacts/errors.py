"""Errors raised by the artifact upload and download helpers.

Like the runtime's errors they pickle: each class passes its constructor
arguments to `Exception.__init__`, so `cls(*args)` rebuilds it.
"""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from .._errors import TaskclusterError

__all__ = [
    "ArtifactError",
    "ArtifactUnavailableError",
    "DownloadError",
    "FinishArtifactError",
    "HashMismatchError",
    "ReferenceNotAllowedError",
    "StorageHTTPError",
    "UnknownStorageTypeError",
    "UploadError",
    "redact_url",
]


def redact_url(url: str) -> str:
    """`url` without its query string: storage URLs carry signatures there."""
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


class ArtifactError(TaskclusterError):
    """Base class of every error raised by the artifact helpers themselves.

    Errors answered by the queue or the object service (for example a missing
    artifact) are the runtime's API errors and reach the caller unchanged.
    """


class ArtifactUnavailableError(ArtifactError):
    """The task stored an `error` artifact under this name instead of content."""

    def __init__(self, name: str, reason: str, message: str) -> None:
        super().__init__(name, reason, message)
        self.name = name
        self.reason = reason
        self.message = message

    def __str__(self) -> str:
        return f"artifact {self.name!r} is an error artifact ({self.reason}): {self.message}"


class ReferenceNotAllowedError(ArtifactError):
    """A `reference` artifact points at an arbitrary URL and following it was not allowed."""

    def __init__(self, name: str, url: str) -> None:
        super().__init__(name, url)
        self.name = name
        self.url = url

    def __str__(self) -> str:
        return (
            f"artifact {self.name!r} is a reference to {redact_url(self.url)}; "
            "pass allow_reference=True to download it"
        )


class UnknownStorageTypeError(ArtifactError):
    """The queue answered with a storage type (or download method) this SDK does not know."""


class HashMismatchError(ArtifactError):
    """Downloaded content does not match the hashes the object service recorded."""

    def __init__(self, name: str, algorithm: str, expected: str, actual: str) -> None:
        super().__init__(name, algorithm, expected, actual)
        self.name = name
        self.algorithm = algorithm
        self.expected = expected
        self.actual = actual

    def __str__(self) -> str:
        return (
            f"downloaded content of {self.name!r} fails {self.algorithm} verification: "
            f"expected {self.expected}, got {self.actual}"
        )


class UploadError(ArtifactError):
    """The artifact could not be uploaded and finished.

    Apart from `FinishArtifactError`, the artifact was not finished: no
    download sees it.
    """


class FinishArtifactError(UploadError):
    """The content is stored and verified, but the queue did not confirm `finishArtifact`.

    Raised when `queue.finishArtifact` still fails after the queue client's
    retries with a server error or a transport failure: the artifact may or
    may not be marked present. `finishArtifact` is idempotent, so calling
    `queue.finishArtifact(task_id, run_id, name, {"uploadId": upload_id})`
    again is safe; uploading the same name again is not (the queue answers
    409, the first upload holds the name). The queue's error is `__cause__`.
    """

    def __init__(self, name: str, upload_id: str, error: str) -> None:
        super().__init__(name, upload_id, error)
        self.name = name
        self.upload_id = upload_id
        self.error = error

    def __str__(self) -> str:
        return (
            f"the content of artifact {self.name!r} is stored, but queue.finishArtifact "
            f"failed: {self.error}; the artifact may not be visible yet. finishArtifact is "
            f"idempotent: retry it with {{'uploadId': {self.upload_id!r}}}"
        )


class DownloadError(ArtifactError):
    """The artifact content could not be downloaded (after retries, where retrying was possible)."""


# Storage error codes that mean the signature, or the credentials that made
# it, lapsed: S3 answers 400 `ExpiredToken` for presigning credentials that
# expired (and `RequestExpired` for stale signed requests); GCS answers 400
# `ExpiredToken` for an expired signed URL.
_EXPIRED_CODES = frozenset({"ExpiredToken", "RequestExpired"})


class StorageHTTPError(ArtifactError):
    """The storage behind a signed URL answered with an HTTP error status.

    `code` and `detail` are the storage's own error code and message when
    its answer carried them (the `<Error><Code>...</Code><Message>...`
    body S3 and GCS send), else None.
    """

    def __init__(
        self,
        method: str,
        url: str,
        status_code: int,
        code: str | None = None,
        detail: str | None = None,
    ) -> None:
        super().__init__(method, url, status_code, code, detail)
        self.method = method
        self.url = url
        self.status_code = status_code
        self.code = code
        self.detail = detail

    def __str__(self) -> str:
        text = f"{self.method} {redact_url(self.url)} answered HTTP {self.status_code}"
        if self.code or self.detail:
            parts = [part for part in (self.code, self.detail) if part]
            text += f" ({': '.join(parts)})"
        return text

    @property
    def retriable(self) -> bool:
        """Server-side failures may pass; client errors will not."""
        return self.status_code >= 500

    @property
    def signature_expired(self) -> bool:
        """The storage refused the URL's signature as expired: a freshly signed URL may work.

        S3 answers a presigned URL past its expiry with 403 `AccessDenied`
        "Request has expired", whatever the URL's stated lifetime (its
        presigning credentials may have expired first, or the clocks differ).
        """
        if self.status_code not in (400, 403):
            return False
        if self.code in _EXPIRED_CODES:
            return True
        return self.code == "AccessDenied" and "expired" in (self.detail or "").lower()
