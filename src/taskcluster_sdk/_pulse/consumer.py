"""Deliveries in, messages out: what `async for` and `consume()` read.

The broker's callback queues every delivery (`Consumer.on_delivery`);
`next_message` skips those whose channel is gone, parses the rest,
deduplicates and hands them out; `consume` runs a handler on each, up to
`prefetch` at once. `PulseListener` owns one `Consumer` and gives it the
live session; connecting and binding stay in the listener.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiormq.abc

from .._bindings import Binding
from .acks import Deduplicator, MessageIterator, StoppedError, handle, settle_failed
from .connection import Session, channel_closed
from .message import Handler, Message, UnparsedMessage
from .parse import parse_delivery

__all__ = ["Consumer"]

log = logging.getLogger("taskcluster_sdk.pulse")

AnyMessage = Message[Any, Any] | UnparsedMessage

_STOP = object()


class Consumer:
    """The deliveries of one listener, handed out as messages until `stop()`."""

    def __init__(self, bindings: list[Binding[Any, Any, Any]], deduplicate: int) -> None:
        # The listener's own list: bindings made later parse their messages too.
        self._bindings = bindings
        self.deduplicator: Deduplicator | None = Deduplicator(deduplicate) if deduplicate else None
        self.session: Session | None = None
        """The live session (set by the listener); its acks are flushed before waiting."""
        self.started = False
        self._stopping = False
        self._deliveries: asyncio.Queue[Any] = asyncio.Queue()
        self._in_flight: set[asyncio.Task[None]] = set()
        self._iterated: set[AnyMessage] = set()

    def on_delivery(self, session: Session, delivered: aiormq.abc.DeliveredMessage) -> None:
        # Unsettled from now on: no batched ack may cover it before it is handled.
        session.acker.delivered(delivered.delivery.delivery_tag)  # type: ignore[union-attr]
        self._deliveries.put_nowait((session, delivered))

    def stop(self) -> None:
        if not self._stopping:
            self._stopping = True
            self._deliveries.put_nowait(_STOP)

    async def next_message(self) -> AnyMessage:
        """The next message; raises StoppedError once `stop()` was called."""
        if not self.started:
            raise RuntimeError("start the listener first (or use `async with`)")
        deliveries = self._deliveries
        deduplicator = self.deduplicator
        while True:
            session = self.session
            if session is not None and session.acker.should_flush:
                await session.acker.flush()
                # Let the writer send them: the broker's window reopens.
                await asyncio.sleep(0)
            item = await deliveries.get()
            if item is _STOP or self._stopping:
                # Wake the next waiting consumer too.
                deliveries.put_nowait(_STOP)
                raise StoppedError
            came_on, delivered = item
            if channel_closed(came_on):
                # Delivered on a channel that is gone: the broker requeued it.
                continue
            message = parse_delivery(self._bindings, came_on.acker, delivered)
            if deduplicator is not None and not deduplicator.admit(message, came_on.acker):
                continue
            if isinstance(message, UnparsedMessage):
                log.warning(
                    "message does not parse, handing it out as UnparsedMessage: "
                    "exchange %s, routing key %s: %s",
                    message.exchange,
                    message.routing_key,
                    message.error,
                )
            return message

    async def consume(
        self,
        handler: Callable[[Any], Awaitable[None]],
        unparsed: Callable[[UnparsedMessage], Awaitable[None]] | None,
    ) -> None:
        """Run `handler` (or `unparsed`) on each message until stopped; see `PulseListener.consume`."""
        tasks: set[asyncio.Task[None]] = set()
        try:
            while True:
                try:
                    message = await self.next_message()
                except StoppedError:
                    break
                chosen: Handler = (
                    unparsed
                    if unparsed is not None and isinstance(message, UnparsedMessage)
                    else handler
                )  # type: ignore[assignment]
                task = asyncio.create_task(handle(chosen, message))
                tasks.add(task)
                self._in_flight.add(task)
                task.add_done_callback(tasks.discard)
                task.add_done_callback(self._in_flight.discard)
            if tasks:
                await asyncio.gather(*tasks, return_exceptions=True)
        except asyncio.CancelledError:
            for task in tasks:
                task.cancel()
            raise

    def iterate(self) -> MessageIterator[Any]:
        return MessageIterator(self.next_message, self._iterated)

    async def finish(self) -> None:
        """Wait for the running handlers, then ack what `async for` handed out."""
        # A handler may close the listener itself; waiting for it would never end.
        others = self._in_flight - {asyncio.current_task()}
        if others:
            await asyncio.gather(*others, return_exceptions=True)
        await self.settle_iterated(None)

    async def settle_iterated(self, error: BaseException | None) -> None:
        """Settle the messages `async for` handed out: acked, or failed with `error`."""
        pending, self._iterated = self._iterated, set()
        for message in pending:
            if error is None:
                await message.ack()
            else:
                await settle_failed(message, error)
