"""RabbitMQ plumbing shared by both sides of the listener figure.

Messages are published the way Taskcluster's queue publishes them: durable
topic exchange, persistent JSON, `primary.<taskId>.<runId>...` routing keys,
task routes in the `CC` header. Each round gets its own durable queue,
declared, bound and filled before the timed part starts, and deleted after.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Awaitable
from contextlib import AsyncExitStack
from typing import cast

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, FieldValue

from benchmarks.config import AMQP_URL
from benchmarks.fixtures import EXCHANGE, routing_key, slug, task_completed_message, task_routes
from benchmarks.measure import SideUnavailableError

PUBLISH_BATCH = 500
USER = "guest"
BINDING = "primary.#"


async def connect() -> AbstractConnection:
    """A plain connection to the local broker, or SideUnavailableError."""
    try:
        return await aio_pika.connect(AMQP_URL, timeout=5)
    except (OSError, asyncio.TimeoutError) as error:
        raise SideUnavailableError(f"RabbitMQ is not reachable at {AMQP_URL} ({error})") from error


async def open_channel(
    connection: AbstractConnection, stack: AsyncExitStack, *, publisher_confirms: bool = False
) -> AbstractChannel:
    # With pythonVersion 3.10, pyright cannot infer aio-pika's channel type.
    channel = cast(AbstractChannel, await connection.channel(publisher_confirms=publisher_confirms))
    stack.push_async_callback(channel.close)
    return channel


def new_queue_name() -> str:
    """The listener-side name of a round's queue (Pulse: `queue/<user>/<name>`)."""
    return f"bench-{uuid.uuid4().hex[:12]}"


def full_queue_name(name: str) -> str:
    return f"queue/{USER}/{name}"


async def declare_exchange(channel: AbstractChannel) -> aio_pika.abc.AbstractExchange:
    return await channel.declare_exchange(EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True)


async def fill_queue(connection: AbstractConnection, name: str, count: int) -> None:
    """Declare the durable queue `name`, bind it and publish `count` messages into it."""
    async with AsyncExitStack() as stack:
        channel = await open_channel(connection, stack, publisher_confirms=True)
        exchange = await declare_exchange(channel)
        queue = await channel.declare_queue(full_queue_name(name), durable=True)
        await queue.bind(exchange, BINDING)
        headers: dict[str, FieldValue] = {"CC": list(task_routes())}
        pending: list[Awaitable[object]] = []
        for index in range(count):
            task_id, run_id = slug(), index % 3
            message = aio_pika.Message(
                json.dumps(task_completed_message(task_id, run_id)).encode(),
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                headers=headers,
            )
            pending.append(exchange.publish(message, routing_key(task_id, run_id)))
            if len(pending) >= PUBLISH_BATCH:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)


async def delete_queue(connection: AbstractConnection, name: str) -> None:
    async with AsyncExitStack() as stack:
        channel = await open_channel(connection, stack)
        await channel.queue_delete(full_queue_name(name))
