"""A body larger than 50 MB goes up and comes back down with flat memory, sync and async."""

from __future__ import annotations

import hashlib
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from artifact_fakes import CLIENTS, FakeTaskcluster, running

from taskcluster_sdk import AsyncQueue, Queue
from taskcluster_sdk.artifacts import (
    download_artifact,
    download_artifact_async,
    upload_artifact,
    upload_artifact_async,
)

TESTER = {"clientId": "tester", "accessToken": CLIENTS["tester"]}
SIZE = 56 * 1024 * 1024 + 123
# Chunks in flight on both sides (client and the in-process fake server)
# stay in the low megabytes; a body held in memory would be 56 MB.
MEMORY_LIMIT = 12 * 1024 * 1024
WARM_UP = bytes(100_000)


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeTaskcluster]:
    with running(tmp_path) as fake:
        yield fake


@pytest.fixture
def big_file(tmp_path: Path) -> tuple[Path, str]:
    """A generated file of SIZE bytes and its sha256, written without holding it in memory."""
    path = tmp_path / "big.bin"
    digest = hashlib.sha256()
    block = hashlib.sha512(b"seed").digest() * (1024 * 16)  # 1 MiB
    with path.open("wb") as file:
        remaining = SIZE
        counter = 0
        while remaining:
            chunk = (counter.to_bytes(8, "big") + block)[: min(remaining, len(block))]
            file.write(chunk)
            digest.update(chunk)
            remaining -= len(chunk)
            counter += 1
    return path, digest.hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def test_large_file_round_trip_keeps_memory_flat(
    fake: FakeTaskcluster, big_file: tuple[Path, str], tmp_path: Path
) -> None:
    source, expected = big_file
    task_id = fake.add_task()
    queue = Queue(root_url=fake.root_url, credentials=TESTER)

    # Warm up first: building models and connection pools is a one-off cost,
    # not what this test measures.
    upload_artifact(queue, task_id=task_id, run_id=0, name="public/warm", source=WARM_UP)
    download_artifact(queue, task_id=task_id, name="public/warm")
    progress: list[int] = []
    target = tmp_path / "copy.bin"
    tracemalloc.start()
    try:
        result = upload_artifact(
            queue,
            task_id=task_id,
            run_id=0,
            name="public/big.bin",
            source=source,
        )
        download_artifact(
            queue,
            task_id=task_id,
            name="public/big.bin",
            dest=target,
            progress=lambda done, total: progress.append(done),
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        queue.close()
    assert result.size == SIZE
    assert result.sha256 == expected
    assert sha256_of(target) == expected
    assert progress[-1] == SIZE
    assert peak < MEMORY_LIMIT, f"peak traced memory {peak} bytes"


async def test_large_file_round_trip_keeps_memory_flat_async(
    fake: FakeTaskcluster, big_file: tuple[Path, str], tmp_path: Path
) -> None:
    source, expected = big_file
    task_id = fake.add_task()
    queue = AsyncQueue(root_url=fake.root_url, credentials=TESTER)

    await upload_artifact_async(
        queue, task_id=task_id, run_id=0, name="public/warm", source=WARM_UP
    )
    await download_artifact_async(queue, task_id=task_id, name="public/warm")
    target = tmp_path / "copy.bin"
    tracemalloc.start()
    try:
        result = await upload_artifact_async(
            queue,
            task_id=task_id,
            run_id=0,
            name="public/big.bin",
            source=source,
        )
        await download_artifact_async(
            queue,
            task_id=task_id,
            name="public/big.bin",
            dest=target,
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        await queue.close()
    assert result.sha256 == expected
    assert sha256_of(target) == expected
    assert peak < MEMORY_LIMIT, f"peak traced memory {peak} bytes"
