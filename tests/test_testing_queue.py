"""The stateful fake queue and object service, checked against the recorded v106 answers.

Shapes (which fields an answer has, at every level), messages and
credential formats are compared with the recorded real answers; the
workflows are those of workers, decision tasks and downloaders using the
SDK's own clients and artifact helpers.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from taskcluster_sdk import AsyncObject, AsyncQueue, Credentials, Object, Queue, slugid
from taskcluster_sdk.artifacts import (
    ArtifactUnavailableError,
    ReferenceNotAllowedError,
    create_error_artifact,
    create_link_artifact,
    create_reference_artifact,
    download_artifact,
    download_artifact_async,
    upload_artifact,
    upload_artifact_async,
)
from taskcluster_sdk.errors import BadRequestError, ConflictError, NotFoundError, ServerError
from taskcluster_sdk.models.queue import ClaimWorkResponseTasks, TaskStatusResponse
from taskcluster_sdk.testing import FakeTaskcluster

RECORDED = Path(__file__).parent / "fixtures" / "recorded" / "taskcluster-v106" / "http"
QUEUE_ID = "realtc-rec/build-06e24cb7"


def recorded(name: str) -> dict[str, Any]:
    return json.loads((RECORDED / f"{name}.json").read_text())


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def task_body(group: str, **changes: Any) -> dict[str, Any]:
    """The recorded createTask body, with fresh dates (the queue refuses stale ones)."""
    body = dict(recorded("queue.createTask.ok")["request"]["body"])
    now = datetime.now(timezone.utc)
    body.update(
        taskGroupId=group,
        created=_iso(now),
        deadline=_iso(now + timedelta(hours=3)),
        expires=_iso(now + timedelta(days=2)),
        dependencies=[],
    )
    body.update(changes)
    return body


def shape(value: Any) -> Any:
    """Which fields a JSON value has, recursively (lists by their first item)."""
    if isinstance(value, dict):
        return {key: shape(item) for key, item in sorted(value.items())}
    if isinstance(value, list):
        return [shape(value[0])] if value else []
    return type(value).__name__


@pytest.fixture
def tc() -> Iterator[FakeTaskcluster]:
    with FakeTaskcluster(stateful=True) as fake:
        yield fake


@pytest.fixture
def queue(tc: FakeTaskcluster) -> Queue:
    return Queue(root_url=tc.root_url, max_retries=0)


def claim(queue: Queue, count: int = 1, worker: str = "rec-w1") -> list[ClaimWorkResponseTasks]:
    answer = queue.claimWork(
        QUEUE_ID, {"tasks": count, "workerGroup": "rec-wg", "workerId": worker}
    )
    return list(answer.tasks)


def as_worker(tc: FakeTaskcluster, claimed: ClaimWorkResponseTasks) -> Queue:
    c = claimed.credentials
    return Queue(
        root_url=tc.root_url,
        credentials=Credentials(c.clientId, c.accessToken, c.certificate),
        max_retries=0,
    )


def raw(tc: FakeTaskcluster, method: str, path: str, body: Any = None) -> dict[str, Any]:
    with tc.http_client() as client:
        answer = client.request(method, f"/api/{path}", json=body)
    return answer.json()


def test_answers_have_the_recorded_shapes(tc: FakeTaskcluster, queue: Queue) -> None:
    group, task_id = slugid(), slugid()
    created = raw(tc, "PUT", f"queue/v1/task/{task_id}", task_body(group))
    assert shape(created) == shape(recorded("queue.createTask.ok")["response"]["body"])
    definition = raw(tc, "GET", f"queue/v1/task/{task_id}")
    real_definition = recorded("queue.task.ok")["response"]["body"]
    assert sorted(definition) == sorted(real_definition)
    assert (definition["provisionerId"], definition["workerType"]) == tuple(QUEUE_ID.split("/"))

    claimed = raw(
        tc,
        "POST",
        f"queue/v1/claim-work/{QUEUE_ID.replace('/', '%2F')}",
        {"tasks": 1, "workerGroup": "rec-wg", "workerId": "rec-w1"},
    )
    real_claim = recorded("queue.claimWork.one-task")["response"]["body"]
    assert shape(claimed) == shape(real_claim)
    certificate = json.loads(claimed["tasks"][0]["credentials"]["certificate"])
    real_certificate = json.loads(real_claim["tasks"][0]["credentials"]["certificate"])
    assert sorted(certificate) == sorted(real_certificate)
    assert certificate["issuer"] == real_certificate["issuer"] == "static/taskcluster/queue"
    # v106 writes this one takenUntil with an offset: `...+00:00`.
    assert claimed["tasks"][0]["takenUntil"].endswith("+00:00")
    assert real_claim["tasks"][0]["takenUntil"].endswith("+00:00")

    reclaimed = raw(tc, "POST", f"queue/v1/task/{task_id}/runs/0/reclaim")
    assert shape(reclaimed) == shape(recorded("queue.reclaimTask.ok")["response"]["body"])
    completed = raw(tc, "POST", f"queue/v1/task/{task_id}/runs/0/completed")
    assert shape(completed) == shape(recorded("queue.reportCompleted.ok")["response"]["body"])
    listing = raw(tc, "GET", f"queue/v1/task-group/{group}/list")
    real_listing = recorded("queue.listTaskGroup.page2")["response"]["body"]
    assert sorted(listing) == sorted(real_listing)
    assert shape(listing["tasks"][0]["status"]["runs"][0]) == shape(
        recorded("queue.reportCompleted.ok")["response"]["body"]["status"]["runs"][0]
    )


def test_artifact_answers_have_the_recorded_shapes(tc: FakeTaskcluster, queue: Queue) -> None:
    group, task_id = slugid(), slugid()
    queue.createTask(task_id, task_body(group))
    claim(queue)
    name = "public%2Fbuild%2Ftarget.tar.gz"
    real = recorded("queue.createArtifact.object")
    created = raw(
        tc,
        "POST",
        f"queue/v1/task/{task_id}/runs/0/artifacts/{name}",
        real["request"]["body"] | {"expires": task_body(group)["expires"]},
    )
    assert shape(created) == shape(real["response"]["body"])
    assert created["name"] == f"t/{task_id}/0/public/build/target.tar.gz"
    assert created["credentials"]["clientId"] == f"artifact-upload/{task_id}/0/on/rec-wg/rec-w1"
    upload = recorded("object.createUpload.putUrl")
    body = upload["request"]["body"] | {
        "uploadId": created["uploadId"],
        "expires": created["expires"],
        "projectId": created["projectId"],
    }
    answer = raw(tc, "PUT", f"object/v1/upload/{created['name'].replace('/', '%2F')}", body)
    assert shape(answer) == shape(upload["response"]["body"])
    put = answer["uploadMethod"]["putUrl"]
    assert sorted(put["headers"]) == sorted(
        upload["response"]["body"]["uploadMethod"]["putUrl"]["headers"]
    )


def test_task_credentials_are_shaped_and_signed_as_v106(tc: FakeTaskcluster, queue: Queue) -> None:
    task_id = slugid()
    queue.createTask(task_id, task_body(slugid()))
    (claimed,) = claim(queue)
    credentials = claimed.credentials
    pattern = rf"task-client/{task_id}/0/on/rec-wg/rec-w1/until/(\d+(\.\d+)?)"
    found = re.fullmatch(pattern, credentials.clientId)
    assert found, credentials.clientId
    certificate = json.loads(credentials.certificate)
    assert float(found.group(1)) == certificate["expiry"] / 1000
    assert certificate["scopes"][:3] == [
        f"queue:reclaim-task:{task_id}/0",
        f"queue:resolve-task:{task_id}/0",
        f"queue:create-artifact:{task_id}/0",
    ]
    assert certificate["scopes"][3:] == task_body("x")["scopes"]
    # Taskcluster's certificate rules, computed here independently.
    issuer_key = tc.state.issuer.access_token.encode()
    lines = [
        "version:1",
        f"clientId:{credentials.clientId}",
        f"issuer:{certificate['issuer']}",
        f"seed:{certificate['seed']}",
        f"start:{certificate['start']}",
        f"expiry:{certificate['expiry']}",
        "scopes:",
        *certificate["scopes"],
    ]
    signature = hmac.new(issuer_key, "\n".join(lines).encode(), hashlib.sha256).digest()
    assert base64.b64encode(signature).decode() == certificate["signature"]
    token = hmac.new(issuer_key, certificate["seed"].encode(), hashlib.sha256).digest()
    assert base64.urlsafe_b64encode(token).decode().rstrip("=") == credentials.accessToken


def test_status_transitions_and_conflicts_match_v106(tc: FakeTaskcluster, queue: Queue) -> None:
    group, task_id = slugid(), slugid()
    body = task_body(group)
    assert queue.createTask(task_id, body).status.state == "pending"
    assert queue.createTask(task_id, body).status.state == "pending"  # idempotent
    with pytest.raises(ConflictError, match="already used by another task"):
        queue.createTask(task_id, body | {"priority": "high"})
    (claimed,) = claim(queue)
    assert claimed.status.state == "running"
    assert claimed.status.runs[0].reasonCreated == "scheduled"
    worker = as_worker(tc, claimed)
    worker.reclaimTask(task_id, 0)
    assert worker.reportCompleted(task_id, 0).status.state == "completed"
    assert worker.reportCompleted(task_id, 0).status.state == "completed"  # the same report again
    with pytest.raises(ConflictError) as info:
        worker.reclaimTask(task_id, 0)
    real = recorded("queue.reclaimTask.409-resolved-run")["response"]["body"]["message"]
    assert info.value.message.split("\n\n---")[0] == real.split("\n\n---")[0].replace(
        "d8Q4n2_4SnCxL8xADyQYcA", task_id
    )
    with pytest.raises(ConflictError) as failed:
        worker.reportFailed(task_id, 0)
    assert "is not running or failed" in failed.value.message
    with pytest.raises(
        ConflictError, match="Artifacts cannot be created for a task after it is resolved"
    ):
        worker.createArtifact(
            task_id,
            0,
            "public/late",
            {
                "storageType": "error",
                "reason": "file-missing-on-worker",
                "message": "x",
                "expires": body["expires"],
            },
        )
    with pytest.raises(NotFoundError):
        queue.status(slugid())


def test_dependencies_are_honoured(tc: FakeTaskcluster, queue: Queue) -> None:
    group = slugid()
    build, test, lint = slugid(), slugid(), slugid()
    queue.createTask(build, task_body(group))
    assert (
        queue.createTask(test, task_body(group, dependencies=[build])).status.state == "unscheduled"
    )
    assert (
        queue.createTask(
            lint, task_body(group, dependencies=[build], requires="all-resolved")
        ).status.state
        == "unscheduled"
    )
    (claimed,) = claim(queue)
    assert claimed.status.taskId == build
    as_worker(tc, claimed).reportFailed(build, 0)
    assert queue.status(test).status.state == "unscheduled"  # all-completed: not after a failure
    assert queue.status(lint).status.state == "pending"  # all-resolved
    assert [t.status.taskId for t in queue.listDependentTasks(build).tasks] == [test, lint]


def test_retries_and_exceptions(tc: FakeTaskcluster, queue: Queue) -> None:
    task_id = slugid()
    queue.createTask(task_id, task_body(slugid(), retries=1))
    (claimed,) = claim(queue)
    status = (
        as_worker(tc, claimed).reportException(task_id, 0, {"reason": "worker-shutdown"}).status
    )
    assert status.state == "pending"
    assert [run.reasonCreated for run in status.runs] == ["scheduled", "retry"]
    assert status.runs[0].reasonResolved == "worker-shutdown"
    (again,) = claim(queue)
    assert again.runId == 1
    status = as_worker(tc, again).reportException(task_id, 1, {"reason": "worker-shutdown"}).status
    assert status.state == "exception"  # no retries left
    other = slugid()
    queue.createTask(other, task_body(slugid()))
    (third,) = claim(queue)
    status = as_worker(tc, third).reportException(other, 0, {"reason": "malformed-payload"}).status
    assert (status.state, status.runs[0].reasonResolved) == ("exception", "malformed-payload")
    assert queue.rerunTask(other).status.runs[-1].reasonCreated == "rerun"
    assert queue.cancelTask(other).status.runs[-1].reasonResolved == "canceled"


def test_sealed_groups_and_scheduler_ids(tc: FakeTaskcluster, queue: Queue) -> None:
    group = slugid()
    queue.createTask(slugid(), task_body(group))
    with pytest.raises(ConflictError, match="schedulerId"):
        queue.createTask(slugid(), task_body(group, schedulerId="other"))
    assert queue.sealTaskGroup(group).sealed is not None
    with pytest.raises(ConflictError, match="sealed"):
        queue.createTask(slugid(), task_body(group))


def test_bad_dates_are_refused_as_v106_does(queue: Queue) -> None:
    past = _iso(datetime.now(timezone.utc) - timedelta(hours=1))
    with pytest.raises(BadRequestError, match="`created` cannot be in the past"):
        queue.createTask(slugid(), task_body(slugid(), created=past))
    now = datetime.now(timezone.utc)
    created, deadline = _iso(now - timedelta(minutes=5)), _iso(now - timedelta(minutes=1))
    with pytest.raises(BadRequestError, match="`deadline` cannot be in the past"):
        queue.createTask(slugid(), task_body(slugid(), created=created, deadline=deadline))
    with pytest.raises(BadRequestError, match="`deadline` cannot be later than `created`"):
        queue.createTask(slugid(), task_body(slugid(), created=deadline, deadline=created))


def test_deadlines_beyond_five_days_are_refused_as_v106_does(
    tc: FakeTaskcluster, queue: Queue
) -> None:
    # Seen on real v106 (maxTaskDeadlineDays defaults to 5): 400 InputError.
    far = _iso(datetime.now(timezone.utc) + timedelta(days=5, hours=1))
    with pytest.raises(BadRequestError, match="more than 5 days into the future") as caught:
        queue.createTask(slugid(), task_body(slugid(), deadline=far, expires=far))
    assert caught.value.code == "InputError"
    tc.state.max_task_deadline_days = 30
    queue.createTask(slugid(), task_body(slugid(), deadline=far, expires=far))


def test_artifact_names_outside_printable_ascii_are_refused_as_v106_does(
    tc: FakeTaskcluster, queue: Queue
) -> None:
    task_id = slugid()
    queue.createTask(task_id, task_body(slugid()))
    (claimed,) = claim(queue)
    worker = as_worker(tc, claimed)
    # Real v106 answers this (recorded by a probe of the loopback deployment).
    with pytest.raises(
        BadRequestError, match=r"URL parameter 'name' given as 'public/\u00fc.txt'"
    ) as caught:
        upload_artifact(worker, task_id=task_id, run_id=0, name="public/\u00fc.txt", source=b"x")
    assert caught.value.code == "InvalidRequestArguments"
    assert "must match regular expression: '/^[\\x20-\\x7e]+$/'" in caught.value.message
    assert tc.state.artifacts(task_id) == {}


def test_task_group_listing_pages(tc: FakeTaskcluster, queue: Queue) -> None:
    group = slugid()
    ids = [slugid() for _ in range(5)]
    for task_id in ids:
        queue.createTask(task_id, task_body(group))
    first = queue.listTaskGroup(group, limit=2)
    assert len(first.tasks) == 2 and first.continuationToken
    assert [item.status.taskId for item in queue.pages.listTaskGroup(group, limit=2)] == ids
    pages = list(queue.pages.listTaskGroup(group, limit=2).pages())
    assert [len(page.tasks) for page in pages] == [2, 2, 1]
    with pytest.raises(NotFoundError):
        queue.listTaskGroup(slugid())


def test_worker_uploads_and_downloads_artifacts(
    tc: FakeTaskcluster, queue: Queue, tmp_path: Path
) -> None:
    task_id = slugid()
    queue.createTask(task_id, task_body(slugid()))
    (claimed,) = claim(queue)
    worker = as_worker(tc, claimed)
    big = bytes(range(256)) * 400  # over the dataInline limit: putUrl to the fake's storage
    assert (
        upload_artifact(
            worker, task_id=task_id, run_id=0, name="public/big.bin", source=big
        ).upload_method
        == "putUrl"
    )
    assert (
        upload_artifact(
            worker, task_id=task_id, run_id=0, name="public/small.txt", source=b"hi"
        ).upload_method
        == "dataInline"
    )
    create_error_artifact(
        worker,
        task_id=task_id,
        run_id=0,
        name="public/missing",
        reason="file-missing-on-worker",
        message="gone",
    )
    create_reference_artifact(
        worker, task_id=task_id, run_id=0, name="public/ref", url=f"{tc.root_url}/elsewhere"
    )
    create_link_artifact(
        worker, task_id=task_id, run_id=0, name="public/latest.bin", target="public/big.bin"
    )
    worker.reportCompleted(task_id, 0)
    assert tc.state.artifact_data(task_id, "public/big.bin") == big
    assert download_artifact(queue, task_id=task_id, name="public/big.bin") == big
    assert download_artifact(queue, task_id=task_id, name="public/latest.bin", run_id=0) == big
    path = download_artifact(
        queue, task_id=task_id, name="public/small.txt", dest=tmp_path / "s.txt"
    )
    assert path.read_bytes() == b"hi"
    with pytest.raises(ArtifactUnavailableError):
        download_artifact(queue, task_id=task_id, name="public/missing")
    with pytest.raises(ReferenceNotAllowedError):
        download_artifact(queue, task_id=task_id, name="public/ref")
    names = [a.name for a in queue.listLatestArtifacts(task_id).artifacts]
    assert names == [
        "public/big.bin",
        "public/small.txt",
        "public/missing",
        "public/ref",
        "public/latest.bin",
    ]
    info = queue.artifactInfo(task_id, 0, "public/missing")
    assert info.contentType == "application/binary"  # v106's default for error artifacts
    assert queue.getArtifact(task_id, 0, "public/big.bin").storageType == "object"
    meta = Object(root_url=tc.root_url).object(f"t/{task_id}/0/public/big.bin")
    assert meta.hashes is not None


async def test_async_worker_and_seeded_downloads(tc: FakeTaskcluster, queue: Queue) -> None:
    task_id = slugid()
    queue.createTask(task_id, task_body(slugid()))
    (claimed,) = claim(queue)
    c = claimed.credentials
    async with AsyncQueue(
        root_url=tc.root_url, credentials=Credentials(c.clientId, c.accessToken, c.certificate)
    ) as worker:
        await upload_artifact_async(
            worker, task_id=task_id, run_id=0, name="public/log.txt", source=b"x" * 20000
        )
        await worker.reportCompleted(task_id, 0)
    tc.state.put_artifact(task_id, 0, "public/seeded.json", b'{"a": 1}', "application/json")
    progress: list[tuple[int, int | None]] = []
    async with AsyncQueue(root_url=tc.root_url) as reader:
        data = await download_artifact_async(
            reader,
            task_id=task_id,
            name="public/log.txt",
            progress=lambda done, total: progress.append((done, total)),
        )
        assert data == b"x" * 20000
        assert progress[-1][0] == 20000
        assert (
            await download_artifact_async(reader, task_id=task_id, name="public/seeded.json")
            == b'{"a": 1}'
        )


def test_claim_work_waits_for_a_task_when_asked(tc: FakeTaskcluster, queue: Queue) -> None:
    tc.state.claim_wait = 5.0
    task_id = slugid()
    threading.Timer(0.3, lambda: queue.createTask(task_id, task_body(slugid()))).start()
    started = time.monotonic()
    (claimed,) = claim(queue)
    assert claimed.status.taskId == task_id
    assert time.monotonic() - started < 4
    tc.state.claim_wait = 0.0
    assert claim(queue) == []


def test_expired_claims_are_retried(tc: FakeTaskcluster, queue: Queue) -> None:
    task_id = slugid()
    queue.createTask(task_id, task_body(slugid()))
    claim(queue)
    tc.state.expire_claims()
    status = queue.status(task_id).status
    assert (status.state, status.runs[0].reasonResolved) == ("pending", "claim-expired")


def test_programmed_answers_win_over_the_state(tc: FakeTaskcluster, queue: Queue) -> None:
    answer = TaskStatusResponse.model_validate(recorded("queue.createTask.ok")["response"]["body"])
    tc.queue.createTask.returns(answer)
    assert queue.createTask(slugid(), task_body(slugid())).status.taskId == answer.status.taskId
    assert tc.state.task_ids() == []
    tc.queue.createTask.reset()  # back to the stateful queue
    task_id = slugid()
    queue.createTask(task_id, task_body(slugid()))
    assert tc.state.task_ids() == [task_id]


def test_the_v106_content_length_bug_is_reproduced(tc: FakeTaskcluster, queue: Queue) -> None:
    """v106 answers finishArtifact 500 when createArtifact had `contentLength` (recorded).

    On by default, as the real service behaves; it can be turned off.
    """
    assert tc.state.v106_content_length_bug
    task_id = slugid()
    queue.createTask(task_id, task_body(slugid()))
    (claimed,) = claim(queue)
    worker = as_worker(tc, claimed)
    expires = task_body("x")["expires"]
    for name, with_length in (("public/a", False), ("public/b", True)):
        request: dict[str, Any] = {
            "storageType": "object",
            "contentType": "text/plain",
            "expires": expires,
        }
        if with_length:
            request["contentLength"] = 2
        grant = worker.createArtifact(task_id, 0, name, request)
        assert grant.storageType == "object"
        objects = Object(
            root_url=tc.root_url,
            credentials=Credentials(
                grant.credentials.clientId,
                grant.credentials.accessToken,
                grant.credentials.certificate,
            ),
        )
        upload = {
            "projectId": grant.projectId,
            "uploadId": grant.uploadId,
            "expires": grant.expires,
            "proposedUploadMethods": {
                "dataInline": {"contentType": "text/plain", "objectData": "aGk="}
            },
        }
        objects.createUpload(grant.name, upload)
        objects.finishUpload(
            grant.name,
            {
                "projectId": grant.projectId,
                "uploadId": grant.uploadId,
                "hashes": {"sha256": hashlib.sha256(b"hi").hexdigest()},
            },
        )
    worker.finishArtifact(
        task_id,
        0,
        "public/a",
        {"uploadId": tc.state.artifacts(task_id)["public/a"].upload_id or ""},
    )
    with pytest.raises(ServerError, match="contentLength"):
        worker.finishArtifact(
            task_id,
            0,
            "public/b",
            {"uploadId": tc.state.artifacts(task_id)["public/b"].upload_id or ""},
        )
    tc.state.v106_content_length_bug = False
    worker.finishArtifact(
        task_id,
        0,
        "public/b",
        {"uploadId": tc.state.artifacts(task_id)["public/b"].upload_id or ""},
    )
    assert download_artifact(queue, task_id=task_id, name="public/b") == b"hi"


async def test_in_process_artifacts_need_nothing_beyond_the_queue_client() -> None:
    """Without a server, the helpers send through the queue's own `http_client`.

    Object service calls and storage transfers go through the client the queue
    was made with (the fake's in-process transport), which stays open.
    """
    fake = FakeTaskcluster(stateful=True)
    first, second = slugid(), slugid()
    data = b"y" * 30000  # large enough for a putUrl upload: the PUT goes to storage

    def worker_for(client: Any, claimed: ClaimWorkResponseTasks, cls: Any) -> Any:
        c = claimed.credentials
        credentials = Credentials(c.clientId, c.accessToken, c.certificate)
        return cls(root_url=fake.root_url, credentials=credentials, http_client=client)

    with fake.http_client() as client:
        queue = Queue(root_url=fake.root_url, http_client=client)
        queue.createTask(first, task_body(slugid()))
        queue.createTask(second, task_body(slugid()))
        one, two = claim(queue, count=2)
        worker = worker_for(client, one, Queue)
        task_id = one.status.taskId
        upload_artifact(worker, task_id=task_id, run_id=0, name="public/y", source=data)
        worker.reportCompleted(task_id, 0)
        assert download_artifact(queue, task_id=task_id, name="public/y") == data
        assert not client.is_closed
    async with fake.async_http_client() as async_client:
        async_worker = worker_for(async_client, two, AsyncQueue)
        other = two.status.taskId
        await upload_artifact_async(
            async_worker, task_id=other, run_id=0, name="public/y", source=data.upper()
        )
        reader = AsyncQueue(root_url=fake.root_url, http_client=async_client)
        assert await download_artifact_async(reader, task_id=task_id, name="public/y") == data
        assert await download_artifact_async(reader, task_id=other, name="public/y") == data.upper()
        assert not async_client.is_closed
    storage = [request for request in fake.requests if request.path.startswith("/_fake/storage/")]
    assert {request.method for request in storage} == {"PUT", "GET"}


async def test_in_process_clients_carry_artifacts_too() -> None:
    """An explicit `object_client_factory` and `http_client` still take precedence."""
    fake = FakeTaskcluster(stateful=True)
    task_id = slugid()
    with fake.http_client() as client:

        def objects(credentials: Any) -> Object:
            return Object(
                root_url=fake.root_url,
                credentials=Credentials(
                    credentials.client_id, credentials.access_token, credentials.certificate
                ),
                http_client=client,
            )

        queue = Queue(root_url=fake.root_url, http_client=client)
        queue.createTask(task_id, task_body(slugid()))
        (claimed,) = claim(queue)
        c = claimed.credentials
        worker = Queue(
            root_url=fake.root_url,
            credentials=Credentials(c.clientId, c.accessToken, c.certificate),
            http_client=client,
        )
        data = b"z" * 30000  # putUrl: the PUT goes through `http_client`
        upload_artifact(
            worker,
            task_id=task_id,
            run_id=0,
            name="public/z",
            source=data,
            http_client=client,
            object_client_factory=objects,
        )
        worker.reportCompleted(task_id, 0)
        assert (
            download_artifact(
                queue,
                task_id=task_id,
                name="public/z",
                http_client=client,
                object_client_factory=objects,
            )
            == data
        )
    async with fake.async_http_client() as async_client:

        def async_objects(credentials: Any) -> AsyncObject:
            return AsyncObject(
                root_url=fake.root_url,
                credentials=Credentials(
                    credentials.client_id, credentials.access_token, credentials.certificate
                ),
                http_client=async_client,
            )

        reader = AsyncQueue(root_url=fake.root_url, http_client=async_client)
        got = await download_artifact_async(
            reader,
            task_id=task_id,
            name="public/z",
            http_client=async_client,
            object_client_factory=async_objects,
        )
        assert got == data
    assert fake.state.status(task_id).state == "completed"
    assert any(request.path.startswith("/_fake/storage/") for request in fake.requests)


def test_queue_listings_counts_priorities_and_group_cancel(
    tc: FakeTaskcluster, queue: Queue
) -> None:
    group = slugid()
    first, second = slugid(), slugid()
    queue.createTask(first, task_body(group))
    queue.createTask(second, task_body(group))
    claim(queue)
    queue_path = f"queue/v1/task-queues/{QUEUE_ID.replace('/', '%2F')}"
    for name, path in (
        ("taskQueueCounts.ok", f"{queue_path}/counts"),
        ("listPendingTasks.ok", f"{queue_path}/pending"),
        ("listClaimedTasks.ok", f"{queue_path}/claimed"),
    ):
        assert shape(raw(tc, "GET", path)) == shape(
            recorded(f"queue.{name}")["response"]["body"]
        ), name
    assert queue.taskQueueCounts(QUEUE_ID).claimedTasks == 1
    changed = raw(tc, "POST", f"queue/v1/task/{second}/priority", {"newPriority": "high"})
    assert shape(changed) == shape(recorded("queue.changeTaskPriority.ok")["response"]["body"])
    assert changed["status"]["priority"] == "high"
    cancelled = raw(tc, "POST", f"queue/v1/task-group/{group}/cancel")
    assert shape(cancelled) == shape(recorded("queue.cancelTaskGroup.ok")["response"]["body"])
    assert (cancelled["cancelledCount"], sorted(cancelled["taskIds"])) == (
        2,
        sorted([first, second]),
    )
    assert {queue.status(t).status.runs[-1].reasonResolved for t in (first, second)} == {"canceled"}
