"""A Pulse listener via the listener API, narrowing messages by exchange."""

from __future__ import annotations

from typing_extensions import assert_type

from taskcluster_sdk import PulseListener, QueueEvents
from taskcluster_sdk.events.queue import TaskCompletedEvent, TaskFailedEvent
from taskcluster_sdk.models.queue import TaskState
from taskcluster_sdk.pulse import UnparsedMessage


async def listen() -> None:
    events = QueueEvents()
    async with PulseListener("amqp://user:pw@localhost/", queue_name="ci") as listener:
        await listener.bind(events.taskCompleted(taskGroupId="fN1SbArXTPSVFNUvaOlinQ"))
        await listener.bind(events.taskFailed(taskGroupId="fN1SbArXTPSVFNUvaOlinQ"))
        async for message in listener:
            if isinstance(message, UnparsedMessage):
                print("cannot read", message.exchange, message.body[:100], message.error)
            elif isinstance(message, TaskCompletedEvent):
                assert_type(message.payload.runId, int)
                state = message.payload.status.state
                assert_type(state, TaskState)
                if state == "completed":
                    print(message.payload.status.taskId)
            elif isinstance(message, TaskFailedEvent):
                print(message.payload.status.runs[-1].reasonResolved)
