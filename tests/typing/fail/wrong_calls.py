"""Wrong programs: each `# expect-error` line must be flagged by pyright strict."""

from __future__ import annotations

from taskcluster_sdk import AsyncQueue, Queue, QueueEvents
from taskcluster_sdk.models.queue import TaskClaimRequest


def sync_mistakes(queue: Queue) -> None:
    queue.task()  # expect-error  (missing path argument)
    queue.task(123)  # expect-error  (an int where a str goes)
    queue.tsak("fN1SbArXTPSVFNUvaOlinQ")  # expect-error  (misspelt method)
    queue.listTaskGroup("fN1SbArXTPSVFNUvaOlinQ", limit="ten")  # expect-error  (query type)
    TaskClaimRequest(workerGroup=1, workerId="w")  # expect-error  (payload field of the wrong type)
    QueueEvents().taskDefined(taskID="x")  # expect-error  (misspelt routing-key field)
    queue.claimTask("fN1SbArXTPSVFNUvaOlinQ", 0, {"workerGroup": "g", "workerId": "w"})  # expect-error  (deprecated)


async def async_mistakes(queue: Queue, aqueue: AsyncQueue) -> None:
    await queue.task("fN1SbArXTPSVFNUvaOlinQ")  # expect-error  (awaiting a sync method)
    task = aqueue.task("fN1SbArXTPSVFNUvaOlinQ")
    task.metadata  # expect-error  (forgot to await the async method)
