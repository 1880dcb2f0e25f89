"""Pulse messages: a delivery matched to its binding and parsed into typed fields.

Reading a delivery is plain work (find the binding, parse the routing key
and the body); what cannot be read is rejected without requeue, since it
would come back unreadable forever.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import TYPE_CHECKING, Any, Generic, TypeVar

import aio_pika.abc

from .._bindings import Binding, RoutingKey, routing_key_matches
from .connection import CONNECTION_ERRORS

if TYPE_CHECKING:
    from pydantic import BaseModel

__all__ = [
    "Handler",
    "Message",
    "binding_for",
    "matches",
    "parse_delivery",
    "reject_unparsed",
    "routes_of",
]

log = logging.getLogger("taskcluster_sdk.pulse")

M = TypeVar("M", bound="BaseModel", covariant=True)
K = TypeVar("K", bound=RoutingKey, covariant=True)
_Model = TypeVar("_Model", bound="BaseModel")
_Key = TypeVar("_Key", bound=RoutingKey)


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

    binding: Binding[M, K]
    """The binding the message was matched to."""
    exchange: str
    """The exchange it was published on, as delivered."""
    routing_key: str
    """Its routing key, as delivered."""
    routing: K
    """The routing key split into the exchange's named fields."""
    payload: M
    """The body, parsed into the exchange's message model."""
    redelivered: bool
    """Whether the broker delivered it before (after a requeue or a reconnect)."""
    routes: tuple[str, ...]
    """The task routes from the `CC` header, `route.` prefix removed."""

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
        self.exchange = incoming.exchange or ""
        self.routing_key = incoming.routing_key or ""
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
        if not matches(binding, self.routing_key, self.routes):
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
        except CONNECTION_ERRORS as error:
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


def matches(binding: Binding[Any, Any], routing_key: str, routes: Sequence[str]) -> bool:
    # CC'd copies keep the primary routing key, so a `route.*` binding only
    # recognises its messages by the routes.
    pattern = binding.routing_key_pattern
    return routing_key_matches(pattern, routing_key) or any(
        routing_key_matches(pattern, "route." + route) for route in routes
    )


def routes_of(headers: aio_pika.abc.HeadersType) -> tuple[str, ...]:
    cc: Any = headers.get("CC")
    if not isinstance(cc, (list, tuple)):
        return ()
    routes: list[str] = []
    for entry in cc:  # pyright: ignore[reportUnknownVariableType]
        text = entry.decode() if isinstance(entry, bytes) else str(entry)  # pyright: ignore[reportUnknownArgumentType]
        if text.startswith("route."):
            routes.append(text.removeprefix("route."))
    return tuple(routes)


async def parse_delivery(
    bindings: Sequence[Binding[Any, Any]], incoming: aio_pika.abc.AbstractIncomingMessage
) -> Message[Any, Any] | None:
    """The delivery as a typed message, or None after rejecting what cannot be read."""
    exchange = incoming.exchange or ""
    routing_key = incoming.routing_key or ""
    routes = routes_of(incoming.headers)
    binding = binding_for(bindings, exchange, routing_key, routes)
    if binding is None:
        log.error(
            "rejected a message no binding of this listener matches: exchange %s, "
            "routing key %s (a durable queue keeps its bindings on the broker, but "
            "the listener needs bind() on every start to know the message models)",
            exchange,
            routing_key,
        )
        await reject_unparsed(incoming)
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
        await reject_unparsed(incoming)
        return None
    return Message(incoming, binding, routing, payload, routes)


def binding_for(
    bindings: Sequence[Binding[Any, Any]], exchange: str, routing_key: str, routes: Sequence[str]
) -> Binding[Any, Any] | None:
    """The binding whose models read a message from `exchange` (None if no binding covers it)."""
    same_exchange = [binding for binding in bindings if binding.exchange == exchange]
    if len(same_exchange) == 1:
        return same_exchange[0]
    for binding in same_exchange:
        if matches(binding, routing_key, routes):
            return binding
    # Matched on the broker by a binding whose pattern we cannot see match
    # (or one unbound meanwhile): the exchange still decides the models.
    return same_exchange[0] if same_exchange else None


async def reject_unparsed(incoming: aio_pika.abc.AbstractIncomingMessage) -> None:
    # Requeueing would only bring it back unparseable, forever.
    with contextlib.suppress(*CONNECTION_ERRORS):
        await incoming.reject(requeue=False)
