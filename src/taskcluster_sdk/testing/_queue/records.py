"""What the fake queue and object service keep: tasks, runs, groups, artifacts, objects.

Also the small pure helpers every part of the fake uses (time as v106 writes
it, pages, temporary credentials, task defaults).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, cast

from ..._credentials import Credentials
from ..._tempcreds import create_temporary_credentials
from .._http import FakeAPIError, taskcluster_time

__all__ = [
    "PRIORITIES",
    "QUEUE_ISSUER",
    "RETRY_REASONS",
    "STORAGE_PREFIX",
    "GroupRecord",
    "StoredArtifact",
    "StoredObject",
    "TaskRecord",
    "body_of",
    "epoch_text",
    "hashes_of",
    "normal_time",
    "page_of",
    "parse_time",
    "task_defaults",
    "temporary_credentials",
    "utc_now",
]

QUEUE_ISSUER = "static/taskcluster/queue"
"""The client id that signs the queue's temporary credentials (as in a real deployment)."""

PRIORITIES = ("highest", "very-high", "high", "medium", "low", "very-low", "lowest", "normal")
RETRY_REASONS = ("worker-shutdown", "intermittent-task")
STORAGE_PREFIX = "/_fake/storage/"


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def normal_time(text: str) -> str:
    """As the queue stores dates: JavaScript's `toJSON()` (milliseconds, `Z`)."""
    return taskcluster_time(parse_time(text))


def epoch_text(moment: datetime) -> str:
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
class StoredObject:
    name: str
    project_id: str
    upload_id: str
    expires: str
    content_type: str = "application/binary"
    data: bytes | None = None
    hashes: dict[str, str] = field(default_factory=dict[str, str])
    finished: bool = False


@dataclass
class TaskRecord:
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
class GroupRecord:
    task_group_id: str
    scheduler_id: str
    expires: str
    sealed: str | None = None
    task_ids: list[str] = field(default_factory=list[str])


def body_of(call: Any) -> dict[str, Any]:
    """The request's JSON body (already checked against the method's schema)."""
    value = call.request.json()
    return cast("dict[str, Any]", value) if isinstance(value, dict) else {}


def hashes_of(data: bytes) -> dict[str, str]:
    return {"sha256": hashlib.sha256(data).hexdigest(), "sha512": hashlib.sha512(data).hexdigest()}


def temporary_credentials(
    issuer: Credentials, client_id: str, scopes: list[str], expiry: datetime
) -> dict[str, str]:
    credentials = create_temporary_credentials(
        issuer.client_id,
        issuer.access_token,
        utc_now(),
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


def page_of(
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


def task_defaults(
    task_id: str, body: dict[str, Any], max_deadline_days: float = 5
) -> dict[str, Any]:
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
    created, deadline = parse_time(definition["created"]), parse_time(definition["deadline"])
    now = utc_now()
    if created < now - timedelta(minutes=15):
        raise FakeAPIError(400, "InputError", "`created` cannot be in the past (max 15min drift)")
    if created > now + timedelta(minutes=15):
        raise FakeAPIError(400, "InputError", "`created` cannot be in the future (max 15min drift)")
    if created > deadline:
        raise FakeAPIError(400, "InputError", "`deadline` cannot be later than `created`")
    if deadline < now:
        raise FakeAPIError(400, "InputError", "`deadline` cannot be in the past")
    if deadline - now > timedelta(days=max_deadline_days, minutes=15):
        raise FakeAPIError(
            400,
            "InputError",
            f"`deadline` cannot be more than {max_deadline_days:g} days into the future",
        )
    if "expires" not in definition:
        definition["expires"] = taskcluster_time(deadline.replace(year=deadline.year + 1))
    if parse_time(definition["expires"]) < deadline:
        raise FakeAPIError(400, "InputError", "`expires` cannot be before `deadline`")
    for key in ("created", "deadline", "expires"):
        definition[key] = normal_time(definition[key])
    return definition
