"""Which sender an engine uses, from the `http_client` the caller gave.

A sender is the I/O edge of the transport: it sends one prepared attempt and
maps the HTTP library's failures to `ConnectionError` / `TimeoutError` of
`taskcluster_sdk.errors`. Everything else (signing, retries, parsing) is the
engine's.

* sync: `httpx.Client` (given, or owned by the engine);
* async: aiohttp by default (its pool keeps up under concurrency, see
  `aiohttp_sender`), or the caller's `httpx.AsyncClient` or
  `aiohttp.ClientSession`.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

import httpx

from .._config import ClientConfig
from .aiohttp_sender import AiohttpSender
from .httpx_async import AsyncHttpxSender
from .httpx_sync import SyncHttpxSender
from .request import PreparedRequest
from .response import Answer

if TYPE_CHECKING:
    import aiohttp

__all__ = [
    "AsyncHttpClient",
    "AsyncSender",
    "SyncHttpClient",
    "SyncSender",
    "async_sender",
    "sync_sender",
]

SyncHttpClient: TypeAlias = httpx.Client
"""What a sync client may be given as `http_client`."""

AsyncHttpClient: TypeAlias = "httpx.AsyncClient | aiohttp.ClientSession"
"""What an async client may be given as `http_client`."""


class SyncSender(Protocol):
    def send(
        self, request: PreparedRequest, headers: dict[str, str], timeout: float | None
    ) -> Answer: ...

    def close(self) -> None: ...


class AsyncSender(Protocol):
    def send(
        self, request: PreparedRequest, headers: dict[str, str], timeout: float | None
    ) -> Awaitable[Answer]: ...

    def aclose(self) -> Awaitable[None]: ...


def sync_sender(config: ClientConfig, http_client: SyncHttpClient | None) -> SyncSender:
    """The sender of a sync engine."""
    if http_client is not None and not isinstance(http_client, httpx.Client):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f"http_client must be an httpx.Client, not {type(http_client).__name__}")
    return SyncHttpxSender(http_client, config.timeout)


def async_sender(config: ClientConfig, http_client: Any) -> AsyncSender:
    """The sender of an async engine."""
    if http_client is None:
        return AiohttpSender(config.timeout, None)
    if isinstance(http_client, httpx.AsyncClient):
        return AsyncHttpxSender(http_client, config.timeout)
    if type(http_client).__module__.startswith("aiohttp"):
        session: aiohttp.ClientSession = http_client
        return AiohttpSender(config.timeout, session)
    raise TypeError(
        "http_client must be an httpx.AsyncClient or an aiohttp.ClientSession, "
        f"not {type(http_client).__name__}"
    )
