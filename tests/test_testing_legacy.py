"""taskcluster_sdk.testing for the 2014 platform: `tc.legacy.<svc>` answering `taskcluster_sdk.legacy` clients.

The real 2014 clients (sync and async, on loopback and in process) reach the
fake through `base_url=tc.legacy_base_url(name)`; the routes never mix with
the current platform's; `check_auth=True` checks the 2014 scope alternatives;
Pulse messages of the 2014 exchanges reach the SDK's own listener.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from taskcluster_sdk import Credentials, PulseListener, Queue, legacy, slugid
from taskcluster_sdk.errors import (
    AuthenticationError,
    ConflictError,
    InsufficientScopesError,
    NotFoundError,
    ServerError,
    TaskclusterError,
)
from taskcluster_sdk.legacy.models.auth import ClientScopesResponse
from taskcluster_sdk.legacy.models.queue import (
    CreateTaskRequest,
    Task,
    TaskClaimResponse,
    TaskCompletedMessage,
    TaskStatusResponse,
)
from taskcluster_sdk.legacy.models.scheduler import TaskGraphBlockedMessage
from taskcluster_sdk.models.queue import TaskStatusResponse as CurrentTaskStatusResponse
from taskcluster_sdk.testing import (
    FakeAPIError,
    FakeTaskcluster,
    UnansweredCallError,
    UnknownServiceError,
)
from taskcluster_sdk.testing.legacy.queue import CreateTaskCall
from tests._prerequisites import AMQP_URL
from tests.pulse_helpers import legacy_task_completed_body

TASK_ID = "fN1SbArXTPSVFNUvaOlinQ"
GROUP_ID = "dSlITZ4yQgmvxxAi4A8fHQ"

STATUS: dict[str, Any] = legacy_task_completed_body(TASK_ID, GROUP_ID)["status"]

TASK: dict[str, Any] = {
    "provisionerId": "proj-test",
    "workerType": "ci",
    "schedulerId": "tests",
    "taskGroupId": GROUP_ID,
    "created": "2026-11-27T12:00:00.000Z",
    "deadline": "2026-11-28T12:00:00.000Z",
    "payload": {},
    "metadata": {
        "name": "n",
        "description": "d",
        "owner": "me@example.com",
        "source": "https://example.com/s",
    },
}


def status_response(state: str = "pending") -> TaskStatusResponse:
    return TaskStatusResponse.model_validate({"status": {**STATUS, "state": state}})


@pytest.fixture
def tc() -> Iterator[FakeTaskcluster]:
    with FakeTaskcluster() as fake:
        yield fake


def test_returns_to_the_sync_client_on_loopback_and_in_process() -> None:
    with FakeTaskcluster() as tc:
        tc.legacy.queue.status.returns(status_response("running"))
        queue = legacy.Queue(base_url=tc.legacy_base_url("queue"))
        assert queue.status("a").status.state == "running"
        assert tc.legacy_base_url("queue") == f"{tc.root_url}/legacy-2014/queue/v1"
    # Not started: no server, the in-process transport answers.
    fake = FakeTaskcluster()
    fake.legacy.queue.getTask.returns(Task.model_validate(TASK))
    with fake.http_client() as client:
        queue = legacy.Queue(base_url=fake.legacy_base_url("queue"), http_client=client)
        assert queue.getTask("b").provisionerId == "proj-test"
    assert [call.taskId for call in tc.legacy.queue.status.calls] == ["a"]
    assert fake.legacy.queue.getTask.last_call.taskId == "b"
    assert fake.requests[0].path == "/legacy-2014/queue/v1/task/b"


async def test_async_clients_on_loopback_and_in_process(tc: FakeTaskcluster) -> None:
    tc.legacy.scheduler.createTaskGraph.handle(
        lambda call: {
            "status": {"taskGraphId": call.taskGraphId, "schedulerId": "s", "state": "running"}
        }
    )
    graph = {"tasks": [], "scopes": [], "routes": [], "metadata": TASK["metadata"]}
    async with legacy.AsyncScheduler(base_url=tc.legacy_base_url("scheduler")) as scheduler:
        answer = await scheduler.createTaskGraph("g1", graph)
    assert (answer.status.taskGraphId, answer.status.state) == ("g1", "running")
    async with tc.async_http_client() as client:
        scheduler = legacy.AsyncScheduler(
            base_url=tc.legacy_base_url("scheduler"), http_client=client
        )
        assert (await scheduler.createTaskGraph("g2", graph)).status.taskGraphId == "g2"
    calls = tc.legacy.scheduler.createTaskGraph.calls
    assert [call.taskGraphId for call in calls] == ["g1", "g2"]
    assert calls[0].payload.metadata.owner == "me@example.com"


def test_handle_gets_the_typed_record_with_the_legacy_payload(tc: FakeTaskcluster) -> None:
    @tc.legacy.queue.createTask.handle
    def create(call: CreateTaskCall) -> TaskStatusResponse:
        assert isinstance(call.payload, CreateTaskRequest)
        if call.payload.workerType != "ci":
            raise FakeAPIError(ConflictError, message="taskId already used")
        status = status_response()
        status.status.taskId = call.taskId
        return status

    queue = legacy.Queue(base_url=tc.legacy_base_url("queue"))
    assert queue.createTask("t1", TASK).status.taskId == "t1"
    with pytest.raises(ConflictError) as caught:
        queue.createTask("t2", {**TASK, "workerType": "other"})
    assert caught.value.code == "RequestConflict"
    assert "taskId already used" in caught.value.message
    first = tc.legacy.queue.createTask.calls[0]
    assert (first.payload.provisionerId, first.client_id) == ("proj-test", None)


def test_raises_gives_the_real_exception_classes_and_error_body(tc: FakeTaskcluster) -> None:
    queue = legacy.Queue(base_url=tc.legacy_base_url("queue"))
    tc.legacy.queue.status.raises(NotFoundError)
    with pytest.raises(NotFoundError) as caught:
        queue.status("missing")
    assert caught.value.status_code == 404 and caught.value.code == "ResourceNotFound"
    tc.legacy.queue.claimWork.raises(409, "RequestConflict", "already claimed")
    with pytest.raises(ConflictError):
        queue.claimWork("p", "w", {"workerGroup": "g", "workerId": "i"})
    with tc.http_client() as client:
        answer = client.get(f"{tc.legacy_base_url('queue')}/task/missing/status")
    body = answer.json()
    assert (answer.status_code, body["code"]) == (404, "ResourceNotFound")
    assert body["requestInfo"]["method"] == "status"
    assert body["requestInfo"]["params"] == {"taskId": "missing"}
    assert "x-for-request-id" in answer.headers


def test_an_unprogrammed_method_answers_501_naming_it(tc: FakeTaskcluster) -> None:
    queue = legacy.Queue(base_url=tc.legacy_base_url("queue"), max_retries=3)
    with pytest.raises(ServerError) as caught:
        queue.reclaimTask("t", 0)
    assert caught.value.status_code == 501 and caught.value.code == "NotImplemented"
    assert "tc.legacy.queue.reclaimTask.returns(...)" in caught.value.message
    assert len(tc.requests) == 1  # a 501 is not retried
    assert tc.unanswered == ["legacy.queue.reclaimTask"]
    with pytest.raises(UnansweredCallError, match=r"legacy\.queue\.reclaimTask"):
        tc.check()
    # Recorded before it answered: a test can still read what was sent.
    assert tc.legacy.queue.reclaimTask.last_call.runId == 0


def test_the_stateful_queue_does_not_answer_for_the_2014_queue() -> None:
    with FakeTaskcluster(stateful=True) as tc:
        queue = legacy.Queue(base_url=tc.legacy_base_url("queue"))
        with pytest.raises(ServerError) as caught:
            queue.createTask("t", TASK)
        assert caught.value.status_code == 501
        assert tc.state.task_ids() == []


def test_routes_of_the_two_platforms_never_mix(tc: FakeTaskcluster) -> None:
    tc.legacy.queue.status.returns(status_response("running"))
    tc.queue.status.returns(
        CurrentTaskStatusResponse.model_validate(
            {
                "status": {
                    **{k: v for k, v in STATUS.items() if k not in ("provisionerId", "priority")},
                    "taskQueueId": "proj-test/ci",
                    "projectId": "none",
                    "expires": "2027-11-27T12:00:00.000Z",
                    "state": "completed",
                }
            }
        )
    )
    assert legacy.Queue(base_url=tc.legacy_base_url("queue")).status("a").status.state == (
        "running"
    )
    assert Queue(root_url=tc.root_url).status("b").status.state == "completed"
    assert [c.taskId for c in tc.legacy.queue.status.calls] == ["a"]
    assert [c.taskId for c in tc.queue.status.calls] == ["b"]
    with tc.http_client() as client:
        for path in (
            "/legacy-2014/queue/v2/task/a/status",  # another version is another service
            "/legacy-2014/secrets/v1/secrets",  # no 2014 secrets service
            "/api/scheduler/v1/task-graph/g/status",  # no current scheduler
            "/legacy-2014/queue/v1/task-group/g/list",  # a current-only route
        ):
            answer = client.get(path)
            assert (answer.status_code, answer.json()["code"]) == (404, "ResourceNotFound"), path


def test_unknown_legacy_service_names_are_refused(tc: FakeTaskcluster) -> None:
    with pytest.raises(UnknownServiceError, match=r"'secrets'.*auth, queue, scheduler"):
        tc.legacy_base_url("secrets")
    with pytest.raises(TaskclusterError):
        tc.legacy.service("index")
    assert tc.legacy.service("auth") is tc.legacy.auth
    with pytest.raises(KeyError):  # as before: tc.service() raised KeyError
        tc.service("scheduler")


def test_payloads_are_checked_against_the_2014_schemas(tc: FakeTaskcluster) -> None:
    tc.legacy.queue.createTask.returns(status_response())
    with tc.http_client() as client:
        answer = client.put(
            f"{tc.legacy_base_url('queue')}/task/t", json={**TASK, "provisionerId": None}
        )
    assert (answer.status_code, answer.json()["code"]) == (400, "InputValidationError")
    assert "/schemas/queue/v1/create-task-request.json#" in answer.json()["message"]
    assert tc.legacy.queue.createTask.calls == []


def test_reset_forgets_legacy_programming_and_calls(tc: FakeTaskcluster) -> None:
    tc.legacy.queue.status.returns(status_response())
    queue = legacy.Queue(base_url=tc.legacy_base_url("queue"))
    queue.status("a")
    tc.reset()
    assert tc.legacy.queue.status.calls == []
    with pytest.raises(ServerError):
        queue.status("a")


def test_the_pytest_fixture_serves_the_2014_services(fake_taskcluster: FakeTaskcluster) -> None:
    fake_taskcluster.legacy.queue.ping.returns(None)
    legacy.Queue(base_url=fake_taskcluster.legacy_base_url("queue")).ping()
    assert len(fake_taskcluster.legacy.queue.ping.calls) == 1


# -- check_auth -------------------------------------------------------------


def _scopes_answer(call: Any) -> ClientScopesResponse:
    return ClientScopesResponse.model_validate(
        {"clientId": call.clientId, "scopes": [], "expires": "2030-01-01T00:00:00.000Z"}
    )


def test_check_auth_any_of_the_alternatives() -> None:
    """`inspect` needs `[["auth:inspect"], ["auth:credentials"]]`: either one."""
    with FakeTaskcluster(check_auth=True) as tc:
        tc.legacy.auth.inspect.handle(_scopes_answer)
        url = tc.legacy_base_url("auth")
        for client_id, scopes in (("i", ["auth:inspect"]), ("c", ["auth:credentials"])):
            creds = tc.add_client(client_id, scopes)
            assert legacy.Auth(base_url=url, credentials=creds).inspect("x").clientId == "x"
        assert [c.client_id for c in tc.legacy.auth.inspect.calls] == ["i", "c"]
        nobody = tc.add_client("nobody", ["auth:get-credentials"])
        with pytest.raises(InsufficientScopesError) as caught:
            legacy.Auth(base_url=url, credentials=nobody).inspect("x")
        assert "AnyOf" in caught.value.message and "auth:credentials" in caught.value.message
        with pytest.raises(InsufficientScopesError):
            legacy.Auth(base_url=url).inspect("x")  # anonymous


async def test_check_auth_all_scopes_of_an_alternative_with_parameters() -> None:
    """`claimWork` needs all three scopes, filled from the path and the payload."""
    needed = ["queue:claim-task", "assume:worker-type:p/w", "assume:worker-id:g/i"]
    with FakeTaskcluster(check_auth=True) as tc:
        tc.legacy.queue.claimWork.returns(TaskClaimResponse.model_construct())
        url = tc.legacy_base_url("queue")
        payload = {"workerGroup": "g", "workerId": "i"}
        short = tc.add_client("short", needed[:2])
        async with legacy.AsyncQueue(base_url=url, credentials=short) as queue:
            with pytest.raises(InsufficientScopesError):
                await queue.claimWork("p", "w", payload)
        worker = tc.add_client("worker", needed)
        async with legacy.AsyncQueue(base_url=url, credentials=worker) as queue:
            await queue.claimWork("p", "w", payload)
            with pytest.raises(InsufficientScopesError):
                await queue.claimWork("p", "other", payload)
        assert [c.client_id for c in tc.legacy.queue.claimWork.calls] == ["worker"]


def test_check_auth_verifies_hawk_and_only_authenticates_unknowable_scopes() -> None:
    with FakeTaskcluster(check_auth=True) as tc:
        tc.legacy.queue.reclaimTask.returns(TaskClaimResponse.model_construct())
        url = tc.legacy_base_url("queue")
        creds = tc.add_client("worker", [])
        # `assume:worker-id:<workerGroup>/<workerId>` names the run's worker,
        # which only the queue's own data knows: authenticated only.
        legacy.Queue(base_url=url, credentials=creds).reclaimTask("t", 0)
        assert tc.legacy.queue.reclaimTask.last_call.client_id == "worker"
        forged = Credentials("worker", "not-the-token")
        with pytest.raises(AuthenticationError):
            legacy.Queue(base_url=url, credentials=forged).reclaimTask("t", 0)
        assert len(tc.legacy.queue.reclaimTask.calls) == 1


# -- Pulse ------------------------------------------------------------------


async def _first(listener: PulseListener) -> Any:
    async def take() -> Any:
        async for message in listener:
            return message
        raise AssertionError("the listener stopped")

    return await asyncio.wait_for(take(), 20)


@pytest.mark.rabbitmq
async def test_a_legacy_handler_publishes_a_2014_queue_event_to_a_listener() -> None:
    """The code under test reports with a 2014 client and waits for the 2014 event."""
    events = legacy.QueueEvents(exchange_prefix=f"exchange/fake-{uuid.uuid4().hex[:10]}/queue/v1/")
    group, task_id = slugid(), slugid()
    binding = events.taskCompleted(taskGroupId=group)
    with FakeTaskcluster(pulse_url=AMQP_URL) as tc:

        def completed(call: Any) -> TaskStatusResponse:
            message = TaskCompletedMessage.model_validate(
                legacy_task_completed_body(call.taskId, group, call.runId)
            )
            tc.pulse.publish(binding, message, cc=["route.index.legacy"])
            return TaskStatusResponse(status=message.status)

        tc.legacy.queue.reportCompleted.handle(completed)
        tc.pulse.declare(binding)
        listener = PulseListener(AMQP_URL).bound(binding)
        await listener.start()
        try:
            async with legacy.AsyncQueue(base_url=tc.legacy_base_url("queue")) as queue:
                await queue.reportCompleted(task_id, 0, {"success": True})
            message = await _first(listener)
        finally:
            await listener.close()
    typed = message.of(binding)
    assert typed is not None
    assert typed.payload.status.taskId == task_id and typed.payload.success is True
    assert (typed.routing.taskId, typed.routing.runId) == (task_id, "0")
    assert (typed.routing.provisionerId, typed.routing.workerType) == ("proj-test", "ci")
    assert typed.routing.taskGroupId == group
    assert typed.routes == ("index.legacy",)


@pytest.mark.rabbitmq
async def test_2014_scheduler_events_name_only_the_task_graph() -> None:
    events = legacy.SchedulerEvents(
        exchange_prefix=f"exchange/fake-{uuid.uuid4().hex[:10]}/scheduler/v1/"
    )
    graph = slugid()
    binding = events.taskGraphBlocked(taskGraphId=graph)
    message = TaskGraphBlockedMessage.model_validate(
        {
            "version": 1,
            "status": {"taskGraphId": graph, "schedulerId": "sched", "state": "blocked"},
            "taskId": TASK_ID,  # the blocking task, not a routing-key word
        }
    )
    with FakeTaskcluster(pulse_url=AMQP_URL) as tc:
        tc.pulse.declare(binding)
        listener = PulseListener(AMQP_URL).bound(binding)
        await listener.start()
        try:
            key = await tc.pulse.publisher(binding).publish_async(message)
            received = await _first(listener)
        finally:
            await listener.close()
    assert key == f"primary._._._._._._.sched.{graph}._"
    typed = received.of(binding)
    assert typed is not None and typed.payload.taskId == TASK_ID
    assert (typed.routing.taskId, typed.routing.taskGraphId) == ("_", graph)
