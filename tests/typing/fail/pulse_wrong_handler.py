"""Mistakes with typed Pulse listeners that pyright must flag (each marked line, and only those)."""

from __future__ import annotations

from taskcluster_sdk.events.queue import QueueEvents, TaskFailedRoutingKey
from taskcluster_sdk.models.queue import TaskFailedMessage
from taskcluster_sdk.pulse import Message, PulseListener

events = QueueEvents()


async def on_failed(message: Message[TaskFailedMessage, TaskFailedRoutingKey]) -> None:
    print(message.payload.status.state)


async def main() -> None:
    listener = PulseListener("amqp://guest:guest@127.0.0.1:5672/").bound(events.taskCompleted())
    await listener.consume(on_failed)  # expect-error
    async for message in listener:
        print(message.payload.artifact)  # expect-error
        print(message.routing.reasonResolved)  # expect-error
        break
