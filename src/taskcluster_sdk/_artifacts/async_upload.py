"""Creating artifacts: `object` uploads (streamed, hashed, retried) and the simple kinds.

Written once, async, here; `sync_upload.py` is generated from it by
`nox -s generate` with unasync (see `codegen/twins.py`). Local file reads
run in a worker thread under asyncio (`AsyncIO.run_blocking`) so a large
upload does not block the event loop; progress callbacks run on the loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import datetime, timedelta

import httpx

from .._concurrency import AsyncIO
from .async_clients import (
    AsyncObjectClient,
    AsyncObjectClientFactory,
    AsyncQueueClient,
    default_async_object_factory,
    storage_client,
)
from .content import ContentHasher, ProgressCallback, guess_content_type, resolve_expires
from .errors import UploadError
from .local import BodyReader, UploadSource, UploadSourceInput, open_upload_source
from .protocol import (
    ErrorReason,
    ObjectUploadGrant,
    PutUrl,
    UploadedArtifact,
    check_error_reason,
    create_upload_request,
    error_artifact_request,
    finish_artifact_request,
    finish_upload_request,
    link_artifact_request,
    object_artifact_request,
    parse_upload_grant,
    parse_upload_method,
    reference_artifact_request,
    task_expires,
)
from .settings import retry_budget
from .transfer import TRANSFER_ERRORS, RetryBudget, check_put_status

__all__ = [
    "create_error_artifact_async",
    "create_link_artifact_async",
    "create_reference_artifact_async",
    "upload_artifact_async",
]


async def _expires(
    queue: AsyncQueueClient, task_id: str, expires: datetime | timedelta | None
) -> str:
    if expires is None:
        return task_expires(await queue.task(task_id))
    return resolve_expires(expires)


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
        body = await AsyncIO.run_blocking(True, lambda: open_upload_source(source, size))
        stack.callback(body.close)
        content_type = content_type or guess_content_type(name, body.path)
        request = object_artifact_request(
            content_type, await _expires(queue, task_id, expires), body.size
        )
        grant = parse_upload_grant(await queue.createArtifact(task_id, run_id, name, request))
        factory = object_client_factory or default_async_object_factory(queue)
        object_client = factory(grant.credentials)
        stack.push_async_callback(object_client.close)
        inline_data = await AsyncIO.run_blocking(not body.in_memory, body.read_inline)
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
            hasher = await _put_with_retries(
                await storage_client(queue, http_client, stack),
                object_client,
                grant,
                content_type,
                method,
                body,
                retry_budget(queue, max_retries),
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
    while chunk := reader.account(await AsyncIO.run_blocking(not body.in_memory, reader.read)):
        yield chunk


async def _put_with_retries(
    client: httpx.AsyncClient,
    object_client: AsyncObjectClient,
    grant: ObjectUploadGrant,
    content_type: str,
    method: PutUrl,
    body: UploadSource,
    budget: RetryBudget,
    progress: ProgressCallback | None,
) -> ContentHasher:
    while True:
        reader = await AsyncIO.run_blocking(not body.in_memory, lambda: body.body(progress))
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
        await AsyncIO.sleep(delay)
        if method.expired():
            method = await _renew_put_url(object_client, grant, content_type, body.size)


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
