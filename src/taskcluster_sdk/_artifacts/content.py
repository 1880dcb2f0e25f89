"""Artifact content: chunking, content types, hashes and Taskcluster timestamps.

Plain functions and values; no I/O.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections import deque
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, TypeAlias

from .errors import HashMismatchError

if TYPE_CHECKING:
    from concurrent.futures import Future, ThreadPoolExecutor

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
# Streams smaller than this are hashed inline: starting a thread would cost more.
_THREAD_AFTER = 2 * 1024 * 1024
# Chunks (downloads see ~64 KiB ones) are handed to the hashing thread in
# batches of this many bytes, so a hand-over costs little next to its hashing.
_BATCH_SIZE = 1024 * 1024
# Batches waiting to be hashed: the memory held is about this many times `_BATCH_SIZE`.
_PENDING_BATCHES = 2
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
    """sha256 and sha512 of a byte stream, computed as it passes.

    Hashing both costs more CPU than moving the bytes over a fast network.
    Once a stream proves large, sha512 (the slower, ~2.3x sha256) runs in a
    worker thread while the caller hashes sha256 and moves the next chunks:
    hashlib releases the GIL on large buffers, and the split keeps two
    cores about equally busy (measured faster than one thread for both
    hashes, or one thread each). Chunks go over in batches of references,
    not copies; at most `_PENDING_BATCHES` wait, so memory stays flat.
    Chunks must not be mutated after `update` (bytes never are).
    """

    def __init__(self) -> None:
        self._sha256 = hashlib.sha256()
        self._sha512 = hashlib.sha512()
        self.size = 0
        self._batch: list[bytes] = []
        self._batch_size = 0
        self._worker: ThreadPoolExecutor | None = None
        self._pending: deque[Future[None]] = deque()

    def update(self, chunk: bytes) -> None:
        self.size += len(chunk)
        self._sha256.update(chunk)
        if self.size < _THREAD_AFTER:
            self._sha512.update(chunk)
            return
        self._batch.append(chunk)
        self._batch_size += len(chunk)
        if self._batch_size >= _BATCH_SIZE:
            self._submit()

    @property
    def threaded(self) -> bool:
        """Whether `hexdigests` may wait for the hashing thread (async callers wait in one)."""
        return self._worker is not None or bool(self._batch)

    def hexdigests(self) -> dict[str, str]:
        """Both digests, once every chunk passed to `update` is hashed."""
        if self._batch:
            self._submit()
        while self._pending:
            self._pending.popleft().result()
        if self._worker is not None:
            self._worker.shutdown()
            self._worker = None
        return {"sha256": self._sha256.hexdigest(), "sha512": self._sha512.hexdigest()}

    def _submit(self) -> None:
        if self._worker is None:
            # Imported here: most uses of the SDK never hash a large stream.
            from concurrent.futures import ThreadPoolExecutor  # noqa: PLC0415

            # One worker, so batches are hashed in order. A hasher abandoned
            # mid-stream (a retry starts a new one) lets its idle thread exit
            # when the executor is collected.
            self._worker = ThreadPoolExecutor(1, thread_name_prefix="taskcluster-sha512")
        batch, self._batch, self._batch_size = self._batch, [], 0
        while len(self._pending) >= _PENDING_BATCHES:
            self._pending.popleft().result()
        self._pending.append(self._worker.submit(_hash_batch, self._sha512, batch))


def _hash_batch(hasher: Any, batch: list[bytes]) -> None:
    for chunk in batch:
        hasher.update(chunk)


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
