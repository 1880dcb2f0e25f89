"""The Pulse listener: the implementation behind `taskcluster_sdk.pulse`.

connection.py  connecting, declaring the queue, reconnecting (aio-pika)
message.py     `Message`: a delivery matched to its binding and parsed
acks.py        the acknowledgement policy (ack, requeue once, reject)
listener.py    `PulseListener`: bind, consume, `async for`, close
"""

from .connection import PulseError
from .listener import PulseListener
from .message import Handler, Message

__all__ = ["Handler", "Message", "PulseError", "PulseListener"]
