"""The artifact hasher: sha256 and sha512 as bytes pass, the slower half in a worker thread."""

from __future__ import annotations

import gc
import hashlib
import threading
import time
import tracemalloc

import pytest

from taskcluster_sdk._artifacts.content import ContentHasher

MIB = 1024 * 1024


def chunks_of(data: bytes, size: int) -> list[bytes]:
    return [data[start : start + size] for start in range(0, len(data), size)]


def hashing_threads() -> list[threading.Thread]:
    return [thread for thread in threading.enumerate() if "sha512" in thread.name]


DATA = b"".join(hashlib.sha512(i.to_bytes(4, "big")).digest() for i in range(6 * MIB // 64 + 3))


@pytest.mark.parametrize(
    "chunks",
    [
        [],
        [b"x"],
        chunks_of(DATA[: 2 * MIB - 1], 64 * 1024),
        chunks_of(DATA[: 2 * MIB], 64 * 1024),
        chunks_of(DATA, 64 * 1024),
        chunks_of(DATA, MIB),
        chunks_of(DATA, 1000),
        [DATA],
        [DATA[:100], DATA[100 : 3 * MIB], b"", DATA[3 * MIB :]],
    ],
    ids=["empty", "one-byte", "below-thread", "at-thread", "64k", "1m", "small", "whole", "mixed"],
)
def test_digests_match_hashlib_for_any_chunking(chunks: list[bytes]) -> None:
    data = b"".join(chunks)
    hasher = ContentHasher()
    for chunk in chunks:
        hasher.update(chunk)
    assert hasher.size == len(data)
    assert hasher.hexdigests() == {
        "sha256": hashlib.sha256(data).hexdigest(),
        "sha512": hashlib.sha512(data).hexdigest(),
    }
    assert not hashing_threads()


def test_an_abandoned_hasher_leaves_no_thread() -> None:
    # A retried transfer drops its hasher mid-stream and starts another.
    hasher = ContentHasher()
    for chunk in chunks_of(DATA, MIB):
        hasher.update(chunk)
    assert hashing_threads()
    del hasher
    gc.collect()
    deadline = time.monotonic() + 10
    while hashing_threads() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not hashing_threads()


def test_memory_stays_flat_when_hashing_lags() -> None:
    # Fresh 1 MiB chunks come faster than sha512 hashes them; the hasher
    # must hold the caller back rather than queue the whole stream.
    reference = hashlib.sha512()
    hasher = ContentHasher()
    tracemalloc.start()
    try:
        for i in range(96):
            chunk = bytes([i]) * MIB
            reference.update(chunk)
            hasher.update(chunk)
            del chunk
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert hasher.hexdigests()["sha512"] == reference.hexdigest()
    assert peak < 8 * MIB, f"{peak / MIB:.1f} MiB held while hashing 96 MiB"
