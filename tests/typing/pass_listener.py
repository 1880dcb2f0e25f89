"""A Pulse listener via the listener API, narrowing messages by model."""

from __future__ import annotations

from typing_extensions import assert_type

from taskcluster_sdk import PulseListener, QueueEvents
from taskcluster_sdk.models.queue import TaskCompletedMessage, TaskFailedMessage, TaskState


async def listen() -> None:
    events = QueueEvents()
    async with PulseListener("amqp://user:pw@localhost/", queue_name="ci") as listener:
        await listener.bind(events.taskCompleted(taskGroupId="fN1SbArXTPSVFNUvaOlinQ"))
        await listener.bind(events.taskFailed(taskGroupId="fN1SbArXTPSVFNUvaOlinQ"))
        async for message in listener:
            payload = message.payload
            if isinstance(payload, TaskCompletedMessage):
                assert_type(payload.runId, int)
                state = payload.status.state
                assert_type(state, TaskState)
                if state == "completed":
                    print(payload.status.taskId)
            elif isinstance(payload, TaskFailedMessage):
                print(payload.status.runs[-1].reasonResolved)
