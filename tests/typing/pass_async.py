"""A correct asyncio program: pyright strict must accept it as it is."""

from __future__ import annotations

from typing_extensions import assert_type

from taskcluster_sdk import AsyncQueue
from taskcluster_sdk.models.queue import ClaimWorkResponse, Task


async def worker() -> None:
    async with AsyncQueue(root_url="https://tc.example.com") as queue:
        work = await queue.claimWork(
            "proj-test/linux",
            {"tasks": 1, "workerGroup": "group", "workerId": "worker-1"},
        )
        assert_type(work, ClaimWorkResponse)
        task = await queue.task("fN1SbArXTPSVFNUvaOlinQ")
        assert_type(task, Task)
        async for item in queue.pages.listTaskGroup("fN1SbArXTPSVFNUvaOlinQ"):
            assert_type(item.status.taskId, str)
