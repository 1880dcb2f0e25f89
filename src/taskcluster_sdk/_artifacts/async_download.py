"""Downloading artifacts of every storage kind: streamed, verified, resumed.

Written once, async, here; `sync_download.py` is generated from it by
`nox -s generate` with unasync (see `codegen/twins.py`). Local writes run in
a worker thread under asyncio (`AsyncIO.run_blocking`) so a large download
does not block the event loop; progress callbacks run on the loop.
"""

from __future__ import annotations

import os
from contextlib import AsyncExitStack
from pathlib import Path
from typing import BinaryIO, overload

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
from .errors import DownloadError, redact_url
from .local import DownloadDestination, DownloadSink, open_download_sink
from .protocol import (
    START_DOWNLOAD_REQUEST,
    GetUrl,
    ObjectDownload,
    UrlDownload,
    parse_artifact_content,
    parse_start_download,
)
from .settings import retry_budget
from .transfer import TRANSFER_ERRORS, DownloadState, RetryBudget

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
    """
    budget = retry_budget(queue, max_retries)
    sink = await AsyncIO.run_blocking(True, lambda: open_download_sink(dest))
    try:
        if run_id is None:
            answer = await queue.latestArtifact(task_id, name)
        else:
            answer = await queue.artifact(task_id, run_id, name)
        plan = parse_artifact_content(name, answer, allow_reference=allow_reference)
        async with AsyncExitStack() as stack:
            client = await storage_client(queue, http_client, stack)
            if isinstance(plan, UrlDownload):
                state = DownloadState(plan.url, sink, progress)
                await _get_with_retries(client, state, budget, None)
            else:
                factory = object_client_factory or default_async_object_factory(queue)
                object_client = factory(plan.credentials)
                stack.push_async_callback(object_client.close)
                await _download_object(client, object_client, name, plan, sink, progress, budget)
    except BaseException:
        await AsyncIO.run_blocking(sink.blocking, sink.discard)
        raise
    return await AsyncIO.run_blocking(sink.blocking, sink.result)


async def _download_object(
    client: httpx.AsyncClient,
    object_client: AsyncObjectClient,
    name: str,
    plan: ObjectDownload,
    sink: DownloadSink,
    progress: ProgressCallback | None,
    budget: RetryBudget,
) -> None:
    get_url = await _start_download(object_client, plan)
    state = DownloadState(get_url.url, sink, progress)
    get_url = await _get_with_retries(client, state, budget, (object_client, plan, get_url))
    assert get_url is not None
    verify_hashes(name, get_url.hashes, state.hasher.hexdigests())


async def _start_download(object_client: AsyncObjectClient, plan: ObjectDownload) -> GetUrl:
    answer = await object_client.startDownload(plan.object_name, START_DOWNLOAD_REQUEST)
    return parse_start_download(answer)


async def _get_with_retries(
    client: httpx.AsyncClient,
    state: DownloadState,
    budget: RetryBudget,
    signed: tuple[AsyncObjectClient, ObjectDownload, GetUrl] | None,
) -> GetUrl | None:
    """GET `state.url` into its sink; `signed` is an object service download to renew URLs of.

    Returns the object service URL last used (its hashes are the ones to check).
    """
    renewal = None if signed is None else signed[:2]
    get_url = None if signed is None else signed[2]
    blocking = state.sink.blocking
    while True:
        try:
            # Object service URLs must not redirect; s3 and reference URLs may.
            async with client.stream(
                "GET", state.url, headers=state.request_headers(), follow_redirects=get_url is None
            ) as response:
                await AsyncIO.run_blocking(
                    blocking, lambda: state.begin(response.status_code, response.headers)
                )
                async for chunk in response.aiter_bytes():
                    await AsyncIO.run_blocking(
                        blocking, lambda chunk=chunk: state.sink.write(chunk)
                    )
                    state.account(chunk)
            return get_url
        except TRANSFER_ERRORS as error:
            expired = get_url is not None and get_url.expired()
            delay = budget.next_delay(error, "GET", state.url, url_expired=expired)
            if delay is None:
                raise DownloadError(
                    f"downloading from {redact_url(state.url)} failed after "
                    f"{budget.describe()}: {error}"
                ) from error
        await AsyncIO.sleep(delay)
        if renewal is not None and get_url is not None and get_url.expired():
            get_url = await _start_download(*renewal)
            state.url = get_url.url
