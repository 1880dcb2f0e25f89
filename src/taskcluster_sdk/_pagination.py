"""Iterating paginated API methods (those with a `continuationToken` query).

The generated `<Service>Pages` classes return these pagers; the pager asks
for the next page with the previous page's `continuationToken` until a page
comes without one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator
from typing import Generic, TypeVar

__all__ = ["AsyncPager", "SyncPager"]

PageT = TypeVar("PageT")
ItemT = TypeVar("ItemT")


def _next_token(page: object) -> str | None:
    token = getattr(page, "continuationToken", None)
    return token if isinstance(token, str) and token else None


class SyncPager(Generic[PageT, ItemT]):
    """Iterate all items (`for item in pager`) or pages (`pager.pages()`).

    Pages are fetched lazily, one request per page; each iteration starts
    again from the first page. The pager holds one page at a time: the
    previous one is dropped before the next is fetched, so memory stays flat
    however many pages there are.
    """

    __slots__ = ("_fetch", "_items")

    def __init__(
        self, fetch: Callable[[str | None], PageT], items: Callable[[PageT], Iterable[ItemT]]
    ) -> None:
        self._fetch = fetch
        self._items = items

    def pages(self) -> Iterator[PageT]:
        """Every page, in order."""
        token: str | None = None
        while True:
            page = self._fetch(token)
            token = _next_token(page)
            yield page
            del page  # before the next fetch (see the class docstring)
            if token is None:
                return

    def __iter__(self) -> Iterator[ItemT]:
        token: str | None = None
        while True:
            page = self._fetch(token)
            token = _next_token(page)
            items = self._items(page)
            del page
            yield from items
            del items
            if token is None:
                return


class AsyncPager(Generic[PageT, ItemT]):
    """`async for item in pager`, or `async for page in pager.pages()`."""

    __slots__ = ("_fetch", "_items")

    def __init__(
        self,
        fetch: Callable[[str | None], Awaitable[PageT]],
        items: Callable[[PageT], Iterable[ItemT]],
    ) -> None:
        self._fetch = fetch
        self._items = items

    async def pages(self) -> AsyncIterator[PageT]:
        """Every page, in order."""
        token: str | None = None
        while True:
            page = await self._fetch(token)
            token = _next_token(page)
            yield page
            del page  # before the next fetch (see `SyncPager`)
            if token is None:
                return

    async def __aiter__(self) -> AsyncIterator[ItemT]:
        token: str | None = None
        while True:
            page = await self._fetch(token)
            token = _next_token(page)
            items = self._items(page)
            del page
            for item in items:
                yield item
            del items
            if token is None:
                return
