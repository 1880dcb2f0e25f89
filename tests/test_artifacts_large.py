"""A body larger than 50 MB goes up and comes back down with flat memory, sync and async."""

from __future__ import annotations

import hashlib
import tracemalloc
from collections.abc import Iterator
from pathlib import Path

import pytest
from artifact_fakes import (
    AsyncStandInObject,
    AsyncStandInQueue,
    FakeTaskcluster,
    StandInObject,
    StandInQueue,
    running,
)

from taskcluster_sdk.artifacts import (
    ObjectCredentials,
    download_artifact,
    download_artifact_async,
    upload_artifact,
    upload_artifact_async,
)

SIZE = 56 * 1024 * 1024 + 123
# Chunks in flight on both sides (client and the in-process fake server)
# stay in the low megabytes; a body held in memory would be 56 MB.
MEMORY_LIMIT = 12 * 1024 * 1024


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
    queue = StandInQueue(fake.root_url)

    def objects(credentials: ObjectCredentials) -> StandInObject:
        return StandInObject(fake.root_url, credentials.client_id)

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
            object_client_factory=objects,
        )
        download_artifact(
            queue,
            task_id=task_id,
            name="public/big.bin",
            dest=target,
            progress=lambda done, total: progress.append(done),
            object_client_factory=objects,
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
    queue = AsyncStandInQueue(fake.root_url)

    def objects(credentials: ObjectCredentials) -> AsyncStandInObject:
        return AsyncStandInObject(fake.root_url, credentials.client_id)

    target = tmp_path / "copy.bin"
    tracemalloc.start()
    try:
        result = await upload_artifact_async(
            queue,
            task_id=task_id,
            run_id=0,
            name="public/big.bin",
            source=source,
            object_client_factory=objects,
        )
        await download_artifact_async(
            queue,
            task_id=task_id,
            name="public/big.bin",
            dest=target,
            object_client_factory=objects,
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        await queue.close()
    assert result.sha256 == expected
    assert sha256_of(target) == expected
    assert peak < MEMORY_LIMIT, f"peak traced memory {peak} bytes"
