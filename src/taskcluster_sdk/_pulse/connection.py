"""The listener's connection to the broker: opening a session, and reconnecting.

A `Session` is one live AMQP connection with its channel, queue and
consumer, and a future that completes when the broker or the network drops
any of them. `Connector` opens sessions for one queue and, when a session
is lost, opens the next one with backoff.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote, urlsplit

import aio_pika
import aio_pika.abc
import aio_pika.exceptions
import aiormq.abc

from .._bindings import Binding
from .._errors import PulseError

if TYPE_CHECKING:
    from .acks import Acker

__all__ = [
    "CONNECTION_ERRORS",
    "Connector",
    "PulseError",
    "Session",
    "channel_closed",
    "pulse_url",
    "queue_name_for",
    "without_password",
]

log = logging.getLogger("taskcluster_sdk.pulse")

# Errors that mean "the connection or channel is gone": acks that hit them are
# dropped (the broker redelivers), setup that hits them is retried.
CONNECTION_ERRORS = (
    aio_pika.exceptions.AMQPError,
    # A RuntimeError, not an AMQPError: raised when acking on a closed channel.
    aio_pika.exceptions.ChannelInvalidStateError,
    ConnectionError,
    OSError,
    asyncio.TimeoutError,
)

Deliver = Callable[["Session", aiormq.abc.DeliveredMessage], None]
"""Called with every delivery as it arrives (it must not block)."""
NewAcker = Callable[[aiormq.abc.AbstractChannel], "Acker"]


class Session:
    """One live connection: its channel, queue and consumer, and a future that
    completes when the broker or the network drops any of them."""

    def __init__(
        self,
        connection: aio_pika.abc.AbstractConnection,
        channel: aio_pika.abc.AbstractChannel,
        queue: aio_pika.abc.AbstractQueue,
        underlay: aiormq.abc.AbstractChannel,
        acker: Acker,
        lost: asyncio.Future[None],
    ) -> None:
        self.connection = connection
        self.channel = channel
        self.queue = queue
        # Consuming and acking go to aiormq directly: aio-pika wraps every
        # delivery in an IncomingMessage and a second task, which costs more
        # than parsing the message does.
        self.underlay = underlay
        self.acker = acker
        self.lost = lost
        self.consumer_tag: str | None = None

    async def cancel(self, timeout: float) -> None:
        """Stop the broker sending more messages to this session."""
        if self.consumer_tag is not None:
            await self.underlay.basic_cancel(self.consumer_tag, timeout=timeout)

    async def close(self) -> None:
        """Send the acks still waiting, then disconnect (unacked messages go back to the queue)."""
        await self.acker.close()
        with contextlib.suppress(*CONNECTION_ERRORS, RuntimeError):
            await self.connection.close()


class Connector:
    """Opens sessions on one queue (declared, bound, consumed) and reopens lost ones."""

    def __init__(
        self,
        amqp_url: str,
        queue_name: str,
        *,
        exclusive: bool,
        prefetch: int,
        connect_timeout: float,
        reconnect_delay: float,
        max_reconnect_delay: float,
    ) -> None:
        if isinstance(prefetch, bool) or not isinstance(prefetch, int) or prefetch < 1:  # pyright: ignore[reportUnnecessaryIsInstance]
            raise ValueError(f"prefetch must be a positive int, got {prefetch!r}")
        if connect_timeout <= 0 or reconnect_delay <= 0 or max_reconnect_delay < reconnect_delay:
            raise ValueError(
                "connect_timeout and reconnect_delay must be positive and "
                "max_reconnect_delay at least reconnect_delay"
            )
        self._url = amqp_url
        self.display_url = without_password(amqp_url)
        self.queue_name = queue_name
        self.exclusive = exclusive
        self.prefetch = prefetch
        self.timeout = connect_timeout
        self._reconnect_delay = reconnect_delay
        self._max_reconnect_delay = max_reconnect_delay

    async def open(
        self, bindings: Sequence[Binding[Any, Any, Any]], deliver: Deliver, new_acker: NewAcker
    ) -> Session:
        """Connect, declare the queue, bind `bindings` and consume into `deliver`."""
        try:
            connection = await aio_pika.connect(
                self._url,
                timeout=self.timeout,
                # Shown in the broker's (and Pulse's) connection list.
                client_properties={"connection_name": f"taskcluster-sdk {self.queue_name}"},
            )
        except CONNECTION_ERRORS as error:
            raise PulseError(f"cannot connect to {self.display_url}: {error}") from error
        lost: asyncio.Future[None] = asyncio.get_running_loop().create_future()

        def on_close(*_: object) -> None:
            if not lost.done():
                lost.set_result(None)

        connection.close_callbacks.add(on_close)
        session: Session | None = None
        try:
            channel = connection.channel()
            await channel.initialize(timeout=self.timeout)
            channel.close_callbacks.add(on_close)
            await channel.set_qos(prefetch_count=self.prefetch, timeout=self.timeout)
            queue = await channel.declare_queue(
                self.queue_name,
                durable=not self.exclusive,
                exclusive=self.exclusive,
                auto_delete=self.exclusive,
                timeout=self.timeout,
            )
            for binding in bindings:
                await queue.bind(
                    binding.exchange, binding.routing_key_pattern, timeout=self.timeout
                )
            underlay = await channel.get_underlay_channel()
            acker = new_acker(underlay)
            acker.start()
            session = Session(connection, channel, queue, underlay, acker, lost)

            async def on_message(message: aiormq.abc.DeliveredMessage) -> None:
                deliver(session, message)

            consumed = await underlay.basic_consume(
                queue.name, on_message, no_ack=False, timeout=self.timeout
            )
            session.consumer_tag = consumed.consumer_tag
        except BaseException as error:
            if session is not None:
                await session.acker.close()
            with contextlib.suppress(*CONNECTION_ERRORS, RuntimeError):
                await connection.close()
            if isinstance(error, CONNECTION_ERRORS):
                raise PulseError(
                    f"cannot set up queue {self.queue_name} on {self.display_url}: {error}"
                ) from error
            raise
        return session

    async def reopen(self, open_session: Callable[[], Awaitable[Session]]) -> Session:
        """Open a session again after a loss, with backoff, until it works (or we are cancelled)."""
        log.warning("lost the connection to %s; reconnecting", self.display_url)
        delay = self._reconnect_delay
        while True:
            try:
                session = await open_session()
            except Exception as error:
                # Anything but cancellation is worth another try: a listener
                # that silently stops listening is the worst outcome.
                log.warning("reconnecting failed (retrying in %.1fs): %s", delay, error)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._max_reconnect_delay)
                continue
            log.info("reconnected to %s, consuming %s", self.display_url, self.queue_name)
            return session

    async def bind_on_side_channel(self, session: Session, binding: Binding[Any, Any, Any]) -> None:
        """Bind on a short-lived channel: a refused binding closes the channel it was made on."""
        channel = session.connection.channel()
        await channel.initialize(timeout=self.timeout)
        try:
            queue = await channel.get_queue(self.queue_name, ensure=False)
            await queue.bind(binding.exchange, binding.routing_key_pattern, timeout=self.timeout)
        finally:
            if not channel.is_closed:
                with contextlib.suppress(*CONNECTION_ERRORS, RuntimeError):
                    await channel.close()


def queue_name_for(amqp_url: str, user: str | None, queue_name: str | None) -> str:
    """The Pulse queue name `queue/<user>/<name>`; an exclusive one without `queue_name`.

    `user` defaults to the user of the AMQP URL.
    """
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
    prefix = f"queue/{user}/"
    if queue_name is None:
        return f"{prefix}exclusive-{uuid.uuid4().hex}"
    if queue_name.startswith(prefix):
        return queue_name  # given in full already
    return prefix + queue_name


def pulse_url(user: str, password: str, *, host: str, vhost: str, port: int | None) -> str:
    """The `amqps://` URL of a Pulse service for these credentials."""
    if not user or not password:
        raise ValueError("Pulse user and password must not be empty")
    if not host:
        raise ValueError("host must not be empty")
    netloc = f"{quote(user, safe='')}:{quote(password, safe='')}@{host}"
    if port is not None:
        netloc += f":{port}"
    path = "" if vhost == "/" else quote(vhost, safe="")
    return f"amqps://{netloc}/{path}"


def channel_closed(session: Session) -> bool:
    """Whether the channel a message came on is gone (then the broker requeued it)."""
    return session.underlay.is_closed


def without_password(url: str) -> str:
    """`url` with its password (if any) replaced by `***`, for logs and reprs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()
