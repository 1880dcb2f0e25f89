"""Pagers across several pages of a loopback server."""

from __future__ import annotations

import gc
import weakref
from collections.abc import Iterator

import pytest
from servers.fake_queue import AsyncQueue, Queue
from servers.taskcluster import TASK_GROUP_SIZE, TaskclusterServer, running_server

from taskcluster_sdk import http_response
from taskcluster_sdk._credentials import Credentials
from taskcluster_sdk._pagination import AsyncPager, SyncPager

TESTER = Credentials("tester", "no-secret")
ALL_IDS = [f"task-{i}" for i in range(TASK_GROUP_SIZE)]


@pytest.fixture
def server() -> Iterator[TaskclusterServer]:
    with running_server() as srv:
        yield srv


def test_sync_items_and_pages(server: TaskclusterServer) -> None:
    with Queue(root_url=server.root_url, credentials=TESTER) as queue:
        pager = queue.pages.listTaskGroup("g", limit=3)
        assert [task.taskId for task in pager] == ALL_IDS
        pages = list(pager.pages())
    assert [len(page.tasks) for page in pages] == [3, 3, 1]
    assert [page.continuationToken for page in pages] == ["3", "6", None]
    sent = [seen.raw_path for seen in server.state.seen]
    assert sent[-3:] == [
        "/api/queue/v1/task-group/g/list?limit=3",
        "/api/queue/v1/task-group/g/list?continuationToken=3&limit=3",
        "/api/queue/v1/task-group/g/list?continuationToken=6&limit=3",
    ]


def test_sync_pager_is_lazy(server: TaskclusterServer) -> None:
    with Queue(root_url=server.root_url, credentials=TESTER) as queue:
        iterator = iter(queue.pages.listTaskGroup("g", limit=2))
        assert next(iterator).taskId == "task-0"
        assert server.state.hits == 1


async def test_async_items_and_pages(server: TaskclusterServer) -> None:
    async with AsyncQueue(root_url=server.root_url, credentials=TESTER) as queue:
        pager = queue.pages.listTaskGroup("g", limit=2)
        assert [task.taskId async for task in pager] == ALL_IDS
        pages = [page async for page in pager.pages()]
    assert [len(page.tasks) for page in pages] == [2, 2, 2, 1]


def test_empty_token_ends_iteration() -> None:
    class Page:
        def __init__(self, items: list[int], token: str | None) -> None:
            self.items = items
            self.continuationToken = token

    calls: list[str | None] = []

    def fetch(token: str | None) -> Page:
        calls.append(token)
        return Page([1], "") if token else Page([0], "next")

    assert list(SyncPager(fetch, lambda page: page.items)) == [0, 1]
    assert calls == [None, "next"]


def _gc_disabled() -> Iterator[None]:
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def test_sync_pager_frees_each_page_before_fetching_the_next(server: TaskclusterServer) -> None:
    # With the cyclic collector off, only reference counting frees a page:
    # it must, or iterating a large task group holds every 2.8 MB body
    # until a collection runs (or two pages at once).
    alive: list[weakref.ref[object]] = []

    def fetch_and_watch(token: str | None) -> object:
        assert all(ref() is None for ref in alive), "a previous page is still alive"
        page = fetch(token)
        alive.append(weakref.ref(http_response(page)))
        return page

    with Queue(root_url=server.root_url, credentials=TESTER) as queue:
        pager = queue.pages.listTaskGroup("g", limit=2)
        fetch = pager._fetch  # pyright: ignore[reportPrivateUsage]
        for gc_off in _gc_disabled():  # noqa: B007
            watched = SyncPager(fetch_and_watch, pager._items)  # pyright: ignore[reportPrivateUsage]
            ids = [task.taskId for task in watched]
            assert ids == ALL_IDS
            assert len(alive) == 4
            # A loop variable holds its page until the next one arrives: drop it.
            tokens: list[str | None] = []
            for page in watched.pages():
                tokens.append(page.continuationToken)
                del page
            assert tokens == ["2", "4", "6", None]
            assert len(alive) == 8


async def test_async_pager_frees_each_page_before_fetching_the_next(
    server: TaskclusterServer,
) -> None:

    alive: list[weakref.ref[object]] = []
    async with AsyncQueue(root_url=server.root_url, credentials=TESTER) as queue:
        pager = queue.pages.listTaskGroup("g", limit=2)
        fetch = pager._fetch  # pyright: ignore[reportPrivateUsage]

        async def fetch_and_watch(token: str | None) -> object:
            assert all(ref() is None for ref in alive), "a previous page is still alive"
            page = await fetch(token)
            # The default sender keeps its answer unconverted: watch the parsed page.
            alive.append(weakref.ref(page))
            return page

        for gc_off in _gc_disabled():  # noqa: B007
            watched = AsyncPager(fetch_and_watch, pager._items)  # pyright: ignore[reportPrivateUsage]
            assert [task.taskId async for task in watched] == ALL_IDS
            tokens: list[str | None] = []
            async for page in watched.pages():
                tokens.append(page.continuationToken)
                del page
            assert tokens == ["2", "4", "6", None]
