"""Our side of the listener figure: `taskcluster_sdk.pulse.PulseListener`.

Kept apart from the figure because it follows the listener's API: a named
(durable) queue, one `QueueEvents().taskCompleted()` binding, `async for`
over typed messages (each acked when the loop asks for the next one).
"""

from __future__ import annotations

import json
from typing import Any

from benchmarks.broker import full_queue_name
from benchmarks.clients import ours_module
from benchmarks.config import AMQP_URL
from benchmarks.fixtures import TASK_GROUP_ID, routing_key, slug, task_completed_message
from benchmarks.measure import Round, Stopwatch


class OurListener:
    """Drains a filled queue through our listener; the classes are looked up once."""

    def __init__(self) -> None:
        self._listener_class: Any = ours_module("taskcluster_sdk.pulse").PulseListener
        # What the binding hands out when a message parses (not an UnparsedMessage).
        self._message_class: Any = ours_module("taskcluster_sdk.events.queue").TaskCompletedEvent
        events: Any = ours_module("taskcluster_sdk.events.queue").QueueEvents()
        # One-time costs stay out of the timed rounds, as the HTTP figures'
        # warm-up call does: importing the models and building the validator.
        self._binding: Any = events.taskCompleted()
        sample = json.dumps(task_completed_message(slug(), 0))
        self._binding.message_model.model_validate_json(sample)
        self._binding.routing_key_model.parse(routing_key(slug(), 0))

    async def drain(self, queue_name: str, count: int, prefetch: int) -> Round:
        """Messages per second, from connecting until `count` messages were handled."""
        stopwatch = Stopwatch()
        listener = self._listener_class(AMQP_URL, queue_name=queue_name, prefetch=prefetch)
        if listener.queue_name != full_queue_name(queue_name):
            raise AssertionError(f"listener uses queue {listener.queue_name!r}")
        await listener.bind(self._binding)
        handled = 0
        async with listener:
            async for message in listener:
                if not isinstance(message, self._message_class):
                    raise AssertionError(f"did not parse: {message!r}")
                # Touch both typed halves so a lazily parsed message pays here too.
                if message.routing.taskGroupId != TASK_GROUP_ID:
                    raise AssertionError(f"routing key parsed as {message.routing!r}")
                if message.payload.status.taskGroupId != TASK_GROUP_ID:
                    raise AssertionError("payload parsed wrong")
                handled += 1
                if handled == count:
                    break
            # Stop before closing: the floor's clock stops at its last ack, not at disconnect.
            return stopwatch.rate(count)
