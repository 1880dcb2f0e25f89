"""The parts of the queue and object service clients the artifact helpers use.

The generated `Queue` / `Object` (and their async twins) satisfy these
protocols; so does any stand-in with the same methods. Arguments are
positional-only so parameter names do not have to match, and results are
`object` because the helpers read them as JSON (pydantic models or mappings).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeAlias

from ._artifacts import ObjectCredentials


class QueueClient(Protocol):
    """What the artifact helpers call on a sync queue client."""

    def task(self, task_id: str, /) -> object: ...
    def createArtifact(  # noqa: N802
        self,
        task_id: str,
        run_id: int,
        name: str,
        payload: Any,
        /,
    ) -> object: ...
    def finishArtifact(  # noqa: N802
        self,
        task_id: str,
        run_id: int,
        name: str,
        payload: Any,
        /,
    ) -> object: ...
    def artifact(self, task_id: str, run_id: int, name: str, /) -> object: ...
    def latestArtifact(self, task_id: str, name: str, /) -> object: ...  # noqa: N802


# `payload: Any`: generated methods take their model or TypedDict
# (`CreateUploadRequest | CreateUploadRequestDict`), which a `Mapping[str, Any]`
# parameter here would not match; the helpers pass plain dicts.


class ObjectClient(Protocol):
    """What the artifact helpers call on a sync object service client."""

    def createUpload(self, name: str, payload: Any, /) -> object: ...  # noqa: N802
    def finishUpload(self, name: str, payload: Any, /) -> object: ...  # noqa: N802
    def startDownload(self, name: str, payload: Any, /) -> object: ...  # noqa: N802
    def close(self) -> None: ...


class AsyncQueueClient(Protocol):
    """What the artifact helpers call on an async queue client."""

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
    """What the artifact helpers call on an async object service client."""

    async def createUpload(self, name: str, payload: Any, /) -> object: ...  # noqa: N802
    async def finishUpload(self, name: str, payload: Any, /) -> object: ...  # noqa: N802
    async def startDownload(self, name: str, payload: Any, /) -> object: ...  # noqa: N802
    async def close(self) -> None: ...


ObjectClientFactory: TypeAlias = Callable[[ObjectCredentials], ObjectClient]
"""Builds an object service client signing with the queue's temporary credentials."""

AsyncObjectClientFactory: TypeAlias = Callable[[ObjectCredentials], AsyncObjectClient]
"""Builds an async object service client signing with the queue's temporary credentials."""
