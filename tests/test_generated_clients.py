"""The generated clients, end to end on the runtime, against a loopback server.

The runtime's own tests use small hand-made clients; these use the real
generated `Queue`, `AsyncQueue`, legacy clients and events classes with
realistic Taskcluster bodies, so a template change that breaks the wiring
between generated code and runtime fails here.
"""

from __future__ import annotations

import json
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest

from taskcluster_sdk import (
    AsyncQueue,
    ConflictError,
    Credentials,
    PayloadValidationError,
    Queue,
    QueueEvents,
    http_response,
    legacy,
    slugid,
)
from taskcluster_sdk.models.queue import CreateTaskRequest, Task

TASK_ID = "fN1SbArXTPSVFNUvaOlinQ"
GROUP_ID = "dMh4Vu2eRvChHCr5JcSKzA"
GRAPH_ID = "cOmIKVRPRUOX4NmsAgvTMg"
CREDENTIALS = Credentials("tester", "no-secret")
MEMBERS = [slugid() for _ in range(5)]

TASK: dict[str, Any] = {
    "provisionerId": "proj-test",
    "workerType": "linux",
    "taskQueueId": "proj-test/linux",
    "schedulerId": "-",
    "projectId": "none",
    "taskGroupId": GROUP_ID,
    "dependencies": [],
    "requires": "all-completed",
    "routes": ["index.project.test"],
    "priority": "lowest",
    "retries": 5,
    "created": "2026-11-27T10:00:00.000Z",
    "deadline": "2026-11-28T10:00:00.000Z",
    "expires": "2027-11-27T10:00:00.000Z",
    "scopes": [],
    "payload": {"command": ["echo", "hi"], "maxRunTime": 600},
    "metadata": {
        "name": "a test task",
        "description": "checks the generated client",
        "owner": "tester@example.com",
        "source": "https://example.com/source",
    },
    "tags": {},
    "extra": {},
}


def _status(task_id: str, state: str = "pending") -> dict[str, Any]:
    return {
        "taskId": task_id,
        "provisionerId": "proj-test",
        "workerType": "linux",
        "taskQueueId": "proj-test/linux",
        "schedulerId": "-",
        "projectId": "none",
        "taskGroupId": GROUP_ID,
        "deadline": "2026-11-28T10:00:00.000Z",
        "expires": "2027-11-27T10:00:00.000Z",
        "retriesLeft": 5,
        "state": state,
        "runs": [],
    }


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    body: bytes
    authorization: str | None


@dataclass
class Deployment:
    """What the fake deployment answers, and what it was asked."""

    routes: dict[tuple[str, str], tuple[int, Any]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    group_size: int = 5


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:
        self._answer()

    def do_POST(self) -> None:
        self._answer()

    def do_PUT(self) -> None:
        self._answer()

    def _answer(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        deployment = self.server.deployment
        deployment.requests.append(
            Recorded(
                self.command, parts.path, parse_qs(parts.query), body, self.headers["Authorization"]
            )
        )
        if parts.path == f"/api/queue/v1/task-group/{GROUP_ID}/list":
            status, answer = 200, self._group_page(parse_qs(parts.query))
        else:
            status, answer = deployment.routes.get(
                (self.command, parts.path),
                (404, {"code": "ResourceNotFound", "message": "no such route", "requestInfo": {}}),
            )
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-for-request-id", "request-1")
        self.end_headers()
        self.wfile.write(data)

    def _group_page(self, query: dict[str, list[str]]) -> dict[str, Any]:
        size = self.server.deployment.group_size
        start = int(query.get("continuationToken", ["0"])[0])
        end = min(start + int(query.get("limit", ["2"])[0]), size)
        page: dict[str, Any] = {
            "taskGroupId": GROUP_ID,
            "schedulerId": "-",
            "expires": "2027-11-27T10:00:00.000Z",
            "tasks": [{"status": _status(MEMBERS[i]), "task": TASK} for i in range(start, end)],
        }
        if end < size:
            page["continuationToken"] = str(end)
        return page


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, deployment: Deployment) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.deployment = deployment


@pytest.fixture
def deployment() -> Iterator[tuple[Deployment, str]]:
    state = Deployment()
    server = _Server(state)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield state, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_task_parses_into_the_generated_model(deployment: tuple[Deployment, str]) -> None:
    state, root_url = deployment
    answer = {**TASK, "aFieldFromTheFuture": {"x": 1}, "priority": "ultra-urgent"}
    state.routes[("GET", f"/api/queue/v1/task/{TASK_ID}")] = (200, answer)
    with Queue(root_url=root_url, credentials=CREDENTIALS) as queue:
        task = queue.task(TASK_ID)
    assert isinstance(task, Task)
    assert task.metadata.name == "a test task"
    assert task.taskQueueId == "proj-test/linux"
    # Forward compatible: an unknown field and an unknown enum value are kept.
    assert task.model_extra == {"aFieldFromTheFuture": {"x": 1}}
    assert task.model_dump(mode="json")["priority"] == "ultra-urgent"
    assert http_response(task).headers["x-for-request-id"] == "request-1"
    request = state.requests[-1]
    assert request.path == f"/api/queue/v1/task/{TASK_ID}"
    assert request.authorization is not None and request.authorization.startswith("Hawk ")


def test_create_task_validates_and_sends_only_what_was_given(
    deployment: tuple[Deployment, str],
) -> None:
    state, root_url = deployment
    state.routes[("PUT", f"/api/queue/v1/task/{TASK_ID}")] = (200, {"status": _status(TASK_ID)})
    payload = {
        k: v for k, v in TASK.items() if k not in ("priority", "provisionerId", "workerType")
    }
    with Queue(root_url=root_url, credentials=CREDENTIALS) as queue:
        result = queue.createTask(TASK_ID, payload)
        assert result.status.taskId == TASK_ID
        sent = json.loads(state.requests[-1].body)
        assert "priority" not in sent  # the schema default is not sent unasked
        assert sent["metadata"]["owner"] == "tester@example.com"
        assert sent["created"] == "2026-11-27T10:00:00.000Z"

        queue.createTask(TASK_ID, CreateTaskRequest.model_validate(payload))
        assert json.loads(state.requests[-1].body) == sent

        count = len(state.requests)
        with pytest.raises(PayloadValidationError, match="retries"):
            queue.createTask(TASK_ID, {**payload, "retries": "many"})
        with pytest.raises(PayloadValidationError, match="notAField"):
            queue.createTask(TASK_ID, {**payload, "notAField": 1})
        assert len(state.requests) == count  # nothing was sent


def test_pagination_sync_iterates_items_across_pages(deployment: tuple[Deployment, str]) -> None:
    state, root_url = deployment
    with Queue(root_url=root_url, credentials=CREDENTIALS) as queue:
        items = list(queue.pages.listTaskGroup(GROUP_ID, limit=2))
        pages = list(queue.pages.listTaskGroup(GROUP_ID, limit=2).pages())
    assert [item.status.taskId for item in items] == MEMBERS
    assert [len(page.tasks) for page in pages] == [2, 2, 1]
    tokens = [r.query.get("continuationToken") for r in state.requests[:3]]
    assert tokens == [None, ["2"], ["4"]]


async def test_async_client_and_async_pagination(deployment: tuple[Deployment, str]) -> None:
    state, root_url = deployment
    state.routes[("POST", "/api/queue/v1/claim-work/proj-test%2Flinux")] = (200, {"tasks": []})
    async with AsyncQueue(root_url=root_url, credentials=CREDENTIALS) as queue:
        work = await queue.claimWork(
            "proj-test/linux", {"tasks": 1, "workerGroup": "g", "workerId": "w"}
        )
        assert work.tasks == []
        ids = [item.status.taskId async for item in queue.pages.listTaskGroup(GROUP_ID)]
    assert ids == MEMBERS
    assert json.loads(state.requests[0].body) == {"tasks": 1, "workerGroup": "g", "workerId": "w"}


def test_deprecated_methods_warn_at_runtime(deployment: tuple[Deployment, str]) -> None:
    state, root_url = deployment
    state.routes[("POST", f"/api/queue/v1/task/{TASK_ID}/runs/0/claim")] = (
        409,
        {"code": "RequestConflict", "message": "already claimed", "requestInfo": {}},
    )
    with (
        Queue(root_url=root_url, credentials=CREDENTIALS) as queue,
        warnings.catch_warnings(record=True) as caught,
        pytest.raises(ConflictError),
    ):
        warnings.simplefilter("always")
        queue.claimTask(TASK_ID, 0, {"workerGroup": "g", "workerId": "w"})
    assert any(issubclass(w.category, DeprecationWarning) for w in caught)
    assert "claimTask" in str(caught[0].message)


def test_urls_and_signed_urls(deployment: tuple[Deployment, str]) -> None:
    _, root_url = deployment
    queue = Queue(root_url=root_url, credentials=CREDENTIALS)
    name = "public/build/a b!'()*~é.zip"
    url = queue.urls.getArtifact(TASK_ID, 0, name)
    assert url == (
        f"{root_url}/api/queue/v1/task/{TASK_ID}/runs/0/artifacts/"
        "public%2Fbuild%2Fa%20b%21%27%28%29%2A~%C3%A9.zip"
    )
    assert queue.urls.listTaskGroup(GROUP_ID, limit=5).endswith("/list?limit=5")
    signed = queue.signed_urls.getArtifact(TASK_ID, 0, name, expires_in=60)
    assert signed.startswith(url + "?bewit=")
    queue.close()


def test_legacy_clients_and_bindings(deployment: tuple[Deployment, str]) -> None:
    state, root_url = deployment
    status = {
        "status": {
            "taskGraphId": GRAPH_ID,
            "schedulerId": "sched",
            "state": "running",
        }
    }
    state.routes[("GET", f"/v1/task-graph/{GRAPH_ID}/status")] = (200, status)
    with legacy.Scheduler(base_url=f"{root_url}/v1", credentials=CREDENTIALS) as scheduler:
        answer = scheduler.status(GRAPH_ID)
    assert answer.status.state == "running"
    assert state.requests[-1].path == f"/v1/task-graph/{GRAPH_ID}/status"
    assert (
        legacy.Queue().urls.getTask(TASK_ID) == f"https://queue.taskcluster.net/v1/task/{TASK_ID}"
    )

    binding = legacy.QueueEvents().taskCompleted(taskId=TASK_ID)
    assert binding.exchange == "queue/v1/task-completed"
    current = QueueEvents().taskCompleted(taskId=TASK_ID, runId=0)
    assert current.exchange == "exchange/taskcluster-queue/v1/task-completed"
    assert current.routing_key_pattern == f"primary.{TASK_ID}.0.*.*.*.*.*.*.#"
