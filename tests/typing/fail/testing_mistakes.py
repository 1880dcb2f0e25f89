"""Mistakes in programming taskcluster_sdk.testing fakes that pyright must flag (marked lines only)."""

from __future__ import annotations

from taskcluster_sdk.events.queue import QueueEvents
from taskcluster_sdk.legacy.models.queue import TaskStatusResponse as LegacyTaskStatusResponse
from taskcluster_sdk.models.queue import Task, TaskCompletedMessage, TaskStatusResponse
from taskcluster_sdk.testing import FakeTaskcluster
from taskcluster_sdk.testing.services.queue import CreateTaskCall, TaskCall


def wrong_handler(call: TaskCall) -> TaskStatusResponse:
    return TaskStatusResponse.model_construct()


def wrong_return(call: CreateTaskCall) -> Task:
    return Task.model_construct()


def two_arguments(call: CreateTaskCall, extra: int) -> TaskStatusResponse:
    return TaskStatusResponse.model_construct()


def program(tc: FakeTaskcluster, task: Task, status: TaskStatusResponse) -> None:
    tc.queue.task.returns(status)  # expect-error
    tc.queue.createTask.returns(task)  # expect-error
    tc.queue.createTask.handle(wrong_handler)  # expect-error
    tc.queue.createTask.handle(wrong_return)  # expect-error
    tc.queue.createTask.handle(two_arguments)  # expect-error
    tc.queue.ping.returns(task)  # expect-error
    tc.queue.reportCompleted.handle(lambda call: call.payload)  # expect-error
    print(tc.queue.task.last_call.runId)  # expect-error
    tc.queue.task.raises("404")  # expect-error


def publish(tc: FakeTaskcluster, message: TaskCompletedMessage) -> None:
    tc.pulse.publisher(QueueEvents().taskFailed()).publish(message)  # expect-error


def program_legacy(tc: FakeTaskcluster, status: TaskStatusResponse) -> None:
    tc.legacy.queue.status.returns(status)  # expect-error
    tc.legacy.queue.status.returns(LegacyTaskStatusResponse.model_construct())
    tc.legacy.queue.createTask.handle(lambda call: call.payload.taskQueueId)  # expect-error
    tc.legacy.secrets.get.returns(None)  # expect-error
