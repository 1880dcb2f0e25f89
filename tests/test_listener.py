"""The Pulse listener against a real RabbitMQ (tests/_prerequisites.py: AMQP_URL).

Every test uses its own exchanges and queues (uuid names) and removes them;
the fault tests use their own vhost so that closing connections touches
nothing else. Every wait has a timeout.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
import subprocess
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit

import aio_pika
import pytest
from pulse_helpers import (
    FakeQueueEvents,
    QueueRoutingKey,
    TaskclusterPublisher,
    TaskMessage,
    delete_queue,
    legacy_task_completed_body,
    new_task_id,
    queue_exchange,
    queue_routing_key,
    slug,
    task_completed_body,
    task_message,
)
from pydantic import BaseModel, ConfigDict, ValidationError

from taskcluster_sdk._bindings import Binding, EventsBase, split_routing_key
from taskcluster_sdk.errors import RoutingKeyError, TaskclusterError
from taskcluster_sdk.pulse import Message, PulseError, PulseListener, UnparsedMessage
from tests._prerequisites import AMQP_URL, amqp_url

pytestmark = pytest.mark.rabbitmq

T = TypeVar("T")
WAIT = 15.0


async def within(awaitable: Awaitable[T], timeout: float = WAIT) -> T:
    return await asyncio.wait_for(awaitable, timeout)


async def receive(listener: PulseListener, count: int) -> list[Message[Any, Any] | UnparsedMessage]:
    """The next `count` messages of `async for`, acked as the loop would ack them."""
    iterator = aiter(listener)
    messages = [await within(anext(iterator)) for _ in range(count)]
    return messages


async def eventually(condition: Callable[[], bool], what: str, timeout: float = WAIT) -> None:
    async def poll() -> None:
        while not condition():
            await asyncio.sleep(0.05)

    try:
        await asyncio.wait_for(poll(), timeout)
    except asyncio.TimeoutError:
        pytest.fail(f"timed out after {timeout}s waiting for {what}")


async def ready_messages(queue_name: str, url: str = AMQP_URL) -> int:
    """Messages waiting in a queue (not counting unacked ones)."""
    connection = await aio_pika.connect(url, timeout=10)
    try:
        channel = connection.channel()
        await channel.initialize(timeout=10)
        queue = await channel.declare_queue(queue_name, passive=True, timeout=10)
        return queue.declaration_result.message_count or 0
    finally:
        await connection.close()


@pytest.fixture
def events() -> FakeQueueEvents:
    return FakeQueueEvents(exchange_prefix=f"exchange/test-{uuid.uuid4().hex[:12]}/v1/")


@pytest.fixture
async def publisher() -> AsyncIterator[TaskclusterPublisher]:
    publisher = await TaskclusterPublisher.connect()
    yield publisher
    await publisher.delete_exchanges()
    await publisher.close()


@pytest.fixture
def queue_name() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


@pytest.fixture
async def named_queue(queue_name: str) -> AsyncIterator[str]:
    """A durable queue name; the queue `queue/guest/<name>` is deleted afterwards."""
    yield queue_name
    await delete_queue(f"queue/guest/{queue_name}")


# -- bindings and typed messages ---------------------------------------------


async def test_binding_for_one_task_receives_only_that_task(
    events: FakeQueueEvents, publisher: TaskclusterPublisher
) -> None:
    wanted, other = new_task_id(), new_task_id()
    binding = events.taskCompleted(taskId=wanted)
    await publisher.declare(binding.exchange)
    async with PulseListener(AMQP_URL) as listener:
        await listener.bind(binding)
        for run_id in (0, 1):
            # FIFO queue: if the other task's message got through, it would come first.
            await publisher.publish(
                binding.exchange, queue_routing_key(other, run_id=run_id), task_message(other)
            )
            await publisher.publish(
                binding.exchange,
                queue_routing_key(wanted, run_id=run_id),
                task_message(wanted, run_id=run_id),
            )
        first, second = await receive(listener, 2)

    for run_id, message in enumerate((first, second)):
        assert message.exchange == binding.exchange
        assert message.binding == binding
        assert isinstance(message.routing, QueueRoutingKey)
        assert message.routing.taskId == wanted
        assert message.routing.runId == str(run_id)
        assert message.routing.reserved == "_"
        assert isinstance(message.payload, TaskMessage)
        assert message.payload.status.taskId == wanted
        assert message.payload.runId == run_id
        assert message.redelivered is False
        assert message.routes == ()


async def test_cc_routes_reach_a_listener_bound_to_route_patterns(
    events: FakeQueueEvents, publisher: TaskclusterPublisher
) -> None:
    binding = events.taskCompleted("route.index.my-project.#")
    await publisher.declare(binding.exchange)
    task_id, other = new_task_id(), new_task_id()
    async with PulseListener(AMQP_URL) as listener:
        await listener.bind(binding)
        await publisher.publish(
            binding.exchange,
            queue_routing_key(other),
            task_message(other),
            routes=["index.other-project.nightly"],
        )
        await publisher.publish(
            binding.exchange,
            queue_routing_key(task_id),
            task_message(task_id),
            routes=["index.my-project.nightly.linux64", "notify.email.dev@example.com.on-failed"],
        )
        (message,) = await receive(listener, 1)

    assert message.routing.taskId == task_id
    assert message.routes == (
        "index.my-project.nightly.linux64",
        "notify.email.dev@example.com.on-failed",
    )
    assert message.binding == binding
    assert message.of(binding) is message


class TaskGroupStatus(BaseModel):
    model_config = ConfigDict(extra="allow")
    taskGroupId: str
    schedulerId: str


TASK_GROUP_RESOLVED = queue_exchange("task-group-resolved")


class TaskGroupRoutingKey:
    def __init__(self, *values: str) -> None:
        self.routingKeyKind, self.taskGroupId, self.schedulerId, self.reserved = values

    @classmethod
    def parse(cls, routing_key: str) -> TaskGroupRoutingKey:
        return cls(*split_routing_key(routing_key, TASK_GROUP_RESOLVED.routing_key))


class GroupEvents(EventsBase):
    def taskGroupResolved(
        self, *, taskGroupId: str | None = None
    ) -> Binding[TaskGroupStatus, TaskGroupRoutingKey]:
        return self._binding(
            TASK_GROUP_RESOLVED,
            None,
            (taskGroupId, None, None),
            TaskGroupStatus,
            TaskGroupRoutingKey,
        )


async def test_mixed_exchanges_each_get_their_own_models(
    events: FakeQueueEvents, publisher: TaskclusterPublisher
) -> None:
    completed = events.taskCompleted()
    resolved = GroupEvents(exchange_prefix=events.exchange_prefix).taskGroupResolved()
    for binding in (completed, resolved):
        await publisher.declare(binding.exchange)
    task_id, group_id = new_task_id(), new_task_id()
    async with PulseListener(AMQP_URL) as listener:
        await listener.bind(completed)
        await listener.bind(resolved)
        await publisher.publish(
            resolved.exchange,
            f"primary.{group_id}.tests._",
            {"taskGroupId": group_id, "schedulerId": "tests"},
        )
        await publisher.publish(
            completed.exchange, queue_routing_key(task_id), task_message(task_id)
        )
        group_message, task_message_ = await receive(listener, 2)

    assert isinstance(group_message.payload, TaskGroupStatus)
    assert isinstance(group_message.routing, TaskGroupRoutingKey)
    assert group_message.routing.taskGroupId == group_id
    assert group_message.of(completed) is None
    typed_group = group_message.of(resolved)
    assert typed_group is not None
    assert typed_group.payload.schedulerId == "tests"

    assert isinstance(task_message_.payload, TaskMessage)
    assert task_message_.of(resolved) is None
    typed_task = task_message_.of(completed)
    assert typed_task is not None
    assert typed_task.routing.taskId == task_id


async def test_generated_2014_queue_events_work_the_same_way(
    publisher: TaskclusterPublisher,
) -> None:
    from taskcluster_sdk.legacy.events.queue import QueueEvents as LegacyQueueEvents

    task_id, group_id = slug(), slug()
    binding = LegacyQueueEvents().taskCompleted(taskId=task_id)
    assert binding.exchange == "queue/v1/task-completed"
    await publisher.declare(binding.exchange)
    async with PulseListener(AMQP_URL) as listener:
        await listener.bind(binding)
        await publisher.publish(
            binding.exchange,
            queue_routing_key(task_id, task_group_id=group_id),
            legacy_task_completed_body(task_id, group_id),
            routes=["index.legacy"],
        )
        (message,) = await receive(listener, 1)
    assert message.exchange == "queue/v1/task-completed"
    typed = message.of(binding)
    assert typed is not None
    assert typed.routing.taskGroupId == group_id
    assert typed.payload.success is True
    assert typed.payload.status.taskId == task_id
    assert typed.routes == ("index.legacy",)


async def test_readme_example_waits_for_a_task_completion(
    publisher: TaskclusterPublisher, capsys: pytest.CaptureFixture[str]
) -> None:
    from taskcluster_sdk.events.queue import QueueEvents

    task_id, group_id = slug(), slug()
    exchange = QueueEvents().taskCompleted().exchange
    await publisher.declare(exchange)

    # The README's example, with the local broker instead of Pulse credentials.
    async def wait_for_completion(task_id: str) -> None:
        async with PulseListener(AMQP_URL) as listener:
            await listener.bind(QueueEvents().taskCompleted(taskId=task_id))
            ready.set()
            async for message in listener:
                print(
                    f"{message.routing.taskId} completed: run {message.payload.runId} on {message.payload.workerId}"
                )
                break

    ready = asyncio.Event()
    waiting = asyncio.create_task(wait_for_completion(task_id))
    await within(ready.wait())
    other = slug()
    await publisher.publish(
        exchange,
        queue_routing_key(other, task_group_id=group_id),
        task_completed_body(other, group_id),
    )
    await publisher.publish(
        exchange,
        queue_routing_key(task_id, run_id=1, task_group_id=group_id),
        task_completed_body(task_id, group_id, 1),
    )
    await within(waiting)
    assert capsys.readouterr().out == f"{task_id} completed: run 1 on w1\n"


# -- acknowledgement -----------------------------------------------------------


async def test_handler_failure_requeues_once_then_rejects(
    events: FakeQueueEvents,
    publisher: TaskclusterPublisher,
    named_queue: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    binding = events.taskCompleted()
    await publisher.declare(binding.exchange)
    failing, fine = new_task_id(), new_task_id()
    seen: list[tuple[str, bool]] = []
    handled = asyncio.Event()

    async def handler(message: Message[Any, Any]) -> None:
        seen.append((message.routing.taskId, message.redelivered))
        if message.routing.taskId == failing:
            raise RuntimeError("handler broke")
        handled.set()

    caplog.set_level(logging.WARNING, logger="taskcluster_sdk.pulse")
    listener = PulseListener(AMQP_URL, queue_name=named_queue, prefetch=1)
    await listener.bind(binding)
    async with listener:
        consuming = asyncio.create_task(listener.consume(handler))
        await publisher.publish(binding.exchange, queue_routing_key(failing), task_message(failing))
        await publisher.publish(binding.exchange, queue_routing_key(fine), task_message(fine))
        await within(handled.wait())
        listener.stop()
        await within(consuming)

    assert (failing, False) in seen and (failing, True) in seen
    assert [entry for entry in seen if entry[0] == failing] == [(failing, False), (failing, True)]
    assert (fine, False) in seen
    assert await ready_messages(f"queue/guest/{named_queue}") == 0
    rejected = [
        r for r in caplog.records if r.levelno == logging.ERROR and "rejecting" in r.getMessage()
    ]
    assert len(rejected) == 1
    assert binding.exchange in rejected[0].getMessage()
    assert rejected[0].exc_info is not None and "handler broke" in str(rejected[0].exc_info[1])


async def test_async_for_acks_on_next_and_an_escaping_exception_requeues_once(
    events: FakeQueueEvents, publisher: TaskclusterPublisher, named_queue: str
) -> None:
    binding = events.taskCompleted()
    await publisher.declare(binding.exchange)
    task_id = new_task_id()

    async def fail_on_first_message() -> bool:
        seen: list[bool] = []
        with pytest.raises(RuntimeError, match="body broke"):
            async with PulseListener(AMQP_URL, queue_name=named_queue) as listener:
                await listener.bind(binding)
                async for message in listener:
                    seen.append(message.redelivered)
                    raise RuntimeError("body broke")
        (redelivered,) = seen
        return redelivered

    # Published before anyone listens: the durable queue keeps it.
    async with PulseListener(AMQP_URL, queue_name=named_queue) as listener:
        await listener.bind(binding)
    await publisher.publish(binding.exchange, queue_routing_key(task_id), task_message(task_id))
    assert await within(fail_on_first_message()) is False
    assert await ready_messages(f"queue/guest/{named_queue}") == 1
    assert await within(fail_on_first_message()) is True
    assert await ready_messages(f"queue/guest/{named_queue}") == 0

    # A normal loop: each message acked when the next is asked for; the last at the block's end.
    for run_id in range(3):
        await publisher.publish(
            binding.exchange,
            queue_routing_key(task_id, run_id=run_id),
            task_message(task_id, run_id=run_id),
        )

    async def loop_over_three() -> list[int]:
        runs: list[int] = []
        async with PulseListener(AMQP_URL, queue_name=named_queue) as listener:
            await listener.bind(binding)
            async for message in listener:
                runs.append(message.payload.runId)
                if len(runs) == 3:
                    break
        return runs

    runs = await within(loop_over_three())
    assert runs == [0, 1, 2]
    assert await ready_messages(f"queue/guest/{named_queue}") == 0


async def test_explicit_reject_is_respected(
    events: FakeQueueEvents, publisher: TaskclusterPublisher, named_queue: str
) -> None:
    binding = events.taskCompleted()
    await publisher.declare(binding.exchange)
    task_id = new_task_id()
    async with PulseListener(AMQP_URL, queue_name=named_queue) as listener:
        await listener.bind(binding)
        await publisher.publish(binding.exchange, queue_routing_key(task_id), task_message(task_id))
        (message,) = await receive(listener, 1)
        await message.reject(requeue=True)
        assert message.settled
        (again,) = await receive(listener, 1)
        assert again.redelivered and again.routing.taskId == task_id
        await again.reject()
    assert await ready_messages(f"queue/guest/{named_queue}") == 0


async def test_unparseable_messages_are_handed_out_as_unparsed_and_acked_when_handled(
    events: FakeQueueEvents,
    publisher: TaskclusterPublisher,
    named_queue: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    binding = events.taskCompleted()
    await publisher.declare(binding.exchange)
    task_id = new_task_id()
    bad_keys = [queue_routing_key(new_task_id()) for _ in range(2)]
    caplog.set_level(logging.WARNING, logger="taskcluster_sdk.pulse")
    async with PulseListener(AMQP_URL, queue_name=named_queue) as listener:
        await listener.bind(binding)
        await listener.bind(events.taskCompleted("short.#"))
        await publisher.publish(binding.exchange, bad_keys[0], b"{not json")
        await publisher.publish(binding.exchange, bad_keys[1], {"status": "no object"})
        await publisher.publish(binding.exchange, "short.key", task_message(task_id))
        await publisher.publish(binding.exchange, queue_routing_key(task_id), task_message(task_id))
        messages = await receive(listener, 4)
    *unparsed, parsed = messages
    assert isinstance(parsed, Message)
    assert parsed.routing.taskId == task_id
    assert all(isinstance(message, UnparsedMessage) for message in unparsed)
    assert [(m.exchange, m.routing_key) for m in unparsed] == [
        (binding.exchange, key) for key in [*bad_keys, "short.key"]
    ]
    assert [m.body for m in unparsed[:2]] == [b"{not json", b'{"status": "no object"}']
    assert isinstance(unparsed[0].error, ValidationError)  # type: ignore[union-attr]
    assert isinstance(unparsed[1].error, ValidationError)  # type: ignore[union-attr]
    assert isinstance(unparsed[2].error, RoutingKeyError)  # type: ignore[union-attr]
    assert all(m.binding is binding for m in unparsed[:2])  # type: ignore[union-attr]
    # Handled (the loop moved on), so acked: nothing waits in the queue.
    assert await ready_messages(f"queue/guest/{named_queue}") == 0
    warnings = [r.getMessage() for r in caplog.records if "does not parse" in r.getMessage()]
    assert len(warnings) == 3
    for routing_key, warning in zip([*bad_keys, "short.key"], warnings, strict=True):
        assert binding.exchange in warning
        assert routing_key in warning


async def test_a_message_no_binding_matches_is_handed_out_unparsed(
    events: FakeQueueEvents, publisher: TaskclusterPublisher, named_queue: str
) -> None:
    """A durable queue bound on the broker to an exchange this run did not bind()."""
    completed, failed = events.taskCompleted(), events.taskFailed()
    for binding in (completed, failed):
        await publisher.declare(binding.exchange)
    async with PulseListener(AMQP_URL, queue_name=named_queue) as listener:
        await listener.bind(completed)
        await listener.bind(failed)
    broke = new_task_id()
    await publisher.publish(failed.exchange, queue_routing_key(broke), task_message(broke))
    seen: list[Message[Any, Any] | UnparsedMessage] = []
    async with PulseListener(AMQP_URL, queue_name=named_queue) as listener:
        await listener.bind(completed)

        async def on_message(message: Message[Any, Any] | UnparsedMessage) -> None:
            seen.append(message)
            listener.stop()

        await within(listener.consume(on_message))
    (message,) = seen
    assert isinstance(message, UnparsedMessage)
    assert (message.exchange, message.binding) == (failed.exchange, None)
    assert isinstance(message.error, LookupError)
    assert json.loads(message.body)["status"]["taskId"] == broke
    assert await ready_messages(f"queue/guest/{named_queue}") == 0


async def test_consume_sends_unparsed_messages_to_their_own_handler(
    events: FakeQueueEvents, publisher: TaskclusterPublisher
) -> None:
    binding = events.taskCompleted()
    await publisher.declare(binding.exchange)
    task_id = new_task_id()
    parsed: list[str] = []
    unparsed: list[bytes] = []
    async with PulseListener(AMQP_URL).bound(binding) as listener:
        await publisher.publish(binding.exchange, queue_routing_key(task_id), b"[1, 2]")
        await publisher.publish(binding.exchange, queue_routing_key(task_id), task_message(task_id))

        async def on_message(message: Message[TaskMessage, QueueRoutingKey]) -> None:
            parsed.append(message.routing.taskId)
            listener.stop()

        async def on_unparsed(message: UnparsedMessage) -> None:
            unparsed.append(message.body)

        await within(listener.consume(on_message, unparsed=on_unparsed))
    assert (parsed, unparsed) == ([task_id], [b"[1, 2]"])


async def test_deduplicate_acks_a_repeated_message_without_handing_it_out(
    events: FakeQueueEvents, publisher: TaskclusterPublisher, named_queue: str
) -> None:
    binding = events.taskCompleted()
    await publisher.declare(binding.exchange)
    first, second = new_task_id(), new_task_id()
    async with PulseListener(AMQP_URL, queue_name=named_queue, deduplicate=10) as listener:
        await listener.bind(binding)
        for task_id in (first, first, second):
            await publisher.publish(
                binding.exchange, queue_routing_key(task_id), task_message(task_id)
            )
        messages = await receive(listener, 2)
    assert [m.routing.taskId for m in messages] == [first, second]  # type: ignore[union-attr]
    assert await ready_messages(f"queue/guest/{named_queue}") == 0
    # Without it, both copies arrive.
    async with PulseListener(AMQP_URL, queue_name=named_queue) as listener:
        await listener.bind(binding)
        for _ in range(2):
            await publisher.publish(binding.exchange, queue_routing_key(first), task_message(first))
        messages = await receive(listener, 2)
    assert [m.routing.taskId for m in messages] == [first, first]  # type: ignore[union-attr]


async def test_deduplicate_does_not_drop_a_message_whose_handler_failed(
    events: FakeQueueEvents, publisher: TaskclusterPublisher
) -> None:
    binding = events.taskCompleted()
    await publisher.declare(binding.exchange)
    task_id = new_task_id()
    calls: list[bool] = []
    async with PulseListener(AMQP_URL, deduplicate=10).bound(binding) as listener:

        async def flaky(message: Message[Any, Any] | UnparsedMessage) -> None:
            calls.append(message.redelivered)
            if not message.redelivered:
                raise RuntimeError("first attempt fails")
            listener.stop()

        await publisher.publish(binding.exchange, queue_routing_key(task_id), task_message(task_id))
        await within(listener.consume(flaky))
    assert calls == [False, True]


@pytest.fixture
async def completed(
    events: FakeQueueEvents, publisher: TaskclusterPublisher
) -> Binding[Any, Any, Any]:
    """A task-completed binding whose exchange is declared."""
    binding = events.taskCompleted()
    await publisher.declare(binding.exchange)
    return binding


class BlockingHandler:
    """Handles `blocked`'s first delivery only once `release` is set (raising
    if `fail`); every other message at once. Records what it was handed."""

    def __init__(self, blocked: str, *, fail: bool = False) -> None:
        self.blocked = blocked
        self.fail = fail
        self.started = asyncio.Event()
        self.release = asyncio.Event()
        self.calls: list[tuple[str, bool]] = []

    def of(self, task_id: str) -> list[bool]:
        """The `redelivered` flags of the copies of `task_id` handed out so far."""
        return [redelivered for seen, redelivered in self.calls if seen == task_id]

    async def __call__(self, message: Message[Any, Any] | UnparsedMessage) -> None:
        assert isinstance(message, Message)
        task_id = message.routing.taskId
        self.calls.append((task_id, message.redelivered))
        if task_id == self.blocked and not self.started.is_set():
            self.started.set()
            # Bounded: a failing test must not leave close() waiting for it.
            await within(self.release.wait())
            if self.fail:
                raise RuntimeError("the first copy's handler fails")


async def publish_tasks(
    publisher: TaskclusterPublisher | RetryingPublisher, exchange: str, *task_ids: str
) -> None:
    for task_id in task_ids:
        await publisher.publish(exchange, queue_routing_key(task_id), task_message(task_id))


def deduplicating(
    queue_name: str, binding: Binding[Any, Any, Any], prefetch: int = 10
) -> PulseListener[Any]:
    return PulseListener(AMQP_URL, queue_name=queue_name, prefetch=prefetch, deduplicate=10).bound(
        binding
    )


async def consume_with_a_held_copy(
    listener: PulseListener, publisher: TaskclusterPublisher, handler: BlockingHandler, *others: str
) -> asyncio.Task[None]:
    """Consume with `handler`; while it handles its blocked message, publish a
    copy of it and `others`: the copy is held (neither handed out nor acked)."""
    (exchange,) = {binding.exchange for binding in listener.bindings}
    consuming = asyncio.create_task(listener.consume(handler))
    await publish_tasks(publisher, exchange, handler.blocked)
    await within(handler.started.wait())
    # The copy, then messages whose acks go out (in batches) while it waits.
    await publish_tasks(publisher, exchange, handler.blocked, *others)
    await eventually(lambda: len(handler.calls) > len(others), "the others to be handled")
    await asyncio.sleep(0.3)  # room for the copy to be handed out, and for the acks to be sent
    assert handler.of(handler.blocked) == [False], "the copy was handed out while the first ran"
    # Neither copy acked yet; the others are.
    assert await queue_counts(listener.queue_name) == (0, 2)
    return consuming


async def test_deduplicate_holds_a_duplicate_while_the_first_copy_is_handled_and_acks_it_after(
    completed: Binding[Any, Any, Any], publisher: TaskclusterPublisher, named_queue: str
) -> None:
    task_id = new_task_id()
    handler = BlockingHandler(task_id)
    listener = deduplicating(named_queue, completed)
    await listener.start()
    others = [new_task_id() for _ in range(6)]
    consuming = await consume_with_a_held_copy(listener, publisher, handler, *others)
    # Closing waits for the running handler; the copy is acked with it.
    closing = asyncio.create_task(listener.close())
    await asyncio.sleep(0.2)
    handler.release.set()
    await within(closing)
    await within(consuming)
    assert handler.of(task_id) == [False]
    assert await queue_counts(listener.queue_name) == (0, 0)


async def test_deduplicate_a_failing_first_copy_has_the_content_handled_again_and_loses_nothing(
    completed: Binding[Any, Any, Any], publisher: TaskclusterPublisher, named_queue: str
) -> None:
    task_id, later = new_task_id(), new_task_id()
    handler = BlockingHandler(task_id, fail=True)
    async with deduplicating(named_queue, completed) as listener:
        consuming = await consume_with_a_held_copy(listener, publisher, handler)
        handler.release.set()
        # Requeued once, as a message without a copy is: it comes again and is handled.
        await eventually(lambda: len(handler.of(task_id)) == 2, "the content to be handled again")
        await publish_tasks(publisher, completed.exchange, later)
        await eventually(lambda: len(handler.of(later)) == 1, "a later message to be handled")
        await asyncio.sleep(0.3)  # room for a third copy to be handed out
        listener.stop()
        await within(consuming)
    assert handler.of(task_id) == [False, True]
    assert await queue_counts(listener.queue_name) == (0, 0)


async def test_a_held_duplicate_is_not_covered_by_batched_acks_and_comes_back_on_cancel(
    completed: Binding[Any, Any, Any], publisher: TaskclusterPublisher, named_queue: str
) -> None:
    handler = BlockingHandler(new_task_id())
    others = [new_task_id() for _ in range(8)]
    async with deduplicating(named_queue, completed, prefetch=12) as listener:
        consuming = await consume_with_a_held_copy(listener, publisher, handler, *others)
        # Cancelled, the first copy's handler requeues it; the held copy goes back too.
        consuming.cancel()
        await asyncio.wait({consuming})
    assert await queue_counts(listener.queue_name) == (2, 0)
    # Both come again; the second is a duplicate of the first once that is handled.
    again = BlockingHandler("none")
    async with deduplicating(named_queue, completed) as listener:
        consuming = asyncio.create_task(listener.consume(again))
        await eventually(lambda: len(again.calls) == 1, "the content to come again")
        await asyncio.sleep(0.3)
        listener.stop()
        await within(consuming)
    assert again.calls == [(handler.blocked, True)]
    assert await queue_counts(listener.queue_name) == (0, 0)


# -- lifecycle -------------------------------------------------------------------


async def test_clean_shutdown_lets_running_handlers_finish(
    events: FakeQueueEvents, publisher: TaskclusterPublisher, named_queue: str
) -> None:
    binding = events.taskCompleted()
    await publisher.declare(binding.exchange)
    started, release = asyncio.Event(), asyncio.Event()
    finished: list[str] = []

    async def slow_handler(message: Message[Any, Any]) -> None:
        started.set()
        await release.wait()
        finished.append(message.routing.taskId)

    listener = PulseListener(AMQP_URL, queue_name=named_queue)
    await listener.bind(binding)
    await listener.start()
    consuming = asyncio.create_task(listener.consume(slow_handler))
    task_id = new_task_id()
    await publisher.publish(binding.exchange, queue_routing_key(task_id), task_message(task_id))
    await within(started.wait())
    closing = asyncio.create_task(listener.close())
    # Room for a close() that does not wait to disconnect (and break the ack).
    await asyncio.sleep(0.3)
    assert not closing.done(), "close() returned while a handler was still running"
    release.set()
    await within(closing)
    await within(consuming)
    assert finished == [task_id]
    assert not listener.connected
    assert await ready_messages(f"queue/guest/{named_queue}") == 0


async def test_unbind_stops_the_messages_of_that_binding(
    events: FakeQueueEvents, publisher: TaskclusterPublisher
) -> None:
    dropped, kept = new_task_id(), new_task_id()
    dropped_binding, kept_binding = (
        events.taskCompleted(taskId=dropped),
        events.taskCompleted(taskId=kept),
    )
    await publisher.declare(kept_binding.exchange)
    async with PulseListener(AMQP_URL) as listener:
        await listener.bind(dropped_binding)
        await listener.bind(kept_binding)
        await listener.unbind(dropped_binding)
        assert listener.bindings == (kept_binding,)
        with pytest.raises(ValueError, match="not bound"):
            await listener.unbind(dropped_binding)
        await publisher.publish(
            kept_binding.exchange, queue_routing_key(dropped), task_message(dropped)
        )
        await publisher.publish(kept_binding.exchange, queue_routing_key(kept), task_message(kept))
        (message,) = await receive(listener, 1)
    assert message.routing.taskId == kept


async def test_a_handler_may_close_its_own_listener(
    events: FakeQueueEvents, publisher: TaskclusterPublisher
) -> None:
    binding = events.taskCompleted()
    await publisher.declare(binding.exchange)
    listener = PulseListener(AMQP_URL)
    seen: list[str] = []

    async def handle_one_then_close(message: Message[Any, Any]) -> None:
        seen.append(message.routing.taskId)
        await listener.close()

    await listener.bind(binding)
    async with listener:
        consuming = asyncio.create_task(listener.consume(handle_one_then_close))
        task_id = new_task_id()
        await publisher.publish(binding.exchange, queue_routing_key(task_id), task_message(task_id))
        await within(consuming)
    assert seen == [task_id]
    assert not listener.connected


async def test_named_queue_keeps_messages_published_while_away(
    events: FakeQueueEvents, publisher: TaskclusterPublisher, named_queue: str
) -> None:
    binding = events.taskCompleted()
    await publisher.declare(binding.exchange)
    async with PulseListener(AMQP_URL, queue_name=named_queue) as listener:
        assert listener.queue_name == f"queue/guest/{named_queue}"
        await listener.bind(binding)
    task_ids = [new_task_id() for _ in range(3)]
    for task_id in task_ids:
        await publisher.publish(binding.exchange, queue_routing_key(task_id), task_message(task_id))
    async with PulseListener(AMQP_URL, queue_name=named_queue) as listener:
        # The broker kept the binding; the listener needs it to type the messages.
        await listener.bind(binding)
        messages = await receive(listener, 3)
    assert [m.routing.taskId for m in messages] == task_ids


async def test_binding_to_a_missing_exchange_is_a_clear_error_and_the_listener_keeps_working(
    events: FakeQueueEvents, publisher: TaskclusterPublisher
) -> None:
    binding = events.taskCompleted()
    missing = events.taskFailed()
    await publisher.declare(binding.exchange)
    async with PulseListener(AMQP_URL) as listener:
        with pytest.raises(PulseError, match=f"exchange {missing.exchange}"):
            await listener.bind(missing)
        await listener.bind(binding)
        assert listener.bindings == (binding,)
        task_id = new_task_id()
        await publisher.publish(binding.exchange, queue_routing_key(task_id), task_message(task_id))
        (message,) = await receive(listener, 1)
    assert message.routing.taskId == task_id


async def test_start_fails_clearly_when_the_broker_is_unreachable() -> None:
    listener = PulseListener("amqp://guest:secret@127.0.0.1:1/", connect_timeout=5)
    with pytest.raises(
        PulseError, match=r"cannot connect to amqp://guest:\*\*\*@127\.0\.0\.1:1/"
    ) as caught:
        await within(listener.start())
    # Part of the SDK's hierarchy: `except TaskclusterError` catches it too.
    assert isinstance(caught.value, TaskclusterError)


def test_queue_names_and_credentials() -> None:
    listener = PulseListener.from_credentials("me", "p@ss/word", queue_name="builds")
    assert listener.queue_name == "queue/me/builds"
    assert listener._url == "amqps://me:p%40ss%2Fword@pulse.mozilla.org/"  # pyright: ignore[reportPrivateUsage]
    assert "p%40ss" not in repr(listener)
    other = PulseListener.from_credentials(
        "me", "pw", host="pulse.example.com", vhost="tc", port=5671
    )
    assert other._url == "amqps://me:pw@pulse.example.com:5671/tc"  # pyright: ignore[reportPrivateUsage]
    exclusive = PulseListener(AMQP_URL)
    assert exclusive.queue_name.startswith("queue/guest/exclusive-")
    assert PulseListener(AMQP_URL, user="someone", queue_name="x").queue_name == "queue/someone/x"
    assert PulseListener(AMQP_URL, queue_name="queue/guest/x").queue_name == "queue/guest/x"
    with pytest.raises(ValueError, match="user"):
        PulseListener("amqp://127.0.0.1/")
    with pytest.raises(ValueError, match="prefetch"):
        PulseListener(AMQP_URL, prefetch=0)
    with pytest.raises(ValueError, match="amqp_url must start with amqp://"):
        PulseListener("http://guest:guest@127.0.0.1/")


# -- faults ----------------------------------------------------------------------


def rabbitmqctl(*args: str) -> None:
    rabbitmqctl_path = shutil.which("rabbitmqctl")
    assert rabbitmqctl_path is not None, "the fault tests need rabbitmqctl"
    subprocess.run(
        [rabbitmqctl_path, "--quiet", *args], check=True, capture_output=True, timeout=60
    )


async def queue_counts(queue_name: str, vhost: str = "") -> tuple[int, int]:
    """(ready, unacknowledged) messages of a queue, as the broker counts them."""
    rabbitmqctl_path = shutil.which("rabbitmqctl")
    assert rabbitmqctl_path is not None, "counting unacknowledged messages needs rabbitmqctl"
    vhost = vhost or unquote(urlsplit(AMQP_URL).path[1:]) or "/"
    command = [rabbitmqctl_path, "--quiet", "list_queues", "-p", vhost]
    command += ["name", "messages_ready", "messages_unacknowledged"]
    done = await asyncio.to_thread(
        subprocess.run, command, check=True, capture_output=True, text=True, timeout=60
    )
    for line in done.stdout.splitlines():
        name, ready, unacked = line.split("\t")
        if name == queue_name:
            return int(ready), int(unacked)
    raise LookupError(f"no queue {queue_name} in vhost {vhost}")


@pytest.fixture
def vhost() -> Any:
    """A vhost of its own, so that closing its connections touches nothing else."""
    name = f"test-{uuid.uuid4().hex[:12]}"
    rabbitmqctl("add_vhost", name)
    rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
    yield name
    rabbitmqctl("delete_vhost", name)


async def close_all_connections(vhost: str) -> None:
    await asyncio.to_thread(
        rabbitmqctl, "close_all_connections", "--vhost", vhost, "test: broker-side close"
    )


class RetryingPublisher:
    """Publishes through broker-side connection closes: reconnects and republishes
    until the broker confirms (so a message may arrive twice, never zero times)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._publisher: TaskclusterPublisher | None = None

    async def publish(self, exchange: str, routing_key: str, body: dict[str, Any]) -> None:
        while True:
            try:
                if self._publisher is None:
                    self._publisher = await TaskclusterPublisher.connect(self.url)
                await self._publisher.publish(exchange, routing_key, body)
                return
            except (
                aio_pika.exceptions.AMQPError,
                ConnectionError,
                OSError,
                RuntimeError,
                asyncio.TimeoutError,
            ):
                self._publisher = None
                await asyncio.sleep(0.1)

    async def close(self) -> None:
        if self._publisher is not None:
            await self._publisher.close()


async def test_nothing_is_lost_when_the_broker_closes_connections_repeatedly(
    events: FakeQueueEvents, vhost: str, caplog: pytest.LogCaptureFixture
) -> None:
    url = amqp_url(vhost)
    binding = events.taskCompleted()
    publisher = RetryingPublisher(url)
    task_ids = [new_task_id() for _ in range(400)]
    handled: set[str] = set()
    redelivered: list[str] = []

    async def handler(message: Message[Any, Any]) -> None:
        await asyncio.sleep(0.002)  # keep some messages in flight when the connection drops
        if message.redelivered:
            redelivered.append(message.routing.taskId)
        handled.add(message.routing.taskId)

    async def publish_all() -> None:
        for task_id in task_ids:
            await publisher.publish(
                binding.exchange, queue_routing_key(task_id), task_message(task_id)
            )
            await asyncio.sleep(0.005)  # a steady flow, so the closes land mid-stream

    caplog.set_level(logging.INFO, logger="taskcluster_sdk.pulse")
    await publisher.publish(binding.exchange, queue_routing_key("warmup"), task_message("warmup"))
    listener = PulseListener(url, queue_name="fault", prefetch=20, reconnect_delay=0.1)
    await listener.bind(binding)
    async with listener:
        consuming = asyncio.create_task(listener.consume(handler))
        publishing = asyncio.create_task(publish_all())
        closes = 4
        for round_ in range(1, closes + 1):
            # More new messages than the prefetch window: a reconnected
            # listener was consuming before each close.
            wanted = 60 * round_
            await eventually(lambda: len(handled) >= wanted, f"{wanted} handled messages", 60)  # noqa: B023
            await close_all_connections(vhost)
        await within(publishing, 60)
        await eventually(
            lambda: handled >= set(task_ids), "every published message to be handled", 60
        )
        listener.stop()
        await within(consuming)
    await publisher.close()

    assert set(task_ids) <= handled
    reconnects = [r for r in caplog.records if "lost the connection" in r.getMessage()]
    assert len(reconnects) >= closes


async def test_exclusive_queue_and_late_bindings_come_back_after_a_reconnect(
    events: FakeQueueEvents, vhost: str
) -> None:
    url = amqp_url(vhost)
    binding = events.taskCompleted()
    publisher = RetryingPublisher(url)
    await publisher.publish(binding.exchange, queue_routing_key("declare"), task_message("declare"))
    received: list[str] = []
    async with PulseListener(url, reconnect_delay=0.1) as listener:
        await listener.bind(binding)  # after start
        consuming = asyncio.create_task(listener.consume(lambda m: _append(received, m)))
        await close_all_connections(vhost)
        # The exclusive queue died with the connection; whatever was published
        # before the listener was back is gone, so publish until one arrives.
        task_id = new_task_id()

        async def publish_until_received() -> None:
            while task_id not in received:
                await publisher.publish(
                    binding.exchange, queue_routing_key(task_id), task_message(task_id)
                )
                await asyncio.sleep(0.2)

        await within(publish_until_received(), 30)
        listener.stop()
        await within(consuming)
    await publisher.close()
    assert task_id in received


async def _append(received: list[str], message: Message[Any, Any]) -> None:
    received.append(message.routing.taskId)


async def test_async_for_survives_a_reconnect_between_two_messages(
    events: FakeQueueEvents, vhost: str
) -> None:
    url = amqp_url(vhost)
    binding = events.taskCompleted()
    publisher = RetryingPublisher(url)
    await publisher.publish(binding.exchange, queue_routing_key("declare"), task_message("declare"))
    task_id = new_task_id()
    async with PulseListener(url, queue_name="iterate", reconnect_delay=0.1) as listener:
        await listener.bind(binding)
        await publisher.publish(binding.exchange, queue_routing_key(task_id), task_message(task_id))
        iterator = aiter(listener)
        first = await within(anext(iterator))
        channel = first._settler.channel  # type: ignore[attr-defined]  # pyright: ignore[reportPrivateUsage]
        await close_all_connections(vhost)
        await eventually(lambda: channel.is_closed, "the first message's channel to close")
        # Asking for the next message acks the first on a dead channel: that
        # must not fail, and the broker delivers the unacked message again.
        again = await within(anext(iterator))
    await publisher.close()
    assert (first.routing.taskId, first.redelivered) == (task_id, False)
    assert (again.routing.taskId, again.redelivered) == (task_id, True)


async def test_deduplicate_holds_redeliveries_until_the_handlers_on_the_lost_connection_finish(
    events: FakeQueueEvents, vhost: str
) -> None:
    """Two messages are being handled when the connection drops; the broker
    delivers both again on the new one, and acks of later messages go out in
    batches there. The redeliveries wait for the first handlers' outcome:
    the one whose handler succeeds is acked, the one whose handler fails
    (its rejection lost with the connection) is handled again."""
    url = amqp_url(vhost)
    binding = events.taskCompleted()
    publisher = RetryingPublisher(url)
    await publisher.publish(binding.exchange, queue_routing_key("declare"), task_message("declare"))
    fails, succeeds = new_task_id(), new_task_id()
    others = [new_task_id() for _ in range(6)]
    failing = BlockingHandler(fails, fail=True)
    succeeding = BlockingHandler(succeeds)

    async def handler(message: Message[Any, Any] | UnparsedMessage) -> None:
        assert isinstance(message, Message)
        chosen = succeeding if message.routing.taskId == succeeds else failing
        await chosen(message)

    listener = PulseListener(
        url, queue_name="held", prefetch=12, reconnect_delay=0.1, deduplicate=10
    ).bound(binding)
    async with listener:
        consuming = asyncio.create_task(listener.consume(handler))
        await publish_tasks(publisher, binding.exchange, fails, succeeds)
        await within(failing.started.wait())
        await within(succeeding.started.wait())
        lost = listener._session  # pyright: ignore[reportPrivateUsage]
        await close_all_connections(vhost)
        await eventually(
            lambda: listener.connected and listener._session is not lost,  # pyright: ignore[reportPrivateUsage]
            "the listener to reconnect",
        )
        await publish_tasks(publisher, binding.exchange, *others)
        await eventually(lambda: len(failing.calls) >= 7, "the later messages to be handled")
        await asyncio.sleep(0.3)  # room for the redeliveries to be handed out, and for the acks
        assert failing.of(fails) == [False], "redelivered while its first handler still ran"
        assert succeeding.of(succeeds) == [False], "redelivered while its first handler still ran"
        assert await queue_counts("queue/guest/held", vhost) == (0, 2)
        succeeding.release.set()
        failing.release.set()
        await eventually(lambda: len(failing.of(fails)) == 2, "the failed content to come again")
        await asyncio.sleep(0.3)  # room for anything else to be handed out
        listener.stop()
        await within(consuming)
    await publisher.close()
    assert failing.of(fails) == [False, True]
    assert succeeding.of(succeeds) == [False]
    assert await queue_counts("queue/guest/held", vhost) == (0, 0)


async def test_batched_acks_never_cover_a_message_still_being_handled(
    events: FakeQueueEvents, publisher: TaskclusterPublisher, named_queue: str
) -> None:
    """The first message's handler outlives the nine after it and fails: the
    acks of those nine (batched) must leave it unacked, so its rejection
    requeues it and it comes again."""
    binding = events.taskCompleted()
    await publisher.declare(binding.exchange)
    task_ids = [new_task_id() for _ in range(10)]
    others_done = asyncio.Event()
    handled: list[tuple[str, bool]] = []
    async with PulseListener(AMQP_URL, queue_name=named_queue, prefetch=10).bound(
        binding
    ) as listener:
        for task_id in task_ids:
            await publisher.publish(
                binding.exchange, queue_routing_key(task_id), task_message(task_id)
            )

        async def handler(message: Message[Any, Any] | UnparsedMessage) -> None:
            assert isinstance(message, Message)
            task_id = message.routing.taskId
            if task_id == task_ids[0] and not message.redelivered:
                await within(others_done.wait())
                # Let the flusher send the others' acks before this one fails.
                await asyncio.sleep(0.2)
                raise RuntimeError("the slow one fails")
            handled.append((task_id, message.redelivered))
            if len(handled) == 9:
                others_done.set()
            if len(handled) == 10:
                listener.stop()

        await within(listener.consume(handler))
    assert sorted(handled[:9]) == sorted((task_id, False) for task_id in task_ids[1:])
    assert handled[9] == (task_ids[0], True)
    assert await ready_messages(f"queue/guest/{named_queue}") == 0


async def test_an_unparsed_message_whose_handler_fails_is_requeued_once_like_any_other(
    events: FakeQueueEvents, publisher: TaskclusterPublisher, named_queue: str
) -> None:
    binding = events.taskCompleted()
    await publisher.declare(binding.exchange)
    seen: list[bool] = []
    async with PulseListener(AMQP_URL, queue_name=named_queue).bound(binding) as listener:

        async def on_unparsed(message: UnparsedMessage) -> None:
            seen.append(message.redelivered)
            if len(seen) == 2:
                listener.stop()
            raise RuntimeError("cannot handle it either")

        async def on_message(message: Message[Any, Any]) -> None:
            raise AssertionError(f"parsed: {message!r}")

        await publisher.publish(binding.exchange, queue_routing_key(new_task_id()), b"not json")
        await within(listener.consume(on_message, unparsed=on_unparsed))
    # Requeued after the first failure, rejected after the second (redelivered).
    assert seen == [False, True]
    assert await ready_messages(f"queue/guest/{named_queue}") == 0
