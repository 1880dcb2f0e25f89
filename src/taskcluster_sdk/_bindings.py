"""Typed Pulse exchange bindings: exchange descriptions, routing-key patterns and parsing.

Generated `events/<svc>.py` modules describe every exchange with an `Exchange`
and hand user filters to `EventsBase._binding`, which turns them into a
`Binding`: what a listener needs to bind a queue and to parse what arrives.

Generated modules import this one at import time, so it imports nothing heavy
(no pydantic, no aio-pika): model classes only appear in annotations.

Field values are literal words, never patterns: a value holding `*` or `#`
would match other tasks' messages (`taskCompleted(taskId="*")` would bind to
every task), so values with `*`, `#`, an empty word, or (for single-word
fields) a `.` are refused; use a raw pattern for wildcards. AMQP routing keys
and binding keys are at most 255 bytes, so longer patterns are refused before
they reach the broker. Parsing refuses keys whose constant words or shape do
not fit the exchange. Every refusal is a `RoutingKeyError` (a `ValueError`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Protocol, TypeVar, overload

from ._errors import RoutingKeyError
from ._pulse.message import Message

if TYPE_CHECKING:
    from pydantic import BaseModel
    from typing_extensions import Self

__all__ = [
    "MAX_ROUTING_KEY_BYTES",
    "Binding",
    "EventsBase",
    "Exchange",
    "RoutingKey",
    "RoutingKeyError",
    "RoutingKeyField",
    "binding_pattern",
    "routing_key_matches",
    "split_routing_key",
]


# AMQP 0-9-1 carries routing and binding keys as a short string.
MAX_ROUTING_KEY_BYTES = 255
# Topic wildcards: never allowed inside a field value.
_WILDCARDS = ("*", "#")


@dataclass(frozen=True, slots=True)
class RoutingKeyField:
    """One dot-separated entry of an exchange's routing key.

    `constant` is set for fields that always hold the same word (`primary`).
    A `multiple_words` field may span several words; an exchange has at most
    one. `max_size` is the longest value the reference allows, when it says.
    """

    name: str
    constant: str | None
    required: bool
    multiple_words: bool
    max_size: int | None = None


@dataclass(frozen=True, slots=True)
class Exchange:
    """A Pulse topic exchange of a service, without the service's exchange prefix."""

    name: str  # the binding method name, e.g. taskCompleted
    exchange: str  # the exchange name after the prefix, e.g. task-completed
    routing_key: tuple[RoutingKeyField, ...]

    def __post_init__(self) -> None:
        multi = [field.name for field in self.routing_key if field.multiple_words]
        if len(multi) > 1:
            raise RoutingKeyError(
                f"exchange {self.exchange!r} has more than one multi-word routing key field: "
                f"{', '.join(multi)}"
            )


class RoutingKey(Protocol):
    """What a routing-key class offers: parsing a routing key into its named fields."""

    @classmethod
    def parse(cls, routing_key: str) -> Self:
        """Split `routing_key` into the exchange's named fields (RoutingKeyError if it does not fit)."""
        ...


M = TypeVar("M", bound="BaseModel", covariant=True)
K = TypeVar("K", bound=RoutingKey, covariant=True)
_Model = TypeVar("_Model", bound="BaseModel")
_Key = TypeVar("_Key", bound=RoutingKey)
_Event = TypeVar("_Event", bound="Message[Any, Any]")
if TYPE_CHECKING:
    from typing_extensions import TypeVar as DefaultedTypeVar

    E = DefaultedTypeVar("E", bound="Message[Any, Any]", covariant=True, default=Message[M, K])
    """The class of the messages a binding delivers: its exchange's `Message` subclass."""
else:
    # typing_extensions stays out of import time; the default only matters to type checkers.
    E = TypeVar("E", covariant=True)


@dataclass(frozen=True, slots=True)
class Binding(Generic[M, K, E]):
    """What to bind a queue to, and how to read the messages it then receives.

    `exchange` is the full exchange name (`exchange/taskcluster-queue/v1/task-completed`),
    `routing_key_pattern` the AMQP topic pattern, `message_model` the pydantic
    model of the payloads, `routing_key_model` the class that parses routing
    keys and `message_class` the class of the delivered messages (the
    exchange's `Message` subclass, `TaskCompletedEvent`; `Message` itself
    for hand-made bindings). `Binding[M, K]` means `Binding[M, K, Message[M, K]]`.
    """

    exchange: str
    routing_key_pattern: str
    routing_key_reference: tuple[RoutingKeyField, ...]
    message_model: type[M]
    routing_key_model: type[K]
    message_class: type[E] = Message  # type: ignore[assignment]  # Message[M, K] is E's default


class EventsBase:
    """Base of the generated `<Service>Events` classes.

    `exchange_prefix` replaces the service's default prefix
    (`exchange/taskcluster-queue/v1/`, or `queue/v1/` on the 2014 platform),
    for deployments that publish under another name.
    """

    _default_prefix: ClassVar[str] = ""
    exchange_prefix: str
    """Prepended to every exchange name of this service, e.g. `exchange/taskcluster-queue/v1/`."""

    def __init__(self, exchange_prefix: str | None = None) -> None:
        self.exchange_prefix = self._default_prefix if exchange_prefix is None else exchange_prefix

    def __repr__(self) -> str:
        return f"{type(self).__name__}(exchange_prefix={self.exchange_prefix!r})"

    @overload
    def _binding(
        self,
        exchange: Exchange,
        pattern: str | None,
        values: Sequence[str | int | None],
        message_model: type[_Model],
        routing_key_model: type[_Key],
    ) -> Binding[_Model, _Key]: ...
    @overload
    def _binding(
        self,
        exchange: Exchange,
        pattern: str | None,
        values: Sequence[str | int | None],
        message_model: type[_Model],
        routing_key_model: type[_Key],
        message_class: type[_Event],
    ) -> Binding[_Model, _Key, _Event]: ...
    def _binding(
        self,
        exchange: Exchange,
        pattern: str | None,
        values: Sequence[str | int | None],
        message_model: type[_Model],
        routing_key_model: type[_Key],
        message_class: type[Any] = Message,
    ) -> Binding[_Model, _Key, Any]:
        _check_value_count(exchange, values)
        if pattern is None:
            routing_key_pattern = binding_pattern(exchange, values)
        else:
            given = [
                field.name
                for field, value in zip(_variable_fields(exchange), values, strict=True)
                if value is not None
            ]
            if given:
                raise RoutingKeyError(
                    f"{exchange.name}: give either a routing-key pattern or field values, "
                    f"not both (got pattern {pattern!r} and {', '.join(given)})"
                )
            routing_key_pattern = _checked_raw_pattern(exchange, pattern)
        return Binding(
            exchange=self.exchange_prefix + exchange.exchange,
            routing_key_pattern=routing_key_pattern,
            routing_key_reference=exchange.routing_key,
            message_model=message_model,
            routing_key_model=routing_key_model,
            message_class=message_class,
        )


def _variable_fields(exchange: Exchange) -> tuple[RoutingKeyField, ...]:
    return tuple(field for field in exchange.routing_key if field.constant is None)


def _check_value_count(exchange: Exchange, values: Sequence[str | int | None]) -> None:
    variable = _variable_fields(exchange)
    if len(values) != len(variable):
        raise RoutingKeyError(
            f"{exchange.name}: expected {len(variable)} routing-key values "
            f"({', '.join(field.name for field in variable)}), got {len(values)}"
        )


def _checked_raw_pattern(exchange: Exchange, pattern: str) -> str:
    if not isinstance(pattern, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(
            f"{exchange.name}: the routing-key pattern must be a string, got {type(pattern).__name__}"
        )
    if not pattern or any(word == "" for word in pattern.split(".")):
        raise RoutingKeyError(f"{exchange.name}: routing-key pattern {pattern!r} has an empty word")
    return _checked_length(exchange, pattern)


def _checked_length(exchange: Exchange, pattern: str) -> str:
    size = len(pattern.encode())
    if size > MAX_ROUTING_KEY_BYTES:
        raise RoutingKeyError(
            f"{exchange.name}: routing-key pattern is {size} bytes long; AMQP allows at most "
            f"{MAX_ROUTING_KEY_BYTES} (pattern starts {pattern[:40]!r})"
        )
    return pattern


def binding_pattern(exchange: Exchange, values: Sequence[str | int | None]) -> str:
    """Build the topic pattern for `values`, one per non-constant field in reference order.

    Constants are always their constant; a missing single-word field matches
    any word (`*`) and a missing multi-word field any number of words (`#`).
    Given values are literal: a value with `*` or `#` is refused.
    """
    _check_value_count(exchange, values)
    given = iter(values)
    words: list[str] = []
    for field in exchange.routing_key:
        if field.constant is not None:
            words.append(field.constant)
            continue
        words.append(_pattern_word(exchange, field, next(given)))
    return _checked_length(exchange, ".".join(words))


def _pattern_word(exchange: Exchange, field: RoutingKeyField, value: str | int | None) -> str:
    if value is None:
        return "#" if field.multiple_words else "*"
    # bool is an int subclass; True as a runId is a mistake, not 1.
    if isinstance(value, bool) or not isinstance(value, (str, int)):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(
            f"{exchange.name}: routing-key field {field.name} must be a str or int, "
            f"got {type(value).__name__}"
        )
    word = str(value)
    where = f"{exchange.name}: routing-key field {field.name}"
    if word == "":
        raise RoutingKeyError(f"{where} must not be empty")
    if any(wildcard in word for wildcard in _WILDCARDS):
        raise RoutingKeyError(
            f"{where} value {word!r} contains a wildcard ('*' or '#'), which would match "
            "other values; leave the field out to match any value, or pass a raw pattern"
        )
    if field.multiple_words:
        if any(part == "" for part in word.split(".")):
            raise RoutingKeyError(f"{where} value {word!r} has an empty word")
        return word
    if "." in word:
        raise RoutingKeyError(f"{where} is a single word and must not contain '.', got {word!r}")
    if field.max_size is not None and len(word) > field.max_size:
        raise RoutingKeyError(
            f"{where} is at most {field.max_size} characters long, got {word!r} "
            f"({len(word)} characters)"
        )
    return word


def split_routing_key(routing_key: str, reference: Sequence[RoutingKeyField]) -> tuple[str, ...]:
    """Split a routing key into one value per field of `reference`, constants included.

    Single-word fields are taken from the left until the multi-word field,
    then from the right; the words left in between, joined by `.`, are the
    multi-word field. Constants must be their constant and no field may be
    empty (unset fields hold `_`, as Taskcluster publishes them); raises
    `RoutingKeyError` when the key does not fit.
    """
    words = routing_key.split(".")
    multi = [index for index, field in enumerate(reference) if field.multiple_words]
    if not multi:
        if len(words) != len(reference):
            raise RoutingKeyError(
                f"routing key {routing_key!r} has {len(words)} words, "
                f"expected {len(reference)} ({_field_names(reference)})"
            )
        values = tuple(words)
    else:
        split_at = multi[0]
        after = len(reference) - split_at - 1
        # The multi-word field holds at least one word (`_` when unset).
        if len(words) < len(reference):
            raise RoutingKeyError(
                f"routing key {routing_key!r} has {len(words)} words, expected at least "
                f"{len(reference)} ({_field_names(reference)})"
            )
        head = words[:split_at]
        tail = words[len(words) - after :] if after else []
        middle = ".".join(words[split_at : len(words) - after])
        values = (*head, middle, *tail)
    for field, value in zip(reference, values, strict=True):
        if field.constant is not None and value != field.constant:
            raise RoutingKeyError(
                f"routing key {routing_key!r}: {field.name} must be {field.constant!r}, "
                f"got {value!r}"
            )
        if value == "" or (field.multiple_words and "" in value.split(".")):
            raise RoutingKeyError(
                f"routing key {routing_key!r}: {field.name} is empty (unset fields hold '_')"
            )
    return values


def _field_names(reference: Sequence[RoutingKeyField]) -> str:
    return ".".join(field.name for field in reference)


def routing_key_matches(pattern: str, routing_key: str) -> bool:
    """Whether an AMQP topic `pattern` matches `routing_key`.

    `*` matches exactly one word, `#` zero or more words, as RabbitMQ does.
    """
    pattern_words = pattern.split(".")
    key_words = routing_key.split(".")
    # reachable[j]: the pattern consumed so far can match the first j words.
    reachable = [True] + [False] * len(key_words)
    for word in pattern_words:
        if word == "#":
            for j in range(1, len(reachable)):
                reachable[j] = reachable[j] or reachable[j - 1]
        else:
            reachable = [False] + [
                reachable[j] and (word == "*" or word == key_words[j])
                for j in range(len(key_words))
            ]
    return reachable[-1]
