"""Artifact upload and download on asyncio (the mirror of `_artifacts_sync`).

Local file reads and writes run in a worker thread so a large transfer does
not block the event loop; progress callbacks run on the loop.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO, TypeVar, overload

import httpx

from ._artifacts import (
    START_DOWNLOAD_REQUEST,
    ContentHasher,
    ErrorReason,
    GetUrl,
    ObjectDownload,
    ObjectUploadGrant,
    ProgressCallback,
    PutUrl,
    UploadedArtifact,
    UrlDownload,
    check_error_reason,
    create_upload_request,
    error_artifact_request,
    finish_artifact_request,
    finish_upload_request,
    guess_content_type,
    link_artifact_request,
    object_artifact_request,
    parse_artifact_content,
    parse_start_download,
    parse_upload_grant,
    parse_upload_method,
    reference_artifact_request,
    resolve_expires,
    task_expires,
    verify_hashes,
)
from ._artifacts_clients import AsyncObjectClient, AsyncObjectClientFactory, AsyncQueueClient
from ._artifacts_defaults import (
    default_async_object_factory,
    retry_budget,
    storage_timeout,
)
from ._artifacts_errors import DownloadError, UploadError, redact_url
from ._artifacts_io import (
    BodyReader,
    DownloadDestination,
    DownloadSink,
    UploadSource,
    UploadSourceInput,
    open_download_sink,
    open_upload_source,
)
from ._artifacts_transfer import TRANSFER_ERRORS, DownloadState, RetryBudget, check_put_status

T = TypeVar("T")

__all__ = [
    "create_error_artifact_async",
    "create_link_artifact_async",
    "create_reference_artifact_async",
    "download_artifact_async",
    "upload_artifact_async",
]


async def _expires(
    queue: AsyncQueueClient, task_id: str, expires: datetime | timedelta | None
) -> str:
    if expires is None:
        return task_expires(await queue.task(task_id))
    return resolve_expires(expires)


async def _storage_client(
    queue: AsyncQueueClient, given: httpx.AsyncClient | None, stack: AsyncExitStack
) -> httpx.AsyncClient:
    """Storage URLs are pre-signed: a plain client, never the queue's Hawk-signing one."""
    if given is not None:
        return given
    return await stack.enter_async_context(httpx.AsyncClient(timeout=storage_timeout(queue)))


# -- upload --------------------------------------------------------------------


async def upload_artifact_async(
    queue: AsyncQueueClient,
    *,
    task_id: str,
    run_id: int,
    name: str,
    source: UploadSourceInput,
    content_type: str | None = None,
    expires: datetime | timedelta | None = None,
    size: int | None = None,
    progress: ProgressCallback | None = None,
    max_retries: int | None = None,
    object_client_factory: AsyncObjectClientFactory | None = None,
    http_client: httpx.AsyncClient | None = None,
) -> UploadedArtifact:
    """Upload `source` as the `object` artifact `name` of run `run_id` of task `task_id`.

    `source` is a `pathlib.Path` (streamed from disk), bytes, or a binary
    stream (read from its current position; `size` is required when it is
    not seekable). `content_type` defaults to a guess from `name`;
    `expires` (an aware datetime, or a delay from now) defaults to the
    task's expiry. `progress(bytes_sent, total)` is called as the body goes
    out. A failed PUT is retried from the first byte with the runtime's
    backoff (`max_retries`, default the queue client's); a non-seekable
    stream cannot be sent twice, so its failure raises `UploadError`. The
    artifact is only finished once storage accepted every byte.
    """
    async with AsyncExitStack() as stack:
        body = await asyncio.to_thread(open_upload_source, source, size)
        stack.callback(body.close)
        content_type = content_type or guess_content_type(name, body.path)
        request = object_artifact_request(
            content_type, await _expires(queue, task_id, expires), body.size
        )
        grant = parse_upload_grant(await queue.createArtifact(task_id, run_id, name, request))
        factory = object_client_factory or default_async_object_factory(queue)
        object_client = factory(grant.credentials)
        stack.push_async_callback(object_client.close)
        inline_data = await _blocking(not body.in_memory, body.read_inline)
        method = parse_upload_method(
            await object_client.createUpload(
                grant.object_name,
                create_upload_request(grant, content_type, body.size, inline_data),
            )
        )
        if method == "dataInline":
            assert inline_data is not None, "dataInline is only proposed with the data"
            hasher = ContentHasher()
            hasher.update(inline_data)
            if progress is not None:
                progress(body.size, body.size)
        else:
            budget = retry_budget(queue, max_retries)
            hasher = await _put_with_retries(
                await _storage_client(queue, http_client, stack),
                lambda: _renew_put_url(object_client, grant, content_type, body.size),
                method,
                body,
                budget,
                progress,
            )
        hashes = hasher.hexdigests()
        await object_client.finishUpload(grant.object_name, finish_upload_request(grant, hashes))
        await queue.finishArtifact(task_id, run_id, name, finish_artifact_request(grant))
        return UploadedArtifact(
            name=name,
            content_type=content_type,
            size=body.size,
            sha256=hashes["sha256"],
            sha512=hashes["sha512"],
            expires=grant.expires,
            upload_method="dataInline" if method == "dataInline" else "putUrl",
        )


async def _blocking(in_thread: bool, function: Callable[[], T]) -> T:
    """Run local I/O in a worker thread unless it only touches memory."""
    if in_thread:
        return await asyncio.to_thread(function)
    return function()


async def _renew_put_url(
    object_client: AsyncObjectClient, grant: ObjectUploadGrant, content_type: str, size: int
) -> PutUrl:
    """A fresh `putUrl` for the same upload (same uploadId, projectId and expiry)."""
    method = parse_upload_method(
        await object_client.createUpload(
            grant.object_name, create_upload_request(grant, content_type, size, None)
        )
    )
    if not isinstance(method, PutUrl):
        raise UploadError(f"renewing the upload URL of {grant.object_name!r} gave {method!r}")
    return method


async def _body_chunks(body: UploadSource, reader: BodyReader) -> AsyncIterator[bytes]:
    while chunk := reader.account(await _blocking(not body.in_memory, reader.read)):
        yield chunk


async def _put_with_retries(
    client: httpx.AsyncClient,
    renew: Callable[[], Awaitable[PutUrl]],
    method: PutUrl,
    body: UploadSource,
    budget: RetryBudget,
    progress: ProgressCallback | None,
) -> ContentHasher:
    while True:
        reader = await _blocking(not body.in_memory, lambda: body.body(progress))
        try:
            response = await client.put(
                method.url,
                content=_body_chunks(body, reader),
                headers=method.request_headers(body.size),
            )
            check_put_status(method.url, response.status_code)
            return reader.hasher
        except TRANSFER_ERRORS as error:
            delay = budget.next_delay(error, "PUT", method.url, url_expired=method.expired())
            if delay is None:
                raise UploadError(
                    f"uploading {body.description} failed after {budget.describe()}: {error}"
                ) from error
            if not body.restartable:
                raise UploadError(
                    f"uploading {body.description} failed ({error}) and cannot be retried: "
                    "the stream is not seekable; the artifact was not finished"
                ) from error
        await asyncio.sleep(delay)
        if method.expired():
            method = await renew()


# -- the simple artifact kinds ------------------------------------------------


async def create_reference_artifact_async(
    queue: AsyncQueueClient,
    *,
    task_id: str,
    run_id: int,
    name: str,
    url: str,
    content_type: str | None = None,
    expires: datetime | timedelta | None = None,
) -> None:
    """Make `name` redirect (303) to `url`; downloads only follow it when allowed."""
    payload = reference_artifact_request(
        url, content_type or guess_content_type(name, url), await _expires(queue, task_id, expires)
    )
    await queue.createArtifact(task_id, run_id, name, payload)


async def create_link_artifact_async(
    queue: AsyncQueueClient,
    *,
    task_id: str,
    run_id: int,
    name: str,
    target: str,
    content_type: str | None = None,
    expires: datetime | timedelta | None = None,
) -> None:
    """Make `name` an alias of the artifact `target` of the same task run."""
    payload = link_artifact_request(target, content_type, await _expires(queue, task_id, expires))
    await queue.createArtifact(task_id, run_id, name, payload)


async def create_error_artifact_async(
    queue: AsyncQueueClient,
    *,
    task_id: str,
    run_id: int,
    name: str,
    reason: ErrorReason,
    message: str,
    expires: datetime | timedelta | None = None,
) -> None:
    """Declare that `name` could not be produced; downloads raise `ArtifactUnavailableError`."""
    check_error_reason(reason)
    payload = error_artifact_request(reason, message, await _expires(queue, task_id, expires))
    await queue.createArtifact(task_id, run_id, name, payload)


# -- download ------------------------------------------------------------------


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
    sink = await asyncio.to_thread(open_download_sink, dest)
    try:
        if run_id is None:
            answer = await queue.latestArtifact(task_id, name)
        else:
            answer = await queue.artifact(task_id, run_id, name)
        plan = parse_artifact_content(name, answer, allow_reference=allow_reference)
        async with AsyncExitStack() as stack:
            client = await _storage_client(queue, http_client, stack)
            if isinstance(plan, UrlDownload):
                state = DownloadState(plan.url, sink, progress)
                await _get_with_retries(client, state, budget, None)
            else:
                factory = object_client_factory or default_async_object_factory(queue)
                object_client = factory(plan.credentials)
                stack.push_async_callback(object_client.close)
                await _download_object(client, object_client, name, plan, sink, progress, budget)
    except BaseException:
        await _blocking(sink.blocking, sink.discard)
        raise
    return await _blocking(sink.blocking, sink.result)


async def _download_object(
    client: httpx.AsyncClient,
    object_client: AsyncObjectClient,
    name: str,
    plan: ObjectDownload,
    sink: DownloadSink,
    progress: ProgressCallback | None,
    budget: RetryBudget,
) -> None:
    async def start() -> GetUrl:
        answer = await object_client.startDownload(plan.object_name, START_DOWNLOAD_REQUEST)
        return parse_start_download(answer)

    get_url = await start()
    state = DownloadState(get_url.url, sink, progress)
    get_url = await _get_with_retries(client, state, budget, (get_url, start))
    assert get_url is not None
    verify_hashes(name, get_url.hashes, state.hasher.hexdigests())


async def _get_with_retries(
    client: httpx.AsyncClient,
    state: DownloadState,
    budget: RetryBudget,
    signed: tuple[GetUrl, Callable[[], Awaitable[GetUrl]]] | None,
) -> GetUrl | None:
    """GET `state.url` into its sink; `signed` is an object service URL and how to renew it.

    Returns the object service URL last used (its hashes are the ones to check).
    """
    get_url, renew = signed if signed is not None else (None, None)
    blocking = state.sink.blocking
    while True:
        try:
            # Object service URLs must not redirect; s3 and reference URLs may.
            async with client.stream(
                "GET", state.url, headers=state.request_headers(), follow_redirects=get_url is None
            ) as response:
                await _blocking(
                    blocking, lambda: state.begin(response.status_code, response.headers)
                )
                async for chunk in response.aiter_bytes():
                    await _blocking(blocking, lambda chunk=chunk: state.sink.write(chunk))
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
        await asyncio.sleep(delay)
        if get_url is not None and renew is not None and get_url.expired():
            get_url = await renew()
            state.url = get_url.url
