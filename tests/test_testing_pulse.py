"""Pulse publishing of the fake, received by the SDK's own typed listener on the real broker."""

from __future__ import annotations

import asyncio
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest

from taskcluster_sdk import AsyncQueue, PulseListener, QueueEvents, slugid
from taskcluster_sdk.models.queue import (
    TaskCompletedMessage,
    TaskDefinedMessage,
    TaskGroupChangedMessage,
    TaskPendingMessage,
    TaskRunningMessage,
)
from taskcluster_sdk.testing import FakeTaskcluster
from tests._prerequisites import AMQP_URL

pytestmark = pytest.mark.rabbitmq


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def task_body(group: str) -> dict[str, Any]:
    now = datetime.now(timezone.utc)
    return {
        "taskQueueId": "fake-prov/fake-wt",
        "taskGroupId": group,
        "schedulerId": "fake-sched",
        "created": _iso(now),
        "deadline": _iso(now + timedelta(hours=1)),
        "routes": ["index.fake.route"],
        "payload": {},
        "metadata": {
            "name": "t",
            "description": "d",
            "owner": "a@b.example",
            "source": "https://example.com/x",
        },
    }


async def _take(listener: Any, count: int) -> list[Any]:
    async def collect() -> list[Any]:
        got: list[Any] = []
        async for message in listener:
            got.append(message)
            if len(got) == count:
                break
        return got

    return await asyncio.wait_for(collect(), 20)


async def test_the_stateful_queue_publishes_task_events_like_v106() -> None:
    prefix = f"exchange/fake-{uuid.uuid4().hex[:10]}/queue/v1/"
    events = QueueEvents(exchange_prefix=prefix)
    group, task_id = slugid(), slugid()
    with FakeTaskcluster(stateful=True, pulse_url=AMQP_URL, queue_exchange_prefix=prefix) as tc:
        listener = PulseListener(AMQP_URL).bound(
            events.taskDefined(taskGroupId=group),
            events.taskPending(taskGroupId=group),
            events.taskRunning(taskGroupId=group),
            events.taskCompleted(taskGroupId=group),
            events.taskGroupResolved(taskGroupId=group),
        )
        await listener.start()
        try:
            async with AsyncQueue(root_url=tc.root_url) as queue:
                await queue.createTask(task_id, task_body(group))
                await queue.claimWork(
                    "fake-prov/fake-wt", {"tasks": 1, "workerGroup": "wg", "workerId": "w1"}
                )
                await queue.reportCompleted(task_id, 0)
            messages = await _take(listener, 5)
        finally:
            await listener.close()
    kinds = [type(message.payload) for message in messages]
    assert kinds == [
        TaskDefinedMessage,
        TaskPendingMessage,
        TaskRunningMessage,
        TaskCompletedMessage,
        TaskGroupChangedMessage,
    ]
    running = messages[2]
    assert running.routing.workerId == "w1" and running.routing.runId == "0"
    assert (
        running.routing_key == f"primary.{task_id}.0.wg.w1.fake-prov.fake-wt.fake-sched.{group}._"
    )
    assert (
        messages[0].routing_key == f"primary.{task_id}._._._.fake-prov.fake-wt.fake-sched.{group}._"
    )
    assert messages[4].routing_key == f"primary.{group}.fake-sched._"
    assert messages[3].payload.status.state == "completed"


async def test_users_publish_typed_messages_and_routes_reach_listeners() -> None:
    prefix = f"exchange/fake-{uuid.uuid4().hex[:10]}/queue/v1/"
    events = QueueEvents(exchange_prefix=prefix)
    with FakeTaskcluster(stateful=True, pulse_url=AMQP_URL, queue_exchange_prefix=prefix) as tc:
        async with AsyncQueue(root_url=tc.root_url) as queue:
            task_id = slugid()
            await queue.createTask(task_id, task_body(slugid()))
        status = tc.state.status(task_id)
        message = TaskCompletedMessage.model_validate(
            {
                "status": status.model_dump(mode="json", exclude_unset=True),
                "runId": 0,
                "workerGroup": "wg",
                "workerId": "w9",
                "version": 1,
            }
        )
        completed = events.taskCompleted(taskId=task_id)
        by_route = events.taskCompleted("route.index.fake.route")
        listener = PulseListener(AMQP_URL).bound(completed)
        routed = PulseListener(AMQP_URL).bound(by_route)
        await tc.pulse.declare_async(completed)
        await listener.start()
        await routed.start()
        try:
            key = await tc.pulse.publisher(completed).publish_async(
                message, cc=["route.index.fake.route"]
            )
            (received,) = await _take(listener, 1)
            (via_route,) = await _take(routed, 1)
        finally:
            await listener.close()
            await routed.close()
        assert tc.pulse.published[-1][1] == key
    assert key == f"primary.{task_id}.0.wg.w9.fake-prov.fake-wt.fake-sched.{status.taskGroupId}._"
    assert received.payload.status.taskId == task_id
    assert received.routing.workerId == "w9"
    assert via_route.payload.status.taskId == task_id
