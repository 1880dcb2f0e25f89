"""The Pulse listener: the implementation behind `taskcluster_sdk.pulse`.

message.py     `Message`, `UnparsedMessage` (light: generated events modules import it)
parse.py       a delivery matched to its binding and parsed
connection.py  connecting, declaring the queue, reconnecting (aio-pika, aiormq)
acks.py        the acknowledgement policy, batched acks, deduplication
consumer.py    deliveries handed out as messages: `async for`, `consume()`
listener.py    `PulseListener`: bind, start, reconnect, close

Importing this package imports no aio-pika: `PulseListener` loads on first use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .._errors import PulseError
from .message import Handler, Message, UnparsedMessage

if TYPE_CHECKING:
    from .listener import PulseListener

__all__ = ["Handler", "Message", "PulseError", "PulseListener", "UnparsedMessage"]


def __getattr__(name: str) -> Any:
    if name == "PulseListener":
        from .listener import PulseListener  # noqa: PLC0415  # aio-pika loads on first use

        return PulseListener
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
