"""An asyncio worker loop, as a user writes one: pyright strict must accept it."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta, timezone

from typing_extensions import assert_type

from taskcluster_sdk import AsyncQueue, Credentials
from taskcluster_sdk.models.docker_worker import DockerWorkerPayload
from taskcluster_sdk.models.queue import (
    ArtifactContent,
    ClaimWorkResponse,
    ClaimWorkResponseTasks,
    CreateArtifactResponse,
    ObjectArtifactRequest,
    ObjectCreateArtifactResponse,
    S3ArtifactContent,
    TaskReclaimResponse,
    TaskStatusResponse,
    UnknownArtifactContent,
)


async def run_one(queue: AsyncQueue, claim: ClaimWorkResponseTasks) -> None:
    task_id = claim.status.taskId
    run_id = claim.runId
    assert_type(task_id, str)
    assert_type(run_id, int)
    payload = DockerWorkerPayload.model_validate(claim.task.payload)
    assert_type(payload.maxRunTime, int)
    assert_type(payload.command, list[str])
    reclaimed = await queue.reclaimTask(task_id, run_id)
    assert_type(reclaimed, TaskReclaimResponse)
    assert_type(reclaimed.takenUntil, datetime)

    expires = datetime.now(timezone.utc) + timedelta(days=1)
    created = await queue.createArtifact(
        task_id,
        run_id,
        "public/logs/live.log",
        ObjectArtifactRequest(storageType="object", contentType="text/plain", expires=expires),
    )
    assert_type(created, CreateArtifactResponse)
    if isinstance(created, ObjectCreateArtifactResponse):
        assert_type(created.uploadId, str)
    # the same request as a dict
    await queue.createArtifact(
        task_id,
        run_id,
        "public/result.json",
        {"storageType": "object", "contentType": "application/json", "expires": expires},
    )
    status = await queue.reportCompleted(task_id, run_id)
    assert_type(status, TaskStatusResponse)
    if status.status.state == "completed":
        print("done")


async def worker() -> None:
    credentials = Credentials("worker-client", "token")
    async with AsyncQueue(root_url="https://tc.example.com", credentials=credentials) as queue:
        while True:
            work = await queue.claimWork(
                "proj-test/linux",
                {"tasks": 4, "workerGroup": "group", "workerId": "worker-1"},
            )
            assert_type(work, ClaimWorkResponse)
            await asyncio.gather(*(run_one(queue, claim) for claim in work.tasks))
            content = await queue.latestArtifact("fN1SbArXTPSVFNUvaOlinQ", "public/x")
            assert_type(content, ArtifactContent)
            match content:
                case S3ArtifactContent(url=url):
                    assert_type(url, str)
                case UnknownArtifactContent():
                    assert_type(content.storageType, str)
                case _:
                    pass
            if not work.tasks:
                break
