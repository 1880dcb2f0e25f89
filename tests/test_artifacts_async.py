"""Artifact upload and download (async) against loopback queue, object service and storage."""

from __future__ import annotations

import hashlib
import io
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from artifact_fakes import (
    CLIENTS,
    AsyncStandInObject,
    AsyncStandInQueue,
    FakeTaskcluster,
    running,
)

from taskcluster_sdk import AsyncQueue
from taskcluster_sdk.artifacts import (
    ArtifactUnavailableError,
    DownloadError,
    HashMismatchError,
    ObjectCredentials,
    ReferenceNotAllowedError,
    UploadError,
    create_error_artifact_async,
    create_link_artifact_async,
    create_reference_artifact_async,
    download_artifact_async,
    upload_artifact_async,
)

TESTER = {"clientId": "tester", "accessToken": CLIENTS["tester"]}


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeTaskcluster]:
    with running(tmp_path) as fake:
        yield fake


@pytest.fixture
async def queue(fake: FakeTaskcluster) -> AsyncIterator[AsyncQueue]:
    async with AsyncQueue(root_url=fake.root_url, credentials=TESTER) as queue:
        yield queue


def pattern(size: int) -> bytes:
    block = hashlib.sha512(b"async").digest() * 512
    return (block * (size // len(block) + 1))[:size]


class NonSeekable(io.RawIOBase):
    def __init__(self, data: bytes) -> None:
        self._data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        chunk = self._data.read(len(buffer))
        buffer[: len(chunk)] = chunk
        return len(chunk)


async def test_inline_and_put_url_uploads_round_trip(
    fake: FakeTaskcluster, queue: AsyncQueue, tmp_path: Path
) -> None:
    task_id = fake.add_task()
    small = await upload_artifact_async(
        queue,
        task_id=task_id,
        run_id=0,
        name="public/small.txt",
        source=b"hello",
    )
    assert small.upload_method == "dataInline"
    assert small.content_type == "text/plain"

    data = pattern(2 * 1024 * 1024 + 3)
    source = tmp_path / "file.bin"
    source.write_bytes(data)
    seen: list[tuple[int, int | None]] = []
    big = await upload_artifact_async(
        queue,
        task_id=task_id,
        run_id=0,
        name="public/file.bin",
        source=source,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert big.upload_method == "putUrl"
    assert seen[-1] == (len(data), len(data))
    assert fake.object_content(task_id, 0, "public/file.bin") == data

    assert (
        await download_artifact_async(queue, task_id=task_id, name="public/small.txt") == b"hello"
    )
    target = await download_artifact_async(
        queue,
        task_id=task_id,
        run_id=0,
        name="public/file.bin",
        dest=tmp_path / "copy.bin",
    )
    assert target.read_bytes() == data
    stream = io.BytesIO()
    count = await download_artifact_async(
        queue, task_id=task_id, name="public/file.bin", dest=stream
    )
    assert (count, stream.getvalue()) == (len(data), data)


async def test_failed_put_is_retried_and_non_seekable_failure_is_clear(
    fake: FakeTaskcluster, queue: AsyncQueue, tmp_path: Path
) -> None:
    task_id = fake.add_task(runs=2)
    data = pattern(1_500_000)
    source = tmp_path / "retry.bin"
    source.write_bytes(data)
    fake.knobs.put_drops = [500_000]
    fake.knobs.put_statuses = [200, 502]
    result = await upload_artifact_async(
        queue,
        task_id=task_id,
        run_id=0,
        name="public/retry.bin",
        source=source,
    )
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert len(fake.storage_requests) == 3
    assert fake.object_content(task_id, 0, "public/retry.bin") == data

    fake.knobs.put_statuses = [500]
    with pytest.raises(UploadError, match="not seekable"):
        await upload_artifact_async(
            queue,
            task_id=task_id,
            run_id=1,
            name="public/pipe.bin",
            source=io.BufferedReader(NonSeekable(data)),
            size=len(data),
        )
    finishes = fake.api_calls("object.POST /finish-upload")
    assert finishes == [f"object.POST /finish-upload/t/{task_id}/0/public/retry.bin"]
    assert (task_id, 1, "public/pipe.bin") in fake.artifacts
    assert not fake.artifacts[(task_id, 1, "public/pipe.bin")]["present"]


async def test_expired_url_hash_mismatch_and_dropped_connection(
    fake: FakeTaskcluster, queue: AsyncQueue, tmp_path: Path
) -> None:
    task_id = fake.add_task()
    data = pattern(3 * 1024 * 1024)
    await upload_artifact_async(
        queue,
        task_id=task_id,
        run_id=0,
        name="public/d.bin",
        source=data,
    )

    fake.knobs.expired_download_urls = 1
    assert await download_artifact_async(queue, task_id=task_id, name="public/d.bin") == data
    assert len(fake.api_calls("object.PUT /start-download/")) == 2

    fake.storage_requests.clear()
    fake.knobs.get_drops = [1024 * 1024 + 7]
    target = await download_artifact_async(
        queue,
        task_id=task_id,
        name="public/d.bin",
        dest=tmp_path / "d.bin",
    )
    assert target.read_bytes() == data
    ranges = [headers.get("Range") for _, _, headers in fake.storage_requests]
    assert ranges[0] is None and ranges[1] is not None and ranges[1].startswith("bytes=")

    fake.knobs.wrong_sha256 = "f" * 64
    with pytest.raises(HashMismatchError):
        await download_artifact_async(
            queue,
            task_id=task_id,
            name="public/d.bin",
            dest=tmp_path / "bad.bin",
        )
    assert not (tmp_path / "bad.bin").exists()
    assert not list(tmp_path.glob(".bad.bin.*"))

    fake.knobs.wrong_sha256 = None
    fake.knobs.get_drops = [100, 100, 100]
    with pytest.raises(DownloadError, match="failed after 3 attempts"):
        await download_artifact_async(
            queue,
            task_id=task_id,
            name="public/d.bin",
            dest=tmp_path / "never.bin",
            max_retries=2,
        )
    assert not list(tmp_path.glob("*never.bin*"))


async def test_each_artifact_kind(fake: FakeTaskcluster, queue: AsyncQueue) -> None:
    task_id = fake.add_task()
    await upload_artifact_async(
        queue,
        task_id=task_id,
        run_id=0,
        name="public/real.txt",
        source=b"real",
    )
    await create_link_artifact_async(
        queue, task_id=task_id, run_id=0, name="public/alias.txt", target="public/real.txt"
    )
    assert await download_artifact_async(queue, task_id=task_id, name="public/alias.txt") == b"real"

    fake.add_s3_artifact(task_id, 0, "public/s3.bin", b"s3 body")
    assert await download_artifact_async(queue, task_id=task_id, name="public/s3.bin") == b"s3 body"

    key = fake.artifacts[(task_id, 0, "public/s3.bin")]["blob"]
    url, _ = fake.storage_url(key, "GET", 3600)
    await create_reference_artifact_async(
        queue, task_id=task_id, run_id=0, name="public/ref.bin", url=url
    )
    with pytest.raises(ReferenceNotAllowedError):
        await download_artifact_async(queue, task_id=task_id, name="public/ref.bin")
    assert (
        await download_artifact_async(
            queue, task_id=task_id, name="public/ref.bin", allow_reference=True
        )
        == b"s3 body"
    )

    await create_error_artifact_async(
        queue,
        task_id=task_id,
        run_id=0,
        name="public/gone.bin",
        reason="too-large-file-on-worker",
        message="4 TB is too much",
    )
    with pytest.raises(ArtifactUnavailableError) as unavailable:
        await download_artifact_async(queue, task_id=task_id, name="public/gone.bin")
    assert (unavailable.value.reason, unavailable.value.message) == (
        "too-large-file-on-worker",
        "4 TB is too much",
    )


async def test_any_async_client_with_the_api_methods_works(fake: FakeTaskcluster) -> None:
    """Async stand-ins with the generated signatures, and a custom object client factory."""
    fake.verify_hawk = False  # the stand-ins do not sign
    made: list[AsyncStandInObject] = []

    def objects(credentials: ObjectCredentials) -> AsyncStandInObject:
        made.append(AsyncStandInObject(fake.root_url, credentials.client_id))
        return made[-1]

    task_id = fake.add_task()
    queue = AsyncStandInQueue(fake.root_url)
    try:
        data = pattern(70_000)
        await upload_artifact_async(
            queue,
            task_id=task_id,
            run_id=0,
            name="public/b.bin",
            source=data,
            object_client_factory=objects,
        )
        downloaded = await download_artifact_async(
            queue, task_id=task_id, name="public/b.bin", object_client_factory=objects
        )
        assert downloaded == data
    finally:
        await queue.close()
    assert len(made) == 2
    assert all(client.closed for client in made)
