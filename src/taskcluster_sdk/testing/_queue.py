"""A small stateful queue and object service, in memory, for end-to-end tests.

It follows Taskcluster v106 (services/queue and services/object) where a
worker, a decision task or a downloader can see it: task defaults and
normalisation, `unscheduled` until dependencies resolve, `claimWork` ->
`running` with task credentials (`task-client/<taskId>/<runId>/on/<workerGroup>/<workerId>/until/<epoch>`),
`reclaimTask`, `report*` (409 on a run that is not running, an idempotent
repeat of the same resolution answers 200), retries on `worker-shutdown` /
`intermittent-task`, artifacts of every storage type through the object
service's `createUpload` / `finishUpload` / `startDownload`, with their
bytes kept by the fake's own storage, and task-group listings with pages.

Not simulated: deadlines and claim expiry passing by themselves (call
`expire_claims()` / `resolve_deadline()`), priorities between queues,
workers/provisioners listings, the index, long-polling `claimWork` beyond
`claim_wait` seconds.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote, unquote

from .._credentials import Credentials
from .._tempcreds import create_temporary_credentials
from .._utils import slugid
from ._core import FakeAPIError, FakeService, ReceivedRequest, Reply, taskcluster_time

if TYPE_CHECKING:
    from ..models.queue import Task, TaskStatus
    from ._deployment import FakeTaskcluster

__all__ = ["QUEUE_ISSUER", "QueueState", "StoredArtifact"]

QUEUE_ISSUER = "static/taskcluster/queue"
"""The client id that signs the queue's temporary credentials (as in a real deployment)."""

PRIORITIES = ("highest", "very-high", "high", "medium", "low", "very-low", "lowest", "normal")
_RETRY_REASONS = ("worker-shutdown", "intermittent-task")
_STORAGE = "/_fake/storage/"


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _normal_time(text: str) -> str:
    """As the queue stores dates: JavaScript's `toJSON()` (milliseconds, `Z`)."""
    return taskcluster_time(_parse_time(text))


def _epoch_text(moment: datetime) -> str:
    """`takenUntil.getTime() / 1000` as JavaScript prints it."""
    ms = int(moment.timestamp() * 1000)
    return str(ms // 1000) if ms % 1000 == 0 else repr(ms / 1000)


@dataclass
class StoredArtifact:
    """One artifact of a run, as the queue keeps it."""

    storage_type: str
    name: str
    content_type: str
    expires: str
    request: dict[str, Any]
    present: bool = True
    object_name: str | None = None
    upload_id: str | None = None
    url: str | None = None  # reference / s3
    target: str | None = None  # link
    reason: str | None = None  # error
    message: str | None = None


@dataclass
class _Object:
    name: str
    project_id: str
    upload_id: str
    expires: str
    content_type: str = "application/binary"
    data: bytes | None = None
    hashes: dict[str, str] = field(default_factory=dict[str, str])
    finished: bool = False


@dataclass
class _Task:
    task_id: str
    definition: dict[str, Any]
    state: str = "unscheduled"
    runs: list[dict[str, Any]] = field(default_factory=list[dict[str, Any]])
    retries_left: int = 5
    artifacts: dict[int, dict[str, StoredArtifact]] = field(
        default_factory=dict[int, dict[str, StoredArtifact]]
    )
    created_order: int = 0

    def status(self) -> dict[str, Any]:
        d = self.definition
        return {
            "taskId": self.task_id,
            "provisionerId": d["provisionerId"],
            "workerType": d["workerType"],
            "taskQueueId": d["taskQueueId"],
            "schedulerId": d["schedulerId"],
            "projectId": d["projectId"],
            "taskGroupId": d["taskGroupId"],
            "priority": d["priority"],
            "deadline": d["deadline"],
            "expires": d["expires"],
            "retriesLeft": self.retries_left,
            "state": self.state,
            "runs": [dict(run) for run in self.runs],
        }


@dataclass
class _Group:
    task_group_id: str
    scheduler_id: str
    expires: str
    sealed: str | None = None
    task_ids: list[str] = field(default_factory=list[str])


class QueueState:
    """The data behind `FakeTaskcluster(stateful=True)`; read it in assertions.

    `claim_timeout` (seconds, 1200 as in v106) sets `takenUntil`;
    `claim_wait` (seconds, default 0) is how long `claimWork` waits for a
    task before answering `{"tasks": []}` (v106 waits about 20 s).
    Dependents are scheduled as soon as their dependencies resolve (v106's
    dependency resolver does it in the background, usually within a second).
    """

    storage_prefix = _STORAGE

    def __init__(self, deployment: FakeTaskcluster) -> None:
        self._deployment = deployment
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._tasks: dict[str, _Task] = {}
        self._groups: dict[str, _Group] = {}
        self._objects: dict[str, _Object] = {}
        self._order = 0
        self.claim_timeout: float = 1200.0
        self.claim_wait: float = 0.0
        self.v106_content_length_bug: bool = True
        """Answer `finishArtifact` 500 for artifacts created with `contentLength`, as v106 does
        (its artifact-created message schema refuses the field; see the recorded
        `queue.finishArtifact.content-length-500`). On by default, like the real
        service: `taskcluster_sdk.artifacts` never sends the field; code that does
        finds out here. Turn it off to model a deployment where it was fixed."""
        self.issuer: Credentials = Credentials(QUEUE_ISSUER, secrets.token_urlsafe(33))
        """The permanent credentials the fake queue signs temporary credentials with."""
        checker = deployment.auth_checker
        if checker is not None:
            checker.add_client(QUEUE_ISSUER, ["*"], self.issuer.access_token)

    # -- wiring ---------------------------------------------------------------

    def install(self, fake: FakeService) -> None:
        """Make this state the default answer of the queue's and object service's methods."""
        handlers: Mapping[str, Callable[[Any], Any]] = {}
        if fake.service_name == "queue":
            handlers = self._queue_handlers()
        elif fake.service_name == "object":
            handlers = {
                "createUpload": self._create_upload,
                "finishUpload": self._finish_upload,
                "startDownload": self._start_download,
                "object": self._object,
                "download": self._download,
            }
        for name, handler in handlers.items():
            fake.methods()[name].set_default(handler)

    def _queue_handlers(self) -> dict[str, Callable[[Any], Any]]:
        return {
            "createTask": self._create_task,
            "task": lambda call: self._get(call.taskId).definition,
            "status": lambda call: {"status": self._get(call.taskId).status()},
            "scheduleTask": self._schedule_task,
            "cancelTask": self._cancel_task,
            "rerunTask": self._rerun_task,
            "claimWork": self._claim_work,
            "reclaimTask": self._reclaim_task,
            "reportCompleted": lambda call: self._resolve(call, "completed", "completed"),
            "reportFailed": lambda call: self._resolve(call, "failed", "failed"),
            "reportException": self._report_exception,
            "listTaskGroup": self._list_task_group,
            "getTaskGroup": self._get_task_group,
            "sealTaskGroup": self._seal_task_group,
            "listDependentTasks": self._list_dependent_tasks,
            "tasks": self._tasks_listing,
            "statuses": self._statuses,
            "pendingTasks": self._pending_tasks,
            "taskQueueCounts": self._task_queue_counts,
            "listPendingTasks": lambda call: self._queue_listing(call, "pending"),
            "listClaimedTasks": lambda call: self._queue_listing(call, "running"),
            "cancelTaskGroup": self._cancel_task_group,
            "changeTaskPriority": self._change_task_priority,
            "createArtifact": self._create_artifact,
            "finishArtifact": self._finish_artifact,
            "artifact": lambda call: self._artifact_content(call.taskId, call.runId, call.name),
            "latestArtifact": lambda call: self._artifact_content(
                call.taskId, self._latest_run(call.taskId), call.name
            ),
            "getArtifact": lambda call: self._get_artifact(call.taskId, call.runId, call.name),
            "getLatestArtifact": lambda call: self._get_artifact(
                call.taskId, self._latest_run(call.taskId), call.name
            ),
            "listArtifacts": lambda call: self._list_artifacts(call, call.runId),
            "listLatestArtifacts": lambda call: self._list_artifacts(
                call, self._latest_run(call.taskId)
            ),
            "artifactInfo": lambda call: self._artifact_info(call.taskId, call.runId, call.name),
            "latestArtifactInfo": lambda call: self._artifact_info(
                call.taskId, self._latest_run(call.taskId), call.name
            ),
            "ping": lambda call: None,
        }

    # -- reading the state (for tests) ------------------------------------------

    def task_ids(self) -> list[str]:
        """Every task created, in creation order."""
        with self._lock:
            return list(self._tasks)

    def status(self, task_id: str) -> TaskStatus:
        """The task's status, as `queue.status(task_id).status` would parse it."""
        from ..models.queue import TaskStatus  # noqa: PLC0415

        with self._lock:
            return TaskStatus.model_validate(self._get(task_id).status())

    def definition(self, task_id: str) -> Task:
        """The task definition as the queue stored it (defaults applied, dates normalised)."""
        from ..models.queue import Task  # noqa: PLC0415

        with self._lock:
            return Task.model_validate(self._get(task_id).definition)

    def artifacts(self, task_id: str, run_id: int | None = None) -> dict[str, StoredArtifact]:
        """The artifacts of a run (the latest by default), by name."""
        with self._lock:
            run = self._latest_run(task_id) if run_id is None else run_id
            return dict(self._get(task_id).artifacts.get(run, {}))

    def artifact_data(self, task_id: str, name: str, run_id: int | None = None) -> bytes:
        """The bytes of an `object` (or `s3`) artifact, as uploaded."""
        with self._lock:
            artifact = self.artifacts(task_id, run_id).get(name)
            if artifact is None:
                raise KeyError(f"no artifact {name!r} on task {task_id}")
            key = artifact.object_name or artifact.url or ""
            stored = self._objects.get(key)
            if stored is None or stored.data is None:
                raise KeyError(f"artifact {name!r} of task {task_id} has no uploaded data")
            return stored.data

    def put_artifact(
        self,
        task_id: str,
        run_id: int,
        name: str,
        data: bytes,
        content_type: str = "application/octet-stream",
        expires: str | None = None,
    ) -> None:
        """Store a finished `object` artifact directly (to test downloaders without a worker)."""
        with self._lock:
            task = self._get(task_id)
            if run_id >= len(task.runs):
                raise ValueError(f"task {task_id} has no run {run_id}")
            expiry: str = expires or task.definition["expires"]
            object_name = f"t/{task_id}/{run_id}/{name}"
            self._objects[object_name] = _Object(
                object_name,
                task.definition["projectId"],
                slugid(),
                expiry,
                content_type,
                data,
                _hashes(data),
                True,
            )
            task.artifacts.setdefault(run_id, {})[name] = StoredArtifact(
                "object", name, content_type, expiry, {}, True, object_name
            )

    def expire_claims(self) -> None:
        """Resolve every running run as `exception` / `claim-expired` (retrying if allowed)."""
        with self._lock:
            for task in self._tasks.values():
                if task.state == "running":
                    self._resolve_run(task, task.runs[-1], "exception", "claim-expired")

    # -- helpers ----------------------------------------------------------------

    def _get(self, task_id: str) -> _Task:
        task = self._tasks.get(task_id)
        if task is None:
            raise FakeAPIError(
                404,
                "ResourceNotFound",
                f"`{task_id}` does not correspond to a task that exists.\nAre you sure this task has already been submitted?",
            )
        return task

    def _latest_run(self, task_id: str) -> int:
        with self._lock:
            task = self._get(task_id)
            if not task.runs:
                raise FakeAPIError(404, "ResourceNotFound", f"Task {task_id} has no runs")
            return len(task.runs) - 1

    def _base(self) -> str:
        return self._deployment.root_url

    def _publish(
        self, exchange: str, message: dict[str, Any], task: _Task | None, run_id: int | None = None
    ) -> None:
        if self._deployment.publishes:
            self._deployment.pulse.publish_queue_event(
                exchange, message, task.definition if task else None, run_id
            )

    def _event(self, task: _Task, **extra: Any) -> dict[str, Any]:
        present = {key: value for key, value in extra.items() if value is not None}
        return {
            "status": task.status(),
            **present,
            "task": {"tags": task.definition["tags"]},
            "version": 1,
        }

    # -- tasks ------------------------------------------------------------------

    def _create_task(self, call: Any) -> dict[str, Any]:
        task_id: str = call.taskId
        definition = _task_defaults(task_id, call.request.json() or {})
        with self._lock:
            existing = self._tasks.get(task_id)
            if existing is not None:
                if existing.definition != definition:
                    raise FakeAPIError(
                        409,
                        "RequestConflict",
                        f"taskId `{task_id}` already used by another task.\nThis could be the result of faulty idempotency!",
                    )
                return {"status": existing.status()}
            group = self._groups.get(definition["taskGroupId"])
            if group is None:
                group = self._groups[definition["taskGroupId"]] = _Group(
                    definition["taskGroupId"], definition["schedulerId"], definition["expires"]
                )
            elif group.scheduler_id != definition["schedulerId"]:
                raise FakeAPIError(
                    409,
                    "RequestConflict",
                    f"Task group `{group.task_group_id}` contains tasks with a schedulerId other than `{definition['schedulerId']}`. All tasks in the same task-group must have the same schedulerId.",
                )
            elif group.sealed is not None:
                raise FakeAPIError(
                    409,
                    "RequestConflict",
                    f"Task group {group.task_group_id} is sealed and no more tasks can be added.",
                )
            if _parse_time(group.expires) < _parse_time(definition["expires"]):
                group.expires = definition["expires"]
            self._order += 1
            task = _Task(
                task_id, definition, retries_left=definition["retries"], created_order=self._order
            )
            self._tasks[task_id] = task
            group.task_ids.append(task_id)
            self._publish(
                "task-defined",
                {"status": task.status(), "task": {"tags": definition["tags"]}, "version": 1},
                task,
            )
            if self._dependencies_met(task):
                self._schedule(task, "scheduled")
            return {"status": task.status()}

    def _dependencies_met(self, task: _Task) -> bool:
        wanted = (
            ("completed",)
            if task.definition["requires"] == "all-completed"
            else ("completed", "failed", "exception")
        )
        for dependency in task.definition["dependencies"]:
            other = self._tasks.get(dependency)
            if other is None or other.state not in wanted:
                return False
        return True

    def _schedule(self, task: _Task, reason: str) -> None:
        task.runs.append(
            {
                "runId": len(task.runs),
                "state": "pending",
                "reasonCreated": reason,
                "scheduled": taskcluster_time(),
            }
        )
        task.state = "pending"
        self._publish(
            "task-pending", self._event(task, runId=len(task.runs) - 1), task, len(task.runs) - 1
        )
        self._changed.notify_all()

    def _schedule_task(self, call: Any) -> dict[str, Any]:
        with self._lock:
            task = self._get(call.taskId)
            if task.state == "unscheduled":
                self._schedule(task, "scheduled")
            return {"status": task.status()}

    def _cancel_task(self, call: Any) -> dict[str, Any]:
        with self._lock:
            task = self._get(call.taskId)
            if task.state in ("unscheduled", "pending", "running"):
                self._cancel(task)
            return {"status": task.status()}

    def _cancel(self, task: _Task) -> None:
        if task.state == "unscheduled":
            now = taskcluster_time()
            task.runs.append(
                {
                    "runId": 0,
                    "state": "exception",
                    "reasonCreated": "exception",
                    "reasonResolved": "canceled",
                    "scheduled": now,
                    "resolved": now,
                }
            )
            task.state = "exception"
            self._after_resolution(task, len(task.runs) - 1)
        else:
            self._resolve_run(task, task.runs[-1], "exception", "canceled", retry=False)

    def _rerun_task(self, call: Any) -> dict[str, Any]:
        with self._lock:
            task = self._get(call.taskId)
            if task.state in ("completed", "failed", "exception"):
                self._schedule(task, "rerun")
            return {"status": task.status()}

    # -- claims -----------------------------------------------------------------

    def _credentials(
        self, task: _Task, run_id: int, worker_group: str, worker_id: str, taken_until: datetime
    ) -> dict[str, str]:
        task_id = task.task_id
        client_id = "/".join(
            (
                "task-client",
                task_id,
                str(run_id),
                "on",
                worker_group,
                worker_id,
                "until",
                _epoch_text(taken_until),
            )
        )
        scopes = [
            f"queue:reclaim-task:{task_id}/{run_id}",
            f"queue:resolve-task:{task_id}/{run_id}",
            f"queue:create-artifact:{task_id}/{run_id}",
            *task.definition["scopes"],
        ]
        return _temporary(self.issuer, client_id, scopes, taken_until)

    def _claim_work(self, call: Any) -> dict[str, Any]:
        body = _body(call)
        wanted = int(body.get("tasks", 1))
        worker_group, worker_id = str(body["workerGroup"]), str(body["workerId"])
        deadline = time.monotonic() + self.claim_wait
        with self._lock:
            while True:
                pending = sorted(
                    (
                        t
                        for t in self._tasks.values()
                        if t.state == "pending" and t.definition["taskQueueId"] == call.taskQueueId
                    ),
                    key=lambda t: (
                        PRIORITIES.index(t.definition["priority"])
                        if t.definition["priority"] in PRIORITIES
                        else 6,
                        t.created_order,
                    ),
                )
                if pending or time.monotonic() >= deadline:
                    break
                self._changed.wait(max(deadline - time.monotonic(), 0.001))
            claimed: list[dict[str, Any]] = []
            for task in pending[:wanted]:
                run = task.runs[-1]
                taken_until = _now() + timedelta(seconds=self.claim_timeout)
                run.update(
                    state="running",
                    workerGroup=worker_group,
                    workerId=worker_id,
                    takenUntil=taskcluster_time(taken_until),
                    started=taskcluster_time(),
                )
                task.state = "running"
                run_id = run["runId"]
                self._publish(
                    "task-running",
                    self._event(
                        task,
                        runId=run_id,
                        workerGroup=worker_group,
                        workerId=worker_id,
                        takenUntil=taskcluster_time(taken_until),
                    ),
                    task,
                    run_id,
                )
                claimed.append(
                    {
                        "status": task.status(),
                        "runId": run_id,
                        "workerGroup": worker_group,
                        "workerId": worker_id,
                        # v106 writes this one takenUntil with an offset, not `Z`.
                        "takenUntil": taken_until.isoformat(timespec="milliseconds"),
                        "task": json.loads(json.dumps(task.definition)),
                        "credentials": self._credentials(
                            task, run_id, worker_group, worker_id, taken_until
                        ),
                    }
                )
            return {"tasks": claimed}

    def _running_run(self, task: _Task, run_id: int, message: str) -> dict[str, Any]:
        if run_id >= len(task.runs) or task.runs[run_id]["state"] != "running":
            raise FakeAPIError(409, "RequestConflict", message)
        return task.runs[run_id]

    def _reclaim_task(self, call: Any) -> dict[str, Any]:
        with self._lock:
            task = self._get(call.taskId)
            run = self._running_run(
                task,
                call.runId,
                f"Run {call.runId} on task `{task.task_id}` is resolved or not running.",
            )
            taken_until = _now() + timedelta(seconds=self.claim_timeout)
            run["takenUntil"] = taskcluster_time(taken_until)
            return {
                "status": task.status(),
                "runId": call.runId,
                "workerGroup": run["workerGroup"],
                "workerId": run["workerId"],
                "takenUntil": taskcluster_time(taken_until),
                "credentials": self._credentials(
                    task, call.runId, run["workerGroup"], run["workerId"], taken_until
                ),
            }

    def _resolve(self, call: Any, state: str, reason: str) -> dict[str, Any]:
        with self._lock:
            task = self._get(call.taskId)
            run_id: int = call.runId
            if (
                run_id < len(task.runs)
                and task.runs[run_id]["state"] == state
                and task.runs[run_id].get("reasonResolved") == reason
            ):
                # The same report again: 200, and the event again (as v106 does).
                self._publish(
                    f"task-{state}",
                    self._event(
                        task,
                        runId=run_id,
                        workerGroup=task.runs[run_id].get("workerGroup"),
                        workerId=task.runs[run_id].get("workerId"),
                    ),
                    task,
                    run_id,
                )
                return {"status": task.status()}
            run = self._running_run(
                task, run_id, f"Run {run_id} of task `{task.task_id}` is not running or {state}."
            )
            self._resolve_run(task, run, state, reason, retry=False)
            return {"status": task.status()}

    def _report_exception(self, call: Any) -> dict[str, Any]:
        reason = _body(call).get("reason", "")
        with self._lock:
            task = self._get(call.taskId)
            run = self._running_run(
                task, call.runId, f"Run {call.runId} of task `{task.task_id}` is not running."
            )
            self._resolve_run(task, run, "exception", reason, retry=reason in _RETRY_REASONS)
            return {"status": task.status()}

    def _resolve_run(
        self, task: _Task, run: dict[str, Any], state: str, reason: str, retry: bool = True
    ) -> None:
        run.update(state=state, reasonResolved=reason, resolved=taskcluster_time())
        run_id = run["runId"]
        if state == "exception" and retry and task.retries_left > 0:
            task.retries_left -= 1
            task.runs.append(
                {
                    "runId": len(task.runs),
                    "state": "pending",
                    "reasonCreated": "retry",
                    "scheduled": taskcluster_time(),
                }
            )
            task.state = "pending"
            self._publish(
                "task-exception",
                self._event(
                    task,
                    runId=run_id,
                    workerGroup=run.get("workerGroup"),
                    workerId=run.get("workerId"),
                ),
                task,
                run_id,
            )
            self._changed.notify_all()
            return
        task.state = state
        exchange = {"completed": "task-completed", "failed": "task-failed"}.get(
            state, "task-exception"
        )
        self._publish(
            exchange,
            self._event(
                task, runId=run_id, workerGroup=run.get("workerGroup"), workerId=run.get("workerId")
            ),
            task,
            run_id,
        )
        self._after_resolution(task, run_id)

    def _after_resolution(self, task: _Task, run_id: int) -> None:
        for other in self._tasks.values():
            if (
                other.state == "unscheduled"
                and task.task_id in other.definition["dependencies"]
                and self._dependencies_met(other)
            ):
                self._schedule(other, "scheduled")
        group = self._groups[task.definition["taskGroupId"]]
        resolved = all(
            self._tasks[t].state in ("completed", "failed", "exception") for t in group.task_ids
        )
        if resolved and self._deployment.publishes:
            self._deployment.pulse.publish_queue_event(
                "task-group-resolved",
                {
                    "taskGroupId": group.task_group_id,
                    "schedulerId": group.scheduler_id,
                    "expires": group.expires,
                    "version": 1,
                },
                None,
                None,
            )

    # -- listings -----------------------------------------------------------------

    def _list_task_group(self, call: Any) -> dict[str, Any]:
        with self._lock:
            group = self._groups.get(call.taskGroupId)
            if group is None:
                raise FakeAPIError(
                    404, "ResourceNotFound", f"No task-group with taskGroupId: `{call.taskGroupId}`"
                )
            items = [
                {"status": self._tasks[t].status(), "task": self._tasks[t].definition}
                for t in group.task_ids
            ]
            page, token = _page(items, call.limit, call.continuationToken)
            answer: dict[str, Any] = {
                "taskGroupId": group.task_group_id,
                "schedulerId": group.scheduler_id,
                "expires": group.expires,
                "tasks": page,
            }
            if group.sealed:
                answer["sealed"] = group.sealed
            if token:
                answer["continuationToken"] = token
            return json.loads(json.dumps(answer))

    def _get_task_group(self, call: Any) -> dict[str, Any]:
        with self._lock:
            group = self._groups.get(call.taskGroupId)
            if group is None:
                raise FakeAPIError(
                    404, "ResourceNotFound", f"No task-group with taskGroupId: `{call.taskGroupId}`"
                )
            answer = {
                "taskGroupId": group.task_group_id,
                "schedulerId": group.scheduler_id,
                "expires": group.expires,
            }
            if group.sealed:
                answer["sealed"] = group.sealed
            return answer

    def _seal_task_group(self, call: Any) -> dict[str, Any]:
        with self._lock:
            group = self._groups.get(call.taskGroupId)
            if group is None:
                raise FakeAPIError(
                    404, "ResourceNotFound", f"No task-group with taskGroupId: `{call.taskGroupId}`"
                )
            group.sealed = group.sealed or taskcluster_time()
        return self._get_task_group(call)

    def _list_dependent_tasks(self, call: Any) -> dict[str, Any]:
        with self._lock:
            self._get(call.taskId)
            items = [
                {"status": t.status(), "task": t.definition}
                for t in self._tasks.values()
                if call.taskId in t.definition["dependencies"]
            ]
            page, token = _page(items, call.limit, call.continuationToken)
            answer: dict[str, Any] = {"taskId": call.taskId, "tasks": page}
            if token:
                answer["continuationToken"] = token
            return json.loads(json.dumps(answer))

    def _tasks_listing(self, call: Any) -> dict[str, Any]:
        ids = _body(call).get("taskIds", [])
        with self._lock:
            return {
                "tasks": [
                    {"taskId": t, "task": self._tasks[t].definition}
                    for t in ids
                    if t in self._tasks
                ]
            }

    def _statuses(self, call: Any) -> dict[str, Any]:
        ids = _body(call).get("taskIds", [])
        with self._lock:
            return {
                "statuses": [
                    {"taskId": t, "status": self._tasks[t].status()}
                    for t in ids
                    if t in self._tasks
                ]
            }

    def _pending_tasks(self, call: Any) -> dict[str, Any]:
        with self._lock:
            count = sum(
                1
                for t in self._tasks.values()
                if t.state == "pending" and t.definition["taskQueueId"] == call.taskQueueId
            )
        provisioner, _, worker_type = call.taskQueueId.partition("/")
        return {
            "provisionerId": provisioner,
            "workerType": worker_type,
            "taskQueueId": call.taskQueueId,
            "pendingTasks": count,
        }

    def _task_queue_counts(self, call: Any) -> dict[str, Any]:
        with self._lock:
            tasks = [
                t for t in self._tasks.values() if t.definition["taskQueueId"] == call.taskQueueId
            ]
            pending = sum(1 for t in tasks if t.state == "pending")
            claimed = sum(1 for t in tasks if t.state == "running")
        provisioner, _, worker_type = call.taskQueueId.partition("/")
        return {
            "provisionerId": provisioner,
            "workerType": worker_type,
            "taskQueueId": call.taskQueueId,
            "pendingTasks": pending,
            "claimedTasks": claimed,
        }

    def _queue_listing(self, call: Any, state: str) -> dict[str, Any]:
        with self._lock:
            items: list[dict[str, Any]] = []
            for task in self._tasks.values():
                if task.state != state or task.definition["taskQueueId"] != call.taskQueueId:
                    continue
                run = task.runs[-1]
                item: dict[str, Any] = {"taskId": task.task_id, "runId": run["runId"]}
                if state == "running":
                    item.update(
                        workerGroup=run["workerGroup"],
                        workerId=run["workerId"],
                        claimed=run["started"],
                    )
                else:
                    item["inserted"] = run["scheduled"]
                item["task"] = json.loads(json.dumps(task.definition))
                items.append(item)
        page, token = _page(items, call.limit, call.continuationToken)
        answer: dict[str, Any] = {"tasks": page}
        if token:
            answer["continuationToken"] = token
        return answer

    def _cancel_task_group(self, call: Any) -> dict[str, Any]:
        with self._lock:
            group = self._groups.get(call.taskGroupId)
            if group is None:
                raise FakeAPIError(
                    404, "ResourceNotFound", f"No task-group with taskGroupId: `{call.taskGroupId}`"
                )
            cancelled: list[str] = []
            for task_id in group.task_ids:
                task = self._tasks[task_id]
                if task.state in ("unscheduled", "pending", "running"):
                    self._cancel(task)
                    cancelled.append(task_id)
            return {
                "taskGroupId": group.task_group_id,
                "taskGroupSize": len(group.task_ids),
                "cancelledCount": len(cancelled),
                "taskIds": cancelled,
            }

    def _change_task_priority(self, call: Any) -> dict[str, Any]:
        priority = str(_body(call).get("newPriority"))
        with self._lock:
            task = self._get(call.taskId)
            task.definition["priority"] = priority
            return {"status": task.status()}

    # -- artifacts ----------------------------------------------------------------

    def _create_artifact(self, call: Any) -> dict[str, Any]:
        body: dict[str, Any] = call.request.json() or {}
        storage_type = body["storageType"]
        with self._lock:
            task = self._get(call.taskId)
            run_id: int = call.runId
            if run_id >= len(task.runs) or task.runs[run_id]["state"] != "running":
                raise FakeAPIError(
                    409,
                    "RequestConflict",
                    "Artifacts cannot be created for a task after it is resolved, unless it is resolved 'exception', and even in this case only up to 25 min past resolution.This to ensure that artifacts have been uploaded before a task is 'completed' and output is consumed by a dependent task\n\nTask status: "
                    + json.dumps(task.status(), indent=2),
                )
            run = task.runs[run_id]
            artifacts = task.artifacts.setdefault(run_id, {})
            existing = artifacts.get(call.name)
            if (
                existing is not None
                and existing.request != body
                and not (
                    existing.storage_type == "reference" and storage_type in ("reference", "link")
                )
            ):
                raise FakeAPIError(
                    409,
                    "RequestConflict",
                    f"Artifact `{call.name}` already exists with other properties",
                )
            content_type = body.get("contentType", "application/binary")
            artifact = StoredArtifact(
                storage_type,
                call.name,
                content_type,
                _normal_time(body["expires"]),
                body,
                present=storage_type != "object",
            )
            answer: dict[str, Any] = {"storageType": storage_type}
            if storage_type == "object":
                object_name = f"t/{task.task_id}/{run_id}/{call.name}"
                upload_id = (
                    existing.upload_id if existing is not None and existing.upload_id else slugid()
                )
                artifact.object_name, artifact.upload_id = object_name, upload_id
                if object_name not in self._objects:
                    self._objects[object_name] = _Object(
                        object_name,
                        task.definition["projectId"],
                        upload_id,
                        artifact.expires,
                        content_type,
                    )
                worker = f"{run['workerGroup']}/{run['workerId']}"
                answer.update(
                    name=object_name,
                    projectId=task.definition["projectId"],
                    uploadId=upload_id,
                    expires=artifact.expires,
                    credentials=_temporary(
                        self.issuer,
                        f"artifact-upload/{task.task_id}/{run_id}/on/{worker}",
                        [f"object:upload:{task.definition['projectId']}:{object_name}"],
                        min(_parse_time(artifact.expires), _now() + timedelta(days=1)),
                    ),
                )
            elif storage_type == "s3":
                key = f"s3/{task.task_id}/{run_id}/{call.name}"
                artifact.url = key
                self._objects.setdefault(
                    key,
                    _Object(key, task.definition["projectId"], "", artifact.expires, content_type),
                )
                expires = _now() + timedelta(minutes=45)
                answer.update(
                    contentType=content_type,
                    expires=taskcluster_time(expires),
                    putUrl=self._storage_url(key),
                )
            elif storage_type == "reference":
                artifact.url = body["url"]
            elif storage_type == "link":
                artifact.target = body["artifact"]
            elif storage_type == "error":
                artifact.reason, artifact.message = body["reason"], body["message"]
            artifacts[call.name] = artifact
            if artifact.present and storage_type != "s3":
                self._artifact_created(task, run_id, artifact)
            return answer

    def _artifact_created(self, task: _Task, run_id: int, artifact: StoredArtifact) -> None:
        run = task.runs[run_id]
        self._publish(
            "artifact-created",
            {
                "status": task.status(),
                "artifact": {
                    "storageType": artifact.storage_type,
                    "name": artifact.name,
                    "expires": artifact.expires,
                    "contentType": artifact.content_type,
                },
                "runId": run_id,
                "workerGroup": run.get("workerGroup"),
                "workerId": run.get("workerId"),
                "version": 1,
            },
            task,
            run_id,
        )

    def _finish_artifact(self, call: Any) -> None:
        upload_id = _body(call).get("uploadId")
        with self._lock:
            task = self._get(call.taskId)
            artifact = task.artifacts.get(call.runId, {}).get(call.name)
            if artifact is None:
                raise FakeAPIError(404, "ResourceNotFound", f"Artifact `{call.name}` not found")
            if artifact.storage_type != "object":
                raise FakeAPIError(400, "InputError", "Only object artifacts can be finished")
            if artifact.upload_id != upload_id:
                raise FakeAPIError(409, "RequestConflict", "uploadId does not match the artifact's")
            stored = self._objects.get(artifact.object_name or "")
            if stored is None or not stored.finished:
                raise FakeAPIError(
                    409,
                    "RequestConflict",
                    f"The object of artifact `{call.name}` was not finished (object.finishUpload)",
                )
            if self.v106_content_length_bug and "contentLength" in artifact.request:
                raise FakeAPIError(
                    500,
                    "InternalServerError",
                    "Internal Server Error. Error (as v106 answers it):\n```\n"
                    "Error: Message validation failed. \nSchema Validation Failed!\n"
                    "Rejecting Schema: /schemas/queue/v1/artifact-created-message.json#\n"
                    'Errors:\n  * data/artifact must NOT have additional properties: "contentLength"\n```',
                )
            if not artifact.present:
                artifact.present = True
                self._artifact_created(task, call.runId, artifact)
        return None

    def _find_artifact(
        self, task_id: str, run_id: int, name: str, depth: int = 0
    ) -> tuple[_Task, StoredArtifact]:
        task = self._get(task_id)
        artifact = task.artifacts.get(run_id, {}).get(name)
        if artifact is None or not artifact.present:
            raise FakeAPIError(404, "ResourceNotFound", "Artifact not found")
        if artifact.storage_type == "link" and artifact.target is not None:
            if depth > 10:
                raise FakeAPIError(400, "InputError", "Artifact links form a cycle or are too deep")
            return self._find_artifact(task_id, run_id, artifact.target, depth + 1)
        return task, artifact

    def _artifact_content(self, task_id: str, run_id: int, name: str) -> dict[str, Any]:
        with self._lock:
            _, artifact = self._find_artifact(task_id, run_id, name)
            kind = artifact.storage_type
            if kind == "object":
                object_name = artifact.object_name or ""
                return {
                    "storageType": "object",
                    "name": object_name,
                    "credentials": _temporary(
                        self.issuer,
                        f"artifact-download/{object_name}",
                        [f"object:download:{object_name}"],
                        _now() + timedelta(hours=1),
                    ),
                }
            if kind == "s3":
                return {"storageType": "s3", "url": self._storage_url(artifact.url or "")}
            if kind == "reference":
                return {"storageType": "reference", "url": artifact.url}
            return {"storageType": "error", "reason": artifact.reason, "message": artifact.message}

    def _get_artifact(self, task_id: str, run_id: int, name: str) -> Reply:
        from ._core import json_reply  # noqa: PLC0415

        with self._lock:
            _, artifact = self._find_artifact(task_id, run_id, name)
            if artifact.storage_type == "error":
                return json_reply(424, {"reason": artifact.reason, "message": artifact.message})
            if artifact.storage_type == "reference":
                url = artifact.url or ""
            else:
                url = self._storage_url(artifact.object_name or artifact.url or "")
        return json_reply(
            303,
            {"storageType": artifact.storage_type, "url": url},
            {"location": url, "x-taskcluster-artifact-storage-type": artifact.storage_type},
        )

    def _list_artifacts(self, call: Any, run_id: int) -> dict[str, Any]:
        with self._lock:
            task = self._get(call.taskId)
            items = [
                {
                    "storageType": a.storage_type,
                    "name": a.name,
                    "expires": a.expires,
                    "contentType": a.content_type,
                }
                for a in task.artifacts.get(run_id, {}).values()
                if a.present
            ]
        page, token = _page(items, call.limit, call.continuationToken)
        answer: dict[str, Any] = {"artifacts": page}
        if token:
            answer["continuationToken"] = token
        return answer

    def _artifact_info(self, task_id: str, run_id: int, name: str) -> dict[str, Any]:
        with self._lock:
            task = self._get(task_id)
            artifact = task.artifacts.get(run_id, {}).get(name)
            if artifact is None or not artifact.present:
                raise FakeAPIError(404, "ResourceNotFound", "Artifact not found")
            return {
                "storageType": artifact.storage_type,
                "name": artifact.name,
                "expires": artifact.expires,
                "contentType": artifact.content_type,
            }

    # -- the object service and its storage ---------------------------------------------

    def _storage_url(self, key: str) -> str:
        return f"{self._base()}{_STORAGE}{quote(key, safe='')}"

    def _stored(self, name: str) -> _Object:
        stored = self._objects.get(name)
        if stored is None:
            raise FakeAPIError(404, "ResourceNotFound", f'Object "{name}" not found')
        return stored

    def _create_upload(self, call: Any) -> dict[str, Any]:
        body: dict[str, Any] = call.request.json() or {}
        with self._lock:
            stored = self._objects.get(call.name)
            if stored is None:
                stored = self._objects[call.name] = _Object(
                    call.name, body["projectId"], body["uploadId"], _normal_time(body["expires"])
                )
            elif stored.upload_id != body["uploadId"] or stored.finished:
                raise FakeAPIError(409, "RequestConflict", "Object already exists")
            stored.hashes.update(body.get("hashes") or {})
            methods: dict[str, Any] = body.get("proposedUploadMethods") or {}
            answer: dict[str, Any] = {
                "projectId": stored.project_id,
                "uploadId": stored.upload_id,
                "expires": stored.expires,
            }
            if "dataInline" in methods:
                inline = methods["dataInline"]
                stored.data = base64.b64decode(inline["objectData"])
                stored.content_type = inline["contentType"]
                answer["uploadMethod"] = {"dataInline": True}
            elif "putUrl" in methods:
                put = methods["putUrl"]
                stored.content_type = put["contentType"]
                answer["uploadMethod"] = {
                    "putUrl": {
                        "url": self._storage_url(call.name),
                        "expires": taskcluster_time(_now() + timedelta(minutes=45)),
                        "headers": {
                            "Content-Type": put["contentType"],
                            "Content-Length": str(put["contentLength"]),
                            "Content-Encoding": "identity",
                        },
                    }
                }
            else:
                answer["uploadMethod"] = {}
            return answer

    def _finish_upload(self, call: Any) -> dict[str, Any]:
        body: dict[str, Any] = call.request.json() or {}
        with self._lock:
            stored = self._stored(call.name)
            if stored.upload_id != body["uploadId"]:
                raise FakeAPIError(409, "RequestConflict", "uploadId does not match the object's")
            hashes = cast("dict[str, str]", body.get("hashes") or {})
            for algorithm, value in hashes.items():
                if stored.hashes.get(algorithm, value) != value:
                    raise FakeAPIError(
                        409,
                        "RequestConflict",
                        f"Object hash {algorithm} conflicts with the hash given before",
                    )
                stored.hashes[algorithm] = value
            stored.finished = True
        return {}

    def _start_download(self, call: Any) -> dict[str, Any]:
        accepted: dict[str, Any] = _body(call).get("acceptDownloadMethods") or {}
        with self._lock:
            stored = self._stored(call.name)
            if not stored.finished:
                raise FakeAPIError(404, "ResourceNotFound", f'Object "{call.name}" not found')
            url = self._storage_url(call.name)
            if accepted.get("getUrl"):
                return {
                    "method": "getUrl",
                    "url": url,
                    "expires": taskcluster_time(_now() + timedelta(seconds=60)),
                    "hashes": dict(stored.hashes),
                }
            if accepted.get("simple"):
                return {"method": "simple", "url": url}
        raise FakeAPIError(406, "NoMatchingMethod", "Object supports methods simple, getUrl")

    def _object(self, call: Any) -> dict[str, Any]:
        with self._lock:
            stored = self._stored(call.name)
            return {
                "projectId": stored.project_id,
                "expires": stored.expires,
                "hashes": dict(stored.hashes),
            }

    def _download(self, call: Any) -> Reply:
        with self._lock:
            self._stored(call.name)
        url = self._storage_url(call.name)
        return Reply(
            303,
            {"location": url, "content-type": "text/plain; charset=utf-8"},
            f"See Other. Redirecting to {url}".encode(),
        )

    def storage(self, request: ReceivedRequest) -> Reply:
        """The storage behind pre-signed URLs: PUT stores the bytes, GET (with Range) reads them."""
        key = unquote(request.path[len(_STORAGE) :])
        with self._lock:
            stored = self._objects.get(key)
            if request.method == "PUT":
                if stored is None:
                    return Reply(
                        403,
                        {"content-type": "application/xml"},
                        b"<Error><Code>AccessDenied</Code></Error>",
                    )
                length = request.headers.get("content-length")
                if length is None:
                    return Reply(
                        411,
                        {"content-type": "application/xml"},
                        b"<Error><Code>MissingContentLength</Code></Error>",
                    )
                stored.data = request.body
                return Reply(200, {"etag": f'"{hashlib.md5(request.body).hexdigest()}"'})
            if request.method not in ("GET", "HEAD") or stored is None or stored.data is None:
                return Reply(
                    404,
                    {"content-type": "application/xml"},
                    b"<Error><Code>NoSuchKey</Code></Error>",
                )
            data = stored.data
        headers = {"content-type": stored.content_type, "accept-ranges": "bytes"}
        spec = request.headers.get("range", "")
        if spec.startswith("bytes=") and spec.endswith("-") and spec[6:-1].isdigit():
            start = int(spec[6:-1])
            if start >= len(data):
                return Reply(416, {"content-range": f"bytes */{len(data)}"})
            headers["content-range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
            return Reply(206, headers, data[start:])
        return Reply(200, headers, data)


def _body(call: Any) -> dict[str, Any]:
    """The request's JSON body (already checked against the method's schema)."""
    value = call.request.json()
    return cast("dict[str, Any]", value) if isinstance(value, dict) else {}


def _hashes(data: bytes) -> dict[str, str]:
    return {"sha256": hashlib.sha256(data).hexdigest(), "sha512": hashlib.sha512(data).hexdigest()}


def _temporary(
    issuer: Credentials, client_id: str, scopes: list[str], expiry: datetime
) -> dict[str, str]:
    credentials = create_temporary_credentials(
        issuer.client_id,
        issuer.access_token,
        _now(),
        expiry,
        scopes,
        name=client_id,
    )
    certificate = credentials.certificate
    return {
        "clientId": credentials.client_id,
        "accessToken": credentials.access_token,
        "certificate": certificate if isinstance(certificate, str) else json.dumps(certificate),
    }


def _page(
    items: list[dict[str, Any]], limit: int | None, token: str | None
) -> tuple[list[dict[str, Any]], str | None]:
    """One page; tokens are opaque (base64 of the offset), as the services' are."""
    start = 0
    if token:
        try:
            start = int(base64.urlsafe_b64decode(token.encode() + b"==").decode())
        except ValueError:
            raise FakeAPIError(400, "InputError", "Invalid continuationToken") from None
    size = min(limit or 1000, 1000)
    end = start + size
    following = (
        base64.urlsafe_b64encode(str(end).encode()).decode().rstrip("=")
        if end < len(items)
        else None
    )
    return items[start:end], following


def _task_defaults(task_id: str, body: dict[str, Any]) -> dict[str, Any]:
    """The definition as v106 stores it: defaults filled, dates as `toJSON()`, queue ids derived."""
    definition = json.loads(json.dumps(body))
    if "taskQueueId" in definition:
        provisioner, _, worker_type = definition["taskQueueId"].partition("/")
        definition.setdefault("provisionerId", provisioner)
        definition.setdefault("workerType", worker_type)
    elif "provisionerId" in definition and "workerType" in definition:
        definition["taskQueueId"] = f"{definition['provisionerId']}/{definition['workerType']}"
    else:
        raise FakeAPIError(
            400,
            "InputError",
            "Task definition must include taskQueueId or provisionerId and workerType",
        )
    defaults: dict[str, Any] = {
        "schedulerId": "-",
        "projectId": "none",
        "taskGroupId": task_id,
        "dependencies": [],
        "requires": "all-completed",
        "routes": [],
        "priority": "lowest",
        "retries": 5,
        "scopes": [],
        "tags": {},
        "extra": {},
    }
    for key, value in defaults.items():
        definition.setdefault(key, value)
    created, deadline = _parse_time(definition["created"]), _parse_time(definition["deadline"])
    now = _now()
    if created < now - timedelta(minutes=15):
        raise FakeAPIError(400, "InputError", "`created` cannot be in the past (max 15min drift)")
    if created > now + timedelta(minutes=15):
        raise FakeAPIError(400, "InputError", "`created` cannot be in the future (max 15min drift)")
    if created > deadline:
        raise FakeAPIError(400, "InputError", "`deadline` cannot be later than `created`")
    if deadline < now:
        raise FakeAPIError(400, "InputError", "`deadline` cannot be in the past")
    if "expires" not in definition:
        definition["expires"] = taskcluster_time(deadline.replace(year=deadline.year + 1))
    if _parse_time(definition["expires"]) < deadline:
        raise FakeAPIError(400, "InputError", "`expires` cannot be before `deadline`")
    for key in ("created", "deadline", "expires"):
        definition[key] = _normal_time(definition[key])
    return definition
