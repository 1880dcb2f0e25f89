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

import sys
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any, Protocol, TypeAlias

from .._config import ClientConfig
from .request import PreparedRequest
from .response import Answer

# Each sender module is imported by the engine that uses it: a sync client
# loads httpx and no asyncio, an async client on the aiohttp default no httpx.
if TYPE_CHECKING:
    import aiohttp
    import httpx

__all__ = [
    "AsyncHttpClient",
    "AsyncSender",
    "SyncHttpClient",
    "SyncSender",
    "async_sender",
    "sync_sender",
]

SyncHttpClient: TypeAlias = "httpx.Client"
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
    import httpx  # noqa: PLC0415  # see the imports

    from .httpx_sync import SyncHttpxSender  # noqa: PLC0415

    if http_client is not None and not isinstance(http_client, httpx.Client):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f"http_client must be an httpx.Client, not {type(http_client).__name__}")
    return SyncHttpxSender(http_client, config.timeout)


def async_sender(config: ClientConfig, http_client: Any) -> AsyncSender:
    """The sender of an async engine."""
    from .aiohttp_sender import AiohttpSender  # noqa: PLC0415  # see the imports

    if http_client is None:
        return AiohttpSender(config.timeout, None)
    # An httpx.AsyncClient exists only if httpx was imported.
    httpx_module = sys.modules.get("httpx")
    if httpx_module is not None and isinstance(http_client, httpx_module.AsyncClient):
        from .httpx_async import AsyncHttpxSender  # noqa: PLC0415

        return AsyncHttpxSender(http_client, config.timeout)
    if type(http_client).__module__.startswith("aiohttp"):
        session: aiohttp.ClientSession = http_client
        return AiohttpSender(config.timeout, session)
    raise TypeError(
        "http_client must be an httpx.AsyncClient or an aiohttp.ClientSession, "
        f"not {type(http_client).__name__}"
    )
