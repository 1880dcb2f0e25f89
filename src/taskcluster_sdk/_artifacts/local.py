"""Where upload bodies come from and where downloads go.

Sources and sinks do local, blocking I/O only (memory, files, caller
streams); the sync and async drivers move their chunks over HTTP. Both
sides stream in `CHUNK_SIZE` pieces so memory stays flat for any size.
"""

from __future__ import annotations

import io
import os
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path
from typing import BinaryIO, TypeAlias

from .content import CHUNK_SIZE, DATA_INLINE_MAX_SIZE, ContentHasher, ProgressCallback
from .errors import DownloadError, UploadError

__all__ = [
    "BodyReader",
    "BytesSink",
    "DownloadDestination",
    "DownloadSink",
    "FileSink",
    "StreamSink",
    "UploadSource",
    "UploadSourceInput",
    "open_download_sink",
    "open_upload_source",
]

UploadSourceInput: TypeAlias = os.PathLike[str] | bytes | bytearray | memoryview | BinaryIO
"""A file path, an in-memory body, or a binary stream opened for reading."""

DownloadDestination: TypeAlias = str | os.PathLike[str] | BinaryIO | None
"""A file path, a binary stream opened for writing, or None for the body as bytes."""


# -- upload sources ------------------------------------------------------------


class UploadSource:
    """A body of known size that can be read in chunks, from the start again if restartable."""

    def __init__(
        self,
        stream: BinaryIO,
        size: int,
        *,
        restartable: bool,
        owned: bool,
        path: str | None,
        description: str,
    ) -> None:
        self._stream = stream
        self._start = stream.tell() if restartable else 0
        self.size = size
        self.restartable = restartable
        self.path = path
        self.description = description
        self._owned = owned
        self._used = False
        self.in_memory = isinstance(stream, io.BytesIO)

    def close(self) -> None:
        if self._owned:
            self._stream.close()

    def rewind(self) -> None:
        """Go back to the first byte; only a restartable source can be read twice."""
        if self._used:
            if not self.restartable:
                raise UploadError(
                    f"cannot retry the upload: {self.description} is not seekable, "
                    "so it cannot be read from the start again"
                )
            self._stream.seek(self._start)
        self._used = True

    def read_inline(self) -> bytes | None:
        """The whole body when it is small enough for `dataInline`, else None."""
        if self.size > DATA_INLINE_MAX_SIZE:
            return None
        self.rewind()
        data = self._read_exactly(self.size)
        self.check_exhausted()
        if not self.restartable:
            # The object service may still choose `putUrl`; keep the few bytes
            # read so the body can be sent again.
            self._stream = io.BytesIO(data)
            self._start = 0
            self.restartable = True
            self.in_memory = True
        return data

    def body(self, progress: ProgressCallback | None) -> BodyReader:
        """A fresh pass over the body from its first byte."""
        self.rewind()
        return BodyReader(self, progress)

    def read_chunk(self, limit: int) -> bytes:
        return self._stream.read(limit)

    def _read_exactly(self, count: int) -> bytes:
        parts: list[bytes] = []
        remaining = count
        while remaining:
            chunk = self._stream.read(min(remaining, CHUNK_SIZE))
            if not chunk:
                raise UploadError(
                    f"{self.description} ended after {count - remaining} of {count} bytes"
                )
            parts.append(chunk)
            remaining -= len(chunk)
        return b"".join(parts)

    def check_exhausted(self) -> None:
        """Fail if the source holds more than the declared size."""
        if self._stream.read(1):
            raise UploadError(f"{self.description} has more than the declared {self.size} bytes")


class BodyReader:
    """One pass over an upload body: exactly `size` bytes, hashed and reported as they go."""

    def __init__(self, source: UploadSource, progress: ProgressCallback | None) -> None:
        self._source = source
        self._progress = progress
        self.hasher = ContentHasher()

    def read(self) -> bytes:
        """The next chunk, b"" once exactly `size` bytes were read (blocking local I/O)."""
        source = self._source
        remaining = source.size - self.hasher.size
        if remaining == 0:
            source.check_exhausted()
            return b""
        chunk = source.read_chunk(min(remaining, CHUNK_SIZE))
        if not chunk:
            raise UploadError(
                f"{source.description} ended after {self.hasher.size} of {source.size} bytes"
            )
        return chunk

    def account(self, chunk: bytes) -> bytes:
        """Hash and report a chunk that `read` returned; returns it."""
        if chunk:
            self.hasher.update(chunk)
            if self._progress is not None:
                self._progress(self.hasher.size, self._source.size)
        return chunk


def open_upload_source(source: UploadSourceInput, size: int | None) -> UploadSource:
    """Wrap what the caller passed; the caller must `close()` the result."""
    if isinstance(source, str):
        raise TypeError(
            "source is a str: pass a pathlib.Path to upload a file, or bytes to upload content"
        )
    if isinstance(source, bytes | bytearray | memoryview):
        data = bytes(source)
        _check_size(size, len(data), "bytes source")
        return UploadSource(
            io.BytesIO(data),
            len(data),
            restartable=True,
            owned=True,
            path=None,
            description="the bytes source",
        )
    if isinstance(source, os.PathLike):
        path = os.fspath(source)
        stream = open(path, "rb")  # noqa: SIM115 -- UploadSource.close() closes it
        try:
            actual = os.fstat(stream.fileno()).st_size
            _check_size(size, actual, f"file {path}")
        except BaseException:
            stream.close()
            raise
        return UploadSource(
            stream, actual, restartable=True, owned=True, path=path, description=f"file {path}"
        )
    if not hasattr(source, "read"):
        raise TypeError(
            f"source must be a pathlib.Path, bytes or a binary stream, not {type(source).__name__}"
        )
    description = f"stream {getattr(source, 'name', type(source).__name__)!r}"
    if _seekable(source):
        start = source.tell()
        end = source.seek(0, io.SEEK_END)
        source.seek(start)
        _check_size(size, end - start, description)
        return UploadSource(
            source, end - start, restartable=True, owned=False, path=None, description=description
        )
    if size is None:
        raise ValueError(
            f"size is required to upload the non-seekable {description}: "
            "its length cannot be measured before sending it"
        )
    if size < 0:
        raise ValueError(f"size must not be negative, got {size}")
    return UploadSource(
        source, size, restartable=False, owned=False, path=None, description=description
    )


def _check_size(declared: int | None, actual: int, what: str) -> None:
    if declared is not None and declared != actual:
        raise ValueError(f"size={declared} was given but the {what} holds {actual} bytes")


def _seekable(stream: BinaryIO) -> bool:
    try:
        return stream.seekable()
    except (AttributeError, ValueError):
        return False


# -- download sinks ------------------------------------------------------------


class DownloadSink(ABC):
    """Where downloaded bytes go; `restart` forgets them, `discard` cleans up after failure."""

    written: int = 0
    # Whether `write` does blocking I/O (the async driver runs it in a thread).
    blocking: bool = True

    @abstractmethod
    def write(self, chunk: bytes) -> None: ...

    @abstractmethod
    def restart(self) -> None: ...

    @abstractmethod
    def discard(self) -> None: ...


class BytesSink(DownloadSink):
    """Collects the body in memory (the caller asked for bytes)."""

    blocking = False

    def __init__(self) -> None:
        self._buffer = io.BytesIO()

    def write(self, chunk: bytes) -> None:
        self._buffer.write(chunk)
        self.written += len(chunk)

    def restart(self) -> None:
        self._buffer = io.BytesIO()
        self.written = 0

    def discard(self) -> None:
        self.restart()

    def result(self) -> bytes:
        return self._buffer.getvalue()


class FileSink(DownloadSink):
    """Writes a temporary file beside the destination and renames it into place on success.

    A failed download never leaves a partial file, nor clobbers an existing one.
    """

    def __init__(self, destination: str | os.PathLike[str]) -> None:
        self.path = Path(destination)
        if self.path.is_dir():
            raise IsADirectoryError(f"dest {self.path} is a directory; name the file to write")
        if not self.path.parent.is_dir():
            raise FileNotFoundError(f"the directory of dest {self.path} does not exist")
        descriptor, temporary = tempfile.mkstemp(
            prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent
        )
        self._temporary = Path(temporary)
        self._file = os.fdopen(descriptor, "wb")

    def write(self, chunk: bytes) -> None:
        self._file.write(chunk)
        self.written += len(chunk)

    def restart(self) -> None:
        self._file.seek(0)
        self._file.truncate()
        self.written = 0

    def discard(self) -> None:
        self._file.close()
        self._temporary.unlink(missing_ok=True)

    def result(self) -> Path:
        self._file.close()
        os.replace(self._temporary, self.path)
        return self.path


class StreamSink(DownloadSink):
    """Writes into the caller's stream; restarting needs a seekable stream."""

    def __init__(self, stream: BinaryIO) -> None:
        if not hasattr(stream, "write"):
            raise TypeError(
                f"dest must be a pathlib.Path, a binary stream or None, not {type(stream).__name__}"
            )
        self._stream = stream
        self._start = stream.tell() if _seekable(stream) else None

    def write(self, chunk: bytes) -> None:
        self._stream.write(chunk)
        self.written += len(chunk)

    def restart(self) -> None:
        if self.written == 0:
            return
        if self._start is None:
            raise DownloadError(
                "cannot restart the download: the destination stream is not seekable "
                f"and already holds {self.written} bytes"
            )
        self._stream.seek(self._start)
        self._stream.truncate()
        self.written = 0

    def discard(self) -> None:
        # Unverified bytes must not look like content; a non-seekable stream
        # keeps them, and the raised error says the download failed.
        if self._start is not None:
            self._stream.seek(self._start)
            self._stream.truncate()

    def result(self) -> int:
        self._stream.flush()
        return self.written


def open_download_sink(dest: DownloadDestination) -> BytesSink | FileSink | StreamSink:
    if dest is None:
        return BytesSink()
    if isinstance(dest, str | os.PathLike):
        return FileSink(dest)
    return StreamSink(dest)
