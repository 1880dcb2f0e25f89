"""Figure 1: sync `Queue.task(taskId)` calls per second on one keep-alive client."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import ExitStack
from typing import Any
from urllib.parse import urlsplit

import httpx

from benchmarks.clients import (
    official,
    official_options,
    our_credentials,
    ours,
    task_group_of,
)
from benchmarks.config import RunConfig
from benchmarks.fixtures import ACCESS_TOKEN, CLIENT_ID, TASK_GROUP_ID, TASK_ID
from benchmarks.hawk import hawk_header
from benchmarks.measure import Round, RoundFn, Stopwatch, run_rounds
from benchmarks.report import FigureResult, Target

TARGETS = (Target("official", at_least=2.0), Target("floor", at_least=0.9))


def _timed(call: Callable[[], Any], calls: int) -> RoundFn:
    """Check one answer, then return a round that makes `calls` calls."""
    got = task_group_of(call())
    if got != TASK_GROUP_ID:
        raise AssertionError(f"task() answered taskGroupId {got!r}, expected {TASK_GROUP_ID!r}")

    def one_round() -> Round:
        stopwatch = Stopwatch()
        for _ in range(calls):
            call()
        return stopwatch.rate(calls)

    return one_round


def _ours(root_url: str, calls: int, stack: ExitStack) -> RoundFn:
    queue_class = ours("Queue")
    queue = stack.enter_context(queue_class(root_url=root_url, credentials=our_credentials()))
    return _timed(lambda: queue.task(TASK_ID), calls)


def _official(root_url: str, calls: int, stack: ExitStack) -> RoundFn:
    queue = official().Queue(official_options(root_url))
    stack.callback(queue.session.close)
    return _timed(lambda: queue.task(TASK_ID), calls)


def _floor(root_url: str, calls: int, stack: ExitStack) -> RoundFn:
    client = stack.enter_context(httpx.Client())
    url = f"{root_url}/api/queue/v1/task/{TASK_ID}"
    parts = urlsplit(url)
    host, port, resource = parts.hostname or "", parts.port or 80, parts.path
    token = ACCESS_TOKEN.encode()

    def call() -> Any:
        headers = {"Authorization": hawk_header(CLIENT_ID, token, "GET", resource, host, port)}
        response = client.get(url, headers=headers)
        if response.status_code != 200:
            raise AssertionError(f"floor got HTTP {response.status_code}: {response.text[:200]}")
        return json.loads(response.content)

    return _timed(call, calls)


def run(config: RunConfig, root_url: str) -> list[FigureResult]:
    calls = config.sync_calls
    outcomes = run_rounds(
        {
            "ours": lambda stack: _ours(root_url, calls, stack),
            "official": lambda stack: _official(root_url, calls, stack),
            "floor": lambda stack: _floor(root_url, calls, stack),
        },
        config.rounds,
    )
    return [
        FigureResult(
            key="sync",
            title="sync Queue.task",
            unit="calls/s",
            higher_is_better=True,
            outcomes=outcomes,
            targets=TARGETS,
            notes=(f"{calls} calls per round, one client reused (keep-alive where supported)",),
        )
    ]
