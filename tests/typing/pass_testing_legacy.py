"""A user's tests of 2014-platform code with taskcluster_sdk.testing: pyright strict must accept them."""

from __future__ import annotations

from typing_extensions import assert_type

from taskcluster_sdk import legacy
from taskcluster_sdk.legacy.models.queue import (
    ArtifactRequest,
    CreateArtifactResponse,
    Task,
    TaskCompletedMessage,
    TaskStatusResponse,
)
from taskcluster_sdk.legacy.models.scheduler import TaskGraphStatusResponse
from taskcluster_sdk.testing import FakeAPIError, FakeMethod, FakeTaskcluster
from taskcluster_sdk.testing.legacy import FakeLegacyServices
from taskcluster_sdk.testing.legacy.queue import (
    CreateArtifactCall,
    CreateTaskCall,
    FakeQueue,
    GetTaskCall,
)
from taskcluster_sdk.testing.legacy.scheduler import CreateTaskGraphCall


def program(tc: FakeTaskcluster, task: Task, status: TaskStatusResponse) -> None:
    assert_type(tc.legacy, FakeLegacyServices)
    assert_type(tc.legacy.queue, FakeQueue)
    tc.legacy.queue.getTask.returns(task)
    assert_type(tc.legacy.queue.getTask, FakeMethod[GetTaskCall, Task])

    @tc.legacy.queue.createTask.handle
    def create(call: CreateTaskCall) -> TaskStatusResponse:
        assert_type(call.taskId, str)
        assert_type(call.payload.provisionerId, str)
        if call.payload.workerType == "busy":
            raise FakeAPIError(409, message="no")
        return status

    def artifact(call: CreateArtifactCall) -> CreateArtifactResponse:
        assert_type(call.runId, int)
        assert_type(call.payload, ArtifactRequest)
        raise FakeAPIError(404)

    tc.legacy.queue.createArtifact.handle(artifact)
    tc.legacy.queue.ping.returns(None)
    tc.legacy.auth.inspect.raises(403, "InsufficientScopes", "no")

    def graph(call: CreateTaskGraphCall) -> TaskGraphStatusResponse:
        assert_type(call.taskGraphId, str)
        return TaskGraphStatusResponse.model_validate({"status": {}})

    tc.legacy.scheduler.createTaskGraph.handle(graph)


def use(tc: FakeTaskcluster) -> None:
    url = tc.legacy_base_url("queue")
    assert_type(url, str)
    with tc.http_client() as client:
        assert_type(legacy.Queue(base_url=url, http_client=client).getTask("t"), Task)
    assert_type(tc.legacy.queue.getTask.last_call, GetTaskCall)


def publish(tc: FakeTaskcluster, message: TaskCompletedMessage) -> None:
    tc.pulse.publisher(legacy.QueueEvents().taskCompleted()).publish(message)
