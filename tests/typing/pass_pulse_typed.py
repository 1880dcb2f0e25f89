"""A correct Pulse program: listeners typed by their bindings; pyright strict must accept it."""

from __future__ import annotations

from typing import Any

from typing_extensions import assert_type

from taskcluster_sdk.events.queue import (
    QueueEvents,
    TaskCompletedRoutingKey,
    TaskFailedRoutingKey,
)
from taskcluster_sdk.models.queue import TaskCompletedMessage, TaskFailedMessage
from taskcluster_sdk.pulse import Message, PulseListener

AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
events = QueueEvents()


async def one_binding() -> None:
    completed = events.taskCompleted(taskGroupId="fN1SbArXTPSVFNUvaOlinQ")
    listener = PulseListener(AMQP_URL).bound(completed)
    assert_type(listener, PulseListener[Message[TaskCompletedMessage, TaskCompletedRoutingKey]])
    async with listener:
        async for message in listener:
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
            assert_type(
                message,
                Message[TaskCompletedMessage, TaskCompletedRoutingKey]
                | Message[TaskFailedMessage, TaskFailedRoutingKey],
            )
            payload = message.payload
            if isinstance(payload, TaskCompletedMessage):
                assert_type(payload, TaskCompletedMessage)
            else:
                assert_type(payload, TaskFailedMessage)
            done = message.of(completed)
            if done is not None:
                assert_type(done, Message[TaskCompletedMessage, TaskCompletedRoutingKey])
            break


async def handlers() -> None:
    completed = events.taskCompleted(taskGroupId="fN1SbArXTPSVFNUvaOlinQ")

    async def on_completed(message: Message[TaskCompletedMessage, TaskCompletedRoutingKey]) -> None:
        print(message.payload.status.state)

    async def on_anything(message: Message[Any, Any]) -> None:
        print(message.routing_key)

    listener = PulseListener(AMQP_URL).bound(completed)
    await listener.consume(on_completed)
    await listener.consume(on_anything)


async def untyped() -> None:
    async with PulseListener(AMQP_URL) as listener:
        await listener.bind(events.taskCompleted())
        async for message in listener:
            assert_type(message, Message[Any, Any])
            break
