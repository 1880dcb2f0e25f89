"""The state every part of the fake queue shares, and the helpers they all use."""

from __future__ import annotations

import secrets
import threading
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

from ..._credentials import Credentials
from .._http import FakeAPIError
from .records import (
    QUEUE_ISSUER,
    STORAGE_PREFIX,
    GroupRecord,
    StoredObject,
    TaskRecord,
)

if TYPE_CHECKING:
    from .._deployment import FakeTaskcluster

__all__ = ["Store"]


class Store:
    """Tasks, groups and objects behind one lock; the base of the queue's parts."""

    storage_prefix = STORAGE_PREFIX

    def __init__(self, deployment: FakeTaskcluster) -> None:
        self._deployment = deployment
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._tasks: dict[str, TaskRecord] = {}
        self._groups: dict[str, GroupRecord] = {}
        self._objects: dict[str, StoredObject] = {}
        self._order = 0
        self.claim_timeout: float = 1200.0
        self.claim_wait: float = 0.0
        self.max_task_deadline_days: float = 5
        """How far ahead a task's `deadline` may be (v106's `maxTaskDeadlineDays`, 5 by default;
        `createTask` answers 400 `InputError` beyond it, allowing 15 minutes of drift)."""
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

    # -- helpers ----------------------------------------------------------------

    def _get(self, task_id: str) -> TaskRecord:
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
        self,
        exchange: str,
        message: dict[str, Any],
        task: TaskRecord | None,
        run_id: int | None = None,
    ) -> None:
        if self._deployment.publishes:
            self._deployment.pulse.publish_queue_event(
                exchange, message, task.definition if task else None, run_id
            )

    def _event(self, task: TaskRecord, **extra: Any) -> dict[str, Any]:
        present = {key: value for key, value in extra.items() if value is not None}
        return {
            "status": task.status(),
            **present,
            "task": {"tags": task.definition["tags"]},
            "version": 1,
        }

    def _storage_url(self, key: str) -> str:
        return f"{self._base()}{STORAGE_PREFIX}{quote(key, safe='')}"
