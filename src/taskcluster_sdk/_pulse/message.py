"""Pulse messages: `Message` (parsed with its binding's models) and `UnparsedMessage`.

This module imports nothing heavy (no aio-pika): the generated
`events/<svc>.py` modules subclass `Message` once per exchange
(`TaskCompletedEvent`), so that `isinstance` narrows a listener's union.
Settling goes through a `Settler` (the listener's batched acks, see `acks`).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar, cast

if TYPE_CHECKING:
    from pydantic import BaseModel

    from .._bindings import Binding, RoutingKey

__all__ = ["Handler", "Message", "Settler", "UnparsedMessage"]

M = TypeVar("M", bound="BaseModel", covariant=True)
K = TypeVar("K", bound="RoutingKey", covariant=True)
_Model = TypeVar("_Model", bound="BaseModel")
_Key = TypeVar("_Key", bound="RoutingKey")
_Event = TypeVar("_Event", bound="Message[Any, Any]")


class Settler(Protocol):
    """Where a message's ack or rejection goes (the channel it came on)."""

    def ack(self, message: Message[Any, Any] | UnparsedMessage) -> None: ...
    async def reject(self, message: Message[Any, Any] | UnparsedMessage, requeue: bool) -> None: ...


class _Delivery:
    """What parsed and unparsed messages share: where they came from, and settling."""

    __slots__ = (
        "_settled",
        "_settler",
        "body",
        "delivery_tag",
        "exchange",
        "redelivered",
        "routes",
        "routing_key",
    )

    exchange: str
    """The exchange it was published on, as delivered."""
    routing_key: str
    """Its routing key, as delivered."""
    body: bytes
    """The body as it arrived (JSON)."""
    redelivered: bool
    """Whether the broker delivered it before (after a requeue or a reconnect)."""
    routes: tuple[str, ...]
    """The task routes from the `CC` header, `route.` prefix removed."""
    delivery_tag: int
    """The broker's number for this delivery on its channel."""

    def __init__(
        self,
        settler: Settler,
        delivery_tag: int,
        exchange: str,
        routing_key: str,
        body: bytes,
        redelivered: bool,
        routes: tuple[str, ...],
    ) -> None:
        self._settler = settler
        self._settled = False
        self.delivery_tag = delivery_tag
        self.exchange = exchange
        self.routing_key = routing_key
        self.body = body
        self.redelivered = redelivered
        self.routes = routes

    @property
    def settled(self) -> bool:
        """Whether the message was acked or rejected already."""
        return self._settled

    async def ack(self) -> None:
        """Acknowledge the message: the broker forgets it.

        Acks are sent in batches (one `multiple` ack for many messages) that
        never cover a message still being handled; an ack lost with the
        connection means the broker delivers the message again.
        """
        if not self._settled:
            self._settled = True
            self._settler.ack(cast("Message[Any, Any] | UnparsedMessage", self))

    async def reject(self, requeue: bool = False) -> None:
        """Reject the message; with `requeue=True` the broker delivers it again."""
        if not self._settled:
            self._settled = True
            await self._settler.reject(cast("Message[Any, Any] | UnparsedMessage", self), requeue)


class Message(_Delivery, Generic[M, K]):
    """One Pulse message, parsed with the models of the binding it matched.

    * `exchange`, `routing_key`, `body`: as delivered.
    * `routing`: the routing key split into its named fields (`routing.taskId`).
    * `payload`: the body parsed into the exchange's pydantic model.
    * `redelivered`: the broker delivered it before (after a requeue or a reconnect).
    * `routes`: the task routes from the `CC` header, `route.` prefix removed.
    * `binding`: the binding the message was matched to.

    Each generated exchange has its own subclass (`TaskCompletedEvent` in
    `taskcluster_sdk.events.queue`): `isinstance(message, TaskCompletedEvent)`
    narrows `payload` and `routing` of a listener bound to several exchanges.

    The listener acks or rejects messages itself (see `PulseListener`); call
    `ack()` or `reject()` to settle one earlier, after which it leaves it alone.
    """

    __slots__ = ("binding", "payload", "routing")

    binding: Binding[M, K, Any]
    """The binding the message was matched to."""
    routing: K
    """The routing key split into the exchange's named fields."""
    payload: M
    """The body, parsed into the exchange's message model."""

    def __init__(
        self,
        settler: Settler,
        delivery_tag: int,
        binding: Binding[M, K, Any],
        exchange: str,
        routing_key: str,
        body: bytes,
        redelivered: bool,
        routes: tuple[str, ...],
        routing: K,
        payload: M,
    ) -> None:
        super().__init__(settler, delivery_tag, exchange, routing_key, body, redelivered, routes)
        self.binding = binding
        self.routing = routing
        self.payload = payload

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(exchange={self.exchange!r}, routing_key={self.routing_key!r}, "
            f"redelivered={self.redelivered}, routes={self.routes!r})"
        )

    def of(self, binding: Binding[_Model, _Key, _Event]) -> _Event | None:
        """This message typed as `binding`'s, if it came through it; otherwise None.

        `if (done := message.of(completed)) is not None:` narrows a message
        of a listener bound to several exchanges (so does `isinstance` with
        the exchange's class, `TaskCompletedEvent`).
        """
        from .parse import matches  # noqa: PLC0415  # parse imports this module

        if self.binding.exchange != binding.exchange:
            return None
        if self.binding.message_model is not binding.message_model:
            return None
        if not matches(binding, self.routing_key, self.routes):
            return None
        return self  # type: ignore[return-value]  # same exchange and models: same types


class UnparsedMessage(_Delivery):
    """A message that did not parse into its exchange's models, handed out as it arrived.

    The listener never drops a message: one whose body is not JSON or does
    not fit the exchange's payload model, whose routing key does not fit the
    exchange, or that no binding of this listener matches (a durable queue
    keeps bindings on the broker that this run did not `bind()`), arrives as
    an `UnparsedMessage` in `async for` and `consume()`. It is acked when its
    handler returns, like any message; reject it to have it requeued or
    dropped.

    * `exchange`, `routing_key`, `body`, `redelivered`, `routes`: as delivered.
    * `error`: why it did not parse: the pydantic `ValidationError` (bad JSON
      or wrong shape), the `RoutingKeyError`, or a `LookupError` when no
      binding matches.
    * `binding`: the binding whose models it did not fit (None when no
      binding matches).
    """

    __slots__ = ("binding", "error")

    binding: Binding[Any, Any, Any] | None
    """The binding whose models it did not fit; None when no binding matches."""
    error: Exception
    """Why it did not parse (ValidationError, RoutingKeyError, or LookupError)."""

    def __init__(
        self,
        settler: Settler,
        delivery_tag: int,
        binding: Binding[Any, Any, Any] | None,
        exchange: str,
        routing_key: str,
        body: bytes,
        redelivered: bool,
        routes: tuple[str, ...],
        error: Exception,
    ) -> None:
        super().__init__(settler, delivery_tag, exchange, routing_key, body, redelivered, routes)
        self.binding = binding
        self.error = error

    def __repr__(self) -> str:
        return (
            f"UnparsedMessage(exchange={self.exchange!r}, routing_key={self.routing_key!r}, "
            f"redelivered={self.redelivered}, error={self.error!r})"
        )


Handler = Callable[[Message[Any, Any] | UnparsedMessage], Awaitable[None]]
"""An async callable that handles one message; raising means "not handled"."""
