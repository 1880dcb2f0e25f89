"""Artifact upload and download (sync) against loopback queue, object service and storage."""

from __future__ import annotations

import hashlib
import io
import os
import pickle
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import httpx
import pytest
from artifact_fakes import CLIENTS, FakeTaskcluster, StandInObject, StandInQueue, running

from taskcluster_sdk import Queue
from taskcluster_sdk.artifacts import (
    ArtifactError,
    ArtifactUnavailableError,
    HashMismatchError,
    ObjectCredentials,
    ReferenceNotAllowedError,
    StorageHTTPError,
    UploadError,
    create_error_artifact,
    create_link_artifact,
    create_reference_artifact,
    download_artifact,
    upload_artifact,
)
from taskcluster_sdk.errors import NotFoundError, TaskclusterError

TESTER = {"clientId": "tester", "accessToken": CLIENTS["tester"]}


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeTaskcluster]:
    with running(tmp_path) as fake:
        yield fake


@pytest.fixture
def queue(fake: FakeTaskcluster) -> Iterator[Queue]:
    with Queue(root_url=fake.root_url, credentials=TESTER) as queue:
        yield queue


def pattern(size: int, seed: int = 0) -> bytes:
    """Deterministic, non-repeating-looking content of `size` bytes."""
    block = hashlib.sha512(str(seed).encode()).digest() * 512
    return (block * (size // len(block) + 1))[:size]


def test_small_body_goes_inline(fake: FakeTaskcluster, queue: Queue) -> None:
    task_id = fake.add_task()
    data = b'{"ok": true}'
    seen: list[tuple[int, int | None]] = []
    result = upload_artifact(
        queue,
        task_id=task_id,
        run_id=0,
        name="public/result.json",
        source=data,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert result.upload_method == "dataInline"
    assert result.content_type == "application/json"
    assert result.size == len(data)
    assert result.sha256 == hashlib.sha256(data).hexdigest()
    assert result.sha512 == hashlib.sha512(data).hexdigest()
    assert result.expires == "2031-01-01T00:00:00.000Z"  # the task's expiry
    assert seen == [(len(data), len(data))]
    assert fake.storage_requests == []
    assert fake.api_calls() == [
        f"queue.GET /task/{task_id}",
        f"queue.POST /task/{task_id}/runs/0/artifacts/public/result.json",
        f"object.PUT /upload/t/{task_id}/0/public/result.json",
        f"object.POST /finish-upload/t/{task_id}/0/public/result.json",
        f"queue.PUT /task/{task_id}/runs/0/artifacts/public/result.json",
    ]
    assert fake.object_content(task_id, 0, "public/result.json") == data
    downloaded = download_artifact(queue, task_id=task_id, name="public/result.json")
    assert downloaded == data


def test_file_upload_streams_through_put_url(
    fake: FakeTaskcluster, queue: Queue, tmp_path: Path
) -> None:
    task_id = fake.add_task()
    data = pattern(3 * 1024 * 1024 + 17)
    source = tmp_path / "build.tar.gz"
    source.write_bytes(data)
    seen: list[tuple[int, int | None]] = []
    expires = datetime(2030, 6, 1, tzinfo=timezone.utc)
    result = upload_artifact(
        queue,
        task_id=task_id,
        run_id=0,
        name="public/build.tar.gz",
        source=source,
        expires=expires,
        progress=lambda done, total: seen.append((done, total)),
    )
    assert result.upload_method == "putUrl"
    assert result.content_type == "application/gzip"
    assert result.expires == "2030-06-01T00:00:00.000Z"
    assert f"queue.GET /task/{task_id}" not in fake.calls  # explicit expiry: no task lookup
    [(method, _, headers)] = fake.storage_requests
    assert method == "PUT"
    assert headers["Content-Length"] == str(len(data))
    assert headers["Content-Type"] == "application/gzip"
    assert "Authorization" not in headers  # signed URL, no Hawk
    assert seen[-1] == (len(data), len(data))
    assert [done for done, _ in seen] == sorted(done for done, _ in seen)
    assert fake.object_content(task_id, 0, "public/build.tar.gz") == data

    target = tmp_path / "out" / "build.tar.gz"
    target.parent.mkdir()
    progress: list[tuple[int, int | None]] = []
    path = download_artifact(
        queue,
        task_id=task_id,
        run_id=0,
        name="public/build.tar.gz",
        dest=target,
        progress=lambda done, total: progress.append((done, total)),
    )
    assert path == target
    assert target.read_bytes() == data
    assert list(target.parent.iterdir()) == [target]
    assert progress[-1] == (len(data), len(data))

    stream = io.BytesIO(b"header:")
    stream.seek(0, io.SEEK_END)
    count = download_artifact(
        queue,
        task_id=task_id,
        name="public/build.tar.gz",
        dest=stream,
    )
    assert count == len(data)
    assert stream.getvalue() == b"header:" + data


def test_seekable_stream_uploads_from_its_position(fake: FakeTaskcluster, queue: Queue) -> None:
    task_id = fake.add_task()
    stream = io.BytesIO(b"skip me|" + pattern(20_000))
    stream.seek(8)
    fake.knobs.put_statuses = [503]
    result = upload_artifact(
        queue,
        task_id=task_id,
        run_id=0,
        name="public/data.bin",
        source=stream,
    )
    assert result.size == 20_000
    assert result.content_type == "application/octet-stream"
    assert fake.object_content(task_id, 0, "public/data.bin") == pattern(20_000)
    assert [method for method, _, _ in fake.storage_requests] == ["PUT", "PUT"]


def test_refused_inline_falls_back_to_put_url(fake: FakeTaskcluster, queue: Queue) -> None:
    task_id = fake.add_task()
    fake.knobs.accept_inline = False
    pipe = NonSeekable(b"tiny")
    result = upload_artifact(
        queue,
        task_id=task_id,
        run_id=0,
        name="public/tiny.txt",
        source=pipe,
        size=4,
    )
    assert result.upload_method == "putUrl"
    assert fake.object_content(task_id, 0, "public/tiny.txt") == b"tiny"


def test_failed_put_is_retried_from_the_start(
    fake: FakeTaskcluster, queue: Queue, tmp_path: Path
) -> None:
    task_id = fake.add_task()
    data = pattern(2 * 1024 * 1024 + 5)
    source = tmp_path / "blob.bin"
    source.write_bytes(data)
    fake.knobs.put_statuses = [500]
    fake.knobs.put_drops = [1024 * 1024, 0]
    seen: list[int] = []
    result = upload_artifact(
        queue,
        task_id=task_id,
        run_id=0,
        name="public/blob.bin",
        source=source,
        progress=lambda done, total: seen.append(done),
    )
    assert result.sha512 == hashlib.sha512(data).hexdigest()
    assert [method for method, _, _ in fake.storage_requests] == ["PUT"] * 3
    assert fake.object_content(task_id, 0, "public/blob.bin") == data
    # Each attempt read the file from its first byte: three first chunks.
    assert seen.count(1024 * 1024) == 3
    assert seen[-1] == len(data)


def test_expired_put_url_is_renewed_before_retrying(fake: FakeTaskcluster, queue: Queue) -> None:
    task_id = fake.add_task(runs=2)
    fake.knobs.accept_inline = False
    fake.knobs.put_url_lifetime = -1
    fake.knobs.put_statuses = []
    data = pattern(50_000)
    with pytest.raises(UploadError, match="403"):
        # Every URL the fake hands out is already expired: renewals cannot help forever.
        upload_artifact(
            queue,
            task_id=task_id,
            run_id=0,
            name="public/a.bin",
            source=data,
            max_retries=2,
        )
    uploads = fake.api_calls("object.PUT /upload/")
    assert len(uploads) == 3  # the first createUpload and two renewals
    fake.knobs.put_url_lifetime = 3600
    result = upload_artifact(
        queue,
        task_id=task_id,
        run_id=1,
        name="public/a.bin",
        source=data,
    )
    assert result.size == len(data)


class NonSeekable(io.RawIOBase):
    """A pipe-like binary stream: readable once, no seek."""

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


def test_failed_non_seekable_stream_is_a_clear_error_and_no_artifact(
    fake: FakeTaskcluster, queue: Queue
) -> None:
    task_id = fake.add_task()
    data = pattern(100_000)
    fake.knobs.put_statuses = [500]
    with pytest.raises(UploadError, match="not seekable"):
        upload_artifact(
            queue,
            task_id=task_id,
            run_id=0,
            name="public/stream.bin",
            source=io.BufferedReader(NonSeekable(data)),
            size=len(data),
        )
    assert not fake.api_calls("object.POST /finish-upload")
    assert not [call for call in fake.calls if call.startswith("queue.PUT")]
    with pytest.raises(NotFoundError):
        download_artifact(queue, task_id=task_id, name="public/stream.bin")


def test_non_seekable_stream_uploads_with_a_size(fake: FakeTaskcluster, queue: Queue) -> None:
    task_id = fake.add_task(runs=2)
    data = pattern(100_000)
    with pytest.raises(ValueError, match="size is required"):
        upload_artifact(
            queue,
            task_id=task_id,
            run_id=0,
            name="public/s.bin",
            source=io.BufferedReader(NonSeekable(data)),
        )
    with pytest.raises(UploadError, match="ended after 100000 of 100001 bytes"):
        upload_artifact(
            queue,
            task_id=task_id,
            run_id=0,
            name="public/s.bin",
            source=io.BufferedReader(NonSeekable(data)),
            size=len(data) + 1,
        )
    result = upload_artifact(
        queue,
        task_id=task_id,
        run_id=1,
        name="public/s.bin",
        source=io.BufferedReader(NonSeekable(data)),
        size=len(data),
    )
    assert result.size == len(data)
    assert fake.object_content(task_id, 1, "public/s.bin") == data


def test_put_retries_run_out(fake: FakeTaskcluster, queue: Queue) -> None:
    task_id = fake.add_task()
    fake.knobs.accept_inline = False
    fake.knobs.put_statuses = [500, 502, 503]
    with pytest.raises(UploadError, match="failed after 3 attempts") as failure:
        upload_artifact(
            queue,
            task_id=task_id,
            run_id=0,
            name="public/x.bin",
            source=b"x" * 10,
            max_retries=2,
        )
    assert "token=" not in str(failure.value)  # signatures stay out of messages
    assert not fake.api_calls("object.POST /finish-upload")
    assert len(fake.storage_requests) == 3


def test_expired_download_url_is_requested_again(fake: FakeTaskcluster, queue: Queue) -> None:
    task_id = fake.add_task()
    data = pattern(200_000)
    upload_artifact(
        queue,
        task_id=task_id,
        run_id=0,
        name="public/d.bin",
        source=data,
    )
    fake.knobs.expired_download_urls = 1
    assert download_artifact(queue, task_id=task_id, name="public/d.bin") == data
    assert len(fake.api_calls("object.PUT /start-download/")) == 2


# The larger size is hashed partly in the hashing thread (see ContentHasher).
@pytest.mark.parametrize("size", [300_000, 3 * 1024 * 1024 + 1])
def test_hash_mismatch_fails_and_leaves_no_file(
    fake: FakeTaskcluster, queue: Queue, tmp_path: Path, size: int
) -> None:
    task_id = fake.add_task()
    data = pattern(size)
    upload_artifact(
        queue,
        task_id=task_id,
        run_id=0,
        name="public/h.bin",
        source=data,
    )
    fake.knobs.wrong_sha256 = "0" * 64
    target = tmp_path / "downloads" / "h.bin"
    target.parent.mkdir()
    with pytest.raises(HashMismatchError, match="sha256") as failure:
        download_artifact(queue, task_id=task_id, name="public/h.bin", dest=target)
    assert failure.value.expected == "0" * 64
    assert failure.value.actual == hashlib.sha256(data).hexdigest()
    assert list(target.parent.iterdir()) == []
    existing = tmp_path / "downloads" / "keep.bin"
    existing.write_bytes(b"previous content")
    with pytest.raises(HashMismatchError):
        download_artifact(
            queue,
            task_id=task_id,
            name="public/h.bin",
            dest=existing,
        )
    assert existing.read_bytes() == b"previous content"
    assert list(target.parent.iterdir()) == [existing]


def test_dropped_download_resumes_with_range(fake: FakeTaskcluster, queue: Queue) -> None:
    task_id = fake.add_task()
    data = pattern(5 * 1024 * 1024)
    upload_artifact(
        queue,
        task_id=task_id,
        run_id=0,
        name="public/r.bin",
        source=data,
    )
    fake.storage_requests.clear()
    fake.knobs.get_drops = [1024 * 1024 + 100, 2 * 1024 * 1024]
    sink = NonSeekableSink()
    count = download_artifact(queue, task_id=task_id, name="public/r.bin", dest=sink)
    assert count == len(data)
    assert sink.data == data
    ranges = [headers.get("Range") for _, _, headers in fake.storage_requests]
    assert ranges[0] is None
    assert ranges[1] is not None and ranges[1].startswith("bytes=")
    resumed_at = int(ranges[1][len("bytes=") : -1])
    assert 0 < resumed_at <= 1024 * 1024 + 100
    assert len(ranges) == 3


def test_dropped_download_restarts_when_range_is_ignored(
    fake: FakeTaskcluster, queue: Queue, tmp_path: Path
) -> None:
    task_id = fake.add_task()
    data = pattern(3 * 1024 * 1024)
    upload_artifact(
        queue,
        task_id=task_id,
        run_id=0,
        name="public/r.bin",
        source=data,
    )
    fake.knobs.ignore_range = True
    fake.knobs.get_drops = [1024 * 1024 + 100]
    seen: list[int] = []
    target = download_artifact(
        queue,
        task_id=task_id,
        name="public/r.bin",
        dest=tmp_path / "r.bin",
        progress=lambda done, total: seen.append(done),
    )
    assert target.read_bytes() == data
    assert seen[-1] == len(data)
    assert min(seen[seen.index(max(seen[:5])) :]) < 1024 * 1024  # went back to the start

    fake.knobs.get_drops = [1000]
    with pytest.raises(Exception, match="not seekable"):
        download_artifact(
            queue,
            task_id=task_id,
            name="public/r.bin",
            dest=NonSeekableSink(),
        )


def test_gzip_encoded_download_is_decoded_verified_and_restarted(
    fake: FakeTaskcluster, queue: Queue
) -> None:
    task_id = fake.add_task()
    data = os.urandom(400_000)
    upload_artifact(
        queue,
        task_id=task_id,
        run_id=0,
        name="public/z.bin",
        source=data,
    )
    fake.storage_requests.clear()
    fake.knobs.gzip_downloads = True
    fake.knobs.get_drops = [150_000]
    assert download_artifact(queue, task_id=task_id, name="public/z.bin") == data
    # Ranges would count encoded bytes: the retry starts over instead.
    assert [headers.get("Range") for _, _, headers in fake.storage_requests] == [None, None]


class NonSeekableSink(io.RawIOBase):
    def __init__(self) -> None:
        self.data = b""

    def writable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return False

    def write(self, data: bytes) -> int:  # type: ignore[override]
        self.data += bytes(data)
        return len(data)


def test_storage_errors_are_not_retried_for_4xx(fake: FakeTaskcluster, queue: Queue) -> None:
    task_id = fake.add_task()
    upload_artifact(
        queue,
        task_id=task_id,
        run_id=0,
        name="public/e.bin",
        source=b"e" * 9000,
    )
    fake.storage_requests.clear()
    fake.knobs.get_statuses = [404]
    with pytest.raises(Exception, match="HTTP 404"):
        download_artifact(queue, task_id=task_id, name="public/e.bin")
    assert len(fake.storage_requests) == 1
    fake.knobs.get_statuses = [500, 500]
    assert download_artifact(queue, task_id=task_id, name="public/e.bin") == b"e" * 9000


def test_reference_link_error_and_s3_artifacts(fake: FakeTaskcluster, queue: Queue) -> None:
    task_id = fake.add_task()
    upload_artifact(
        queue,
        task_id=task_id,
        run_id=0,
        name="public/real.txt",
        source=b"real",
    )
    create_link_artifact(
        queue, task_id=task_id, run_id=0, name="public/alias.txt", target="public/real.txt"
    )
    assert download_artifact(queue, task_id=task_id, run_id=0, name="public/alias.txt") == b"real"

    fake.add_s3_artifact(task_id, 0, "public/legacy.log", b"from s3")
    assert download_artifact(queue, task_id=task_id, name="public/legacy.log") == b"from s3"

    elsewhere = fake.blobs[fake.artifacts[(task_id, 0, "public/legacy.log")]["blob"]]
    key = next(key for key, blob in fake.blobs.items() if blob is elsewhere)
    url, _ = fake.storage_url(key, "GET", 3600)
    create_reference_artifact(
        queue, task_id=task_id, run_id=0, name="public/ref.txt", url=url, expires=timedelta(days=1)
    )
    stored = fake.artifacts[(task_id, 0, "public/ref.txt")]
    assert stored["contentType"] == "text/plain"
    with pytest.raises(ReferenceNotAllowedError) as refused:
        download_artifact(queue, task_id=task_id, name="public/ref.txt")
    assert refused.value.url == url
    assert "token" not in str(refused.value)
    assert (
        download_artifact(queue, task_id=task_id, name="public/ref.txt", allow_reference=True)
        == b"from s3"
    )

    create_error_artifact(
        queue,
        task_id=task_id,
        run_id=0,
        name="public/missing.zip",
        reason="file-missing-on-worker",
        message="build produced no zip",
    )
    with pytest.raises(ArtifactUnavailableError) as unavailable:
        download_artifact(queue, task_id=task_id, name="public/missing.zip")
    assert unavailable.value.reason == "file-missing-on-worker"
    assert unavailable.value.message == "build produced no zip"


def test_latest_run_is_the_default(fake: FakeTaskcluster, queue: Queue) -> None:
    task_id = fake.add_task(runs=2)
    for run_id in (0, 1):
        upload_artifact(
            queue,
            task_id=task_id,
            run_id=run_id,
            name="public/run.txt",
            source=f"run {run_id}".encode(),
        )
    assert download_artifact(queue, task_id=task_id, name="public/run.txt") == b"run 1"
    assert download_artifact(queue, task_id=task_id, run_id=0, name="public/run.txt") == b"run 0"


def test_bad_input_gets_clear_errors(fake: FakeTaskcluster, queue: Queue, tmp_path: Path) -> None:
    task_id = fake.add_task()
    common = {"task_id": task_id, "run_id": 0, "name": "public/x"}
    with pytest.raises(TypeError, match=r"pass a pathlib\.Path"):
        upload_artifact(queue, source="some text", **common)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="binary stream"):
        upload_artifact(queue, source=42, **common)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="timezone-aware"):
        upload_artifact(queue, source=b"x", expires=datetime(2030, 1, 1), **common)
    with pytest.raises(ValueError, match="size=3 was given but the bytes source holds 1"):
        upload_artifact(queue, source=b"x", size=3, **common)
    with pytest.raises(ValueError, match="reason must be one of"):
        create_error_artifact(
            queue,
            task_id=task_id,
            run_id=0,
            name="e",
            reason="oops",
            message="m",  # type: ignore[arg-type]
        )
    with pytest.raises(IsADirectoryError):
        download_artifact(queue, task_id=task_id, name="public/x", dest=tmp_path)
    with pytest.raises(FileNotFoundError):
        upload_artifact(queue, source=tmp_path / "absent.bin", **common)
    with pytest.raises(FileNotFoundError, match="directory of dest"):
        download_artifact(queue, task_id=task_id, name="public/x", dest=tmp_path / "no" / "f")
    assert fake.calls == []  # nothing was sent for any of them


def test_any_client_with_the_api_methods_works(fake: FakeTaskcluster) -> None:
    """Stand-ins with the generated signatures, and a custom object client factory."""
    fake.verify_hawk = False  # the stand-ins do not sign
    made: list[StandInObject] = []

    def objects(credentials: ObjectCredentials) -> StandInObject:
        made.append(StandInObject(fake.root_url, credentials.client_id))
        return made[-1]

    task_id = fake.add_task()
    queue = StandInQueue(fake.root_url)
    try:
        for name, data in (("public/s.txt", b"small"), ("public/b.bin", pattern(100_000))):
            upload_artifact(
                queue,
                task_id=task_id,
                run_id=0,
                name=name,
                source=data,
                object_client_factory=objects,
            )
            assert (
                download_artifact(queue, task_id=task_id, name=name, object_client_factory=objects)
                == data
            )
    finally:
        queue.close()
    assert len(made) == 4
    assert all(client.closed for client in made)


@pytest.mark.parametrize(
    "error",
    [
        ArtifactUnavailableError("public/a", "file-missing-on-worker", "no file"),
        HashMismatchError("public/a", "sha256", "00", "11"),
        ReferenceNotAllowedError("public/a", "https://example.com/x?sig=secret"),
        StorageHTTPError("GET", "https://storage.example/k?sig=secret", 503),
        UploadError("could not upload"),
    ],
)
def test_errors_pickle_and_keep_signatures_out_of_messages(error: ArtifactError) -> None:
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert "secret" not in str(error)
    assert isinstance(error, TaskclusterError)


def test_content_length_is_sent_when_the_service_does_not_name_it(
    fake: FakeTaskcluster, queue: Queue
) -> None:
    task_id = fake.add_task()
    fake.knobs.put_headers_without_length = True
    data = pattern(70_000)
    result = upload_artifact(
        queue,
        task_id=task_id,
        run_id=0,
        name="public/page.html",
        source=data,
        content_type="text/html; charset=utf-8",
    )
    assert result.content_type == "text/html; charset=utf-8"
    [(_, _, headers)] = fake.storage_requests
    assert headers["Content-Length"] == "70000"
    assert "Transfer-Encoding" not in headers
    assert headers["Content-Type"] == "text/html; charset=utf-8"


def test_the_queue_clients_injected_http_client_carries_the_whole_transfer(
    fake: FakeTaskcluster,
) -> None:
    """Object service calls and storage PUT/GET go through the queue's `http_client`, left open.

    The queue client's `timeout` bounds every request on it, storage ones too:
    the injected client's own (here shorter than storage takes) never applies.
    """
    seen: list[tuple[str, str]] = []

    def record(request: httpx.Request) -> None:
        seen.append((request.method, request.url.path))

    task_id = fake.add_task()
    data = pattern(100_000)
    fake.knobs.storage_delay = 0.3
    with httpx.Client(event_hooks={"request": [record]}, timeout=0.1) as client:
        queue = Queue(root_url=fake.root_url, credentials=TESTER, http_client=client, max_retries=1)
        upload_artifact(queue, task_id=task_id, run_id=0, name="public/b.bin", source=data)
        assert download_artifact(queue, task_id=task_id, name="public/b.bin") == data
        queue.close()
        assert not client.is_closed
    object_calls = [path.split("/")[4] for _, path in seen if path.startswith("/api/object/v1/")]
    assert object_calls == ["upload", "finish-upload", "start-download"], seen
    storage = [(method, path) for method, path in seen if not path.startswith("/api/")]
    assert {method for method, _ in storage} == {"PUT", "GET"}, seen
