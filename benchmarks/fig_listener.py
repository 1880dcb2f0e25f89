"""Figure 4: Pulse listener throughput, typed messages per second from RabbitMQ.

Each round publishes N `task-completed` messages the way Taskcluster does
(durable topic exchange, persistent JSON, `primary.<taskId>.<runId>...`
routing keys, task routes in `CC`) into a fresh queue, then times draining
it: our listener (routing key and payload parsed into typed objects, ack)
against a raw aio-pika consumer that only `json.loads` and acks. The
official client has no listener, so its column stays empty.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable
from contextlib import AsyncExitStack
from typing import cast

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractIncomingMessage, AbstractRobustConnection

from benchmarks.config import AMQP_URL, RunConfig
from benchmarks.fixtures import (
    EXCHANGE,
    routing_key,
    slug,
    task_completed_message,
    task_routes,
)
from benchmarks.listener_ours import our_listener_round
from benchmarks.measure import AsyncRoundFn, Outcome, SideUnavailableError, run_rounds_async
from benchmarks.report import FigureResult, Target

TARGETS = (Target("floor", at_least=0.8),)
PUBLISH_BATCH = 500


async def connect() -> AbstractRobustConnection:
    try:
        return await aio_pika.connect_robust(AMQP_URL, timeout=5)
    except (OSError, asyncio.TimeoutError) as error:
        raise SideUnavailableError(f"RabbitMQ is not reachable at {AMQP_URL} ({error})") from error


async def open_channel(
    connection: AbstractRobustConnection, stack: AsyncExitStack, *, publisher_confirms: bool
) -> AbstractChannel:
    # With pythonVersion 3.10, pyright cannot infer aio-pika's channel type.
    channel = cast(AbstractChannel, await connection.channel(publisher_confirms=publisher_confirms))
    stack.push_async_callback(channel.close)
    return channel


async def publish(connection: AbstractRobustConnection, count: int) -> None:
    """Publish `count` task-completed messages with publisher confirms."""
    async with AsyncExitStack() as stack:
        channel = await open_channel(connection, stack, publisher_confirms=True)
        exchange = await channel.declare_exchange(
            EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True
        )
        headers: dict[str, aio_pika.abc.FieldValue] = {"CC": list(task_routes())}
        pending: list[Awaitable[object]] = []
        for index in range(count):
            task_id = slug()
            body = json.dumps(task_completed_message(task_id, index % 3)).encode()
            message = aio_pika.Message(
                body,
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                headers=headers,
            )
            pending.append(exchange.publish(message, routing_key(task_id, index % 3)))
            if len(pending) >= PUBLISH_BATCH:
                await asyncio.gather(*pending)
                pending.clear()
        await asyncio.gather(*pending)


def queue_name() -> str:
    """A Pulse-style queue name unique to one round."""
    return f"queue/guest/bench-{uuid.uuid4().hex[:12]}"


async def _floor_round(connection: AbstractRobustConnection, count: int, prefetch: int) -> float:
    async with AsyncExitStack() as stack:
        channel = await open_channel(connection, stack, publisher_confirms=False)
        await channel.set_qos(prefetch_count=prefetch)
        exchange = await channel.declare_exchange(
            EXCHANGE, aio_pika.ExchangeType.TOPIC, durable=True
        )
        queue = await channel.declare_queue(queue_name(), exclusive=True, auto_delete=True)
        await queue.bind(exchange, "primary.#")
        await publish(connection, count)
        done = asyncio.get_running_loop().create_future()
        handled = 0

        async def on_message(message: AbstractIncomingMessage) -> None:
            nonlocal handled
            json.loads(message.body)
            await message.ack()
            handled += 1
            if handled == count and not done.done():
                done.set_result(None)

        started = time.perf_counter()
        tag = await queue.consume(on_message)
        await done
        elapsed = time.perf_counter() - started
        await queue.cancel(tag)
        return count / elapsed


async def _figure(config: RunConfig) -> dict[str, Outcome]:
    count, prefetch = config.listener_messages, config.listener_prefetch

    async def floor(stack: AsyncExitStack) -> AsyncRoundFn:
        connection = await connect()
        stack.push_async_callback(connection.close)
        return lambda: _floor_round(connection, count, prefetch)

    async def ours(stack: AsyncExitStack) -> AsyncRoundFn:
        connection = await connect()
        stack.push_async_callback(connection.close)
        return await our_listener_round(stack, connection, count, prefetch)

    async def official(stack: AsyncExitStack) -> AsyncRoundFn:
        raise SideUnavailableError("the official client has no Pulse listener")

    return await run_rounds_async(
        {"ours": ours, "official": official, "floor": floor}, config.rounds
    )


def run(config: RunConfig) -> list[FigureResult]:
    outcomes = asyncio.run(_figure(config))
    return [
        FigureResult(
            key="listener",
            title="listener, typed messages",
            unit="msg/s",
            higher_is_better=True,
            outcomes=outcomes,
            targets=TARGETS,
            notes=(
                f"{config.listener_messages} persistent messages per round, "
                f"prefetch {config.listener_prefetch}, queue filled before draining",
            ),
        )
    ]
