"""Plain pydantic models of a `listTaskGroup` page: the floor of parsing one into models.

The page figure's "pydantic alone" row parses the same bytes with these,
written by hand as the shortest pydantic v2 models that still give what a
typed answer must: every field of the queue's schemas the recorded page
carries, timezone-aware datetimes, unknown fields kept (`extra="allow"`),
free-form objects (`payload`, `extra`) as dicts and enum fields as strings.
None of the SDK's own machinery is in them (no lenient defaults, no
missing-field hook, no open enums or discriminators), so no change to the
SDK's generated models can parse a page into eager pydantic models faster.
"""

from __future__ import annotations

from typing import Any

from pydantic import AwareDatetime, BaseModel, ConfigDict


class _Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class Run(_Model):
    runId: int
    state: str
    reasonCreated: str
    scheduled: AwareDatetime
    reasonResolved: str | None = None
    workerGroup: str | None = None
    workerId: str | None = None
    takenUntil: AwareDatetime | None = None
    started: AwareDatetime | None = None
    resolved: AwareDatetime | None = None


class Status(_Model):
    taskId: str
    provisionerId: str
    workerType: str
    taskQueueId: str
    schedulerId: str
    projectId: str
    taskGroupId: str
    priority: str
    deadline: AwareDatetime
    expires: AwareDatetime
    retriesLeft: int
    state: str
    runs: list[Run]


class Metadata(_Model):
    name: str
    description: str
    owner: str
    source: str


class Task(_Model):
    provisionerId: str
    workerType: str
    taskQueueId: str
    schedulerId: str
    projectId: str
    taskGroupId: str
    dependencies: list[str]
    requires: str
    routes: list[str]
    priority: str
    retries: int
    created: AwareDatetime
    deadline: AwareDatetime
    expires: AwareDatetime
    scopes: list[str]
    payload: dict[str, Any]
    metadata: Metadata
    tags: dict[str, str]
    extra: dict[str, Any]


class TaskAndStatus(_Model):
    status: Status
    task: Task


class Page(_Model):
    taskGroupId: str
    schedulerId: str
    expires: AwareDatetime
    sealed: AwareDatetime | None = None
    tasks: list[TaskAndStatus]
    continuationToken: str | None = None
