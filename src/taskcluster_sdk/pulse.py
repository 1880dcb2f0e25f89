"""Listen to Taskcluster's Pulse messages: typed bindings in, typed messages out.

```python
from taskcluster_sdk.events.queue import QueueEvents
from taskcluster_sdk.pulse import PulseListener

async with PulseListener.from_credentials(user, password, queue_name="builds") as listener:
    await listener.bind(QueueEvents().taskCompleted(taskId=task_id))
    async for message in listener:
        print(message.payload.status.state)
        break
```

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
