"""A Pulse (RabbitMQ) listener on aio-pika that turns deliveries into typed messages.

One `PulseListener` owns one AMQP connection, one channel and one queue. A
background task watches the connection; when the broker drops it, the task
reconnects, redeclares the queue and every binding made so far, and consumes
again. Messages that were in flight on the dropped channel go back to the
queue on the broker's side and are delivered again (at least once).

Acknowledgement follows Taskcluster's own consumers: ack after the handler
succeeded; after a handler failure, requeue once, and reject (no requeue) a
message that was already redelivered; reject a payload that does not parse.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any, Generic, TypeVar
from urllib.parse import quote, unquote, urlsplit

import aio_pika
import aio_pika.abc
import aio_pika.exceptions

from ._bindings import Binding, RoutingKey, routing_key_matches

if TYPE_CHECKING:
    from pydantic import BaseModel
    from typing_extensions import Self

__all__ = ["Handler", "Message", "PulseError", "PulseListener"]

log = logging.getLogger("taskcluster_sdk.pulse")

M = TypeVar("M", bound="BaseModel", covariant=True)
K = TypeVar("K", bound=RoutingKey, covariant=True)
_Model = TypeVar("_Model", bound="BaseModel")
_Key = TypeVar("_Key", bound=RoutingKey)

# Errors that mean "the connection or channel is gone": acks that hit them are
# dropped (the broker redelivers), setup that hits them is retried.
_CONNECTION_ERRORS = (
    aio_pika.exceptions.AMQPError,
    # A RuntimeError, not an AMQPError: raised when acking on a closed channel.
    aio_pika.exceptions.ChannelInvalidStateError,
    ConnectionError,
    OSError,
    asyncio.TimeoutError,
)


class PulseError(Exception):
    """The listener could not connect, or a binding was refused by the broker."""


class Message(Generic[M, K]):
    """One Pulse message, parsed with the models of the binding it matched.

    * `exchange`, `routing_key`: as delivered.
    * `routing`: the routing key split into its named fields (`routing.taskId`).
    * `payload`: the body parsed into the exchange's pydantic model.
    * `redelivered`: the broker delivered it before (after a requeue or a reconnect).
    * `routes`: the task routes from the `CC` header, `route.` prefix removed.
    * `binding`: the binding the message was matched to.

    The listener acks or rejects messages itself (see `PulseListener`); call
    `ack()` or `reject()` to settle one earlier, after which it leaves it alone.
    """

    __slots__ = (
        "_incoming",
        "_settled",
        "binding",
        "exchange",
        "payload",
        "redelivered",
        "routes",
        "routing",
        "routing_key",
    )

    def __init__(
        self,
        incoming: aio_pika.abc.AbstractIncomingMessage,
        binding: Binding[M, K],
        routing: K,
        payload: M,
        routes: tuple[str, ...],
    ) -> None:
        self._incoming = incoming
        self._settled = False
        self.binding = binding
        self.exchange: str = incoming.exchange or ""
        self.routing_key: str = incoming.routing_key or ""
        self.routing = routing
        self.payload = payload
        self.redelivered = bool(incoming.redelivered)
        self.routes = routes

    def __repr__(self) -> str:
        return (
            f"Message(exchange={self.exchange!r}, routing_key={self.routing_key!r}, "
            f"redelivered={self.redelivered}, routes={self.routes!r})"
        )

    @property
    def settled(self) -> bool:
        """Whether the message was acked or rejected already."""
        return self._settled

    async def ack(self) -> None:
        """Acknowledge the message: the broker forgets it."""
        await self._settle(requeue=None)

    async def reject(self, requeue: bool = False) -> None:
        """Reject the message; with `requeue=True` the broker delivers it again."""
        await self._settle(requeue=requeue)

    def of(self, binding: Binding[_Model, _Key]) -> Message[_Model, _Key] | None:
        """This message typed as `binding`'s, if it came through it; otherwise None.

        A listener bound to several exchanges hands out `Message[Any, Any]`;
        `if (done := message.of(completed)) is not None:` narrows it.
        """
        if self.binding.exchange != binding.exchange:
            return None
        if self.binding.message_model is not binding.message_model:
            return None
        if not _matches(binding, self.routing_key, self.routes):
            return None
        return self  # type: ignore[return-value]  # same exchange and models: same types

    async def _settle(self, requeue: bool | None) -> None:
        if self._settled:
            return
        self._settled = True
        try:
            if requeue is None:
                # Queue the ack without waiting for the socket write: the
                # connection's writer then sends acks in batches, one write
                # for many messages instead of one per message. Acks stay
                # ordered before a later close, and a lost one only means the
                # broker delivers the message again.
                delivery_tag = self._incoming.delivery_tag
                assert delivery_tag is not None  # consumed with acks on
                await self._incoming.channel.basic_ack(delivery_tag, wait=False)
            else:
                await self._incoming.reject(requeue=requeue)
        except _CONNECTION_ERRORS as error:
            # The channel this message came on is gone: the broker has put the
            # message back in the queue and will deliver it again.
            log.info(
                "could not settle message from %s (%s): %s; the broker will deliver it again",
                self.exchange,
                self.routing_key,
                error,
            )


Handler = Callable[[Message[Any, Any]], Awaitable[None]]
"""An async callable that handles one message; raising means "not handled"."""


def _matches(binding: Binding[Any, Any], routing_key: str, routes: Sequence[str]) -> bool:
    # CC'd copies keep the primary routing key, so a `route.*` binding only
    # recognises its messages by the routes.
    pattern = binding.routing_key_pattern
    return routing_key_matches(pattern, routing_key) or any(
        routing_key_matches(pattern, "route." + route) for route in routes
    )


def _routes(headers: aio_pika.abc.HeadersType) -> tuple[str, ...]:
    cc: Any = headers.get("CC")
    if not isinstance(cc, (list, tuple)):
        return ()
    routes: list[str] = []
    for entry in cc:  # pyright: ignore[reportUnknownVariableType]
        text = entry.decode() if isinstance(entry, bytes) else str(entry)  # pyright: ignore[reportUnknownArgumentType]
        if text.startswith("route."):
            routes.append(text.removeprefix("route."))
    return tuple(routes)


class _StoppedError(Exception):
    """Raised inside the listener when consumption has been stopped."""


_STOP = object()


class _Session:
    """One live connection: its channel, queue and consumer, and a future that
    completes when the broker or the network drops any of them."""

    def __init__(
        self,
        connection: aio_pika.abc.AbstractConnection,
        channel: aio_pika.abc.AbstractChannel,
        queue: aio_pika.abc.AbstractQueue,
        lost: asyncio.Future[None],
    ) -> None:
        self.connection = connection
        self.channel = channel
        self.queue = queue
        self.lost = lost
        self.consumer_tag: str | None = None

    async def close(self) -> None:
        with contextlib.suppress(*_CONNECTION_ERRORS, RuntimeError):
            await self.connection.close()


class PulseListener:
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
    Payloads or routing keys that do not parse, and messages no binding
    matches, are rejected without requeue and logged with exchange and
    routing key. A durable queue keeps its bindings on the broker, but the
    listener only knows the models of the bindings given to `bind()`: bind
    the same bindings every time the listener starts.

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
    ) -> None:
        parts = urlsplit(amqp_url)
        if parts.scheme not in ("amqp", "amqps"):
            raise ValueError(f"amqp_url must start with amqp:// or amqps://, got {parts.scheme!r}")
        user = user if user is not None else unquote(parts.username or "")
        if not user:
            raise ValueError(
                "give user=..., or an amqp_url with a user name: queues are named after it"
            )
        if queue_name is not None and not queue_name:
            raise ValueError("queue_name must not be empty (use None for an exclusive queue)")
        if isinstance(prefetch, bool) or not isinstance(prefetch, int) or prefetch < 1:  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ValueError(f"prefetch must be a positive int, got {prefetch!r}")
        if connect_timeout <= 0 or reconnect_delay <= 0 or max_reconnect_delay < reconnect_delay:
            raise ValueError(
                "connect_timeout and reconnect_delay must be positive and "
                "max_reconnect_delay at least reconnect_delay"
            )
        self._url = amqp_url
        self._display_url = _without_password(amqp_url)
        self._exclusive = queue_name is None
        prefix = f"queue/{user}/"
        if queue_name is None:
            self.queue_name = f"{prefix}exclusive-{uuid.uuid4().hex}"
        elif queue_name.startswith(prefix):
            self.queue_name = queue_name  # given in full already
        else:
            self.queue_name = prefix + queue_name
        self.prefetch = prefetch
        self._connect_timeout = connect_timeout
        self._reconnect_delay = reconnect_delay
        self._max_reconnect_delay = max_reconnect_delay

        self._bindings: list[Binding[Any, Any]] = []
        self._deliveries: asyncio.Queue[object] = asyncio.Queue()
        self._session: _Session | None = None
        self._setup_lock = asyncio.Lock()
        self._watcher: asyncio.Task[None] | None = None
        self._connected = asyncio.Event()
        self._started = False
        self._stopping = False
        self._closed = False
        self._in_flight: set[asyncio.Task[None]] = set()
        self._iterated: set[Message[Any, Any]] = set()

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
    ) -> PulseListener:
        """A listener for a Pulse service, from Pulse credentials (over TLS: `amqps://`).

        The other arguments are those of the constructor.
        """
        if not user or not password:
            raise ValueError("Pulse user and password must not be empty")
        if not host:
            raise ValueError("host must not be empty")
        netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"
        if port is not None:
            netloc += f":{port}"
        path = "" if vhost == "/" else quote(vhost, safe="")
        return cls(
            f"amqps://{netloc}/{path}",
            queue_name=queue_name,
            user=user,
            prefetch=prefetch,
            connect_timeout=connect_timeout,
            reconnect_delay=reconnect_delay,
            max_reconnect_delay=max_reconnect_delay,
        )

    def __repr__(self) -> str:
        return f"PulseListener({self._display_url!r}, queue={self.queue_name!r})"

    @property
    def bindings(self) -> tuple[Binding[Any, Any], ...]:
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
        if self._started:
            raise RuntimeError("this listener was started already")
        self._started = True
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
        if not self._stopping:
            self._stopping = True
            self._deliveries.put_nowait(_STOP)

    async def close(self) -> None:
        """Stop consuming, let the running handlers finish, then disconnect.

        Messages received but not yet handed out go back to the queue.
        """
        if self._closed:
            return
        self.stop()
        session = self._session
        if session is not None and session.consumer_tag is not None:
            with contextlib.suppress(*_CONNECTION_ERRORS, RuntimeError):
                await session.queue.cancel(session.consumer_tag, timeout=self._connect_timeout)
        # A handler may call close() itself; waiting for it would never end.
        others = self._in_flight - {asyncio.current_task()}
        if others:
            await asyncio.gather(*others, return_exceptions=True)
        await self._settle_iterated(None)
        self._closed = True
        if self._watcher is not None:
            self._watcher.cancel()
            # wait() rather than await: the watcher's cancellation is expected,
            # a cancellation of close() itself must still propagate.
            await asyncio.wait({self._watcher})
        if session is not None:
            await session.close()
        self._session = None
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
        await self._settle_iterated(exc)
        await self.close()

    # -- bindings ------------------------------------------------------------

    async def bind(self, binding: Binding[Any, Any]) -> None:
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
                    await self._bind_on_side_channel(session, binding)
                except aio_pika.exceptions.AMQPChannelError as error:
                    raise PulseError(
                        f"cannot bind {self.queue_name} to exchange {binding.exchange} "
                        f"with {binding.routing_key_pattern}: {error}"
                    ) from error
                except _CONNECTION_ERRORS:
                    # The connection is going away; the next session binds it.
                    log.info("connection lost while binding; will bind after reconnecting")
            self._bindings.append(binding)

    async def unbind(self, binding: Binding[Any, Any]) -> None:
        """Remove a binding made with `bind()`; its messages stop arriving."""
        async with self._setup_lock:
            if binding not in self._bindings:
                raise ValueError(
                    f"not bound: {binding.exchange} with {binding.routing_key_pattern}"
                )
            self._bindings.remove(binding)
            session = self._session
            if session is not None and self._connected.is_set():
                with contextlib.suppress(*_CONNECTION_ERRORS):
                    await session.queue.unbind(binding.exchange, binding.routing_key_pattern)

    async def _bind_on_side_channel(self, session: _Session, binding: Binding[Any, Any]) -> None:
        # A refused binding closes the channel it was made on; a short-lived
        # channel keeps the consuming one alive.
        channel = session.connection.channel()
        await channel.initialize(timeout=self._connect_timeout)
        try:
            queue = await channel.get_queue(self.queue_name, ensure=False)
            await queue.bind(
                binding.exchange, binding.routing_key_pattern, timeout=self._connect_timeout
            )
        finally:
            if not channel.is_closed:
                with contextlib.suppress(*_CONNECTION_ERRORS, RuntimeError):
                    await channel.close()

    # -- connection ----------------------------------------------------------

    async def _open_session(self) -> _Session:
        async with self._setup_lock:
            try:
                connection = await aio_pika.connect(
                    self._url,
                    timeout=self._connect_timeout,
                    # Shown in the broker's (and Pulse's) connection list.
                    client_properties={"connection_name": f"taskcluster-sdk {self.queue_name}"},
                )
            except _CONNECTION_ERRORS as error:
                raise PulseError(f"cannot connect to {self._display_url}: {error}") from error
            lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

            def on_close(*_: object) -> None:
                if not lost.done():
                    lost.set_result(None)

            connection.close_callbacks.add(on_close)
            try:
                channel = connection.channel()
                await channel.initialize(timeout=self._connect_timeout)
                channel.close_callbacks.add(on_close)
                await channel.set_qos(prefetch_count=self.prefetch, timeout=self._connect_timeout)
                queue = await channel.declare_queue(
                    self.queue_name,
                    durable=not self._exclusive,
                    exclusive=self._exclusive,
                    auto_delete=self._exclusive,
                    timeout=self._connect_timeout,
                )
                for binding in self._bindings:
                    await queue.bind(
                        binding.exchange, binding.routing_key_pattern, timeout=self._connect_timeout
                    )
                session = _Session(connection, channel, queue, lost)
                session.consumer_tag = await queue.consume(
                    self._on_delivery, timeout=self._connect_timeout
                )
            except BaseException as error:
                with contextlib.suppress(*_CONNECTION_ERRORS, RuntimeError):
                    await connection.close()
                if isinstance(error, _CONNECTION_ERRORS):
                    raise PulseError(
                        f"cannot set up queue {self.queue_name} on {self._display_url}: {error}"
                    ) from error
                raise
            return session

    def _use(self, session: _Session) -> None:
        self._session = session
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
            log.warning("lost the connection to %s; reconnecting", self._display_url)
            await session.close()
            delay = self._reconnect_delay
            while not self._closed:
                try:
                    new_session = await self._open_session()
                except Exception as error:
                    # Anything but close() cancelling us is worth another try:
                    # a listener that silently stops listening is the worst outcome.
                    log.warning("reconnecting failed (retrying in %.1fs): %s", delay, error)
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self._max_reconnect_delay)
                    continue
                if self._closed:
                    await new_session.close()
                    return
                self._use(new_session)
                log.info("reconnected to %s, consuming %s", self._display_url, self.queue_name)
                break

    async def _on_delivery(self, incoming: aio_pika.abc.AbstractIncomingMessage) -> None:
        self._deliveries.put_nowait(incoming)

    # -- consumption ---------------------------------------------------------

    async def _next_message(self) -> Message[Any, Any]:
        """The next parsed message; raises _StoppedError once `stop()` was called."""
        if not self._started:
            raise RuntimeError("start the listener first (or use `async with`)")
        while True:
            item = await self._deliveries.get()
            if item is _STOP or self._stopping:
                # Wake the next waiting consumer too.
                self._deliveries.put_nowait(_STOP)
                raise _StoppedError
            assert isinstance(item, aio_pika.abc.AbstractIncomingMessage)
            if _channel_closed(item):
                # Delivered on a channel that is gone: the broker requeued it.
                continue
            message = await self._parse(item)
            if message is not None:
                return message

    async def _parse(
        self, incoming: aio_pika.abc.AbstractIncomingMessage
    ) -> Message[Any, Any] | None:
        exchange = incoming.exchange or ""
        routing_key = incoming.routing_key or ""
        routes = _routes(incoming.headers)
        binding = self._binding_for(exchange, routing_key, routes)
        if binding is None:
            log.error(
                "rejected a message no binding of this listener matches: exchange %s, "
                "routing key %s (a durable queue keeps its bindings on the broker, but "
                "the listener needs bind() on every start to know the message models)",
                exchange,
                routing_key,
            )
            await _reject_unparsed(incoming)
            return None
        try:
            routing = binding.routing_key_model.parse(routing_key)
            payload = binding.message_model.model_validate_json(incoming.body)
        except Exception as error:
            log.error(
                "rejected a message that does not parse: exchange %s, routing key %s: %s",
                exchange,
                routing_key,
                error,
            )
            await _reject_unparsed(incoming)
            return None
        return Message(incoming, binding, routing, payload, routes)

    def _binding_for(
        self, exchange: str, routing_key: str, routes: Sequence[str]
    ) -> Binding[Any, Any] | None:
        same_exchange = [binding for binding in self._bindings if binding.exchange == exchange]
        if len(same_exchange) == 1:
            return same_exchange[0]
        for binding in same_exchange:
            if _matches(binding, routing_key, routes):
                return binding
        # Matched on the broker by a binding whose pattern we cannot see match
        # (or one unbound meanwhile): the exchange still decides the models.
        return same_exchange[0] if same_exchange else None

    async def _handle(self, handler: Handler, message: Message[Any, Any]) -> None:
        try:
            await handler(message)
        except asyncio.CancelledError:
            await message.reject(requeue=True)
            raise
        except Exception as error:
            await _settle_failed(message, error)
        else:
            await message.ack()

    async def consume(self, handler: Handler) -> None:
        """Handle messages with `handler` until `stop()` or `close()`.

        Up to `prefetch` handlers run at once. Returns once stopped and the
        running handlers have finished; if cancelled, cancels them (their
        messages are requeued).
        """
        tasks: set[asyncio.Task[None]] = set()
        try:
            while True:
                try:
                    message = await self._next_message()
                except _StoppedError:
                    break
                task = asyncio.create_task(self._handle(handler, message))
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

    def __aiter__(self) -> _MessageIterator:
        return _MessageIterator(self)

    async def _settle_iterated(self, error: BaseException | None) -> None:
        pending, self._iterated = self._iterated, set()
        for message in pending:
            if error is None:
                await message.ack()
            else:
                await _settle_failed(message, error)


class _MessageIterator:
    """`async for` over a listener: the loop body is the handler of each message."""

    def __init__(self, listener: PulseListener) -> None:
        self._listener = listener
        self._current: Message[Any, Any] | None = None

    def __aiter__(self) -> _MessageIterator:
        return self

    async def __anext__(self) -> Message[Any, Any]:
        previous, self._current = self._current, None
        if previous is not None:
            # Asking for the next message means the body finished this one.
            self._listener._iterated.discard(previous)  # pyright: ignore[reportPrivateUsage]
            await previous.ack()
        try:
            message = await self._listener._next_message()  # pyright: ignore[reportPrivateUsage]
        except _StoppedError:
            raise StopAsyncIteration from None
        self._current = message
        self._listener._iterated.add(message)  # pyright: ignore[reportPrivateUsage]
        return message


async def _reject_unparsed(incoming: aio_pika.abc.AbstractIncomingMessage) -> None:
    # Requeueing would only bring it back unparseable, forever.
    with contextlib.suppress(*_CONNECTION_ERRORS):
        await incoming.reject(requeue=False)


async def _settle_failed(message: Message[Any, Any], error: BaseException) -> None:
    if not isinstance(error, Exception):
        # Cancelled or interrupted: not the handler's failure; let it come again.
        await message.reject(requeue=True)
    elif message.settled:
        log.error(
            "handler failed for message from %s (%s) it had settled already",
            message.exchange,
            message.routing_key,
            exc_info=error,
        )
    elif message.redelivered:
        log.error(
            "handler failed again for redelivered message from %s (%s); rejecting it",
            message.exchange,
            message.routing_key,
            exc_info=error,
        )
        await message.reject(requeue=False)
    else:
        log.warning(
            "handler failed for message from %s (%s); requeueing it once",
            message.exchange,
            message.routing_key,
            exc_info=error,
        )
        await message.reject(requeue=True)


def _channel_closed(incoming: aio_pika.abc.AbstractIncomingMessage) -> bool:
    try:
        return incoming.channel.is_closed
    except aio_pika.exceptions.ChannelInvalidStateError:
        # aio-pika's way of saying "closed" once the channel is gone.
        return True


def _without_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
