"""`PulseListener`: the public API of the Pulse listener (bind, consume, iterate, close).

The connection and reconnection live in `connection`, handing deliveries out
as messages in `consumer`, reading them in `parse`, the acknowledgement
policy in `acks`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, overload

import aio_pika.exceptions
import aiormq.abc
from typing_extensions import TypeVar

from .._bindings import Binding
from .._errors import PulseError
from .acks import Acker, MessageIterator
from .connection import CONNECTION_ERRORS, Connector, Session, pulse_url, queue_name_for
from .consumer import Consumer
from .message import Message, UnparsedMessage

if TYPE_CHECKING:
    from typing_extensions import Self

__all__ = ["PulseListener"]

MessageT = TypeVar("MessageT", default=Message[Any, Any])
"""What a listener hands out: `Message[Any, Any]`, or the union its `bound()` bindings give."""
E1 = TypeVar("E1", bound=Message[Any, Any])
E2 = TypeVar("E2", bound=Message[Any, Any])
E3 = TypeVar("E3", bound=Message[Any, Any])
E4 = TypeVar("E4", bound=Message[Any, Any])

log = logging.getLogger("taskcluster_sdk.pulse")


class PulseListener(Generic[MessageT]):
    """Listens to Pulse exchanges through one queue and hands out typed messages.

    ```python
    events = QueueEvents()
    async with PulseListener(AMQP_URL, queue_name="my-listener") as listener:
        await listener.bind(events.taskCompleted(taskId=task_id))
        async for message in listener:
            print(message.routing.taskId, message.payload.status.state)
            break
    ```

    Queues follow the Pulse convention `queue/<user>/<queue_name>`: with a
    `queue_name` the queue is durable and survives restarts (messages
    published while nobody listens wait there); without one, the queue is
    exclusive and deleted when the listener goes away. `user` defaults to the
    user of the AMQP URL. `prefetch` bounds the unacknowledged messages the
    broker sends at once, and so the handlers running at once in `consume`.

    Bind before or after `start()`; bindings survive reconnects. Consume with
    `async for message in listener` or `await listener.consume(handler)`.

    Acknowledgement: a handler that returns acks its message; one that raises
    has its message requeued once, and rejected (logged with the error) if it
    was already redelivered. In `async for`, the loop body is the handler: the
    message is acked when the loop asks for the next one, or at the end of
    the `async with` block (after a `break`); an exception leaving the
    `async with` block counts as a handler failure of the current message.
    No message is ever dropped: one whose payload or routing key does not
    parse, or that no binding matches, is handed out as an `UnparsedMessage`
    (raw body, exchange, routing key, the error) and acked like any other
    when its handler returns. That is why `async for` yields
    `MessageT | UnparsedMessage`: the type checker makes you decide what
    happens to it (`consume(handler, unparsed=...)` takes a separate
    handler). A durable queue keeps its bindings on the broker, but the
    listener only knows the models of the bindings given to `bind()`: bind
    the same bindings every time the listener starts.

    Pulse delivers some messages twice (an idempotent createTask publishes
    task-defined again). `deduplicate=N` acks, without handing it out, a
    message identical (exchange, routing key, body) to one of the last N
    handled (acked, or rejected without requeue). A copy that arrives while
    its first copy is being handled, after a reconnect too, is held: not
    handed out, not acked, until the first copy's outcome is known. Then it
    is acked if that copy was handled, and requeued if that copy went back
    unhandled (its handler failed, or the connection was lost), so that the
    content comes again. A message whose handler failed is not remembered.

    Acks are sent in batches (`basic.ack multiple`), never covering a
    message that is waiting or being handled; acks lost with a connection
    only mean the broker delivers those messages again (at least once).

    Connection loss: the listener reconnects (with backoff), redeclares the
    queue and all bindings and consumes again. Messages that were being
    handled come again, marked `redelivered`.
    """

    def __init__(
        self,
        amqp_url: str,
        *,
        queue_name: str | None = None,
        user: str | None = None,
        prefetch: int = 10,
        connect_timeout: float = 30.0,
        reconnect_delay: float = 0.5,
        max_reconnect_delay: float = 30.0,
        deduplicate: int = 0,
    ) -> None:
        if isinstance(deduplicate, bool) or not isinstance(deduplicate, int) or deduplicate < 0:  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ValueError(f"deduplicate must be a non-negative int, got {deduplicate!r}")
        self.queue_name: str = queue_name_for(amqp_url, user, queue_name)
        self.prefetch: int = prefetch
        self._url = amqp_url
        self._connector = Connector(
            amqp_url,
            self.queue_name,
            exclusive=queue_name is None,
            prefetch=prefetch,
            connect_timeout=connect_timeout,
            reconnect_delay=reconnect_delay,
            max_reconnect_delay=max_reconnect_delay,
        )

        # Acks wait for at most a quarter of the prefetch window, so the
        # broker always has room to send more.
        self._ack_batch = max(1, prefetch // 4)
        self._bindings: list[Binding[Any, Any, Any]] = []
        self._consumer = Consumer(self._bindings, deduplicate)
        self._setup_lock = asyncio.Lock()
        self._watcher: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._closed = False

    @classmethod
    def from_credentials(
        cls,
        user: str,
        password: str,
        *,
        host: str = "pulse.mozilla.org",
        vhost: str = "/",
        port: int | None = None,
        queue_name: str | None = None,
        prefetch: int = 10,
        connect_timeout: float = 30.0,
        reconnect_delay: float = 0.5,
        max_reconnect_delay: float = 30.0,
        deduplicate: int = 0,
    ) -> PulseListener[Message[Any, Any]]:
        """A listener for a Pulse service, from Pulse credentials (over TLS: `amqps://`).

        The other arguments are those of the constructor.
        """
        return PulseListener(
            pulse_url(user, password, host=host, vhost=vhost, port=port),
            queue_name=queue_name,
            user=user,
            prefetch=prefetch,
            connect_timeout=connect_timeout,
            reconnect_delay=reconnect_delay,
            max_reconnect_delay=max_reconnect_delay,
            deduplicate=deduplicate,
        )

    def __repr__(self) -> str:
        return f"PulseListener({self._connector.display_url!r}, queue={self.queue_name!r})"

    @property
    def bindings(self) -> tuple[Binding[Any, Any, Any], ...]:
        """The bindings made so far, in the order they were made."""
        return tuple(self._bindings)

    @property
    def connected(self) -> bool:
        """Whether the listener is connected and consuming right now."""
        return self._connected.is_set()

    # -- lifecycle -----------------------------------------------------------

    async def start(self) -> None:
        """Connect, declare the queue, bind the bindings made so far and start consuming.

        Raises PulseError if the broker cannot be reached or refuses the setup;
        after that first connection, connection losses are retried forever.
        """
        if self._consumer.started:
            raise RuntimeError("this listener was started already")
        self._consumer.started = True
        try:
            session = await self._open_session()
        except PulseError:
            self._closed = True
            raise
        self._use(session)
        self._watcher = asyncio.create_task(self._watch(), name=f"pulse-watch {self.queue_name}")

    def stop(self) -> None:
        """Stop handing out messages: `async for` ends, `consume()` returns
        after its running handlers finish. Call `close()` to disconnect."""
        self._consumer.stop()

    async def close(self) -> None:
        """Stop consuming, let the running handlers finish, then disconnect.

        Messages received but not yet handed out go back to the queue.
        """
        if self._closed:
            return
        self.stop()
        session = self._session
        if session is not None and session.consumer_tag is not None:
            with contextlib.suppress(*CONNECTION_ERRORS, RuntimeError):
                await session.cancel(self._connector.timeout)
        await self._consumer.finish()
        self._closed = True
        if self._watcher is not None:
            self._watcher.cancel()
            # wait() rather than await: the watcher's cancellation is expected,
            # a cancellation of close() itself must still propagate.
            await asyncio.wait({self._watcher})
        if session is not None:
            await session.close()
        self._consumer.session = None
        self._connected.clear()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self._consumer.settle_iterated(exc)
        await self.close()

    # -- bindings ------------------------------------------------------------

    # The catch-all overload is for more than four bindings; pyright sees it overlap the first.
    @overload
    def bound(self, first: Binding[Any, Any, E1], /) -> PulseListener[E1]: ...  # pyright: ignore[reportOverlappingOverload]
    @overload
    def bound(
        self, first: Binding[Any, Any, E1], second: Binding[Any, Any, E2], /
    ) -> PulseListener[E1 | E2]: ...
    @overload
    def bound(
        self,
        first: Binding[Any, Any, E1],
        second: Binding[Any, Any, E2],
        third: Binding[Any, Any, E3],
        /,
    ) -> PulseListener[E1 | E2 | E3]: ...
    @overload
    def bound(
        self,
        first: Binding[Any, Any, E1],
        second: Binding[Any, Any, E2],
        third: Binding[Any, Any, E3],
        fourth: Binding[Any, Any, E4],
        /,
    ) -> PulseListener[E1 | E2 | E3 | E4]: ...
    @overload
    def bound(self, *bindings: Binding[Any, Any, Any]) -> PulseListener[Message[Any, Any]]: ...
    def bound(self, *bindings: Binding[Any, Any, Any]) -> PulseListener[Any]:
        """This listener, bound to `bindings` and typed by them; call it before `start()`.

        `async for` and `consume()` then hand out the one binding's message
        class (`TaskCompletedEvent` for `QueueEvents().taskCompleted()`), or
        the union of several (up to four are typed one by one), each with
        `UnparsedMessage`: narrow it with `isinstance(message,
        TaskCompletedEvent)`, `match`, or `message.of(binding)`. The bindings are made by `start()` and, like
        `bind()`'s, remade after every reconnect. `bind()` adds bindings
        without changing the type.
        """
        if self._consumer.started:
            raise RuntimeError("bound() types the listener before start(); use bind() after it")
        for binding in bindings:
            if not isinstance(binding, Binding):  # pyright: ignore[reportUnnecessaryIsInstance]
                raise TypeError(f"bound() takes Bindings, got {type(binding).__name__}")
            if binding not in self._bindings:
                self._bindings.append(binding)
        return self

    async def bind(self, binding: Binding[Any, Any, Any]) -> None:
        """Bind the queue to `binding`; works before and after `start()`.

        After start, the binding is made at once (PulseError if the broker
        refuses it, for example because the exchange does not exist) and is
        redeclared after every reconnect.
        """
        if not isinstance(binding, Binding):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError(f"bind() takes a Binding, got {type(binding).__name__}")
        if self._closed:
            raise RuntimeError("this listener is closed")
        async with self._setup_lock:
            if binding in self._bindings:
                return
            session = self._session
            if session is not None and self._connected.is_set():
                try:
                    await self._connector.bind_on_side_channel(session, binding)
                except aio_pika.exceptions.AMQPChannelError as error:
                    raise PulseError(
                        f"cannot bind {self.queue_name} to exchange {binding.exchange} "
                        f"with {binding.routing_key_pattern}: {error}"
                    ) from error
                except CONNECTION_ERRORS:
                    # The connection is going away; the next session binds it.
                    log.info("connection lost while binding; will bind after reconnecting")
            self._bindings.append(binding)

    async def unbind(self, binding: Binding[Any, Any, Any]) -> None:
        """Remove a binding made with `bind()`; its messages stop arriving."""
        async with self._setup_lock:
            if binding not in self._bindings:
                raise ValueError(
                    f"not bound: {binding.exchange} with {binding.routing_key_pattern}"
                )
            self._bindings.remove(binding)
            session = self._session
            if session is not None and self._connected.is_set():
                with contextlib.suppress(*CONNECTION_ERRORS):
                    await session.queue.unbind(binding.exchange, binding.routing_key_pattern)

    # -- connection ----------------------------------------------------------

    async def _open_session(self) -> Session:
        async with self._setup_lock:
            consumer = self._consumer
            return await self._connector.open(self._bindings, consumer.on_delivery, self._new_acker)

    def _new_acker(self, channel: aiormq.abc.AbstractChannel) -> Acker:
        return Acker(channel, self._ack_batch, self._consumer.deduplicator)

    @property
    def _session(self) -> Session | None:
        return self._consumer.session

    def _use(self, session: Session) -> None:
        self._consumer.session = session
        self._connected.set()

    async def _watch(self) -> None:
        """Wait for the connection to drop, then reconnect until it works again."""
        while not self._closed:
            session = self._session
            if session is None:
                return
            await session.lost
            if self._closed:
                return
            self._connected.clear()
            await session.close()
            new_session = await self._connector.reopen(self._open_session)
            if self._closed:
                await new_session.close()
                return
            self._use(new_session)

    # -- consumption ---------------------------------------------------------

    @overload
    async def consume(
        self,
        handler: Callable[[MessageT], Awaitable[None]],
        *,
        unparsed: Callable[[UnparsedMessage], Awaitable[None]],
    ) -> None: ...
    @overload
    async def consume(
        self, handler: Callable[[MessageT | UnparsedMessage], Awaitable[None]]
    ) -> None: ...
    async def consume(
        self,
        handler: Callable[[Any], Awaitable[None]],
        *,
        unparsed: Callable[[UnparsedMessage], Awaitable[None]] | None = None,
    ) -> None:
        """Handle messages with `handler` until `stop()` or `close()`.

        Messages that do not parse go to `unparsed` if given, else to
        `handler` (which must then accept `UnparsedMessage` too: the type
        checker says so). Up to `prefetch` handlers run at once. Returns once
        stopped and the running handlers have finished; if cancelled, cancels
        them (their messages are requeued).
        """
        await self._consumer.consume(handler, unparsed)

    def __aiter__(self) -> MessageIterator[MessageT]:
        return self._consumer.iterate()
