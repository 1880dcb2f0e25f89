"""A response body that must arrive before the attempt's time is up.

httpx's timeouts bound each network operation (connect, one read), not an
attempt: a server trickling a byte every few tenths of a second keeps a call
alive for as long as it likes. The httpx senders wrap the response stream in
`BoundedStream`, which checks the attempt's end after every chunk and fails
it with `httpx.ReadTimeout` (then mapped like any other timeout).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx

__all__ = ["BoundedStream"]


class BoundedStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """Wraps a response stream (sync or async); fails once `clock()` passes `end`."""

    def __init__(self, stream: Any, end: float, clock: Callable[[], float]) -> None:
        self._stream = stream
        self._end = end
        self._clock = clock

    def _check(self) -> None:
        if self._clock() > self._end:
            raise httpx.ReadTimeout("the response body did not arrive within the attempt's timeout")

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._stream:
            self._check()
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._stream:
            self._check()
            yield chunk

    def close(self) -> None:
        self._stream.close()

    async def aclose(self) -> None:
        await self._stream.aclose()
