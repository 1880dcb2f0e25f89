"""Hand-made clients shaped exactly like the generated code (see docs/architecture.md).

The generated service modules land separately; these exercise the runtime
contract (`_call`, `_call_no_output`, URL builders, pagers) on their own.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict

from taskcluster_sdk._client import AsyncClient, SyncClient
from taskcluster_sdk._endpoint import Endpoint, ServiceInfo
from taskcluster_sdk._pagination import AsyncPager, SyncPager
from taskcluster_sdk._urls import SignedURLBuilder, URLBuilder


class Model(BaseModel):
    model_config = ConfigDict(extra="allow")


class Task(Model):
    taskId: str
    provisionerId: str


class CreateTaskRequest(BaseModel):
    # Strict like a request schema with additionalProperties: false.
    model_config = ConfigDict(extra="forbid")

    provisionerId: str
    priority: str = "lowest"
    metadata: Metadata


class Metadata(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str
    owner: str


CreateTaskRequest.model_rebuild()


class TaskStatusResponse(Model):
    status: dict[str, Any]


class TaskRef(Model):
    taskId: str


class ListTaskGroupResponse(Model):
    taskGroupId: str
    tasks: list[TaskRef]
    continuationToken: str | None = None


class ArtifactResponse(Model):
    storageType: str
    url: str


_SERVICE = ServiceInfo(name="queue", api_version="v1", base_url=None)
_LEGACY_SERVICE = ServiceInfo(
    name="queue", api_version="v1", base_url="https://queue.taskcluster.net/v1"
)
_TASK = Endpoint(name="task", method="GET", route="/task/<taskId>", args=("taskId",), query=())
_CREATE_TASK = Endpoint(
    name="createTask", method="PUT", route="/task/<taskId>", args=("taskId",), query=()
)
_LIST_TASK_GROUP = Endpoint(
    name="listTaskGroup",
    method="GET",
    route="/task-group/<taskGroupId>/list",
    args=("taskGroupId",),
    query=("continuationToken", "limit"),
)
_GET_ARTIFACT = Endpoint(
    name="getArtifact",
    method="GET",
    route="/task/<taskId>/runs/<runId>/artifacts/<name>",
    args=("taskId", "runId", "name"),
)
_PING = Endpoint(name="ping", method="GET", route="/ping")
_FAIL = Endpoint(
    name="fail", method="GET", route="/error/<status>", args=("status",), query=("code", "html")
)
_GARBAGE = Endpoint(name="garbage", method="GET", route="/garbage")


class Queue(SyncClient):
    """The queue (test double of the generated class)."""

    _service = _SERVICE

    def task(self, taskId: str) -> Task:
        return self._call(_TASK, (taskId,), None, None, None, Task)

    def createTask(
        self, taskId: str, payload: CreateTaskRequest | Mapping[str, Any]
    ) -> TaskStatusResponse:
        return self._call(
            _CREATE_TASK, (taskId,), None, payload, CreateTaskRequest, TaskStatusResponse
        )

    def listTaskGroup(
        self, taskGroupId: str, *, continuationToken: str | None = None, limit: int | None = None
    ) -> ListTaskGroupResponse:
        return self._call(
            _LIST_TASK_GROUP,
            (taskGroupId,),
            {"continuationToken": continuationToken, "limit": limit},
            None,
            None,
            ListTaskGroupResponse,
        )

    def getArtifact(self, taskId: str, runId: int, name: str) -> ArtifactResponse:
        return self._call(_GET_ARTIFACT, (taskId, runId, name), None, None, None, ArtifactResponse)

    def ping(self) -> None:
        self._call_no_output(_PING, (), None, None, None)

    def fail(self, status: int, *, code: str | None = None, html: bool | None = None) -> Task:
        return self._call(_FAIL, (status,), {"code": code, "html": html}, None, None, Task)

    def garbage(self) -> Task:
        return self._call(_GARBAGE, (), None, None, None, Task)

    @property
    def urls(self) -> QueueURLs:
        return QueueURLs(self._config)

    @property
    def signed_urls(self) -> QueueSignedURLs:
        return QueueSignedURLs(self._config)

    @property
    def pages(self) -> QueuePages:
        return QueuePages(self)


class AsyncQueue(AsyncClient):
    _service = _SERVICE

    async def task(self, taskId: str) -> Task:
        return await self._call(_TASK, (taskId,), None, None, None, Task)

    async def createTask(
        self, taskId: str, payload: CreateTaskRequest | Mapping[str, Any]
    ) -> TaskStatusResponse:
        return await self._call(
            _CREATE_TASK, (taskId,), None, payload, CreateTaskRequest, TaskStatusResponse
        )

    async def listTaskGroup(
        self, taskGroupId: str, *, continuationToken: str | None = None, limit: int | None = None
    ) -> ListTaskGroupResponse:
        return await self._call(
            _LIST_TASK_GROUP,
            (taskGroupId,),
            {"continuationToken": continuationToken, "limit": limit},
            None,
            None,
            ListTaskGroupResponse,
        )

    async def getArtifact(self, taskId: str, runId: int, name: str) -> ArtifactResponse:
        return await self._call(
            _GET_ARTIFACT, (taskId, runId, name), None, None, None, ArtifactResponse
        )

    async def ping(self) -> None:
        await self._call_no_output(_PING, (), None, None, None)

    async def fail(self, status: int, *, code: str | None = None, html: bool | None = None) -> Task:
        return await self._call(_FAIL, (status,), {"code": code, "html": html}, None, None, Task)

    @property
    def pages(self) -> AsyncQueuePages:
        return AsyncQueuePages(self)


class LegacyQueue(SyncClient):
    """A 2014-platform client: its reference's baseUrl is the default."""

    _service = _LEGACY_SERVICE

    def task(self, taskId: str) -> Task:
        return self._call(_TASK, (taskId,), None, None, None, Task)


class QueueURLs(URLBuilder):
    def task(self, taskId: str) -> str:
        return self._url(_TASK, (taskId,), None)

    def listTaskGroup(
        self, taskGroupId: str, *, continuationToken: str | None = None, limit: int | None = None
    ) -> str:
        return self._url(
            _LIST_TASK_GROUP,
            (taskGroupId,),
            {"continuationToken": continuationToken, "limit": limit},
        )

    def getArtifact(self, taskId: str, runId: int, name: str) -> str:
        return self._url(_GET_ARTIFACT, (taskId, runId, name), None)


class QueueSignedURLs(SignedURLBuilder):
    def task(self, taskId: str, *, expires_in: float | None = None) -> str:
        return self._signed_url(_TASK, (taskId,), None, expires_in)

    def listTaskGroup(
        self, taskGroupId: str, *, limit: int | None = None, expires_in: float | None = None
    ) -> str:
        return self._signed_url(_LIST_TASK_GROUP, (taskGroupId,), {"limit": limit}, expires_in)

    def createTask(self, taskId: str) -> str:
        return self._signed_url(_CREATE_TASK, (taskId,), None, None)


class QueuePages:
    def __init__(self, client: Queue) -> None:
        self._client = client

    def listTaskGroup(
        self, taskGroupId: str, *, limit: int | None = None
    ) -> SyncPager[ListTaskGroupResponse, TaskRef]:
        def fetch(token: str | None) -> ListTaskGroupResponse:
            return self._client.listTaskGroup(taskGroupId, continuationToken=token, limit=limit)

        return SyncPager(fetch, lambda page: page.tasks)


class AsyncQueuePages:
    def __init__(self, client: AsyncQueue) -> None:
        self._client = client

    def listTaskGroup(
        self, taskGroupId: str, *, limit: int | None = None
    ) -> AsyncPager[ListTaskGroupResponse, TaskRef]:
        async def fetch(token: str | None) -> ListTaskGroupResponse:
            return await self._client.listTaskGroup(
                taskGroupId, continuationToken=token, limit=limit
            )

        return AsyncPager(fetch, lambda page: page.tasks)
