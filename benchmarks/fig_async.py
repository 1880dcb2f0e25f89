"""Figure 2: async `Queue.task(taskId)` calls per second with 50 requests in flight."""

from __future__ import annotations

import asyncio
import importlib
import json
import time
from collections.abc import Awaitable, Callable
from contextlib import AsyncExitStack
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
from benchmarks.measure import AsyncRoundFn, SideUnavailableError, run_rounds_async
from benchmarks.report import FigureResult, Target

TARGETS = (Target("official", at_least=1.0), Target("floor", at_least=0.9))
# The transport the issue names for our AsyncQueue; the floor must ride the same one.
FLOOR_TRANSPORT = "httpx_aiohttp.transport.AiohttpTransport"


def _module(name: str, why: str) -> Any:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        raise SideUnavailableError(f"{name} is not installed ({why})") from error


async def _timed(call: Callable[[], Awaitable[Any]], calls: int, concurrency: int) -> AsyncRoundFn:
    """Check one answer, then return a round of `calls` calls by `concurrency` workers."""
    got = task_group_of(await call())
    if got != TASK_GROUP_ID:
        raise AssertionError(f"task() answered taskGroupId {got!r}, expected {TASK_GROUP_ID!r}")

    async def one_round() -> float:
        remaining = calls

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                await call()

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return calls / (time.perf_counter() - started)

    return one_round


def transport_of(client: object) -> str:
    """Dotted class name of the httpx transport inside one of our clients, if one is found."""
    attributes: dict[str, object] = dict(vars(client)) if hasattr(client, "__dict__") else {}
    for slot in getattr(type(client), "__slots__", ()):
        attributes[slot] = getattr(client, slot, None)
    for value in attributes.values():
        if isinstance(value, httpx.AsyncClient):
            transport = value._transport  # pyright: ignore[reportPrivateUsage]
            return f"{type(transport).__module__}.{type(transport).__qualname__}"
    return "unknown"


class AsyncFigure:
    """The three async sides; remembers which transport our client turned out to use."""

    def __init__(self, root_url: str, config: RunConfig) -> None:
        self.root_url = root_url
        self.calls = config.async_calls
        self.concurrency = config.concurrency
        self.our_transport = "n/a"

    async def ours(self, stack: AsyncExitStack) -> AsyncRoundFn:
        queue_class = ours("AsyncQueue")
        queue = queue_class(root_url=self.root_url, credentials=our_credentials())
        queue = await stack.enter_async_context(queue)
        self.our_transport = transport_of(queue)
        return await _timed(lambda: queue.task(TASK_ID), self.calls, self.concurrency)

    async def official(self, stack: AsyncExitStack) -> AsyncRoundFn:
        aio = official("taskcluster.aio")
        aiohttp = _module("aiohttp", "the official async client needs it")
        session = await stack.enter_async_context(aiohttp.ClientSession())
        queue = aio.Queue(official_options(self.root_url), session=session)
        return await _timed(lambda: queue.task(TASK_ID), self.calls, self.concurrency)

    async def floor(self, stack: AsyncExitStack) -> AsyncRoundFn:
        transport = _module("httpx_aiohttp", "the floor's transport").AiohttpTransport()
        client = await stack.enter_async_context(httpx.AsyncClient(transport=transport))
        url = f"{self.root_url}/api/queue/v1/task/{TASK_ID}"
        parts = urlsplit(url)
        host, port, resource = parts.hostname or "", parts.port or 80, parts.path
        token = ACCESS_TOKEN.encode()

        async def call() -> Any:
            headers = {"Authorization": hawk_header(CLIENT_ID, token, "GET", resource, host, port)}
            response = await client.get(url, headers=headers)
            if response.status_code != 200:
                raise AssertionError(
                    f"floor got HTTP {response.status_code}: {response.text[:200]}"
                )
            return json.loads(response.content)

        return await _timed(call, self.calls, self.concurrency)

    async def run(self, rounds: int) -> FigureResult:
        outcomes = await run_rounds_async(
            {"ours": self.ours, "official": self.official, "floor": self.floor}, rounds
        )
        notes = [
            f"{self.calls} calls per round, {self.concurrency} in flight",
            f"floor transport {FLOOR_TRANSPORT}; ours {self.our_transport}",
        ]
        if self.our_transport not in ("n/a", FLOOR_TRANSPORT):
            notes.append("our client uses another transport than the floor: compare with care")
        return FigureResult(
            key="async",
            title=f"async Queue.task, {self.concurrency} in flight",
            unit="calls/s",
            higher_is_better=True,
            outcomes=outcomes,
            targets=TARGETS,
            notes=tuple(notes),
        )


def run(config: RunConfig, root_url: str) -> list[FigureResult]:
    figure = AsyncFigure(root_url, config)
    return [asyncio.run(figure.run(config.rounds))]
