"""Publishing typed Pulse messages to a real AMQP broker, so listeners can be tested.

`FakePulse.publish(binding, message)` sends `message` on the binding's
exchange (declared as Taskcluster declares its exchanges: topic, durable)
with a routing key built from the binding's literal words and the message
(`taskId`, `runId`, ... from the message or its `status`; `_` for what is
unknown, as Taskcluster writes empty fields), with the properties and `CC`
header Taskcluster's publisher sets (see the recorded messages). The AMQP
work runs on one background event loop, so `publish` works from sync code,
from handlers on the server's threads, and from a test's own event loop
(`publish_async`).
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Coroutine, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar, cast

from ._core import dump_output

if TYPE_CHECKING:
    import aio_pika
    import aio_pika.abc
    import pydantic

    from .._bindings import Binding

__all__ = ["BindingPublisher", "FakePulse", "routing_key_for"]

MessageT = TypeVar("MessageT", bound="pydantic.BaseModel")
_T = TypeVar("_T")


def routing_key_for(binding: Binding[Any, Any], message: Mapping[str, Any]) -> str:
    """The routing key Taskcluster would publish `message` with, within `binding`'s pattern."""
    words = binding.routing_key_pattern.split(".")
    status = cast("Mapping[str, Any]", message.get("status") or {})
    if any(field.name == "taskGraphId" for field in binding.routing_key_reference):
        # The 2014 scheduler's keys name the graph from its status; the other
        # words "always take the value `_`", though taskGraphBlocked's
        # message has a top-level taskId (the blocking task).
        message = {}
    run: Mapping[str, Any] = {}
    runs = cast("list[Mapping[str, Any]]", status.get("runs") or [])
    run_id = message.get("runId")
    if isinstance(run_id, int) and 0 <= run_id < len(runs):
        run = runs[run_id]
    key: list[str] = []
    for index, field in enumerate(binding.routing_key_reference):
        word = words[index] if index < len(words) else "#"
        if field.constant is not None:
            key.append(field.constant)
        elif word not in ("*", "#"):
            key.append(word)
        else:
            value = message.get(field.name, status.get(field.name, run.get(field.name)))
            key.append("_" if value is None or value == "" else str(value))
    return ".".join(key)


class FakePulse:
    """The publishing side of Pulse for tests (`FakeTaskcluster(pulse_url=...).pulse`)."""

    def __init__(self, amqp_url: str | None, queue_exchange_prefix: str | None = None) -> None:
        self._url = amqp_url
        self.queue_exchange_prefix = queue_exchange_prefix
        """Where the stateful queue publishes (`None`: `exchange/taskcluster-queue/v1/`)."""
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()
        self._channel: aio_pika.abc.AbstractChannel | None = None
        self._connection: aio_pika.abc.AbstractConnection | None = None
        self._exchanges: dict[str, aio_pika.abc.AbstractExchange] = {}
        self.published: list[tuple[str, str, dict[str, Any]]] = []
        """`(exchange, routing key, body)` of every message sent, in order."""

    @property
    def url(self) -> str:
        if self._url is None:
            raise RuntimeError("Pulse publishing needs FakeTaskcluster(pulse_url='amqp://...')")
        return self._url

    def _run(self, coroutine: Coroutine[Any, Any, _T]) -> _T:
        with self._lock:
            if self._loop is None:
                loop = asyncio.new_event_loop()
                thread = threading.Thread(
                    target=loop.run_forever, name="taskcluster-fake-pulse", daemon=True
                )
                thread.start()
                self._loop, self._thread = loop, thread
            loop = self._loop
        return asyncio.run_coroutine_threadsafe(coroutine, loop).result(timeout=30)

    async def _exchange(self, name: str) -> aio_pika.abc.AbstractExchange:
        import aio_pika  # noqa: PLC0415

        channel = self._channel
        if channel is None or channel.is_closed:
            connection = await aio_pika.connect(self.url, timeout=10)
            channel = connection.channel(publisher_confirms=True)
            await channel.initialize(timeout=10)
            self._connection, self._channel = connection, channel
            self._exchanges.clear()
        exchange = self._exchanges.get(name)
        if exchange is None:
            exchange = await channel.declare_exchange(
                name, aio_pika.ExchangeType.TOPIC, durable=True
            )
            self._exchanges[name] = exchange
        return exchange

    async def _send(
        self, exchange_name: str, routing_key: str, body: dict[str, Any], cc: Sequence[str]
    ) -> None:
        import aio_pika  # noqa: PLC0415

        exchange = await self._exchange(exchange_name)
        await exchange.publish(
            aio_pika.Message(
                json.dumps(body).encode(),
                content_type="application/json",
                content_encoding="utf-8",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                headers={"CC": list(cc)},
            ),
            routing_key=routing_key,
        )
        self.published.append((exchange_name, routing_key, body))

    async def _declare(self, bindings: Sequence[Binding[Any, Any]]) -> None:
        for binding in bindings:
            await self._exchange(binding.exchange)

    def declare(self, *bindings: Binding[Any, Any]) -> None:
        """Declare the bindings' exchanges now (before a listener binds to them)."""
        self._run(self._declare(bindings))

    async def declare_async(self, *bindings: Binding[Any, Any]) -> None:
        """`declare`, awaitable from a test's event loop."""
        await asyncio.wrap_future(
            asyncio.run_coroutine_threadsafe(self._declare(bindings), self._ensure_loop())
        )

    def _prepare(
        self,
        binding: Binding[Any, Any],
        message: Any,
        routing_key: str | None,
    ) -> tuple[str, dict[str, Any]]:
        body = cast("dict[str, Any]", dump_output(message))
        return routing_key or routing_key_for(binding, body), body

    def publish(
        self,
        binding: Binding[MessageT, Any],
        message: MessageT | Mapping[str, Any],
        *,
        routing_key: str | None = None,
        cc: Sequence[str] = (),
    ) -> str:
        """Send `message` (the binding's message model, or its JSON) to the binding's exchange.

        Returns the routing key used (`routing_key` overrides it; `cc` become
        the `CC` header, e.g. `route.index.my.namespace`).
        """
        key, body = self._prepare(binding, message, routing_key)
        self._run(self._send(binding.exchange, key, body, cc))
        return key

    async def publish_async(
        self,
        binding: Binding[MessageT, Any],
        message: MessageT | Mapping[str, Any],
        *,
        routing_key: str | None = None,
        cc: Sequence[str] = (),
    ) -> str:
        """`publish`, awaitable from a test's event loop."""
        key, body = self._prepare(binding, message, routing_key)
        future = asyncio.run_coroutine_threadsafe(
            self._send(binding.exchange, key, body, cc), self._ensure_loop()
        )
        await asyncio.wrap_future(future)
        return key

    def _ensure_loop(self) -> asyncio.AbstractEventLoop:
        self._run(asyncio.sleep(0))
        assert self._loop is not None
        return self._loop

    def publisher(self, binding: Binding[MessageT, Any]) -> BindingPublisher[MessageT]:
        """A publisher for one binding, whose `publish(message)` takes only its message model.

        `publish(binding, message)` accepts any model (the binding's message
        type is covariant, so a type checker widens it); this form is checked
        strictly: a `TaskCompletedMessage` for a `taskFailed()` binding is an error.
        """
        return BindingPublisher(self, binding)

    def publish_queue_event(
        self,
        exchange: str,
        message: dict[str, Any],
        task: Mapping[str, Any] | None,
        run_id: int | None,
    ) -> None:
        """What the stateful queue publishes (as the v106 queue: CC `route.<route>`)."""
        from ..events.queue import QueueEvents  # noqa: PLC0415

        name = "".join(
            part.capitalize() if index else part for index, part in enumerate(exchange.split("-"))
        )
        binding = getattr(QueueEvents(self.queue_exchange_prefix), name)()
        routes = [f"route.{route}" for route in (task or {}).get("routes", [])]
        self._run(self._send(binding.exchange, routing_key_for(binding, message), message, routes))

    def declare_queue_exchanges(self) -> None:
        """Declare the queue's exchanges (so listeners can bind before the first event)."""
        from ..events.queue import QueueEvents  # noqa: PLC0415

        events = QueueEvents(self.queue_exchange_prefix)
        names = [name for name in dir(events) if name.startswith(("task", "artifact"))]
        self.declare(*(getattr(events, name)() for name in names))

    def close(self) -> None:
        """Close the connection and stop the background loop."""
        with self._lock:
            loop, thread = self._loop, self._thread
            self._loop = self._thread = None
        if loop is None:
            return

        async def shutdown() -> None:
            if self._connection is not None:
                await self._connection.close()
            self._connection = self._channel = None

        try:
            asyncio.run_coroutine_threadsafe(shutdown(), loop).result(timeout=10)
        finally:
            loop.call_soon_threadsafe(loop.stop)
            if thread is not None:
                thread.join(timeout=5)
            loop.close()


class BindingPublisher(Generic[MessageT]):
    """Publishes the messages of one binding (`FakePulse.publisher(binding)`)."""

    def __init__(self, pulse: FakePulse, binding: Binding[MessageT, Any]) -> None:
        self._pulse = pulse
        self.binding = binding

    def publish(
        self, message: MessageT, *, routing_key: str | None = None, cc: Sequence[str] = ()
    ) -> str:
        """Send `message`; returns the routing key (see `FakePulse.publish`)."""
        return self._pulse.publish(self.binding, message, routing_key=routing_key, cc=cc)

    async def publish_async(
        self, message: MessageT, *, routing_key: str | None = None, cc: Sequence[str] = ()
    ) -> str:
        """`publish`, awaitable from a test's event loop."""
        return await self._pulse.publish_async(
            self.binding, message, routing_key=routing_key, cc=cc
        )
