"""Downloading artifacts of every storage kind: streamed, verified, resumed.

Written once, async, here; `sync_download.py` is generated from it by
`nox -s generate` with unasync (see `codegen/twins.py`). Local writes run in
a worker thread under asyncio (`AsyncIO.run_blocking`) so a large download
does not block the event loop; progress callbacks run on the loop.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any, BinaryIO, overload

import httpx

from .._concurrency import AsyncIO
from .async_clients import (
    AsyncObjectClient,
    AsyncObjectClientFactory,
    AsyncQueueClient,
    default_async_object_factory,
    storage_client,
)
from .content import ProgressCallback, verify_hashes
from .errors import DownloadError, StorageHTTPError, redact_url
from .local import DownloadDestination, open_download_sink
from .protocol import (
    START_DOWNLOAD_REQUEST,
    GetUrl,
    ObjectDownload,
    UrlDownload,
    parse_artifact_content,
    parse_start_download,
)
from .settings import retry_budget, storage_timeout
from .transfer import (
    ERROR_BODY_LIMIT,
    TRANSFER_ERRORS,
    DownloadState,
    RetryBudget,
    storage_error,
    successful,
)

__all__ = ["download_artifact_async"]


@overload
async def download_artifact_async(
    queue: AsyncQueueClient,
    *,
    task_id: str,
    name: str,
    run_id: int | None = None,
    dest: None = None,
    allow_reference: bool = False,
    progress: ProgressCallback | None = None,
    max_retries: int | None = None,
    object_client_factory: AsyncObjectClientFactory | None = None,
    http_client: httpx.AsyncClient | None = None,
) -> bytes: ...
@overload
async def download_artifact_async(
    queue: AsyncQueueClient,
    *,
    task_id: str,
    name: str,
    run_id: int | None = None,
    dest: str | os.PathLike[str],
    allow_reference: bool = False,
    progress: ProgressCallback | None = None,
    max_retries: int | None = None,
    object_client_factory: AsyncObjectClientFactory | None = None,
    http_client: httpx.AsyncClient | None = None,
) -> Path: ...
@overload
async def download_artifact_async(
    queue: AsyncQueueClient,
    *,
    task_id: str,
    name: str,
    run_id: int | None = None,
    dest: BinaryIO,
    allow_reference: bool = False,
    progress: ProgressCallback | None = None,
    max_retries: int | None = None,
    object_client_factory: AsyncObjectClientFactory | None = None,
    http_client: httpx.AsyncClient | None = None,
) -> int: ...
async def download_artifact_async(
    queue: AsyncQueueClient,
    *,
    task_id: str,
    name: str,
    run_id: int | None = None,
    dest: DownloadDestination = None,
    allow_reference: bool = False,
    progress: ProgressCallback | None = None,
    max_retries: int | None = None,
    object_client_factory: AsyncObjectClientFactory | None = None,
    http_client: httpx.AsyncClient | None = None,
) -> bytes | Path | int:
    """Download artifact `name` of task `task_id` (latest run unless `run_id` is given).

    With `dest=None` the content is returned as bytes; with a path it is
    streamed to that file (written beside it, renamed into place when
    complete) and the path is returned; with a binary stream it is written
    there and the byte count returned. `object` artifacts are verified
    against the hashes the object service recorded (`HashMismatchError`,
    and no partial file, on a mismatch). `reference` artifacts point
    anywhere and are only followed with `allow_reference=True`; `error`
    artifacts raise `ArtifactUnavailableError`. Interrupted transfers resume
    (or restart) with the runtime's backoff; `progress(bytes_done, total)`
    reports each chunk.
    The object service client and storage transfers use the queue client's
    `http_client` when it was made with one (storage only an httpx one);
    `http_client=` (storage) and `object_client_factory=` override it.
    """
    budget = retry_budget(queue, max_retries)
    sink = await AsyncIO.run_blocking(True, lambda: open_download_sink(dest))
    try:
        lookup = AsyncArtifactLookup(queue, task_id, run_id, name, allow_reference)
        plan = await lookup.plan()
        async with AsyncExitStack() as stack:
            client = await storage_client(queue, http_client, stack)
            timeout = storage_timeout(queue)
            if isinstance(plan, UrlDownload):
                state = DownloadState(plan.url, sink, progress, verify=False)
                # An s3 URL is signed by the queue, which signs another on request;
                # a reference URL is what it is.
                renewal = lookup if plan.renewable else None
                await _get_with_retries(client, timeout, state, budget, renewal)
            else:
                factory = object_client_factory or default_async_object_factory(queue)
                object_client = factory(plan.credentials)
                stack.push_async_callback(object_client.close)
                signed = AsyncObjectUrls(object_client, plan)
                state = DownloadState(await signed.renew(), sink, progress, verify=True)
                await _get_with_retries(client, timeout, state, budget, signed)
                hasher = state.hasher
                actual = await AsyncIO.run_blocking(hasher.threaded, hasher.hexdigests)
                verify_hashes(name, signed.hashes, actual)
    except BaseException:
        await AsyncIO.run_blocking(sink.blocking, sink.discard)
        raise
    return await AsyncIO.run_blocking(sink.blocking, sink.result)


class AsyncArtifactLookup:
    """Where the queue says the artifact is; asked again for a fresh s3 URL."""

    def __init__(
        self,
        queue: AsyncQueueClient,
        task_id: str,
        run_id: int | None,
        name: str,
        allow_reference: bool,
    ) -> None:
        self._queue = queue
        self._task_id = task_id
        self._run_id = run_id
        self._name = name
        self._allow_reference = allow_reference

    async def plan(self) -> ObjectDownload | UrlDownload:
        if self._run_id is None:
            answer = await self._queue.latestArtifact(self._task_id, self._name)
        else:
            answer = await self._queue.artifact(self._task_id, self._run_id, self._name)
        return parse_artifact_content(self._name, answer, allow_reference=self._allow_reference)

    def expired(self) -> bool:
        # The queue states no expiry for s3 URLs (it signs them for 30 minutes);
        # storage refusing one as expired is the signal.
        return False

    async def renew(self) -> str:
        plan = await self.plan()
        if not isinstance(plan, UrlDownload):
            raise DownloadError(f"artifact {self._name!r} changed storage type during the download")
        return plan.url


class AsyncObjectUrls:
    """The object service's `getUrl` downloads of one object: signed URLs and hashes."""

    def __init__(self, object_client: AsyncObjectClient, plan: ObjectDownload) -> None:
        self._object_client = object_client
        self._plan = plan
        self._current: GetUrl | None = None

    @property
    def hashes(self) -> Mapping[str, Any]:
        """The hashes of the last URL handed out (the ones to verify the content against)."""
        assert self._current is not None, "renew() hands out the first URL"
        return self._current.hashes

    def expired(self) -> bool:
        return self._current is not None and self._current.expired()

    async def renew(self) -> str:
        answer = await self._object_client.startDownload(
            self._plan.object_name, START_DOWNLOAD_REQUEST
        )
        self._current = parse_start_download(answer)
        return self._current.url


async def _get_with_retries(
    client: httpx.AsyncClient,
    timeout: httpx.Timeout,
    state: DownloadState,
    budget: RetryBudget,
    renewal: AsyncArtifactLookup | AsyncObjectUrls | None,
) -> None:
    """GET `state.url` into its sink, renewing the URL through `renewal` when it goes stale.

    A URL is stale past its stated expiry, or when storage refuses its
    signature as expired before then (presigning credentials that expired
    early, clock skew): each such failure gets one fresh URL, within the
    retry budget.
    """
    in_thread = state.blocking
    while True:
        try:
            # Object service URLs must not redirect; s3 and reference URLs may.
            async with client.stream(
                "GET",
                state.url,
                headers=state.request_headers(),
                follow_redirects=not isinstance(renewal, AsyncObjectUrls),
                # the queue client's limit, on an injected client too (as for API calls)
                timeout=timeout,
            ) as response:
                if not successful("GET", response.status_code):
                    body = await _error_body(response)
                    raise storage_error("GET", state.url, response.status_code, body)
                await AsyncIO.run_blocking(
                    state.sink.blocking, lambda: state.begin(response.status_code, response.headers)
                )
                async for chunk in response.aiter_bytes():
                    await AsyncIO.run_blocking(in_thread, lambda chunk=chunk: state.absorb(chunk))
                    state.report()
            return
        except TRANSFER_ERRORS as error:
            stale = renewal is not None and (renewal.expired() or _refused_as_expired(error))
            delay = budget.next_delay(error, "GET", state.url, url_expired=stale)
            if delay is None:
                raise DownloadError(
                    f"downloading from {redact_url(state.url)} failed after "
                    f"{budget.describe()}: {error}"
                ) from error
        await AsyncIO.sleep(delay)
        if renewal is not None and (stale or renewal.expired()):
            url = await renewal.renew()
            await AsyncIO.run_blocking(state.sink.blocking, lambda url=url: state.moved(url))


def _refused_as_expired(error: Exception) -> bool:
    return isinstance(error, StorageHTTPError) and error.signature_expired


async def _error_body(response: httpx.Response) -> bytes:
    """The start of an error answer's body: enough for storage's error code and message."""
    body = b""
    async for chunk in response.aiter_bytes():
        body += chunk
        if len(body) >= ERROR_BODY_LIMIT:
            break
    return body[:ERROR_BODY_LIMIT]
