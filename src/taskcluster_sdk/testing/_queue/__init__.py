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

from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from ..._utils import slugid
from .._core import FakeService
from .artifacts import QueueArtifacts
from .listings import Listings
from .objects import ObjectService
from .records import QUEUE_ISSUER, StoredArtifact, StoredObject, hashes_of

if TYPE_CHECKING:
    from ...models.queue import Task, TaskStatus

__all__ = ["QUEUE_ISSUER", "QueueState", "StoredArtifact"]


class QueueState(Listings, QueueArtifacts, ObjectService):
    """The data behind `FakeTaskcluster(stateful=True)`; read it in assertions.

    `claim_timeout` (seconds, 1200 as in v106) sets `takenUntil`;
    `claim_wait` (seconds, default 0) is how long `claimWork` waits for a
    task before answering `{"tasks": []}` (v106 waits about 20 s).
    Dependents are scheduled as soon as their dependencies resolve (v106's
    dependency resolver does it in the background, usually within a second).
    """

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
        from ...models.queue import TaskStatus  # noqa: PLC0415

        with self._lock:
            return TaskStatus.model_validate(self._get(task_id).status())

    def definition(self, task_id: str) -> Task:
        """The task definition as the queue stored it (defaults applied, dates normalised)."""
        from ...models.queue import Task  # noqa: PLC0415

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
            self._objects[object_name] = StoredObject(
                object_name,
                task.definition["projectId"],
                slugid(),
                expiry,
                content_type,
                data,
                hashes_of(data),
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
