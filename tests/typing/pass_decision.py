"""A decision task: typed payloads, dependencies, dict and model forms."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from typing_extensions import assert_type

from taskcluster_sdk import Queue, slugid
from taskcluster_sdk.models.docker_worker import DockerWorkerPayload, DockerWorkerPayloadDict
from taskcluster_sdk.models.queue import (
    CreateTaskRequest,
    CreateTaskRequestDict,
    TaskMetadata,
    TaskPayload,
    TaskPriority,
    TaskRequires,
    TaskState,
    TaskStatusResponse,
)


def schedule(queue: Queue, group: str) -> list[str]:
    now = datetime.now(timezone.utc)
    build_id = slugid()
    build = CreateTaskRequest(
        taskQueueId="proj/linux",
        taskGroupId=group,
        created=now,
        deadline=now + timedelta(hours=3),
        priority="high",
        requires="all-completed",
        metadata=TaskMetadata(
            name="build", description="build it", owner="me@example.com", source="https://x"
        ),
        payload=DockerWorkerPayload(image="ubuntu:24.04", maxRunTime=3600, command=["make"]),
    )
    status = queue.createTask(build_id, build)
    assert_type(status, TaskStatusResponse)

    docker: DockerWorkerPayloadDict = {"image": "ubuntu:24.04", "maxRunTime": 600}
    priority: TaskPriority = "low"
    test: CreateTaskRequestDict = {
        "taskQueueId": "proj/linux",
        "taskGroupId": group,
        "dependencies": [build_id],
        "created": now,
        "deadline": "2026-01-01T00:00:00.000Z",
        "priority": priority,
        "metadata": {
            "name": "test",
            "description": "test it",
            "owner": "me@example.com",
            "source": "https://x",
        },
        "payload": docker,
    }
    test_id = slugid()
    queue.createTask(test_id, test)
    # a free-form payload for a worker this SDK has no model for
    queue.createTask(
        slugid(),
        {
            "taskQueueId": "proj/custom",
            "created": now,
            "deadline": now + timedelta(hours=1),
            "metadata": test["metadata"],
            "payload": {"anything": ["the", "worker", "reads"]},
        },
    )
    # the answers: dependencies and the payload as the queue stored them
    assert_type(build.payload, TaskPayload)
    assert_type(build.dependencies, list[str])
    defined = queue.task(test_id)
    assert_type(defined.dependencies, list[str])
    assert_type(defined.requires, TaskRequires)
    assert_type(defined.payload, dict[str, Any])
    assert_type(defined.metadata.owner, str)
    again = DockerWorkerPayload.model_validate(defined.payload)
    assert_type(again.maxRunTime, int)
    state = queue.status(test_id).status.state
    assert_type(state, TaskState)
    if state == "failed" or state == "exception":
        print("rerun", test_id)
    print(f"{state}")
    return [build_id, test_id]
