"""The clients the async artifact helpers use: what they need of the queue and object service.

Written once, async, here; `sync_clients.py` is generated from it by
`nox -s generate` with unasync (see `codegen/twins.py`).

The generated `AsyncQueue` / `AsyncObject` satisfy these protocols; so does
any stand-in with the same methods. Arguments are positional-only so
parameter names do not have to match, and results are `object` because the
helpers read them as JSON (pydantic models or mappings).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AsyncExitStack
from typing import Any, Protocol, TypeAlias

import httpx

from .protocol import ObjectCredentials
from .settings import injected_http_client, object_client_settings, storage_timeout, storage_tls

__all__ = [
    "AsyncObjectClient",
    "AsyncObjectClientFactory",
    "AsyncQueueClient",
    "default_async_object_factory",
    "storage_client",
]


# `payload: Any`: generated methods take their model or TypedDict
# (`CreateUploadRequest | CreateUploadRequestDict`), which a `Mapping[str, Any]`
# parameter here would not match; the helpers pass plain dicts.
class AsyncQueueClient(Protocol):
    """What the artifact helpers call on a queue client."""

    async def task(self, task_id: str, /) -> object: ...
    async def createArtifact(  # noqa: N802
        self,
        task_id: str,
        run_id: int,
        name: str,
        payload: Any,
        /,
    ) -> object: ...
    async def finishArtifact(  # noqa: N802
        self,
        task_id: str,
        run_id: int,
        name: str,
        payload: Any,
        /,
    ) -> object: ...
    async def artifact(self, task_id: str, run_id: int, name: str, /) -> object: ...
    async def latestArtifact(self, task_id: str, name: str, /) -> object: ...  # noqa: N802


class AsyncObjectClient(Protocol):
    """What the artifact helpers call on an object service client."""

    async def createUpload(self, name: str, payload: Any, /) -> object: ...  # noqa: N802
    async def finishUpload(self, name: str, payload: Any, /) -> object: ...  # noqa: N802
    async def startDownload(self, name: str, payload: Any, /) -> object: ...  # noqa: N802
    async def close(self) -> None: ...


AsyncObjectClientFactory: TypeAlias = Callable[[ObjectCredentials], AsyncObjectClient]
"""Builds an object service client signing with the queue's temporary credentials."""


def default_async_object_factory(queue: object) -> AsyncObjectClientFactory:
    """Builds `taskcluster_sdk` object service clients beside `queue`."""
    from ..services.object import AsyncObject  # noqa: PLC0415 -- generated, loaded on use

    http_client = injected_http_client(queue)

    def build(credentials: ObjectCredentials) -> AsyncObjectClient:
        return AsyncObject(**object_client_settings(queue, credentials), http_client=http_client)

    return build


async def storage_client(
    queue: object, given: httpx.AsyncClient | None, stack: AsyncExitStack
) -> httpx.AsyncClient:
    """The client of storage transfers: `given`, else the queue's injected httpx client, else a new one.

    Storage URLs are pre-signed: these are plain clients (the SDK signs API
    calls itself, not through the client). The caller's clients stay open.
    """
    if given is not None:
        return given
    injected = injected_http_client(queue)
    if isinstance(injected, httpx.AsyncClient):
        return injected
    client = httpx.AsyncClient(timeout=storage_timeout(queue), verify=storage_tls())
    return await stack.enter_async_context(client)
