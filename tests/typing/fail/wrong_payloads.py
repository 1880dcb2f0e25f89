"""Mistakes in request bodies and answers: every marked line must be flagged."""

from __future__ import annotations

from datetime import datetime, timezone

from taskcluster_sdk import Auth, Queue
from taskcluster_sdk.models.docker_worker import DockerWorkerPayload, DockerWorkerPayloadDict
from taskcluster_sdk.models.queue import CreateTaskRequest, CreateTaskRequestDict, TaskMetadata

NOW = datetime.now(timezone.utc)
META = TaskMetadata(name="n", description="d", owner="o@example.com", source="https://s")


def mistakes(queue: Queue, auth: Auth) -> None:
    CreateTaskRequest(
        taskQueueId="a/b", created=NOW, deadline=NOW, metadata=META, payload={}, priority="hihg"
    )  # expect-error  (misspelt literal)
    DockerWorkerPayload(
        imagee="ubuntu", maxRunTime=60
    )  # expect-error  (wrong nested payload field)
    body: CreateTaskRequestDict = {
        "taskQueueID": "a/b",
        "created": NOW,
        "deadline": NOW,
        "metadata": META.model_dump(),
        "payload": {},
    }  # expect-error  (misspelt dict key)
    docker: DockerWorkerPayloadDict = {
        "image": "ubuntu",
        "maxRunTime": "60",
    }  # expect-error  (wrong nested value type)
    queue.createTask("t", {"taskQueueId": "a/b"})  # expect-error  (required keys left out)
    for role in auth.listRoles():
        print(role["roleId"])  # expect-error  (the items are models, not dicts)
    status = queue.status("t").status
    if status.state == "hibernating":  # expect-error  (not a task state)
        print(body, docker)
