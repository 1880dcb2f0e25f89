"""An artifact's expiry when the caller names none: its task's, needing no extra scope.

The queue has no default: `createArtifact` requires `expires` (its input
schema, `post-artifact-request.yml`) and refuses one later than the task's
(`services/queue/src/artifacts.js`). Reading the task takes
`queue:get-task:<taskId>`, which a worker's claim credentials hold only when
the deployment's `anonymous` role grants it: the queue gives them
`queue:reclaim-task`, `queue:resolve-task` and `queue:create-artifact` for
the run plus the task's own scopes (`services/queue/src/task-creds.js`).

So the helpers learn a task's expiry, once per task and process, from:

1. `queue.task(taskId)`, when the caller may read the task;
2. otherwise the queue's own refusal of an artifact that would outlive its
   task. `createArtifact` with an `expires` after any task's answers 400
   `InputError` naming `task.expires`; that check comes after the scope
   check for `queue:create-artifact` (which the upload needs anyway) and
   before anything is written, so the refused call leaves no trace.

A worker that has its claim at hand saves the round trip with
`expires=claim.task.expires`.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from typing import Any

from .content import normalize_timestamp
from .protocol import as_mapping
from .settings import client_config

__all__ = [
    "PROBE_EXPIRES",
    "TASK_EXPIRIES",
    "TaskExpiries",
    "task_expires",
    "task_expiry_from_refusal",
]

PROBE_EXPIRES = "9999-12-31T23:59:59.999Z"
"""An `expires` later than any task's: the queue answers it with the task's expiry."""

# The queue's message (v106 services/queue/src/artifacts.js, unchanged since the
# queue's first version): "Artifact expires ({{expires}}) after the task
# expiration {{taskExpires}} (task.expires < expires) - this is not allowed, ...".
_REFUSAL = re.compile(
    r"after the task expiration (\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z) \(task\.expires < expires\)"
)


def task_expires(task: object) -> str:
    """The `expires` of a task definition (a model or a mapping), in wire format."""
    data = as_mapping(task, "queue.task")
    value = data.get("expires")
    if not isinstance(value, str):
        raise TypeError(f"queue.task answered a task definition without expires: {value!r}")
    return normalize_timestamp(value)


def task_expiry_from_refusal(error: BaseException) -> str | None:
    """The task's expiry named by the queue's refusal of a later artifact, or None."""
    if getattr(error, "status_code", None) != 400 or getattr(error, "code", None) != "InputError":
        return None
    message = getattr(error, "message", None)
    match = _REFUSAL.search(message) if isinstance(message, str) else None
    return normalize_timestamp(match.group(1)) if match else None


class TaskExpiries:
    """Task expiries learned so far, per deployment (a task's expiry never changes).

    Bounded, least recently used first out; safe to share between threads.
    """

    def __init__(self, limit: int = 1024) -> None:
        self._limit = limit
        self._known: OrderedDict[tuple[Any, str], str] = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def _key(queue: object, task_id: str) -> tuple[Any, str]:
        config = client_config(queue)
        # A stand-in client has no root URL to tell deployments apart; a
        # taskId is a random 128-bit slug, unique in practice.
        return (None if config is None else config.root_url, task_id)

    def get(self, queue: object, task_id: str) -> str | None:
        key = self._key(queue, task_id)
        with self._lock:
            found = self._known.get(key)
            if found is not None:
                self._known.move_to_end(key)
            return found

    def put(self, queue: object, task_id: str, expires: str) -> None:
        key = self._key(queue, task_id)
        with self._lock:
            self._known[key] = expires
            self._known.move_to_end(key)
            while len(self._known) > self._limit:
                self._known.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._known.clear()


TASK_EXPIRIES = TaskExpiries()
