"""`PulseListener.bound()`: a listener typed by its bindings, made by `start()` like `bind()`'s.

The static side (what pyright infers, what it flags) is in
tests/typing/pass_pulse_typed.py and tests/typing/fail/pulse_wrong_handler.py.
"""

from __future__ import annotations

import pytest
from pulse_helpers import (
    AMQP_URL,
    FakeQueueEvents,
    TaskclusterPublisher,
    new_task_id,
    queue_routing_key,
    task_message,
)
from test_listener import events, publisher, receive  # noqa: F401  # fixtures

from taskcluster_sdk.pulse import PulseListener

pytestmark = pytest.mark.rabbitmq


async def test_bound_bindings_are_made_on_start_and_type_the_messages(
    events: FakeQueueEvents,  # noqa: F811
    publisher: TaskclusterPublisher,  # noqa: F811
) -> None:
    completed, failed = events.taskCompleted(), events.taskFailed()
    for binding in (completed, failed):
        await publisher.declare(binding.exchange)
    listener = PulseListener(AMQP_URL).bound(completed, failed)
    assert listener.bindings == (completed, failed)
    async with listener:
        done, broke = new_task_id(), new_task_id()
        await publisher.publish(completed.exchange, queue_routing_key(done), task_message(done))
        await publisher.publish(
            failed.exchange, queue_routing_key(broke), task_message(broke, "failed")
        )
        messages = await receive(listener, 2)
    by_exchange = {message.exchange: message for message in messages}
    assert by_exchange[completed.exchange].of(completed) is not None
    assert by_exchange[completed.exchange].of(failed) is None
    assert by_exchange[failed.exchange].routing.taskId == broke
    assert isinstance(by_exchange[failed.exchange].payload, failed.message_model)


async def test_bound_is_refused_after_start(events: FakeQueueEvents) -> None:  # noqa: F811
    listener = PulseListener(AMQP_URL)
    async with listener:
        with pytest.raises(RuntimeError, match="before start"):
            listener.bound(events.taskCompleted())
    with pytest.raises(TypeError, match="Bindings"):
        PulseListener(AMQP_URL).bound("task-completed")  # type: ignore[call-overload]
