"""A generic-worker task, written from the service package's exports only.

Every payload class comes from `taskcluster_sdk.models.generic_worker` (not
from its modules), and goes into the queue's request as a model and as a dict.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from typing_extensions import assert_type

from taskcluster_sdk import Queue, slugid
from taskcluster_sdk.models.docker_worker import (
    DockerWorkerPayload,
    DockerWorkerPayloadCapabilities,
    DockerWorkerPayloadImageIndexedImage,
)
from taskcluster_sdk.models.generic_worker import (
    InsecurePosix,
    InsecurePosixPayload,
    InsecurePosixPayloadArtifact,
    InsecurePosixPayloadArtifactDict,
    InsecurePosixPayloadDict,
    InsecurePosixPayloadFeatures,
    InsecurePosixPayloadFileMount,
    InsecurePosixPayloadFileMountDict,
    InsecurePosixPayloadURLContent,
    InsecurePosixPayloadWritableDirectoryCache,
    MultiuserPosixPayload,
    MultiuserPosixPayloadDict,
    MultiuserWindowsPayload,
    MultiuserWindowsPayloadDict,
)
from taskcluster_sdk.models.queue import (
    CreateTaskRequest,
    CreateTaskRequestDict,
    TaskMetadata,
    TaskMetadataDict,
)


def schedule(queue: Queue, group: str) -> None:
    now = datetime.now(timezone.utc)
    meta = TaskMetadata(name="build", description="d", owner="me@example.com", source="https://x")
    payload = InsecurePosixPayload(
        command=[["make", "all"]],
        maxRunTime=600,
        env={"CC": "clang"},
        artifacts=[InsecurePosixPayloadArtifact(path="out/app", type="file", name="public/app")],
        features=InsecurePosixPayloadFeatures(taskclusterProxy=True),
        mounts=[
            InsecurePosixPayloadWritableDirectoryCache(cacheName="cargo", directory=".cargo"),
            InsecurePosixPayloadFileMount(
                file="tool.tar.gz", content=InsecurePosixPayloadURLContent(url="https://x/t")
            ),
        ],
    )
    request = CreateTaskRequest(
        taskQueueId="proj/posix",
        taskGroupId=group,
        created=now,
        deadline=now + timedelta(hours=1),
        metadata=meta,
        payload=payload,
    )
    queue.createTask(slugid(), request)
    for other in (
        MultiuserPosixPayload(command=[["true"]], maxRunTime=60),
        MultiuserWindowsPayload(command=["echo hi"], maxRunTime=60),
        # docker-worker's payload, which generic-worker also runs (d2g)
        DockerWorkerPayload(
            image=DockerWorkerPayloadImageIndexedImage(
                namespace="proj.images.latest", path="public/image.tar.zst", type="indexed-image"
            ),
            maxRunTime=60,
            capabilities=DockerWorkerPayloadCapabilities(privileged=True),
        ),
    ):
        request.payload = other
        queue.createTask(slugid(), request)

    artifact: InsecurePosixPayloadArtifactDict = {"path": "out/app", "type": "file"}
    mount: InsecurePosixPayloadFileMountDict = {"file": "a.txt", "content": {"raw": "hello"}}
    as_dict: InsecurePosixPayloadDict = {
        "mounts": [mount],
        "command": [["make", "all"]],
        "maxRunTime": 600,
        "artifacts": [artifact],
        "taskclusterProxyInterface": "localhost",
    }
    metadata: TaskMetadataDict = {
        "name": "build",
        "description": "d",
        "owner": "me@example.com",
        "source": "https://x",
    }
    body: CreateTaskRequestDict = {
        "taskQueueId": "proj/posix",
        "created": now,
        "deadline": now + timedelta(hours=1),
        "metadata": metadata,
        "payload": as_dict,
    }
    queue.createTask(slugid(), body)
    multiuser: MultiuserPosixPayloadDict = {"command": [["true"]], "maxRunTime": 60}
    windows: MultiuserWindowsPayloadDict = {"command": ["echo hi"], "maxRunTime": 60}
    queue.createTask(slugid(), {**body, "payload": multiuser})
    queue.createTask(slugid(), {**body, "payload": windows})

    # d2g: generic-worker's union holds docker-worker's own class
    d2g = DockerWorkerPayload(image="ubuntu:24.04", maxRunTime=60)
    assert_type(InsecurePosix(d2g).root, InsecurePosixPayload | DockerWorkerPayload)
    # reading a claimed task's payload back: the root tells the two forms apart
    parsed = InsecurePosix.model_validate(queue.task("t").payload).root
    if isinstance(parsed, InsecurePosixPayload):
        assert_type(parsed.command, list[list[str]])
