"""Mistakes in request bodies and answers: every marked line must be flagged."""

from __future__ import annotations

from datetime import datetime, timezone

from taskcluster_sdk import Auth, Queue
from taskcluster_sdk.models.auth import CreateClientRequestDict
from taskcluster_sdk.models.docker_worker import DockerWorkerPayload, DockerWorkerPayloadDict
from taskcluster_sdk.models.queue import (
    CreateTaskRequest,
    CreateTaskRequestDict,
    TaskMetadata,
    TaskMetadataDict,
)

NOW = datetime.now(timezone.utc)
META = TaskMetadata(name="n", description="d", owner="o@example.com", source="https://s")


def mistakes(queue: Queue, auth: Auth) -> None:
    CreateTaskRequest(
        created=NOW,
        deadline=NOW,
        metadata=META,
        payload={},
        priority="hihg",  # expect-error  (misspelt literal)
    )
    DockerWorkerPayload(image="ubuntu", maxRunTime=60, comand=["ls"])  # expect-error  (wrong field)
    meta: TaskMetadataDict = {"name": "n", "description": "d", "owner": "o", "source": "s"}
    body: CreateTaskRequestDict = {
        "taskQueueID": "a/b",  # expect-error  (misspelt key)
        "created": NOW,
        "deadline": NOW,
        "metadata": meta,
        "payload": {},
    }
    docker: DockerWorkerPayloadDict = {"image": "u", "maxRunTime": "60"}  # expect-error  (type)
    queue.createTask("t", {"taskQueueId": "a/b"})  # expect-error  (required keys left out)
    for role in auth.listRoles():
        print(role["roleId"])  # expect-error  (the items are models, not dicts)
    client: CreateClientRequestDict = {
        "expires": NOW,
        "description": "d",
        "scopes": None,  # expect-error  (optional, but never null: the schema refuses it)
    }
    auth.createClient("c", client)
    for task in queue.listTaskGroup("g"):
        print(task.status)  # expect-error  (iterating the page model gives (field, value) pairs)
    nested: DockerWorkerPayloadDict = {
        "image": "u",
        "maxRunTime": 1,
        "artifacts": {"logs": {"type": "file", "pth": "/x"}},  # expect-error  (nested field)
    }
    second: CreateTaskRequestDict = {
        "taskQueueId": "a/b",
        "created": NOW,
        "deadline": NOW,
        "metadata": {"name": "n", "description": "d", "ownr": "o", "source": "s"},  # expect-error
        "payload": nested,
    }
    queue.createTask("t", second)
    status = queue.status("t").status
    if status.state == "hibernating":  # expect-error  (not a task state)
        print(body, docker)


def generic_worker_mistakes() -> None:
    from taskcluster_sdk.models.generic_worker import InsecurePosixPayload, InsecurePosixPayloadDict

    InsecurePosixPayload(command=["make"], maxRunTime=60)  # expect-error  (one list per command)
    bad: InsecurePosixPayloadDict = {"command": [["make"]], "maxRuntime": 60}  # expect-error
    print(bad)
