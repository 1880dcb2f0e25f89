"""Artifacts against the behaviour of real Taskcluster v106 services and real storage.

Each test names the issue-9 item it guards. The loopback fake behaves like
the real server in the respects tested here (see the citations in
`artifact_fakes.py`); the recorded answers come from
`tests/fixtures/recorded/taskcluster-v106/http/`.
"""

from __future__ import annotations

import hashlib
import json
import pickle
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from artifact_fakes import CLIENTS, TASK_EXPIRES, FakeTaskcluster, running

from taskcluster_sdk import AsyncQueue, Queue
from taskcluster_sdk.artifacts import (
    ArtifactUnavailableError,
    DownloadError,
    FinishArtifactError,
    StorageHTTPError,
    UploadError,
    create_error_artifact,
    create_error_artifact_async,
    create_link_artifact,
    create_reference_artifact,
    download_artifact,
    download_artifact_async,
    upload_artifact,
    upload_artifact_async,
)
from taskcluster_sdk.errors import BadRequestError, NotFoundError, ServerError

TESTER = {"clientId": "tester", "accessToken": CLIENTS["tester"]}
# What a worker's claim credentials can do: create artifacts, not read the task.
WORKER = {"clientId": "worker", "accessToken": CLIENTS["worker"]}
RECORDED = Path(__file__).parent / "fixtures" / "recorded" / "taskcluster-v106" / "http"


def recorded(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((RECORDED / f"{name}.json").read_text())
    return data


def pattern(size: int) -> bytes:
    block = hashlib.sha512(b"real wire").digest() * 512
    return (block * (size // len(block) + 1))[:size]


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[FakeTaskcluster]:
    with running(tmp_path) as fake:
        yield fake


@pytest.fixture
def queue(fake: FakeTaskcluster) -> Iterator[Queue]:
    with Queue(root_url=fake.root_url, credentials=TESTER, max_retries=2) as queue:
        yield queue


@pytest.fixture
def worker(fake: FakeTaskcluster) -> Iterator[Queue]:
    with Queue(root_url=fake.root_url, credentials=WORKER, max_retries=2) as queue:
        yield queue


@pytest.fixture
async def async_worker(fake: FakeTaskcluster) -> AsyncIterator[AsyncQueue]:
    async with AsyncQueue(root_url=fake.root_url, credentials=WORKER, max_retries=2) as queue:
        yield queue


# -- 9.2: what v106 accepts in createArtifact, and what a failed finish looks like --


@pytest.mark.parametrize("size", [40, 300_000], ids=["dataInline", "putUrl"])
def test_object_artifacts_are_created_without_content_length(
    fake: FakeTaskcluster, queue: Queue, size: int
) -> None:
    """9.2: v106 answers finishArtifact 500 for an artifact created with contentLength."""
    task_id = fake.add_task()
    data = pattern(size)
    result = upload_artifact(
        queue, task_id=task_id, run_id=0, name="public/a.bin", source=data, expires=timedelta(1)
    )
    assert result.size == size
    [request] = fake.bodies(f"queue.POST /task/{task_id}/runs/0/artifacts/")
    assert set(request) == {"storageType", "contentType", "expires"}
    # The size still reaches the object service, which signs the PUT for it.
    if size > 8192:
        [proposal] = fake.bodies("object.PUT /upload/")
        assert proposal["proposedUploadMethods"]["putUrl"]["contentLength"] == size
    assert len(fake.api_calls(f"queue.PUT /task/{task_id}/")) == 1  # finished first time
    assert download_artifact(queue, task_id=task_id, name="public/a.bin") == data


async def test_object_artifacts_are_created_without_content_length_async(
    fake: FakeTaskcluster, async_worker: AsyncQueue
) -> None:
    task_id = fake.add_task()
    await upload_artifact_async(
        async_worker,
        task_id=task_id,
        run_id=0,
        name="public/a.txt",
        source=b"async",
        expires=TASK_EXPIRES,
    )
    assert all("contentLength" not in body for body in fake.bodies("queue.POST"))
    assert fake.artifacts[(task_id, 0, "public/a.txt")]["present"]


def test_a_finish_the_queue_never_confirms_says_the_content_is_stored(
    fake: FakeTaskcluster, queue: Queue
) -> None:
    """9.2: a worker learns the content is safe and how to finish, not just "HTTP 500"."""
    task_id = fake.add_task()
    data = pattern(20_000)
    fake.knobs.finish_statuses = [500, 503, 500]  # more than the queue client retries
    with pytest.raises(FinishArtifactError) as failure:
        upload_artifact(queue, task_id=task_id, run_id=0, name="public/f.bin", source=data)
    error = failure.value
    assert isinstance(error, UploadError)
    assert isinstance(error.__cause__, ServerError)
    assert "is stored" in str(error) and error.upload_id in str(error)
    assert pickle.loads(pickle.dumps(error)).upload_id == error.upload_id
    assert len(fake.api_calls(f"queue.PUT /task/{task_id}/")) == 3  # the client's retries
    # finishArtifact is idempotent: finishing by hand completes the artifact.
    queue.finishArtifact(task_id, 0, "public/f.bin", {"uploadId": error.upload_id})
    assert download_artifact(queue, task_id=task_id, name="public/f.bin") == data

    fake.knobs.finish_statuses = [500]  # transient: the queue client's retry absorbs it
    upload_artifact(queue, task_id=task_id, run_id=0, name="public/g.bin", source=data)
    assert download_artifact(queue, task_id=task_id, name="public/g.bin") == data


# -- 9.3: a worker needs no scope beyond queue:create-artifact ----------------------


def test_worker_uploads_without_expires_and_without_reading_the_task(
    fake: FakeTaskcluster, worker: Queue
) -> None:
    """9.3: claim credentials lack queue:get-task; the artifact takes the task's expiry."""
    task_id = fake.add_task()
    with pytest.raises(Exception, match="InsufficientScopes"):
        worker.task(task_id)
    fake.calls.clear()
    result = upload_artifact(worker, task_id=task_id, run_id=0, name="public/a.txt", source=b"a")
    assert result.expires == TASK_EXPIRES
    create = f"queue.POST /task/{task_id}/runs/0/artifacts/public/a.txt"
    assert fake.api_calls("queue.") == [
        f"queue.GET /task/{task_id}",  # refused
        create,  # refused: it would outlive the task; the answer names the task's expiry
        create,
        f"queue.PUT /task/{task_id}/runs/0/artifacts/public/a.txt",
    ]
    assert [body["expires"] for body in fake.bodies(create)][1] == TASK_EXPIRES
    assert fake.artifacts[(task_id, 0, "public/a.txt")]["expires"] == TASK_EXPIRES

    # Learned once: the next artifacts of the task go straight to createArtifact.
    fake.calls.clear()
    upload_artifact(worker, task_id=task_id, run_id=0, name="public/b.bin", source=pattern(99_000))
    create_link_artifact(
        worker, task_id=task_id, run_id=0, name="public/latest.txt", target="public/a.txt"
    )
    create_error_artifact(
        worker,
        task_id=task_id,
        run_id=0,
        name="public/missing.zip",
        reason="file-missing-on-worker",
        message="no zip",
    )
    assert [call for call in fake.api_calls("queue.") if "GET" in call] == []
    assert len(fake.api_calls("queue.POST")) == 3
    assert download_artifact(worker, task_id=task_id, name="public/latest.txt") == b"a"
    with pytest.raises(ArtifactUnavailableError):
        download_artifact(worker, task_id=task_id, name="public/missing.zip")


async def test_worker_uploads_without_expires_async(
    fake: FakeTaskcluster, async_worker: AsyncQueue
) -> None:
    task_id = fake.add_task()
    result = await upload_artifact_async(
        async_worker, task_id=task_id, run_id=0, name="public/a.bin", source=pattern(50_000)
    )
    assert result.expires == TASK_EXPIRES
    await create_error_artifact_async(
        async_worker,
        task_id=task_id,
        run_id=0,
        name="public/e",
        reason="invalid-resource-on-worker",
        message="m",
    )
    assert fake.artifacts[(task_id, 0, "public/e")]["expires"] == TASK_EXPIRES
    data = await download_artifact_async(async_worker, task_id=task_id, name="public/a.bin")
    assert data == pattern(50_000)


def test_a_caller_who_may_read_the_task_reads_it_once(fake: FakeTaskcluster, queue: Queue) -> None:
    task_id = fake.add_task()
    for name in ("public/1", "public/2"):
        upload_artifact(queue, task_id=task_id, run_id=0, name=name, source=b"x")
    create_reference_artifact(
        queue, task_id=task_id, run_id=0, name="public/r", url="https://example.com/r"
    )
    assert fake.api_calls(f"queue.GET /task/{task_id}") == [f"queue.GET /task/{task_id}"]
    assert len(fake.api_calls("queue.POST")) == 3  # no refused createArtifact
    assert {body["expires"] for body in fake.bodies("queue.POST")} == {TASK_EXPIRES}


def test_expires_takes_what_a_claim_holds(fake: FakeTaskcluster, worker: Queue) -> None:
    """`claim.task.expires` is a datetime or an ISO string, by model version; both work."""
    task_id = fake.add_task()
    upload_artifact(
        worker,
        task_id=task_id,
        run_id=0,
        name="public/s",
        source=b"s",
        expires="2030-06-01T12:00:00.5+02:00",
    )
    upload_artifact(
        worker,
        task_id=task_id,
        run_id=0,
        name="public/d",
        source=b"d",
        expires=datetime(2030, 6, 1, tzinfo=timezone.utc),
    )
    assert [body["expires"] for body in fake.bodies("queue.POST")] == [
        "2030-06-01T10:00:00.500Z",
        "2030-06-01T00:00:00.000Z",
    ]
    assert fake.api_calls("queue.GET") == []
    common: dict[str, Any] = {"task_id": task_id, "run_id": 0, "name": "public/x", "source": b"x"}
    with pytest.raises(ValueError, match="timezone"):
        upload_artifact(worker, expires="2030-06-01T00:00:00", **common)
    with pytest.raises(ValueError, match="ISO 8601"):
        upload_artifact(worker, expires="next tuesday", **common)
    with pytest.raises(TypeError, match="expires must be"):
        upload_artifact(worker, expires=1234567890, **common)  # type: ignore[arg-type]
    assert len(fake.api_calls("queue.POST")) == 2  # nothing sent for bad input
    # The queue's own refusals reach the caller unchanged.
    with pytest.raises(BadRequestError, match="after the task expiration"):
        upload_artifact(worker, expires="2040-01-01T00:00:00Z", **common)
    with pytest.raises(BadRequestError, match="Run not found"):
        upload_artifact(worker, **{**common, "run_id": 3})


# -- 9.4: storage refusing a signature as expired before its stated expiry ---------


@pytest.mark.parametrize("answer", ["s3", "gcs"])
def test_download_url_refused_as_expired_is_signed_again(
    fake: FakeTaskcluster, queue: Queue, tmp_path: Path, answer: str
) -> None:
    """9.4: S3 answers 403 AccessDenied "Request has expired", GCS 400 ExpiredToken."""
    task_id = fake.add_task()
    data = pattern(3 * 1024 * 1024 + 11)
    upload_artifact(queue, task_id=task_id, run_id=0, name="public/d.bin", source=data)
    fake.knobs.expired_answer = answer
    fake.knobs.early_expiring_urls = 1
    fake.storage_requests.clear()
    assert download_artifact(queue, task_id=task_id, name="public/d.bin") == data
    assert len(fake.api_calls("object.PUT /start-download/")) == 2
    assert len(fake.storage_requests) == 2

    # A renewed URL resumes a dropped body like any other.
    fake.knobs.early_expiring_urls = 1
    fake.knobs.get_drops = [1024 * 1024 + 5]
    fake.storage_requests.clear()
    target = download_artifact(queue, task_id=task_id, name="public/d.bin", dest=tmp_path / "d")
    assert target.read_bytes() == data
    ranges = [headers.get("Range") for _, _, headers in fake.storage_requests]
    assert ranges[:2] == [None, None] and ranges[2] is not None


def test_a_url_that_keeps_expiring_uses_up_the_retries(fake: FakeTaskcluster, queue: Queue) -> None:
    task_id = fake.add_task()
    upload_artifact(queue, task_id=task_id, run_id=0, name="public/d.bin", source=pattern(20_000))
    fake.knobs.early_expiring_urls = 100
    with pytest.raises(DownloadError, match="3 attempts") as failure:
        download_artifact(queue, task_id=task_id, name="public/d.bin")
    assert "AccessDenied: Request has expired" in str(failure.value)
    storage = failure.value.__cause__
    assert isinstance(storage, StorageHTTPError) and storage.signature_expired
    # One fresh URL per failure: the first and one for each of the 2 retries.
    assert len(fake.api_calls("object.PUT /start-download/")) == 3


def test_other_refusals_are_final(fake: FakeTaskcluster, queue: Queue) -> None:
    task_id = fake.add_task()
    upload_artifact(queue, task_id=task_id, run_id=0, name="public/d.bin", source=pattern(20_000))
    fake.storage_requests.clear()
    fake.knobs.get_statuses = [403]  # a plain refusal, not an expired signature
    with pytest.raises(DownloadError, match="HTTP 403"):
        download_artifact(queue, task_id=task_id, name="public/d.bin")
    assert len(fake.storage_requests) == 1
    assert len(fake.api_calls("object.PUT /start-download/")) == 1

    # A reference URL is the task's own: nobody can sign it again.
    blob = fake.objects[f"t/{task_id}/0/public/d.bin"].blob
    assert blob is not None
    fake.knobs.early_expiring_urls = 1
    url, _ = fake.storage_url(blob, "GET", 3600)
    create_reference_artifact(queue, task_id=task_id, run_id=0, name="public/ref", url=url)
    fake.storage_requests.clear()
    with pytest.raises(DownloadError, match="Request has expired"):
        download_artifact(queue, task_id=task_id, name="public/ref", allow_reference=True)
    assert len(fake.storage_requests) == 1


def test_s3_artifact_url_refused_as_expired_is_asked_of_the_queue_again(
    fake: FakeTaskcluster, queue: Queue
) -> None:
    task_id = fake.add_task()
    fake.add_s3_artifact(task_id, 0, "public/old.log", b"from s3")
    fake.knobs.early_expiring_urls = 1
    assert download_artifact(queue, task_id=task_id, name="public/old.log") == b"from s3"
    assert len(fake.api_calls(f"queue.GET /task/{task_id}/artifact-content/")) == 2


async def test_download_url_refused_as_expired_is_signed_again_async(
    fake: FakeTaskcluster, async_worker: AsyncQueue
) -> None:
    task_id = fake.add_task()
    data = pattern(2_000_000)
    await upload_artifact_async(
        async_worker, task_id=task_id, run_id=0, name="public/d.bin", source=data
    )
    fake.knobs.early_expiring_urls = 1
    assert await download_artifact_async(async_worker, task_id=task_id, name="public/d.bin") == data
    assert len(fake.api_calls("object.PUT /start-download/")) == 2


@pytest.mark.parametrize("flavour", ["sync", "async"])
async def test_put_url_refused_as_expired_is_signed_again(
    fake: FakeTaskcluster, flavour: str
) -> None:
    task_id = fake.add_task()
    data = pattern(100_000)
    fake.knobs.early_expiring_urls = 1
    if flavour == "sync":
        with Queue(root_url=fake.root_url, credentials=TESTER) as queue:
            result = upload_artifact(queue, task_id=task_id, run_id=0, name="public/p", source=data)
    else:
        async with AsyncQueue(root_url=fake.root_url, credentials=TESTER) as aqueue:
            result = await upload_artifact_async(
                aqueue, task_id=task_id, run_id=0, name="public/p", source=data
            )
    assert result.upload_method == "putUrl"
    assert [method for method, _, _ in fake.storage_requests] == ["PUT", "PUT"]
    assert len(fake.api_calls("object.PUT /upload/")) == 2
    assert fake.object_content(task_id, 0, "public/p") == data


# -- the latest run ------------------------------------------------------------------


def test_latest_is_the_tasks_last_run_even_without_the_artifact(
    fake: FakeTaskcluster, queue: Queue
) -> None:
    """The queue does not fall back to an earlier run (artifacts.js getLatestRunId)."""
    task_id = fake.add_task(runs=2)
    upload_artifact(queue, task_id=task_id, run_id=0, name="public/only-run-0", source=b"0")
    with pytest.raises(NotFoundError):
        download_artifact(queue, task_id=task_id, name="public/only-run-0")
    assert download_artifact(queue, task_id=task_id, run_id=0, name="public/only-run-0") == b"0"


# -- recorded real answers -------------------------------------------------------------


def test_recorded_v106_answers_parse() -> None:
    from taskcluster_sdk._artifacts.protocol import (
        ObjectDownload,
        PutUrl,
        UrlDownload,
        parse_artifact_content,
        parse_start_download,
        parse_upload_grant,
        parse_upload_method,
    )

    def body(name: str) -> Any:
        return recorded(name)["response"]["body"]

    grant = parse_upload_grant(body("queue.createArtifact.object"))
    assert grant.expires == "2026-12-02T22:42:15.203Z"
    assert grant.credentials.client_id.startswith("artifact-upload/")
    assert isinstance(parse_upload_method(body("object.createUpload.putUrl")), PutUrl)
    assert parse_upload_method(body("object.createUpload.dataInline")) == "dataInline"
    for kind in ("object", "link"):  # a link resolves to its target's content
        assert isinstance(
            parse_artifact_content("a", body(f"queue.artifact.{kind}"), allow_reference=False),
            ObjectDownload,
        )
    s3 = parse_artifact_content("a", body("queue.artifact.s3"), allow_reference=False)
    assert isinstance(s3, UrlDownload) and s3.renewable
    reference = parse_artifact_content("a", body("queue.artifact.reference"), allow_reference=True)
    assert isinstance(reference, UrlDownload) and not reference.renewable
    with pytest.raises(ArtifactUnavailableError, match="file-missing-on-worker"):
        parse_artifact_content("a", body("queue.artifact.error"), allow_reference=False)
    get_url = parse_start_download(body("object.startDownload.getUrl"))
    assert set(get_url.hashes) == {"sha256", "sha512"}
    # What the SDK leaves out, and why (9.2): the recorded 500.
    created = recorded("queue.createArtifact.object-with-content-length")["request"]["body"]
    assert "contentLength" in created
    refused = recorded("queue.finishArtifact.content-length-500")["response"]
    assert refused["status"] == 500 and "contentLength" in refused["body"]["message"]


@pytest.mark.parametrize(
    ("status", "body", "code", "expired"),
    [
        # S3, a presigned URL past its expiry (or its presigning credentials').
        (
            403,
            b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
            b"<Message>Request has expired</Message><X-Amz-Expires>120</X-Amz-Expires>"
            b"<Expires>2020-04-25T03:48:04Z</Expires><ServerTime>2020-04-25T03:50:33Z"
            b"</ServerTime><RequestId>BF97CB31633F3C94</RequestId><HostId>x</HostId></Error>",
            "AccessDenied",
            True,
        ),
        # S3, presigned with session credentials that have expired.
        (
            400,
            b"<Error><Code>ExpiredToken</Code><Message>The provided token has expired."
            b"</Message></Error>",
            "ExpiredToken",
            True,
        ),
        # GCS (XML API), an expired signed URL.
        (
            400,
            b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>ExpiredToken</Code>"
            b"<Message>Invalid argument.</Message></Error>",
            "ExpiredToken",
            True,
        ),
        (
            403,
            b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>",
            "AccessDenied",
            False,
        ),
        (
            403,
            b"<Error><Code>SignatureDoesNotMatch</Code><Message>x</Message></Error>",
            "SignatureDoesNotMatch",
            False,
        ),
        (500, b"<Error><Code>ExpiredToken</Code></Error>", "ExpiredToken", False),
        (403, b"plain text", None, False),
    ],
)
def test_storage_error_answers(status: int, body: bytes, code: str | None, expired: bool) -> None:
    from taskcluster_sdk._artifacts.transfer import storage_error

    error = storage_error("GET", "https://bucket.example/k?X-Amz-Signature=secret", status, body)
    assert (error.code, error.signature_expired) == (code, expired)
    assert "secret" not in str(error)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.code, copy.detail, str(copy)) == (error.code, error.detail, str(error))
