"""Wrong programs: every marked line must be flagged by pyright strict."""

from __future__ import annotations

from taskcluster_sdk import AsyncQueue, Queue, QueueEvents
from taskcluster_sdk.models.queue import TaskClaimRequest

TASK_ID = "fN1SbArXTPSVFNUvaOlinQ"
CLAIM = {"workerGroup": "g", "workerId": "w"}


def sync_mistakes(queue: Queue) -> None:
    queue.task()  # expect-error  (missing path argument)
    queue.task(123)  # expect-error  (an int where a str goes)
    queue.tsak(TASK_ID)  # expect-error  (misspelt method)
    queue.listTaskGroup(TASK_ID, limit="ten")  # expect-error  (query type)
    TaskClaimRequest(workerGroup=1, workerId="w")  # expect-error  (payload field of the wrong type)
    QueueEvents().taskDefined(taskID="x")  # expect-error  (misspelt routing-key field)
    queue.claimTask(TASK_ID, 0, CLAIM)  # expect-error  (deprecated)


async def async_mistakes(queue: Queue, aqueue: AsyncQueue) -> None:
    await queue.task(TASK_ID)  # expect-error  (awaiting a sync method)
    task = aqueue.task(TASK_ID)
    print(task.metadata)  # expect-error  (forgot to await the async method)
