"""A decision task: create a task group whose tasks depend on each other.

What it shows:

* typed payloads: generic-worker's `InsecurePosixPayload` model composed into
  a `CreateTaskRequest` model, and the same request written as a
  `CreateTaskRequestDict` (a TypedDict pyright checks key by key);
* `dependencies` with `requires="all-completed"` (the default: run only when
  every dependency completed) and `"all-resolved"` (run when they are done,
  whatever the outcome: a summary that also runs after a failure);
* `priority`, `from_now` deadlines and expiry, `slugid` task ids; every
  request is checked against the queue's schema before it is sent.

The graph: toolchain -> build -> test-a, test-b -> summary (all-resolved).
The commands are tiny Python one-liners, so `examples/worker.py` can run them.

Inside a real decision task the group is the decision task's own id
(`TASK_ID`); elsewhere a new group is made. Run it (the client needs
`queue:create-task:<priority>:<taskQueueId>`, `queue:create-task:project:none`
and `queue:scheduler-id:-`):

    export TASKCLUSTER_ROOT_URL=https://tc.example.com
    export TASKCLUSTER_CLIENT_ID=... TASKCLUSTER_ACCESS_TOKEN=...
    python -m examples.decision_task proj-example/ci
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from dataclasses import dataclass

from taskcluster_sdk import Queue, from_now, slugid
from taskcluster_sdk.models.generic_worker import InsecurePosixPayload
from taskcluster_sdk.models.queue import (
    CreateTaskRequest,
    CreateTaskRequestDict,
    TaskMetadata,
    TaskPriority,
)

SOURCE = "https://example.com/examples/decision_task.py"


@dataclass(frozen=True)
class Graph:
    """The task group that was created: its id and each task's id by name."""

    task_group_id: str
    task_ids: dict[str, str]


def _python(python: str, code: str) -> InsecurePosixPayload:
    return InsecurePosixPayload(command=[[python, "-c", code]], maxRunTime=600)


def create_graph(
    queue: Queue,
    task_queue_id: str,
    *,
    task_group_id: str | None = None,
    priority: TaskPriority = "lowest",
    python: str = "python3",
    fail_test: bool = False,
) -> Graph:
    """Create the graph in `task_group_id` (default: a new group) and return its ids."""
    group = task_group_id or slugid()
    ids = {name: slugid() for name in ("toolchain", "build", "test-a", "test-b", "summary")}
    created, deadline, expires = from_now(), from_now("3 hours"), from_now("7 days")

    def model_task(name: str, payload: InsecurePosixPayload, *deps: str) -> CreateTaskRequest:
        return CreateTaskRequest(
            taskQueueId=task_queue_id,
            taskGroupId=group,
            created=created,
            deadline=deadline,
            expires=expires,
            priority=priority,
            dependencies=[ids[dep] for dep in deps],
            payload=payload,
            metadata=TaskMetadata(
                name=name,
                description=f"{name}, made by the decision task of group {group}",
                owner="examples@example.com",
                source=SOURCE,
            ),
        )

    queue.createTask(
        ids["toolchain"], model_task("toolchain", _python(python, "print('toolchain ready')"))
    )
    queue.createTask(
        ids["build"], model_task("build", _python(python, "print('building... done')"), "toolchain")
    )
    queue.createTask(
        ids["test-a"], model_task("test-a", _python(python, "print('test-a passed')"), "build")
    )
    failing = "import sys; print('test-b failed'); sys.exit(1)"
    passing = "print('test-b passed')"
    queue.createTask(
        ids["test-b"],
        model_task("test-b", _python(python, failing if fail_test else passing), "build"),
    )

    # The same request as a TypedDict: pyright checks the keys and the Literal values.
    summary: CreateTaskRequestDict = {
        "taskQueueId": task_queue_id,
        "taskGroupId": group,
        "created": created,
        "deadline": deadline,
        "expires": expires,
        "priority": priority,
        "dependencies": [ids["test-a"], ids["test-b"]],
        "requires": "all-resolved",
        "payload": {"command": [[python, "-c", "print('summary: tests ran')"]], "maxRunTime": 600},
        "metadata": {
            "name": "summary",
            "description": "runs after the tests, whatever their outcome",
            "owner": "examples@example.com",
            "source": SOURCE,
        },
    }
    queue.createTask(ids["summary"], summary)
    return Graph(group, ids)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Create an example task group.")
    parser.add_argument("task_queue_id", help="where the tasks go, e.g. proj-example/ci")
    parser.add_argument("--task-group-id", default=os.environ.get("TASK_ID") or None)
    parser.add_argument(
        "--priority",
        default="lowest",
        choices=["highest", "very-high", "high", "medium", "low", "very-low", "lowest"],
    )
    parser.add_argument(
        "--python", default="python3", help="the interpreter the tasks' commands name"
    )
    parser.add_argument("--fail-test", action="store_true", help="make test-b fail")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> Graph:
    """The command line: prints the group and the task ids, returns them."""
    args = parse_args(argv)
    with Queue.from_env() as queue:
        graph = create_graph(
            queue,
            args.task_queue_id,
            task_group_id=args.task_group_id,
            priority=args.priority,
            python=args.python,
            fail_test=args.fail_test,
        )
    print(f"taskGroupId {graph.task_group_id}")
    for name, task_id in graph.task_ids.items():
        print(f"  {name:<10} {task_id}")
    return graph


if __name__ == "__main__":
    main()
