"""A correct Pulse program: listeners typed by their bindings; pyright strict must accept it.

Every message arrives typed by its exchange's class (`TaskCompletedEvent`),
or as an `UnparsedMessage` that the program has to handle before it can
read `payload`.
"""

from __future__ import annotations

from typing import Any

from typing_extensions import assert_type

from taskcluster_sdk.events.queue import (
    QueueEvents,
    TaskCompletedEvent,
    TaskCompletedRoutingKey,
    TaskFailedEvent,
    TaskFailedRoutingKey,
)
from taskcluster_sdk.models.queue import TaskCompletedMessage, TaskFailedMessage
from taskcluster_sdk.pulse import Binding, Message, PulseListener, UnparsedMessage

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
events = QueueEvents()


async def one_binding() -> None:
    completed = events.taskCompleted(taskGroupId="fN1SbArXTPSVFNUvaOlinQ")
    assert_type(
        completed, Binding[TaskCompletedMessage, TaskCompletedRoutingKey, TaskCompletedEvent]
    )
    listener = PulseListener(AMQP_URL).bound(completed)
    assert_type(listener, PulseListener[TaskCompletedEvent])
    async with listener:
        async for message in listener:
            assert_type(message, TaskCompletedEvent | UnparsedMessage)
            if isinstance(message, UnparsedMessage):
                assert_type(message.body, bytes)
                assert_type(message.error, Exception)
                continue
            assert_type(message.payload, TaskCompletedMessage)
            assert_type(message.routing, TaskCompletedRoutingKey)
            assert_type(message.routing.taskId, str)
            assert_type(message.payload.status.taskId, str)
            assert_type(message.exchange, str)
            assert_type(message.routes, tuple[str, ...])
            assert_type(message.redelivered, bool)
            break
    assert_type(listener.queue_name, str)


async def two_bindings() -> None:
    completed = events.taskCompleted(taskGroupId="fN1SbArXTPSVFNUvaOlinQ")
    failed = events.taskFailed(taskGroupId="fN1SbArXTPSVFNUvaOlinQ")
    listener = PulseListener(AMQP_URL).bound(completed, failed)
    async with listener:
        async for message in listener:
            assert_type(message, TaskCompletedEvent | TaskFailedEvent | UnparsedMessage)
            if isinstance(message, TaskCompletedEvent):
                assert_type(message.payload, TaskCompletedMessage)
                assert_type(message.routing, TaskCompletedRoutingKey)
            elif isinstance(message, TaskFailedEvent):
                assert_type(message.payload, TaskFailedMessage)
                assert_type(message.routing, TaskFailedRoutingKey)
            else:
                assert_type(message, UnparsedMessage)
            match message:
                case TaskCompletedEvent(payload=payload):
                    assert_type(payload, TaskCompletedMessage)
                case TaskFailedEvent(routing=routing):
                    assert_type(routing, TaskFailedRoutingKey)
                case UnparsedMessage(error=error):
                    assert_type(error, Exception)
            if not isinstance(message, UnparsedMessage):
                done = message.of(completed)
                if done is not None:
                    assert_type(done, TaskCompletedEvent)
            break


async def handlers() -> None:
    completed = events.taskCompleted(taskGroupId="fN1SbArXTPSVFNUvaOlinQ")

    async def on_completed(message: TaskCompletedEvent) -> None:
        print(message.payload.status.state)

    async def on_generic(message: Message[TaskCompletedMessage, TaskCompletedRoutingKey]) -> None:
        print(message.payload.status.state)

    async def on_unparsed(message: UnparsedMessage) -> None:
        print(message.exchange, message.error)

    async def on_anything(message: Message[Any, Any] | UnparsedMessage) -> None:
        print(message.routing_key)

    listener = PulseListener(AMQP_URL).bound(completed)
    await listener.consume(on_completed, unparsed=on_unparsed)
    await listener.consume(on_generic, unparsed=on_unparsed)
    await listener.consume(on_anything)


async def untyped() -> None:
    async with PulseListener(AMQP_URL, deduplicate=100) as listener:
        await listener.bind(events.taskCompleted())
        async for message in listener:
            assert_type(message, Message[Any, Any] | UnparsedMessage)
            break
