"""Test helpers for Pulse: queue exchange descriptions built from the upstream
reference, and a publisher that publishes the way Taskcluster does."""

from __future__ import annotations

import base64
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import aio_pika
from pydantic import BaseModel, ConfigDict

from taskcluster_sdk._bindings import (
    Binding,
    EventsBase,
    Exchange,
    RoutingKeyField,
    split_routing_key,
)
from tests._prerequisites import AMQP_URL

# The checked-in copy of Taskcluster's queue exchange reference (what the generator reads).
QUEUE_EXCHANGES = Path(__file__).parents[1] / "references" / "queue" / "v1" / "exchanges.json"


@cache
def queue_exchange_reference() -> dict[str, Any]:
    return json.loads(QUEUE_EXCHANGES.read_text())


def queue_exchange(exchange: str) -> Exchange:
    """The queue's exchange `exchange` (task-completed), as the generator renders it."""
    for entry in queue_exchange_reference()["entries"]:
        if entry["exchange"] == exchange:
            return Exchange(
                name=entry["name"],
                exchange=exchange,
                routing_key=tuple(
                    RoutingKeyField(
                        name=field["name"],
                        constant=field.get("constant"),
                        required=field["required"],
                        multiple_words=field["multipleWords"],
                        max_size=field.get("maxSize"),
                    )
                    for field in entry["routingKey"]
                ),
            )
    raise LookupError(f"the queue has no exchange {exchange!r}")


class TaskStatus(BaseModel):
    model_config = ConfigDict(extra="allow")
    taskId: str
    state: str


class TaskMessage(BaseModel):
    """A tiny stand-in for the generated queue message models (lenient, like them)."""

    model_config = ConfigDict(extra="allow")
    status: TaskStatus
    runId: int | None = None
    version: int = 1


TASK_COMPLETED = queue_exchange("task-completed")
TASK_FAILED = queue_exchange("task-failed")


@dataclass(frozen=True, slots=True)
class QueueRoutingKey:
    """Hand-written like the generated routing-key classes of the queue exchanges."""

    routingKeyKind: str
    taskId: str
    runId: str
    workerGroup: str
    workerId: str
    provisionerId: str
    workerType: str
    schedulerId: str
    taskGroupId: str
    reserved: str

    @classmethod
    def parse(cls, routing_key: str) -> QueueRoutingKey:
        return cls(*split_routing_key(routing_key, TASK_COMPLETED.routing_key))


class FakeQueueEvents(EventsBase):
    """A hand-written events class shaped like the generated `QueueEvents`."""

    _default_prefix = "exchange/taskcluster-queue/v1/"

    def taskCompleted(
        self,
        pattern: str | None = None,
        /,
        *,
        taskId: str | None = None,
        runId: int | str | None = None,
        workerGroup: str | None = None,
        workerId: str | None = None,
        provisionerId: str | None = None,
        workerType: str | None = None,
        schedulerId: str | None = None,
        taskGroupId: str | None = None,
        reserved: str | None = None,
    ) -> Binding[TaskMessage, QueueRoutingKey]:
        values = (
            taskId,
            runId,
            workerGroup,
            workerId,
            provisionerId,
            workerType,
            schedulerId,
            taskGroupId,
            reserved,
        )
        return self._binding(TASK_COMPLETED, pattern, values, TaskMessage, QueueRoutingKey)

    def taskFailed(
        self, pattern: str | None = None, /, *, taskId: str | None = None
    ) -> Binding[TaskMessage, QueueRoutingKey]:
        values = (taskId, None, None, None, None, None, None, None, None)
        return self._binding(TASK_FAILED, pattern, values, TaskMessage, QueueRoutingKey)


class LegacyQueueEvents(FakeQueueEvents):
    """The same exchanges under the 2014 platform's prefix."""

    _default_prefix = "queue/v1/"


def new_task_id() -> str:
    """A slug-like unique id (22 characters, no dots), like Taskcluster's taskIds."""
    return uuid.uuid4().hex[:22]


def queue_routing_key(
    task_id: str,
    *,
    run_id: int | None = 0,
    worker_group: str | None = "wg",
    worker_id: str | None = "w1",
    provisioner_id: str = "proj-test",
    worker_type: str = "ci",
    scheduler_id: str = "tests",
    task_group_id: str = "group",
) -> str:
    """`primary.<taskId>.<runId>...<taskGroupId>._`, with `_` for unset fields."""
    words = [
        "primary",
        task_id,
        "_" if run_id is None else str(run_id),
        worker_group or "_",
        worker_id or "_",
        provisioner_id,
        worker_type,
        scheduler_id,
        task_group_id,
        "_",
    ]
    return ".".join(words)


def task_message(task_id: str, state: str = "completed", run_id: int = 0) -> dict[str, Any]:
    return {"version": 1, "status": {"taskId": task_id, "state": state}, "runId": run_id}


class TaskclusterPublisher:
    """Publishes the way Taskcluster's services do: durable topic exchanges,
    persistent JSON messages, task routes as `route.<route>` in the `CC` header."""

    def __init__(self, connection: aio_pika.abc.AbstractConnection) -> None:
        self._connection = connection
        self._channel: aio_pika.abc.AbstractChannel | None = None
        self._exchanges: dict[str, aio_pika.abc.AbstractExchange] = {}

    @classmethod
    async def connect(cls, url: str = AMQP_URL) -> TaskclusterPublisher:
        return cls(await aio_pika.connect(url, timeout=10))

    async def _channel_open(self) -> aio_pika.abc.AbstractChannel:
        channel = self._channel
        if channel is None or channel.is_closed:
            channel = self._connection.channel(publisher_confirms=True)
            await channel.initialize(timeout=10)
            self._channel = channel
            self._exchanges.clear()
        return channel

    async def declare(self, exchange: str) -> None:
        """Declare `exchange` as Taskcluster does (durable topic exchange)."""
        channel = await self._channel_open()
        self._exchanges[exchange] = await channel.declare_exchange(
            exchange, aio_pika.ExchangeType.TOPIC, durable=True
        )

    async def publish(
        self,
        exchange: str,
        routing_key: str,
        body: dict[str, Any] | bytes,
        routes: Sequence[str] = (),
    ) -> None:
        """Publish one message and wait for the broker's confirmation."""
        if exchange not in self._exchanges or self._channel is None or self._channel.is_closed:
            await self.declare(exchange)
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers: dict[str, Any] = {}
        if routes:
            headers["CC"] = [f"route.{route}" for route in routes]
        message = aio_pika.Message(
            data,
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            headers=headers,
        )
        await self._exchanges[exchange].publish(message, routing_key=routing_key, timeout=10)

    async def delete_exchanges(self) -> None:
        channel = await self._channel_open()
        for name in list(self._exchanges):
            await channel.exchange_delete(name)
        self._exchanges.clear()

    async def close(self) -> None:
        await self._connection.close()


async def delete_queue(name: str, url: str = AMQP_URL) -> None:
    """Delete a test's durable queue (no error when it is gone already)."""
    connection = await aio_pika.connect(url, timeout=10)
    try:
        channel = connection.channel()
        await channel.initialize(timeout=10)
        await channel.queue_delete(name)
    finally:
        await connection.close()


def slug() -> str:
    """A Taskcluster "nice" slugid: a uuid4 in url-safe base64, first bit cleared."""
    raw = bytearray(uuid.uuid4().bytes)
    raw[0] &= 0x7F
    return base64.urlsafe_b64encode(bytes(raw)).decode().rstrip("=")


def completed_run(run_id: int) -> dict[str, Any]:
    return {
        "runId": run_id,
        "state": "completed",
        "reasonCreated": "scheduled",
        "reasonResolved": "completed",
        "workerGroup": "wg",
        "workerId": "w1",
        "takenUntil": "2026-11-27T12:20:00.000Z",
        "scheduled": "2026-11-27T12:00:01.000Z",
        "started": "2026-11-27T12:00:05.000Z",
        "resolved": "2026-11-27T12:18:42.000Z",
    }


def task_completed_body(task_id: str, task_group_id: str, run_id: int = 0) -> dict[str, Any]:
    """A `task-completed` message as Taskcluster v106 publishes it."""
    return {
        "version": 1,
        "status": {
            "taskId": task_id,
            "provisionerId": "proj-test",
            "workerType": "ci",
            "taskQueueId": "proj-test/ci",
            "schedulerId": "tests",
            "projectId": "none",
            "taskGroupId": task_group_id,
            "deadline": "2026-11-28T12:00:00.000Z",
            "expires": "2027-11-27T12:00:00.000Z",
            "retriesLeft": 5,
            "state": "completed",
            "runs": [completed_run(run_id)],
        },
        "runId": run_id,
        "task": {"tags": {}},
        "workerGroup": "wg",
        "workerId": "w1",
    }


def legacy_task_completed_body(task_id: str, task_group_id: str, run_id: int = 0) -> dict[str, Any]:
    """A `queue/v1/task-completed` message as the 2014 queue published it."""
    return {
        "version": 1,
        "status": {
            "taskId": task_id,
            "provisionerId": "proj-test",
            "workerType": "ci",
            "schedulerId": "tests",
            "taskGroupId": task_group_id,
            "priority": 3,
            "deadline": "2026-11-28T12:00:00.000Z",
            "retriesLeft": 5,
            "state": "completed",
            "runs": [completed_run(run_id)],
        },
        "runId": run_id,
        "success": True,
        "workerGroup": "wg",
        "workerId": "w1",
    }
