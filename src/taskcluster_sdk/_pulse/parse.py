"""Reading a delivery: find its binding, parse the routing key and the body.

What cannot be read becomes an `UnparsedMessage`, never a dropped delivery:
on a durable queue, rejecting it would lose it for good.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .._bindings import Binding, routing_key_matches
from .message import Message, Settler, UnparsedMessage

if TYPE_CHECKING:
    import aiormq.abc

__all__ = ["binding_for", "matches", "parse_delivery", "routes_of"]


def matches(binding: Binding[Any, Any, Any], routing_key: str, routes: Sequence[str]) -> bool:
    # CC'd copies keep the primary routing key, so a `route.*` binding only
    # recognises its messages by the routes.
    pattern = binding.routing_key_pattern
    return routing_key_matches(pattern, routing_key) or any(
        routing_key_matches(pattern, "route." + route) for route in routes
    )


def routes_of(headers: Mapping[str, Any] | None) -> tuple[str, ...]:
    if not headers:
        return ()
    cc: Any = headers.get("CC")
    if not cc or not isinstance(cc, (list, tuple)):
        return ()
    routes: list[str] = []
    for entry in cc:  # pyright: ignore[reportUnknownVariableType]
        text = entry.decode() if isinstance(entry, bytes) else str(entry)  # pyright: ignore[reportUnknownArgumentType]
        if text.startswith("route."):
            routes.append(text[6:])
    return tuple(routes)


def parse_delivery(
    bindings: Sequence[Binding[Any, Any, Any]],
    settler: Settler,
    delivered: aiormq.abc.DeliveredMessage,
) -> Message[Any, Any] | UnparsedMessage:
    """The delivery as a typed message, or as an `UnparsedMessage` saying why not."""
    deliver: Any = delivered.delivery
    exchange: str = deliver.exchange or ""
    routing_key: str = deliver.routing_key or ""
    tag: int = deliver.delivery_tag
    redelivered = bool(deliver.redelivered)
    body = delivered.body
    routes = routes_of(delivered.header.properties.headers)
    binding = binding_for(bindings, exchange, routing_key, routes)
    if binding is None:
        error = LookupError(
            f"no binding of this listener matches exchange {exchange} with routing key "
            f"{routing_key} (a durable queue keeps its bindings on the broker, but the "
            "listener needs bind() on every start to know the message models)"
        )
        return UnparsedMessage(
            settler, tag, None, exchange, routing_key, body, redelivered, routes, error
        )
    try:
        routing = binding.routing_key_model.parse(routing_key)
        payload = binding.message_model.model_validate_json(body)
    except Exception as error:
        return UnparsedMessage(
            settler, tag, binding, exchange, routing_key, body, redelivered, routes, error
        )
    return binding.message_class(
        settler, tag, binding, exchange, routing_key, body, redelivered, routes, routing, payload
    )


def binding_for(
    bindings: Sequence[Binding[Any, Any, Any]],
    exchange: str,
    routing_key: str,
    routes: Sequence[str],
) -> Binding[Any, Any, Any] | None:
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
