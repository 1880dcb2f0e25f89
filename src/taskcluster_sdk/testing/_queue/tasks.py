"""The task lifecycle: create, schedule, claim, reclaim, resolve, retry, cancel, rerun."""

from __future__ import annotations

import json
import time
from datetime import datetime, timedelta
from typing import Any

from .._http import FakeAPIError, taskcluster_time
from .records import (
    PRIORITIES,
    RETRY_REASONS,
    GroupRecord,
    TaskRecord,
    body_of,
    epoch_text,
    parse_time,
    task_defaults,
    temporary_credentials,
    utc_now,
)
from .store import Store

__all__ = ["TaskLifecycle"]


class TaskLifecycle(Store):
    """`createTask` to `report*`, with dependencies and the Pulse events v106 publishes."""

    # -- tasks ------------------------------------------------------------------

    def _create_task(self, call: Any) -> dict[str, Any]:
        task_id: str = call.taskId
        definition = task_defaults(task_id, call.request.json() or {}, self.max_task_deadline_days)
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
                group = self._groups[definition["taskGroupId"]] = GroupRecord(
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
            if parse_time(group.expires) < parse_time(definition["expires"]):
                group.expires = definition["expires"]
            self._order += 1
            task = TaskRecord(
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

    def _dependencies_met(self, task: TaskRecord) -> bool:
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

    def _schedule(self, task: TaskRecord, reason: str) -> None:
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

    def _cancel(self, task: TaskRecord) -> None:
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
        self,
        task: TaskRecord,
        run_id: int,
        worker_group: str,
        worker_id: str,
        taken_until: datetime,
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
                epoch_text(taken_until),
            )
        )
        scopes = [
            f"queue:reclaim-task:{task_id}/{run_id}",
            f"queue:resolve-task:{task_id}/{run_id}",
            f"queue:create-artifact:{task_id}/{run_id}",
            *task.definition["scopes"],
        ]
        return temporary_credentials(self.issuer, client_id, scopes, taken_until)

    def _claim_work(self, call: Any) -> dict[str, Any]:
        body = body_of(call)
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
                taken_until = utc_now() + timedelta(seconds=self.claim_timeout)
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

    def _running_run(self, task: TaskRecord, run_id: int, message: str) -> dict[str, Any]:
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
            taken_until = utc_now() + timedelta(seconds=self.claim_timeout)
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
        reason = body_of(call).get("reason", "")
        with self._lock:
            task = self._get(call.taskId)
            run = self._running_run(
                task, call.runId, f"Run {call.runId} of task `{task.task_id}` is not running."
            )
            self._resolve_run(task, run, "exception", reason, retry=reason in RETRY_REASONS)
            return {"status": task.status()}

    def _resolve_run(
        self, task: TaskRecord, run: dict[str, Any], state: str, reason: str, retry: bool = True
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

    def _after_resolution(self, task: TaskRecord, run_id: int) -> None:
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
