"""The programs in examples/ run against the fake deployment, so they cannot rot.

Each test drives an example's `main()` (its command line) against
`taskcluster_sdk.testing` with Hawk checking on where credentials matter, and
asserts on what happened in the deployment: tasks resolved, artifacts stored
and downloaded, a group's resolution seen over the real local RabbitMQ.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys
import uuid
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest

from examples import admin, decision_task, download_artifacts, wait_for_group, worker
from taskcluster_sdk import AsyncQueue, Queue, QueueEvents, from_now, slugid
from taskcluster_sdk.models.auth import GetClientResponse, GetRoleResponse, ListClientsResponse
from taskcluster_sdk.models.auth.list_roles2_response import ListRoles2Response
from taskcluster_sdk.models.queue import CreateTaskRequestDict
from taskcluster_sdk.testing import FakeAPIError, FakeTaskcluster
from tests._prerequisites import AMQP_URL

TASK_QUEUE = "proj-examples/ci"
WORKER_ARGS = [TASK_QUEUE, "--worker-group", "examples", "--worker-id", "w1"]


def _use_client(tc: FakeTaskcluster, monkeypatch: pytest.MonkeyPatch, scopes: list[str]) -> None:
    """Give the examples' `from_env()` clients credentials the fake checks."""
    name = f"examples/{uuid.uuid4().hex[:8]}"
    credentials = tc.add_client(name, scopes)
    monkeypatch.setenv("TASKCLUSTER_CLIENT_ID", credentials.client_id)
    monkeypatch.setenv("TASKCLUSTER_ACCESS_TOKEN", credentials.access_token)


DECIDER_SCOPES = [
    f"queue:create-task:high:{TASK_QUEUE}",
    f"queue:create-task:lowest:{TASK_QUEUE}",
    "queue:create-task:project:none",
    "queue:scheduler-id:-",
]
WORKER_SCOPES = [f"queue:claim-work:{TASK_QUEUE}", "queue:worker-id:examples/*"]
PYTHON = ["--python", sys.executable]


def _command_task(group: str, code: str) -> CreateTaskRequestDict:
    return {
        "taskQueueId": TASK_QUEUE,
        "taskGroupId": group,
        "created": from_now(),
        "deadline": from_now("1 hour"),
        "payload": {"command": [[sys.executable, "-c", code]], "maxRunTime": 120},
        "metadata": {
            "name": "t",
            "description": "d",
            "owner": "examples@example.com",
            "source": "https://example.com/tests",
        },
    }


@pytest.mark.taskcluster_fake(stateful=True, check_auth=True)
def test_decision_task_creates_the_graph(
    fake_taskcluster: FakeTaskcluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    tc = fake_taskcluster
    _use_client(tc, monkeypatch, DECIDER_SCOPES)
    group = slugid()
    monkeypatch.setenv("TASK_ID", group)  # as inside a real decision task
    graph = decision_task.main([TASK_QUEUE, "--priority", "high", *PYTHON])
    assert graph.task_group_id == group
    ids = graph.task_ids
    state = tc.state
    assert set(ids.values()) <= set(state.task_ids())
    assert state.status(ids["toolchain"]).state == "pending"
    assert {state.status(ids[name]).state for name in ids if name != "toolchain"} == {"unscheduled"}
    build, summary = state.definition(ids["build"]), state.definition(ids["summary"])
    assert build.dependencies == [ids["toolchain"]] and build.priority == "high"
    assert build.taskGroupId == group
    assert summary.requires == "all-resolved"
    assert summary.dependencies == [ids["test-a"], ids["test-b"]]
    assert build.payload["command"][0][0] == sys.executable
    assert build.deadline - build.created > (from_now("2 hours") - datetime.now(timezone.utc))


@pytest.mark.taskcluster_fake(stateful=True, check_auth=True)
async def test_worker_runs_the_graph_with_task_credentials(
    fake_taskcluster: FakeTaskcluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    tc = fake_taskcluster
    _use_client(tc, monkeypatch, DECIDER_SCOPES)
    graph = decision_task.main([TASK_QUEUE, "--fail-test", *PYTHON])
    _use_client(tc, monkeypatch, WORKER_SCOPES)
    assert await worker.main([*WORKER_ARGS, "--max-tasks", "5"]) == 0

    ids, state = graph.task_ids, tc.state
    states = {name: state.status(task_id).state for name, task_id in ids.items()}
    assert states == {
        "toolchain": "completed",
        "build": "completed",
        "test-a": "completed",
        "test-b": "failed",
        "summary": "completed",  # all-resolved: it runs after a failure too
    }
    log = state.artifact_data(ids["build"], worker.LOG_NAME)
    assert b"building... done" in log
    assert b"test-b failed" in state.artifact_data(ids["test-b"], worker.LOG_NAME)
    # Artifacts and reports went out under each task's claim credentials, not the worker's.
    for call in tc.queue.reportCompleted.calls:
        assert call.client_id is not None and call.client_id.startswith(
            f"task-client/{call.taskId}/"
        )


@pytest.mark.taskcluster_fake(stateful=True, check_auth=True)
async def test_worker_reclaims_before_taken_until_and_switches_credentials(
    fake_taskcluster: FakeTaskcluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    tc = fake_taskcluster
    tc.state.claim_timeout = 2.0  # claims last 2 s: the worker must reclaim to finish
    task_id = slugid()
    Queue(root_url=tc.root_url, credentials=tc.state.issuer).createTask(
        task_id, _command_task(slugid(), "import time; time.sleep(3); print('slow done')")
    )
    _use_client(tc, monkeypatch, WORKER_SCOPES)
    assert await worker.main([*WORKER_ARGS, "--max-tasks", "1"]) == 0

    assert tc.state.status(task_id).state == "completed"
    reclaims = tc.queue.reclaimTask.calls
    assert len(reclaims) >= 2
    # Each reclaim is made with the credentials the previous claim or reclaim handed out,
    # and the report with the last ones.
    client_ids = [call.client_id for call in reclaims]
    assert len(set(client_ids)) == len(client_ids)
    assert tc.queue.reportCompleted.last_call.client_id not in client_ids
    assert b"slow done" in tc.state.artifact_data(task_id, worker.LOG_NAME)


@pytest.mark.taskcluster_fake(stateful=True, check_auth=True)
async def test_worker_stops_a_run_that_was_cancelled(
    fake_taskcluster: FakeTaskcluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    tc = fake_taskcluster
    tc.state.claim_timeout = 1.0
    task_id = slugid()
    admin_queue = Queue(root_url=tc.root_url, credentials=tc.state.issuer)
    admin_queue.createTask(task_id, _command_task(slugid(), "import time; time.sleep(60)"))
    _use_client(tc, monkeypatch, WORKER_SCOPES)
    run = asyncio.create_task(worker.main([*WORKER_ARGS, "--max-tasks", "1"]))
    while tc.state.status(task_id).state != "running":
        await asyncio.sleep(0.05)
    await asyncio.to_thread(admin_queue.cancelTask, task_id)
    await asyncio.wait_for(run, 30)  # the 60 s command was killed

    status = tc.state.status(task_id)
    assert status.state == "exception" and status.runs[0].reasonResolved == "canceled"
    assert tc.queue.reclaimTask.calls  # the 409 that told the worker
    assert not tc.state.artifacts(task_id)


@pytest.mark.taskcluster_fake(stateful=True, check_auth=True)
async def test_worker_shutdown_hands_running_tasks_back(
    fake_taskcluster: FakeTaskcluster, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    tc = fake_taskcluster
    task_id = slugid()
    pid_file = tmp_path / "pid"
    code = f"import os, time; open({str(pid_file)!r}, 'w').write(str(os.getpid())); time.sleep(60)"
    Queue(root_url=tc.root_url, credentials=tc.state.issuer).createTask(
        task_id, _command_task(slugid(), code)
    )
    _use_client(tc, monkeypatch, WORKER_SCOPES)
    stop = asyncio.Event()
    run = asyncio.create_task(worker.main([*WORKER_ARGS, "--grace", "0.5"], stop=stop))
    while not (pid_file.exists() and pid_file.read_text()):  # the command is running
        await asyncio.sleep(0.05)
    stop.set()  # what SIGTERM does
    assert await asyncio.wait_for(run, 30) == 0

    status = tc.state.status(task_id)
    assert [(r.state, r.reasonResolved) for r in status.runs] == [
        ("exception", "worker-shutdown"),
        ("pending", None),  # the queue retries it on another worker
    ]
    assert status.state == "pending"
    with pytest.raises(ProcessLookupError):  # killed and reaped, not left running
        os.kill(int(pid_file.read_text()), 0)


@pytest.mark.taskcluster_fake(stateful=True, check_auth=True)
async def test_worker_reports_a_malformed_payload_as_exception(
    fake_taskcluster: FakeTaskcluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    tc = fake_taskcluster
    task_id = slugid()
    body = _command_task(slugid(), "")
    body["payload"] = {"image": "ubuntu"}  # not a generic-worker payload
    Queue(root_url=tc.root_url, credentials=tc.state.issuer).createTask(task_id, body)
    _use_client(tc, monkeypatch, WORKER_SCOPES)
    assert await worker.main([*WORKER_ARGS, "--max-tasks", "1"]) == 0
    run = tc.state.status(task_id).runs[0]
    assert (run.state, run.reasonResolved) == ("exception", "malformed-payload")


@pytest.mark.rabbitmq
async def test_wait_for_group_sees_the_resolution_over_pulse(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    prefix = f"exchange/examples-{uuid.uuid4().hex[:10]}/queue/v1/"
    fake = FakeTaskcluster(stateful=True, pulse_url=AMQP_URL, queue_exchange_prefix=prefix)
    with fake as tc, tc.patched_environ():
        graph = decision_task.main([TASK_QUEUE, "--fail-test", *PYTHON])
        group = graph.task_group_id
        waiting = asyncio.create_task(
            wait_for_group.main(
                [group, "--pulse-url", AMQP_URL, "--exchange-prefix", prefix, "--timeout", "60"]
            )
        )
        # The waiter asks the queue only once it is bound: from then on nothing is missed.
        while not tc.queue.listTaskGroup.calls and not waiting.done():
            await asyncio.sleep(0.05)
        assert not waiting.done()
        assert await worker.main([*WORKER_ARGS, "--max-tasks", "5"]) == 0
        assert await asyncio.wait_for(waiting, 60) == 1  # a task failed
    out = capsys.readouterr().out
    assert f"failed: {graph.task_ids['test-b']}" in out
    assert f"task group {group} resolved (seen over Pulse)" in out


@pytest.mark.rabbitmq
async def test_wait_for_group_returns_at_once_for_a_finished_group() -> None:
    prefix = f"exchange/examples-{uuid.uuid4().hex[:10]}/queue/v1/"
    fake = FakeTaskcluster(stateful=True, pulse_url=AMQP_URL, queue_exchange_prefix=prefix)
    with fake as tc, tc.patched_environ():
        graph = decision_task.main([TASK_QUEUE, *PYTHON])
        await worker.main([*WORKER_ARGS, "--max-tasks", "5"])
        async with AsyncQueue.from_env() as queue:
            outcome = await asyncio.wait_for(
                wait_for_group.wait_for_group(
                    AMQP_URL, queue, graph.task_group_id, events=QueueEvents(prefix)
                ),
                30,
            )
    assert not outcome.seen_over_pulse and not outcome.failed and not outcome.exceptions


@pytest.mark.taskcluster_fake(stateful=True)
def test_download_artifacts_with_a_progress_bar(
    fake_taskcluster: FakeTaskcluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tc = fake_taskcluster
    task_id = slugid()
    Queue.from_env().createTask(task_id, _command_task(slugid(), ""))
    big = os.urandom(3 * 2**20 + 5)
    tc.state.put_artifact(task_id, 0, "public/build/big.bin", big)
    tc.state.put_artifact(task_id, 0, "public/logs/live.log", b"log\n", content_type="text/plain")
    tc.state.put_artifact(task_id, 0, "private/secret.txt", b"s")

    assert download_artifacts.main([task_id, "--dest", str(tmp_path), "--prefix", "public/"]) == 0
    assert (tmp_path / "public/build/big.bin").read_bytes() == big
    assert (tmp_path / "public/logs/live.log").read_bytes() == b"log\n"
    assert not (tmp_path / "private").exists()
    captured = capsys.readouterr()
    assert f"{tmp_path / 'public/build/big.bin'}" in captured.out
    bar_lines = [
        line for line in captured.err.split("\r") if line.startswith("public/build/big.bin")
    ]
    assert len(bar_lines) > 1  # the bar moved as chunks came in
    assert bar_lines[-1].rstrip().endswith("3.0 MiB") and "100%" in bar_lines[-1]


@pytest.mark.taskcluster_fake(stateful=True)
def test_download_artifacts_reports_a_failed_download(
    fake_taskcluster: FakeTaskcluster, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    tc = fake_taskcluster
    task_id = slugid()
    Queue.from_env().createTask(task_id, _command_task(slugid(), ""))
    tc.state.put_artifact(task_id, 0, "public/a.bin", b"abc")
    tc.object.startDownload.raises(403, "InsufficientScopes", "missing object:download:x")
    assert download_artifacts.main([task_id, "--dest", str(tmp_path)]) == 1
    assert "download failed" in capsys.readouterr().err
    assert not (tmp_path / "public/a.bin").exists()


def _role(role_id: str, scopes: list[str]) -> GetRoleResponse:
    now = datetime.now(timezone.utc)
    return GetRoleResponse(
        roleId=role_id,
        scopes=scopes,
        expandedScopes=sorted({*scopes, "assume:" + role_id}),
        description="d",
        created=now,
        lastModified=now,
    )


def test_admin_lists_every_page_and_handles_errors(fake_taskcluster: FakeTaskcluster) -> None:
    import io

    tc = fake_taskcluster
    roles = [_role(f"project:p{i}:ci", [f"s{i}"]) for i in range(5)] + [_role("other", [])]

    @tc.auth.listRoles2.handle
    def _(call: Any) -> ListRoles2Response:
        start = int(call.continuationToken or 0)
        end = start + (call.limit or 1000)
        return ListRoles2Response(
            roles=roles[start:end], continuationToken=str(end) if end < len(roles) else None
        )

    now = datetime.now(timezone.utc)
    client = GetClientResponse(
        clientId="project:p1/bot",
        description="d",
        disabled=False,
        expires=from_now("1 year"),
        created=now,
        lastModified=now,
        lastDateUsed=now,
        lastRotated=now,
        deleteOnExpiration=False,
        scopes=[],
        expandedScopes=[],
    )
    tc.auth.listClients.returns(ListClientsResponse(clients=[client]))

    @tc.auth.role.handle
    def _(call: Any) -> GetRoleResponse:
        for role in roles:
            if role.roleId == call.roleId:
                return role
        raise FakeAPIError(404)

    out = io.StringIO()
    assert (
        admin.main(
            ["--prefix", "project:", "--page-size", "2", "--show-role", "project:p3:ci"], out
        )
        == 0
    )
    text = out.getvalue()
    assert [call.continuationToken for call in tc.auth.listRoles2.calls] == [None, "2", "4"]
    assert "5 roles, 1 clients" in text and "other" not in text
    assert "  assume:project:p3:ci" in text
    assert tc.auth.listClients.last_call.prefix == "project:"

    out = io.StringIO()
    assert admin.main(["--show-role", "nope"], out) == 1
    assert "no role 'nope'" in out.getvalue()

    tc.auth.listRoles2.raises(403, "InsufficientScopes", "missing auth:list-roles")
    out = io.StringIO()
    assert admin.main([], out) == 2
    assert "missing scopes" in out.getvalue() and "auth:list-roles" in out.getvalue()


@pytest.mark.taskcluster_fake(stateful=True, check_auth=True)
async def test_worker_reports_its_own_failure_as_internal_error(
    fake_taskcluster: FakeTaskcluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    tc = fake_taskcluster
    task_id = slugid()
    Queue(root_url=tc.root_url, credentials=tc.state.issuer).createTask(
        task_id, _command_task(slugid(), "print('fine')")
    )
    tc.object.createUpload.raises(403, "InsufficientScopes", "storage refused the upload")
    _use_client(tc, monkeypatch, WORKER_SCOPES)
    assert await worker.main([*WORKER_ARGS, "--max-tasks", "1"]) == 0
    run = tc.state.status(task_id).runs[0]
    assert (run.state, run.reasonResolved) == ("exception", "internal-error")


@pytest.mark.parametrize(
    "name", ["worker", "decision_task", "wait_for_group", "download_artifacts", "admin"]
)
def test_each_example_runs_as_its_docstring_says(name: str) -> None:
    """`python -m examples.<name>` from the repository root, as the docstrings tell users."""
    root = Path(__file__).resolve().parents[1]
    module = f"examples.{name}"
    doc = importlib.import_module(module).__doc__
    assert doc and f"python -m {module}" in doc
    result = subprocess.run(
        [sys.executable, "-m", module, "--help"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage:")


@pytest.mark.taskcluster_fake(stateful=True, check_auth=True)
async def test_worker_with_max_tasks_lets_long_tasks_finish(
    fake_taskcluster: FakeTaskcluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """--grace bounds a shutdown only: a task longer than it still completes."""
    tc = fake_taskcluster
    task_id = slugid()
    Queue(root_url=tc.root_url, credentials=tc.state.issuer).createTask(
        task_id, _command_task(slugid(), "import time; time.sleep(1.5)")
    )
    _use_client(tc, monkeypatch, WORKER_SCOPES)
    assert await worker.main([*WORKER_ARGS, "--max-tasks", "1", "--grace", "0.2"]) == 0
    assert tc.state.status(task_id).state == "completed"


@pytest.mark.taskcluster_fake(stateful=True, check_auth=True)
async def test_worker_shutdown_hands_back_what_a_claim_in_flight_claimed(
    fake_taskcluster: FakeTaskcluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    """v106 keeps long-polling after the client left; the worker waits for the answer."""
    tc = fake_taskcluster
    tc.state.claim_wait = 3.0  # claimWork long-polls, as v106 does for ~20 s
    _use_client(tc, monkeypatch, WORKER_SCOPES)
    stop = asyncio.Event()
    run = asyncio.create_task(worker.main([*WORKER_ARGS, "--capacity", "1"], stop=stop))
    await asyncio.sleep(0.5)  # the worker is in claimWork now
    stop.set()
    task_id = slugid()
    await asyncio.to_thread(
        Queue(root_url=tc.root_url, credentials=tc.state.issuer).createTask,
        task_id,
        _command_task(slugid(), "print('never run')"),
    )
    assert await asyncio.wait_for(run, 30) == 0
    runs = tc.state.status(task_id).runs
    assert [(r.state, r.reasonResolved) for r in runs] == [
        ("exception", "worker-shutdown"),
        ("pending", None),
    ]


@pytest.mark.rabbitmq
async def test_wait_for_group_goes_on_past_a_message_that_does_not_parse(
    capsys: pytest.CaptureFixture[str],
) -> None:
    import aio_pika

    prefix = f"exchange/examples-{uuid.uuid4().hex[:10]}/queue/v1/"
    fake = FakeTaskcluster(stateful=True, pulse_url=AMQP_URL, queue_exchange_prefix=prefix)
    with fake as tc, tc.patched_environ():
        graph = decision_task.main([TASK_QUEUE, *PYTHON])
        group = graph.task_group_id
        waiting = asyncio.create_task(
            wait_for_group.main([group, "--pulse-url", AMQP_URL, "--exchange-prefix", prefix])
        )
        while not tc.queue.listTaskGroup.calls and not waiting.done():
            await asyncio.sleep(0.05)
        connection = await aio_pika.connect(AMQP_URL)
        async with connection:
            channel = await connection.channel()
            exchange = await channel.get_exchange(f"{prefix}task-failed")
            key = f"primary.{slugid()}.0.wg.w.proj-examples.ci.-.{group}._"
            await exchange.publish(aio_pika.Message(b"not json"), routing_key=key)
        assert await worker.main([*WORKER_ARGS, "--max-tasks", "5"]) == 0
        assert await asyncio.wait_for(waiting, 60) == 0
    captured = capsys.readouterr()
    assert f"unparsed message on {prefix}task-failed" in captured.err
    assert f"task group {group} resolved (seen over Pulse)" in captured.out
