"""Task-group and queue listings, with pages; group cancellation and priorities."""

from __future__ import annotations

import json
from typing import Any

from .._http import FakeAPIError, taskcluster_time
from .records import body_of, page_of
from .tasks import TaskLifecycle

__all__ = ["Listings"]


class Listings(TaskLifecycle):
    """What the queue lists and counts (and what acts on a whole group)."""

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
            page, token = page_of(items, call.limit, call.continuationToken)
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
            page, token = page_of(items, call.limit, call.continuationToken)
            answer: dict[str, Any] = {"taskId": call.taskId, "tasks": page}
            if token:
                answer["continuationToken"] = token
            return json.loads(json.dumps(answer))

    def _tasks_listing(self, call: Any) -> dict[str, Any]:
        ids = body_of(call).get("taskIds", [])
        with self._lock:
            return {
                "tasks": [
                    {"taskId": t, "task": self._tasks[t].definition}
                    for t in ids
                    if t in self._tasks
                ]
            }

    def _statuses(self, call: Any) -> dict[str, Any]:
        ids = body_of(call).get("taskIds", [])
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
        page, token = page_of(items, call.limit, call.continuationToken)
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
        priority = str(body_of(call).get("newPriority"))
        with self._lock:
            task = self._get(call.taskId)
            task.definition["priority"] = priority
            return {"status": task.status()}
