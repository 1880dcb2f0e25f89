"""Figure 2: async `Queue.task(taskId)` calls per second with 50 requests in flight."""

from __future__ import annotations

import asyncio
import importlib
import json
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
from benchmarks.measure import (
    AsyncRoundFn,
    Round,
    SideUnavailableError,
    Stopwatch,
    run_rounds_async,
)
from benchmarks.report import FigureResult, Target

TARGETS = (Target("official", at_least=1.0), Target("floor", at_least=0.9))
HTTPX_FLOOR_TARGETS = (Target("floor", at_least=0.9),)
AIOHTTP = "aiohttp.ClientSession"
HTTPX_AIOHTTP = "httpx.AsyncClient over httpx_aiohttp.AiohttpTransport"


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

    async def one_round() -> Round:
        remaining = calls

        async def worker() -> None:
            nonlocal remaining
            while remaining > 0:
                remaining -= 1
                await call()

        stopwatch = Stopwatch()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return stopwatch.rate(calls)

    return one_round


def _qualified(value: object) -> str:
    return f"{type(value).__module__}.{type(value).__qualname__}"


def transport_of(client: object) -> str:
    """What our async client sends requests with (its engine's sender), for the notes."""
    sender = getattr(getattr(client, "_engine", None), "_sender", None)
    if sender is None:
        return "unknown"
    inner = getattr(sender, "_client", None)
    if isinstance(inner, httpx.AsyncClient):
        transport = inner._transport  # pyright: ignore[reportPrivateUsage]
        return f"httpx.AsyncClient over {_qualified(transport)}"
    if "aiohttp" in type(sender).__name__.lower():
        return AIOHTTP
    return _qualified(sender)


class AsyncFigure:
    """The async sides, measured in the same interleaved rounds.

    Our AsyncQueue sends through aiohttp directly (see `_transport/aiohttp_sender.py`), so
    the floor of the main row is a raw `aiohttp.ClientSession`. The issue
    also names raw httpx + the httpx-aiohttp transport as a floor; that one
    gets its own row.
    """

    def __init__(self, root_url: str, config: RunConfig) -> None:
        self.root_url = root_url
        self.url = f"{root_url}/api/queue/v1/task/{TASK_ID}"
        parts = urlsplit(self.url)
        self.host, self.port, self.resource = parts.hostname or "", parts.port or 80, parts.path
        self.calls = config.async_calls
        self.concurrency = config.concurrency
        self.our_transport = "n/a"

    def _sign(self) -> dict[str, str]:
        token = ACCESS_TOKEN.encode()
        header = hawk_header(CLIENT_ID, token, "GET", self.resource, self.host, self.port)
        return {"Authorization": header}

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
        aiohttp = _module("aiohttp", "the floor's transport")
        session = await stack.enter_async_context(aiohttp.ClientSession())

        async def call() -> Any:
            async with session.get(self.url, headers=self._sign()) as response:
                body = await response.read()
                if response.status != 200:
                    raise AssertionError(f"floor got HTTP {response.status}: {body[:200]!r}")
            return json.loads(body)

        return await _timed(call, self.calls, self.concurrency)

    async def floor_httpx(self, stack: AsyncExitStack) -> AsyncRoundFn:
        transport = _module("httpx_aiohttp", "the floor's transport").AiohttpTransport()
        client = await stack.enter_async_context(httpx.AsyncClient(transport=transport))

        async def call() -> Any:
            response = await client.get(self.url, headers=self._sign())
            if response.status_code != 200:
                raise AssertionError(
                    f"floor got HTTP {response.status_code}: {response.text[:200]}"
                )
            return json.loads(response.content)

        return await _timed(call, self.calls, self.concurrency)

    async def run(self, rounds: int) -> list[FigureResult]:
        outcomes = await run_rounds_async(
            {
                "ours": self.ours,
                "official": self.official,
                "floor": self.floor,
                "floor_httpx": self.floor_httpx,
            },
            rounds,
        )
        load = f"{self.calls} calls per round, {self.concurrency} in flight"
        notes = [f"{load}; floor: raw {AIOHTTP}; ours sends with {self.our_transport}"]
        if self.our_transport not in ("n/a", AIOHTTP):
            notes.append("our client uses another transport than this floor: compare with care")
        return [
            FigureResult(
                key="async",
                title=f"async Queue.task, {self.concurrency} in flight",
                unit="calls/s",
                higher_is_better=True,
                outcomes={side: outcomes[side] for side in ("ours", "official", "floor")},
                targets=TARGETS,
                notes=tuple(notes),
            ),
            FigureResult(
                key="async-httpx-floor",
                title="  same, against the httpx floor",
                unit="calls/s",
                higher_is_better=True,
                outcomes={"ours": outcomes["ours"], "floor": outcomes["floor_httpx"]},
                targets=HTTPX_FLOOR_TARGETS,
                notes=(f"floor: raw {HTTPX_AIOHTTP} (the floor the issue names)",),
            ),
        ]


def run(config: RunConfig, root_url: str) -> list[FigureResult]:
    return asyncio.run(AsyncFigure(root_url, config).run(config.rounds))
