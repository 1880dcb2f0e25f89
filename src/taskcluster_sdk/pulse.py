"""Listen to Taskcluster's Pulse messages: typed bindings in, typed messages out.

```python
from taskcluster_sdk.events.queue import QueueEvents
from taskcluster_sdk.pulse import PulseListener, UnparsedMessage

completed = QueueEvents().taskCompleted(taskId=task_id)
async with PulseListener.from_credentials(user, password, queue_name="builds").bound(
    completed
) as listener:
    async for message in listener:  # TaskCompletedEvent | UnparsedMessage
        if isinstance(message, UnparsedMessage):
            print("cannot read", message.routing_key, message.error)
            continue
        print(message.payload.status.state)
        break
```

Nothing is dropped: what does not parse arrives as an `UnparsedMessage`.

Importing this module imports aio-pika; `taskcluster_sdk.events.*` does not.
"""

from __future__ import annotations

from ._bindings import (
    Binding,
    EventsBase,
    Exchange,
    RoutingKey,
    RoutingKeyError,
    RoutingKeyField,
)
from ._errors import PulseError
from ._pulse.listener import PulseListener
from ._pulse.message import Handler, Message, UnparsedMessage

__all__ = [
    "Binding",
    "EventsBase",
    "Exchange",
    "Handler",
    "Message",
    "PulseError",
    "PulseListener",
    "RoutingKey",
    "RoutingKeyError",
    "RoutingKeyField",
    "UnparsedMessage",
]
