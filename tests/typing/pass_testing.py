"""A user's tests with taskcluster_sdk.testing: pyright strict must accept them."""

from __future__ import annotations

from typing_extensions import assert_type

from taskcluster_sdk import Queue
from taskcluster_sdk.events.queue import QueueEvents
from taskcluster_sdk.models.queue import (
    ArtifactRequest,
    CreateArtifactResponse,
    ObjectArtifactRequest,
    ReferenceCreateArtifactResponse,
    Task,
    TaskCompletedMessage,
    TaskState,
    TaskStatusResponse,
)
from taskcluster_sdk.models.secrets import Secret
from taskcluster_sdk.testing import FakeAPIError, FakeMethod, FakeTaskcluster
from taskcluster_sdk.testing.services.queue import (
    CreateArtifactCall,
    CreateTaskCall,
    ListTaskGroupCall,
    TaskCall,
)
from taskcluster_sdk.testing.services.secrets import GetCall


def program(tc: FakeTaskcluster, task: Task, status: TaskStatusResponse) -> None:
    tc.queue.task.returns(task)
    assert_type(tc.queue.task, FakeMethod[TaskCall, Task])

    @tc.queue.createTask.handle
    def create(call: CreateTaskCall) -> TaskStatusResponse:
        assert_type(call.taskId, str)
        if call.payload.priority == "highest":
            raise FakeAPIError(409, message="no")
        return status

    def artifact(call: CreateArtifactCall) -> CreateArtifactResponse:
        assert_type(call.runId, int)
        assert_type(call.payload, ArtifactRequest)
        if isinstance(call.payload, ObjectArtifactRequest):
            print(call.payload.contentType)
        return ReferenceCreateArtifactResponse(storageType="reference")

    tc.queue.createArtifact.handle(artifact)
    tc.secrets.get.handle(lambda call: Secret(secret={"name": call.name}, expires=task.deadline))
    tc.queue.status.raises(404)
    tc.auth.currentScopes.raises(403, "InsufficientScopes", "no")


def inspect(tc: FakeTaskcluster) -> None:
    calls = tc.queue.listTaskGroup.calls
    assert_type(calls, list[ListTaskGroupCall])
    for call in calls:
        assert_type(call.limit, int | None)
        assert_type(call.continuationToken, str | None)
    last = tc.secrets.get.last_call
    assert_type(last, GetCall)
    assert_type(last.client_id, str | None)


def publish(tc: FakeTaskcluster, message: TaskCompletedMessage) -> None:
    routing_key = tc.pulse.publish(QueueEvents().taskCompleted(taskId="x"), message)
    assert_type(routing_key, str)
    tc.pulse.publisher(QueueEvents().taskCompleted()).publish(message)


def use(tc: FakeTaskcluster) -> None:
    with tc.http_client() as client:
        Queue(root_url=tc.root_url, http_client=client).ping()
    status = tc.state.status("x")
    assert_type(status.state, TaskState)
    print(status.runs[0].reasonCreated, tc.state.artifact_data("x", "public/log"))
