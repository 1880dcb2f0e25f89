"""Real v106 Pulse traffic through a real broker: every recorded message arrives typed.

The 58 messages recorded from a running Taskcluster v106
(tests/fixtures/recorded/taskcluster-v106/pulse/) are published again,
with their routing keys, CC headers and properties, onto a RabbitMQ
topic exchange per recorded exchange; the generated `QueueEvents` and
`AuthEvents` bindings read them. One malformed message goes with them: it
must arrive as an `UnparsedMessage`, and none may be lost, across a
broker-side reconnect too.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aio_pika
import pytest
from pulse_helpers import delete_queue
from test_listener import close_all_connections, vhost, within  # noqa: F401  # fixture

import taskcluster_sdk.events.auth as auth_events
import taskcluster_sdk.events.queue as queue_events
from taskcluster_sdk._bindings import Binding, EventsBase
from taskcluster_sdk.pulse import Message, PulseListener, UnparsedMessage
from tests._prerequisites import amqp_url

pytestmark = pytest.mark.rabbitmq

RECORDED = Path(__file__).parent / "fixtures" / "recorded" / "taskcluster-v106" / "pulse"
SERVICES = {
    "exchange/taskcluster-queue/v1/": queue_events,
    "exchange/taskcluster-auth/v1/": auth_events,
}
MALFORMED = b'{"status": {"taskId": "truncated'


def recorded() -> list[dict[str, Any]]:
    messages = [json.loads(path.read_text()) for path in RECORDED.glob("*.json")]
    return sorted(messages, key=lambda message: message["seq"])


def camel(name: str) -> str:
    first, *rest = name.split("-")
    return first + "".join(word.title() for word in rest)


def pascal(name: str) -> str:
    return "".join(word.title() for word in name.split("-"))


class Recording:
    """The recorded exchanges under a test-only prefix, and the bindings that read them."""

    def __init__(self) -> None:
        self.prefix = f"exchange/test-{uuid.uuid4().hex[:12]}/"
        self.messages = recorded()
        self.bindings: dict[str, Binding[Any, Any, Any]] = {}
        self.event_classes: dict[str, type[Message[Any, Any]]] = {}
        for message in self.messages:
            service_prefix, name = message["exchange"].rsplit("/", 1)
            module = SERVICES[service_prefix + "/"]
            events: EventsBase = next(
                getattr(module, cls)(exchange_prefix=self.exchange(service_prefix + "/"))
                for cls in module.__all__
                if cls.endswith("Events")
            )
            exchange = self.exchange(message["exchange"])
            self.bindings[exchange] = getattr(events, camel(name))("#")
            self.event_classes[exchange] = getattr(module, pascal(name) + "Event")

    def exchange(self, recorded_name: str) -> str:
        return self.prefix + recorded_name.removeprefix("exchange/")

    def key(self, message: dict[str, Any]) -> tuple[str, str, bytes]:
        return (self.exchange(message["exchange"]), message["routing_key"], self.body(message))

    @staticmethod
    def body(message: dict[str, Any]) -> bytes:
        return json.dumps(message["body"]).encode()


async def publish_recorded(url: str, recording: Recording) -> tuple[str, str, bytes]:
    """Publish every recorded message as Taskcluster did, then the malformed one; its key."""
    connection = await aio_pika.connect(url, timeout=10)
    try:
        channel = connection.channel(publisher_confirms=True)
        await channel.initialize(timeout=10)
        exchanges: dict[str, aio_pika.abc.AbstractExchange] = {}
        for exchange in recording.bindings:
            exchanges[exchange] = await channel.declare_exchange(
                exchange, aio_pika.ExchangeType.TOPIC, durable=True
            )
        for message in recording.messages:
            properties = message["properties"]
            await exchanges[recording.exchange(message["exchange"])].publish(
                aio_pika.Message(
                    recording.body(message),
                    content_type=properties.get("content_type"),
                    content_encoding=properties.get("content_encoding"),
                    delivery_mode=aio_pika.DeliveryMode(properties["delivery_mode"]),
                    headers=message["headers"],
                ),
                routing_key=message["routing_key"],
                timeout=10,
            )
        completed = next(m for m in recording.messages if m["exchange"].endswith("task-completed"))
        exchange = recording.exchange(completed["exchange"])
        await exchanges[exchange].publish(
            aio_pika.Message(MALFORMED, delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
            routing_key=completed["routing_key"],
            timeout=10,
        )
        return (exchange, completed["routing_key"], MALFORMED)
    finally:
        await connection.close()


async def declare_exchanges(url: str, recording: Recording) -> None:
    connection = await aio_pika.connect(url, timeout=10)
    try:
        channel = connection.channel()
        await channel.initialize(timeout=10)
        for exchange in recording.bindings:
            await channel.declare_exchange(exchange, aio_pika.ExchangeType.TOPIC, durable=True)
    finally:
        await connection.close()


async def delete_exchanges(url: str, recording: Recording) -> None:
    connection = await aio_pika.connect(url, timeout=10)
    try:
        channel = connection.channel()
        await channel.initialize(timeout=10)
        for exchange in recording.bindings:
            await channel.exchange_delete(exchange)
    finally:
        await connection.close()


@pytest.fixture
async def recording() -> AsyncIterator[Recording]:
    recording = Recording()
    yield recording
    await delete_exchanges(amqp_url(), recording)


def check_typed(recording: Recording, message: Message[Any, Any], source: dict[str, Any]) -> None:
    """A message read with its exchange's generated models, its fields as recorded."""
    exchange = recording.exchange(source["exchange"])
    assert type(message) is recording.event_classes[exchange]
    binding = recording.bindings[exchange]
    assert message.binding is binding
    assert isinstance(message.payload, binding.message_model)
    assert isinstance(message.routing, binding.routing_key_model)
    cc = source["headers"].get("CC", [])
    assert message.routes == tuple(route.removeprefix("route.") for route in cc)
    status = source["body"].get("status")
    if exchange.endswith(("task-completed", "task-failed", "task-defined", "task-pending")):
        assert message.routing.taskId == status["taskId"]  # type: ignore[index]
        assert message.payload.status.taskId == status["taskId"]  # type: ignore[index]


async def test_every_recorded_message_arrives_typed_and_the_malformed_one_unparsed(
    recording: Recording,
) -> None:
    queue = f"queue/guest/recorded-{uuid.uuid4().hex[:12]}"
    await declare_exchanges(amqp_url(), recording)
    listener = PulseListener(amqp_url(), queue_name=queue, prefetch=20)
    for binding in recording.bindings.values():
        await listener.bind(binding)
    try:
        async with listener:
            malformed = await publish_recorded(amqp_url(), recording)
            received: list[Message[Any, Any] | UnparsedMessage] = []
            iterator = aiter(listener)
            for _ in range(len(recording.messages) + 1):
                received.append(await within(anext(iterator)))
    finally:
        await delete_queue(queue)
    by_key = {recording.key(source): source for source in recording.messages}
    unparsed = [m for m in received if isinstance(m, UnparsedMessage)]
    assert [(m.exchange, m.routing_key, m.body) for m in unparsed] == [malformed]
    assert unparsed[0].binding is recording.bindings[malformed[0]]
    typed = [m for m in received if isinstance(m, Message)]
    for message in typed:
        check_typed(
            recording, message, by_key[(message.exchange, message.routing_key, message.body)]
        )
    # Exactly what was published, duplicates included (Pulse publishes some twice).
    got = Counter((m.exchange, m.routing_key, m.body) for m in typed)
    assert got == Counter(recording.key(source) for source in recording.messages)
    assert len(set(got)) < len(recording.messages)  # the recording's duplicates are there


async def test_none_is_lost_across_a_reconnect_and_deduplicate_drops_the_repeats(
    recording: Recording,
    vhost: str,  # noqa: F811
) -> None:
    url = amqp_url(vhost)
    queue = "queue/guest/recorded"
    expected = Counter(recording.key(source) for source in recording.messages)
    # Bind and create the durable queue first, then fill it while nobody listens.
    await declare_exchanges(url, recording)
    listener = PulseListener(url, queue_name=queue, prefetch=10, reconnect_delay=0.1)
    for binding in recording.bindings.values():
        await listener.bind(binding)
    async with listener:
        pass
    malformed = await publish_recorded(url, recording)
    received: list[Message[Any, Any] | UnparsedMessage] = []
    listener = PulseListener(
        url, queue_name=queue, prefetch=10, reconnect_delay=0.1, deduplicate=100
    )
    for binding in recording.bindings.values():
        await listener.bind(binding)
    async with listener:
        iterator = aiter(listener)
        for _ in range(20):
            received.append(await within(anext(iterator)))
        await close_all_connections(vhost)
        # Every distinct message comes (some of them again, redelivered), and
        # the repeats of handled ones are acked without being handed out.
        distinct = set(expected) | {malformed}
        while {(m.exchange, m.routing_key, m.body) for m in received} != distinct:
            received.append(await within(anext(iterator)))
        # Nothing else is waiting: the queue drains within the wait.
        with pytest.raises(asyncio.TimeoutError):
            received.append(await within(anext(iterator), timeout=1.0))
    assert any(m.redelivered for m in received)
    for message in received:
        if isinstance(message, Message):
            key = (message.exchange, message.routing_key, message.body)
            source = next(s for s in recording.messages if recording.key(s) == key)
            check_typed(recording, message, source)
    keys = Counter((m.exchange, m.routing_key, m.body) for m in received)
    # Deduplicated: each distinct message was handled once, except the one
    # whose ack the reconnect lost (handed out again, redelivered).
    assert set(keys) == set(expected) | {malformed}
    repeated = [key for key, count in keys.items() if count > 1]
    assert all(
        any(m.redelivered for m in received if (m.exchange, m.routing_key, m.body) == key)
        for key in repeated
    )
    # All acked: a new listener on the queue gets nothing.
    listener = PulseListener(url, queue_name=queue)
    for binding in recording.bindings.values():
        await listener.bind(binding)
    async with listener:
        with pytest.raises(asyncio.TimeoutError):
            await within(anext(aiter(listener)), timeout=1.0)
