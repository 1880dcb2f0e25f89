"""Mistakes with typed Pulse listeners that pyright must flag (each marked line, and only those)."""

from __future__ import annotations

from taskcluster_sdk.events.queue import QueueEvents, TaskCompletedEvent, TaskFailedEvent
from taskcluster_sdk.pulse import PulseListener, UnparsedMessage

events = QueueEvents()


async def on_failed(message: TaskFailedEvent) -> None:
    print(message.payload.status.state)


async def on_completed(message: TaskCompletedEvent) -> None:
    print(message.payload.status.state)


async def on_unparsed(message: UnparsedMessage) -> None:
    print(message.body)


async def main() -> None:
    listener = PulseListener("amqp://guest:guest@127.0.0.1:5672/").bound(events.taskCompleted())
    await listener.consume(on_failed, unparsed=on_unparsed)  # expect-error
    # A handler for the messages only, and nothing for those that do not parse.
    await listener.consume(on_completed)  # expect-error
    async for message in listener:
        print(message.payload.status.state)  # expect-error
        if isinstance(message, UnparsedMessage):
            continue
        print(message.payload.artifact)  # expect-error
        print(message.routing.reasonResolved)  # expect-error
        break


async def two() -> None:
    both = PulseListener("amqp://guest:guest@127.0.0.1:5672/").bound(
        events.taskCompleted(), events.taskFailed()
    )
    async for message in both:
        if isinstance(message, TaskFailedEvent):
            print(message.payload.status.state)
        elif isinstance(message, TaskCompletedEvent):
            print(message.payload.artifact)  # expect-error
    await both.consume(on_completed, unparsed=on_unparsed)  # expect-error
