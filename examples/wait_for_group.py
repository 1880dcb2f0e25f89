"""Wait for a task group to finish, over Pulse, and say which tasks failed.

What it shows: a `PulseListener` typed by three bindings
(`QueueEvents().taskGroupResolved(taskGroupId=...)`, `taskFailed`,
`taskException` of the same group), narrowed with `message.of(binding)`
once `UnparsedMessage`s (bodies that did not parse, never dropped) are set aside;
binding first and only then asking the queue whether the group is already
done, so a resolution published in between is not missed.

A group "resolves" each time none of its tasks is pending, running or
unscheduled; tasks added later (or rerun) make it resolve again.

Run it (Pulse needs only a login; the queue check needs no scopes):

    export TASKCLUSTER_ROOT_URL=https://tc.example.com
    export PULSE_URL=amqps://user:password@pulse.example.com:5671/vhost
    python -m examples.wait_for_group <taskGroupId> --timeout 3600
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

from taskcluster_sdk import AsyncQueue, QueueEvents
from taskcluster_sdk.pulse import PulseListener, UnparsedMessage

UNRESOLVED = {"unscheduled", "pending", "running"}


@dataclass
class GroupOutcome:
    """What was seen: the tasks that failed or hit an exception, and how it ended."""

    task_group_id: str
    failed: set[str] = field(default_factory=lambda: set[str]())
    exceptions: set[str] = field(default_factory=lambda: set[str]())
    seen_over_pulse: bool = False


async def group_is_resolved(queue: AsyncQueue, task_group_id: str, outcome: GroupOutcome) -> bool:
    """Whether the group has tasks and none is unresolved (collecting failures on the way)."""
    states: list[str] = []
    async for member in queue.pages.listTaskGroup(task_group_id):
        status = member.status
        states.append(status.state)
        if status.state == "failed":
            outcome.failed.add(status.taskId)
        elif status.state == "exception":
            outcome.exceptions.add(status.taskId)
    return bool(states) and not UNRESOLVED.intersection(states)


async def wait_for_group(
    amqp_url: str, queue: AsyncQueue, task_group_id: str, *, events: QueueEvents | None = None
) -> GroupOutcome:
    """Return once the group resolved (no timeout here: wrap it in `asyncio.wait_for`)."""
    events = events or QueueEvents()
    resolved = events.taskGroupResolved(taskGroupId=task_group_id)
    failed = events.taskFailed(taskGroupId=task_group_id)
    exception = events.taskException(taskGroupId=task_group_id)
    outcome = GroupOutcome(task_group_id)
    async with PulseListener(amqp_url).bound(resolved, failed, exception) as listener:
        if await group_is_resolved(queue, task_group_id, outcome):
            return outcome
        async for message in listener:
            if isinstance(message, UnparsedMessage):
                # A body this SDK's models do not fit (a newer Taskcluster?): say so, go on.
                print(f"unparsed message on {message.exchange}: {message.error}", file=sys.stderr)
                continue
            if (failure := message.of(failed)) is not None:
                outcome.failed.add(failure.payload.status.taskId)
            elif (error := message.of(exception)) is not None:
                outcome.exceptions.add(error.payload.status.taskId)
            elif message.of(resolved) is not None:
                outcome.seen_over_pulse = True
                break
    return outcome


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Wait for a task group to resolve.")
    parser.add_argument("task_group_id")
    parser.add_argument("--timeout", type=float, default=3600.0, help="seconds (default 1 h)")
    parser.add_argument("--pulse-url", default=os.environ.get("PULSE_URL"))
    parser.add_argument("--exchange-prefix", help="the queue's exchanges, if not the default")
    return parser.parse_args(argv)


async def main(argv: Sequence[str] | None = None) -> int:
    """The command line: 0 if every task completed, 1 otherwise, 2 on timeout."""
    args = parse_args(argv)
    if not args.pulse_url:
        print(
            "set PULSE_URL (amqps://user:password@host/vhost) or pass --pulse-url", file=sys.stderr
        )
        return 2
    async with AsyncQueue.from_env() as queue:
        try:
            outcome = await asyncio.wait_for(
                wait_for_group(
                    args.pulse_url,
                    queue,
                    args.task_group_id,
                    events=QueueEvents(args.exchange_prefix),
                ),
                args.timeout,
            )
        except asyncio.TimeoutError:
            print(f"task group {args.task_group_id} still running after {args.timeout:g} s")
            return 2
    for task_id in sorted(outcome.failed):
        print(f"failed: {task_id}")
    for task_id in sorted(outcome.exceptions):
        print(f"exception: {task_id}")
    how = "seen over Pulse" if outcome.seen_over_pulse else "already when asked"
    print(f"task group {outcome.task_group_id} resolved ({how})")
    return 1 if outcome.failed or outcome.exceptions else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
