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
    """The artifact content could not be uploaded; the artifact was not finished."""


class DownloadError(ArtifactError):
    """The artifact content could not be downloaded (after retries, where retrying was possible)."""


class StorageHTTPError(ArtifactError):
    """The storage behind a signed URL answered with an HTTP error status."""

    def __init__(self, method: str, url: str, status_code: int) -> None:
        super().__init__(method, url, status_code)
        self.method = method
        self.url = url
        self.status_code = status_code

    def __str__(self) -> str:
        return f"{self.method} {redact_url(self.url)} answered HTTP {self.status_code}"

    @property
    def retriable(self) -> bool:
        """Server-side failures may pass; client errors will not."""
        return self.status_code >= 500
