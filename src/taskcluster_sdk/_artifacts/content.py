"""Artifact content: chunking, content types, hashes and Taskcluster timestamps.

Plain functions and values; no I/O.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import Any, TypeAlias

from .errors import HashMismatchError

__all__ = [
    "CHUNK_SIZE",
    "DATA_INLINE_MAX_SIZE",
    "DEFAULT_CONTENT_TYPE",
    "VERIFIED_HASHES",
    "ContentHasher",
    "ProgressCallback",
    "format_timestamp",
    "guess_content_type",
    "normalize_timestamp",
    "parse_timestamp",
    "resolve_expires",
    "verify_hashes",
]

# The object service accepts `dataInline` bodies of at most 8 KiB.
DATA_INLINE_MAX_SIZE = 8192
# Large enough to keep per-chunk overhead negligible, small enough that
# memory stays flat however large the artifact is.
CHUNK_SIZE = 1024 * 1024
DEFAULT_CONTENT_TYPE = "application/octet-stream"
# Download hashes this SDK verifies; the object service may report others.
VERIFIED_HASHES = ("sha256", "sha512")

ProgressCallback: TypeAlias = Callable[[int, int | None], None]
"""Called with (bytes done, total bytes or None when unknown) as data moves.

A retried transfer starts over, so `bytes done` can go back down.
"""

# -- expiry and content type ---------------------------------------------------


def format_timestamp(moment: datetime) -> str:
    """Taskcluster's timestamp format: UTC, millisecond precision, `Z`."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_timestamp(text: str) -> datetime:
    """A Taskcluster timestamp as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def resolve_expires(expires: datetime | timedelta | str, *, now: datetime | None = None) -> str:
    """An explicit expiry in wire format: a moment, a delay from now, or an ISO 8601 string.

    Strings are what task definitions hold (`claim.task.expires` in a
    worker); they must carry a timezone, like datetimes.
    """
    if isinstance(expires, timedelta):
        if expires <= timedelta(0):
            raise ValueError(f"expires must be a positive delay, got {expires}")
        return format_timestamp((now or datetime.now(timezone.utc)) + expires)
    if isinstance(expires, str):
        try:
            moment = parse_timestamp(expires)
        except ValueError:
            raise ValueError(f"expires is not an ISO 8601 timestamp: {expires!r}") from None
        if moment.tzinfo is None:
            raise ValueError(f"expires must carry a timezone, got {expires!r}")
        return format_timestamp(moment)
    if not isinstance(expires, datetime):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(
            "expires must be a datetime, a timedelta or an ISO 8601 string, "
            f"not {type(expires).__name__}"
        )
    if expires.tzinfo is None:
        raise ValueError(f"expires must be timezone-aware, got naive {expires.isoformat()}")
    return format_timestamp(expires)


def normalize_timestamp(text: str) -> str:
    """A timestamp from a response (maybe re-serialised by pydantic) in wire format.

    The object service requires the `expires` of `createUpload` to equal the
    one `createArtifact` answered, so it is passed on in one canonical form.
    """
    return format_timestamp(parse_timestamp(text))


def guess_content_type(*names: str | None) -> str:
    """The content type guessed from the first name that has a known extension."""
    for name in names:
        if not name:
            continue
        content_type, encoding = mimetypes.guess_type(name, strict=False)
        if encoding == "gzip":
            return "application/gzip"
        if encoding is not None:
            return f"application/x-{encoding}"
        if content_type is not None:
            return content_type
    return DEFAULT_CONTENT_TYPE


# -- hashing -------------------------------------------------------------------


class ContentHasher:
    """sha256 and sha512 of a byte stream, computed as it passes."""

    def __init__(self) -> None:
        self._sha256 = hashlib.sha256()
        self._sha512 = hashlib.sha512()
        self.size = 0

    def update(self, chunk: bytes) -> None:
        self._sha256.update(chunk)
        self._sha512.update(chunk)
        self.size += len(chunk)

    def hexdigests(self) -> dict[str, str]:
        return {"sha256": self._sha256.hexdigest(), "sha512": self._sha512.hexdigest()}


def verify_hashes(name: str, expected: Mapping[str, Any], actual: Mapping[str, str]) -> None:
    """Check every known hash the object service reported; at least one must be known."""
    checked = 0
    for algorithm in VERIFIED_HASHES:
        want = expected.get(algorithm)
        if want is None:
            continue
        if want != actual[algorithm]:
            raise HashMismatchError(name, algorithm, str(want), actual[algorithm])
        checked += 1
    if checked == 0:
        raise HashMismatchError(
            name, "/".join(VERIFIED_HASHES), "at least one known hash", f"{dict(expected)!r}"
        )
