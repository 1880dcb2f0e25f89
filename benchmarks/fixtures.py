"""Realistic Taskcluster documents the benchmarks serve and publish.

The task definition follows `schemas/queue/v1/task.json` (a docker-worker
style build task of about 3 KB, the size Gecko decision tasks hand out by the
thousand), so the typed clients parse what they would parse in production.
"""

from __future__ import annotations

import base64
import functools
import json
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

TASK_ID = "fN1SbArXTPSVFNUvaOlinQ"
TASK_GROUP_ID = "Xq3lMzV8RyWpQd5d0ANf7g"
DEPENDENCY_IDS = ("GSRfyLZ_T7ek6KCRgwsPvA", "aOpW2tFGQgqDWBQ5tDkOpQ", "c3Yd0dbyS9STa4GCT3jwPw")
CLIENT_ID = "bench/client"
ACCESS_TOKEN = "bench-access-token-not-a-secret"

EXCHANGE = "exchange/taskcluster-queue/v1/task-completed"
PROVISIONER_ID = "gecko-3"
WORKER_TYPE = "b-linux-large"
SCHEDULER_ID = "gecko-level-3"
WORKER_GROUP = "us-east1"
WORKER_ID = "i-0a1b2c3d4e5f60718"


def task_definition() -> dict[str, Any]:
    """A task definition as `queue.task` returns it."""
    return {
        "provisionerId": PROVISIONER_ID,
        "workerType": WORKER_TYPE,
        "taskQueueId": f"{PROVISIONER_ID}/{WORKER_TYPE}",
        "schedulerId": SCHEDULER_ID,
        "projectId": "gecko",
        "taskGroupId": TASK_GROUP_ID,
        "dependencies": list(DEPENDENCY_IDS),
        "requires": "all-completed",
        "routes": [
            "tc-treeherder.v2.mozilla-central.5a3e8e0a6c1b4f2d9e7c8b6a5f4e3d2c1b0a9f8e.31337",
            "index.gecko.v2.mozilla-central.latest.firefox.linux64-opt",
            "index.gecko.v2.mozilla-central.pushdate.2026.11.27.20261127120000.firefox.linux64-opt",
            "index.gecko.v2.mozilla-central.revision.5a3e8e0a6c1b4f2d9e7c8b6a5f4e3d2c1b0a9f8e.firefox.linux64-opt",
        ],
        "priority": "very-low",
        "retries": 5,
        "created": "2026-11-27T12:00:00.000Z",
        "deadline": "2026-11-28T12:00:00.000Z",
        "expires": "2027-11-27T12:00:00.000Z",
        "scopes": [
            "queue:get-artifact:project/gecko/*",
            "secrets:get:project/releng/gecko/build/level-3/*",
            "docker-worker:cache:gecko-level-3-checkouts-v3-1e2a0b4d",
            "docker-worker:cache:gecko-level-3-linux64-opt-workspace",
            "queue:route:index.gecko.v2.mozilla-central.*",
            "queue:route:tc-treeherder.v2.mozilla-central.*",
        ],
        "payload": {
            "image": {
                "type": "indexed-image",
                "namespace": "gecko.cache.level-3.docker.v2.debian12-amd64-build.latest",
                "path": "public/image.tar.zst",
            },
            "maxRunTime": 7200,
            "command": [
                "/builds/worker/bin/run-task",
                "--gecko-checkout=/builds/worker/checkouts/gecko",
                "--",
                "/builds/worker/workspace/build/src/taskcluster/scripts/builder/build-linux.sh",
            ],
            "env": {
                "GECKO_BASE_REPOSITORY": "https://hg.mozilla.org/mozilla-unified",
                "GECKO_HEAD_REPOSITORY": "https://hg.mozilla.org/mozilla-central",
                "GECKO_HEAD_REV": "5a3e8e0a6c1b4f2d9e7c8b6a5f4e3d2c1b0a9f8e",
                "MOZ_BUILD_DATE": "20261127120000",
                "MOZ_SCM_LEVEL": "3",
                "MOZHARNESS_CONFIG": "builds/releng_base_linux_64_builds.py",
                "MOZHARNESS_SCRIPT": "mozharness/scripts/fx_desktop_build.py",
                "TOOLTOOL_CACHE": "/builds/worker/tooltool-cache",
                "USE_SCCACHE": "1",
            },
            "artifacts": {
                "public/build": {
                    "type": "directory",
                    "path": "/builds/worker/artifacts/",
                    "expires": "2027-11-27T12:00:00.000Z",
                },
                "public/logs": {
                    "type": "directory",
                    "path": "/builds/worker/logs/",
                    "expires": "2027-11-27T12:00:00.000Z",
                },
            },
            "cache": {
                "gecko-level-3-checkouts-v3-1e2a0b4d": "/builds/worker/checkouts",
                "gecko-level-3-linux64-opt-workspace": "/builds/worker/workspace",
            },
            "features": {"taskclusterProxy": True, "chainOfTrust": True},
            "onExitStatus": {"retry": [137, 143]},
        },
        "metadata": {
            "name": "build-linux64/opt",
            "description": (
                "Linux64 Opt ([Treeherder push](https://treeherder.mozilla.org/#/jobs?"
                "repo=mozilla-central&revision=5a3e8e0a6c1b4f2d9e7c8b6a5f4e3d2c1b0a9f8e))"
            ),
            "owner": "release-bot@mozilla.com",
            "source": "https://hg.mozilla.org/mozilla-central/file/5a3e8e0a6c1b/taskcluster/kinds/build",
        },
        "tags": {
            "createdForUser": "release-bot@mozilla.com",
            "kind": "build",
            "label": "build-linux64/opt",
            "os": "linux",
            "retrigger": "true",
            "worker-implementation": "docker-worker",
        },
        "extra": {
            "index": {"rank": 1764244800},
            "parent": TASK_GROUP_ID,
            "treeherder": {
                "collection": {"opt": True},
                "groupName": "Builds",
                "groupSymbol": "B",
                "jobKind": "build",
                "machine": {"platform": "linux64"},
                "symbol": "B",
                "tier": 1,
            },
            "treeherder-platform": "linux64/opt",
        },
    }


def task_definition_body() -> bytes:
    """The task definition serialised as the queue serves it."""
    return json.dumps(task_definition(), separators=(",", ":")).encode()


def routing_key(task_id: str, run_id: int) -> str:
    """Routing key of a `task-completed` message, built as the queue builds it."""
    return ".".join(
        (
            "primary",
            task_id,
            str(run_id),
            WORKER_GROUP,
            WORKER_ID,
            PROVISIONER_ID,
            WORKER_TYPE,
            SCHEDULER_ID,
            TASK_GROUP_ID,
            "_",
        )
    )


def task_completed_message(task_id: str, run_id: int) -> dict[str, Any]:
    """A `task-completed` message body (schema `queue/v1/task-completed-message.json`)."""
    definition = task_definition()
    return {
        "version": 1,
        "status": {
            "taskId": task_id,
            "provisionerId": PROVISIONER_ID,
            "workerType": WORKER_TYPE,
            "taskQueueId": definition["taskQueueId"],
            "schedulerId": SCHEDULER_ID,
            "projectId": "gecko",
            "taskGroupId": TASK_GROUP_ID,
            "deadline": definition["deadline"],
            "expires": definition["expires"],
            "retriesLeft": 5,
            "state": "completed",
            "runs": [
                {
                    "runId": run_id,
                    "state": "completed",
                    "reasonCreated": "scheduled",
                    "reasonResolved": "completed",
                    "workerGroup": WORKER_GROUP,
                    "workerId": WORKER_ID,
                    "takenUntil": "2026-11-27T12:20:00.000Z",
                    "scheduled": "2026-11-27T12:00:01.000Z",
                    "started": "2026-11-27T12:00:05.000Z",
                    "resolved": "2026-11-27T12:18:42.000Z",
                }
            ],
        },
        "runId": run_id,
        "task": {"tags": definition["tags"]},
        "workerGroup": WORKER_GROUP,
        "workerId": WORKER_ID,
    }


def task_routes() -> list[str]:
    """The task routes Taskcluster copies into the message's `CC` header."""
    return [f"route.{route}" for route in task_definition()["routes"]]


def slug() -> str:
    """A fresh v4 slugid (URL-safe base64 of a random UUID), valid as a taskId."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()


# A real `listTaskGroup` page (two docker-worker tasks) recorded from Taskcluster v106.
RECORDED_PAGE = (
    ROOT / "tests" / "fixtures" / "recorded" / "taskcluster-v106" / "http"
) / "queue.listTaskGroup.page1.json"
_TOKEN_PLACEHOLDER = "\u0000continuation\u0000"


def _slug_of(number: int) -> str:
    """A valid v4 slugid made from `number` (deterministic, unlike `slug()`)."""
    value = uuid.UUID(int=number * 0x9E3779B97F4A7C15 % (1 << 128), version=4)
    return base64.urlsafe_b64encode(value.bytes).rstrip(b"=").decode()


def pager_task_group(pages: int) -> str:
    """The taskGroupId under which the loopback queue lists `pages` pages."""
    return _slug_of(1_000_000 + pages)


def pages_of(task_group_id: str) -> int | None:
    """How many pages the loopback queue lists for `task_group_id` (None: unknown group)."""
    for pages in range(1, 1001):
        if pager_task_group(pages) == task_group_id:
            return pages
    return None


@functools.cache
def _page_template(task_group_id: str, tasks: int) -> tuple[str, str]:
    """A page of `tasks` tasks as the queue serves it: (with a token placeholder, last page).

    Built from the recorded page: its tasks repeated with fresh taskIds, in
    this group. The queue pretty-prints JSON with 2-space indentation.
    """
    recorded = json.loads(RECORDED_PAGE.read_text())["response"]["body"]
    samples = recorded["tasks"]
    members = []
    for index in range(tasks):
        member = json.loads(json.dumps(samples[index % len(samples)]))
        member["status"]["taskId"] = _slug_of(index)
        member["status"]["taskGroupId"] = task_group_id
        member["task"]["taskGroupId"] = task_group_id
        members.append(member)
    page = {
        "taskGroupId": task_group_id,
        "schedulerId": recorded["schedulerId"],
        "expires": recorded["expires"],
        "tasks": members,
        "continuationToken": _TOKEN_PLACEHOLDER,
    }
    text = json.dumps(page, indent=2)
    last = text.replace(f',\n  "continuationToken": {json.dumps(_TOKEN_PLACEHOLDER)}', "")
    return text, last


def task_group_page(task_group_id: str, tasks: int, token: str | None) -> bytes:
    """One `listTaskGroup` page of `tasks` tasks, the last one when `token` is None."""
    with_token, last = _page_template(task_group_id, tasks)
    if token is None:
        return last.encode()
    return with_token.replace(json.dumps(_TOKEN_PLACEHOLDER), json.dumps(token)).encode()
