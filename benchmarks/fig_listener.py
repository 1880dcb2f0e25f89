"""Figure 4: Pulse listener throughput, typed messages per second from RabbitMQ.

Each round fills a fresh durable queue with N `task-completed` messages (see
`benchmarks.broker`), then times draining it, from connecting to the last
message handled: our listener (routing key and payload parsed into typed
objects, ack) against a raw aio-pika consumer that only `json.loads` and
acks, with the same prefetch. The official client has no listener.
"""

from __future__ import annotations

import asyncio
import json
from contextlib import AsyncExitStack

from aio_pika.abc import AbstractIncomingMessage

from benchmarks.broker import (
    connect,
    delete_queue,
    fill_queue,
    full_queue_name,
    new_queue_name,
    open_channel,
)
from benchmarks.config import RunConfig
from benchmarks.listener_ours import OurListener
from benchmarks.measure import (
    AsyncRoundFn,
    Round,
    SideUnavailableError,
    Stopwatch,
    run_rounds_async,
)
from benchmarks.report import FigureResult, Target

TARGETS = (Target("floor", at_least=1.0),)


async def raw_drain(name: str, count: int, prefetch: int) -> Round:
    """The floor: connect, consume, `json.loads`, ack; messages per second."""
    stopwatch = Stopwatch()
    connection = await connect()
    try:
        async with AsyncExitStack() as stack:
            channel = await open_channel(connection, stack)
            await channel.set_qos(prefetch_count=prefetch)
            queue = await channel.declare_queue(full_queue_name(name), durable=True)
            done = asyncio.get_running_loop().create_future()
            handled = 0

            async def on_message(message: AbstractIncomingMessage) -> None:
                nonlocal handled
                json.loads(message.body)
                await message.ack()
                handled += 1
                if handled == count and not done.done():
                    done.set_result(None)

            tag = await queue.consume(on_message)
            await done
            result = stopwatch.rate(count)
            await queue.cancel(tag)
            return result
    finally:
        await connection.close()


class ListenerFigure:
    def __init__(self, config: RunConfig) -> None:
        self.count = config.listener_messages
        self.prefetch = config.listener_prefetch

    async def _round(self, stack: AsyncExitStack, side: str) -> AsyncRoundFn:
        """Fill a queue (untimed), time the drain, delete the queue."""
        connection = await connect()
        stack.push_async_callback(connection.close)
        ours = OurListener() if side == "ours" else None

        async def one_round() -> Round:
            name = new_queue_name()
            await fill_queue(connection, name, self.count)
            try:
                if ours is not None:
                    return await ours.drain(name, self.count, self.prefetch)
                return await raw_drain(name, self.count, self.prefetch)
            finally:
                await delete_queue(connection, name)

        return one_round

    async def ours(self, stack: AsyncExitStack) -> AsyncRoundFn:
        return await self._round(stack, "ours")

    async def floor(self, stack: AsyncExitStack) -> AsyncRoundFn:
        return await self._round(stack, "floor")

    async def official(self, stack: AsyncExitStack) -> AsyncRoundFn:
        raise SideUnavailableError("the official client has no Pulse listener")

    async def run(self, rounds: int) -> FigureResult:
        outcomes = await run_rounds_async(
            {"ours": self.ours, "official": self.official, "floor": self.floor}, rounds
        )
        return FigureResult(
            key="listener",
            title="listener, typed messages",
            unit="msg/s",
            higher_is_better=True,
            outcomes=outcomes,
            targets=TARGETS,
            notes=(
                f"{self.count} persistent messages per round in a filled durable queue, "
                f"prefetch {self.prefetch}; timed from connecting to the last message handled",
            ),
        )


def run(config: RunConfig) -> list[FigureResult]:
    return [asyncio.run(ListenerFigure(config).run(config.rounds))]
