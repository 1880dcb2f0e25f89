"""Creating artifacts: `object` uploads (streamed, hashed, retried) and the simple kinds.

Written once, async, here; `sync_upload.py` is generated from it by
`nox -s generate` with unasync (see `codegen/twins.py`). Local file reads
run in a worker thread under asyncio (`AsyncIO.run_blocking`) so a large
upload does not block the event loop; progress callbacks run on the loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from contextlib import AsyncExitStack
from datetime import datetime, timedelta
from typing import Any

import httpx

from .._concurrency import AsyncIO
from .._errors import BadRequestError, PermissionDeniedError, ServerError
from .._errors import ConnectionError as TaskclusterConnectionError
from .._errors import TimeoutError as TaskclusterTimeoutError
from .async_clients import (
    AsyncObjectClient,
    AsyncObjectClientFactory,
    AsyncQueueClient,
    default_async_object_factory,
    storage_client,
)
from .content import ContentHasher, ProgressCallback, guess_content_type, resolve_expires
from .errors import FinishArtifactError, StorageHTTPError, UploadError
from .expiry import PROBE_EXPIRES, TASK_EXPIRIES, task_expires, task_expiry_from_refusal
from .local import BodyReader, UploadSource, UploadSourceInput, open_upload_source
from .protocol import (
    ErrorReason,
    ObjectUploadGrant,
    PutUrl,
    UploadedArtifact,
    create_upload_request,
    error_artifact_request,
    finish_artifact_request,
    finish_upload_request,
    link_artifact_request,
    object_artifact_request,
    parse_upload_grant,
    parse_upload_method,
    reference_artifact_request,
)
from .settings import retry_budget, storage_timeout
from .transfer import ERROR_BODY_LIMIT, TRANSFER_ERRORS, RetryBudget, storage_error, successful

__all__ = [
    "create_error_artifact_async",
    "create_link_artifact_async",
    "create_reference_artifact_async",
    "upload_artifact_async",
]


async def _create_artifact(
    queue: AsyncQueueClient,
    task_id: str,
    run_id: int,
    name: str,
    request: Mapping[str, Any],
    expires: datetime | timedelta | str | None,
) -> object:
    """`queue.createArtifact` with `expires`, by default the task's (see `expiry`)."""
    if expires is not None:
        payload = {**request, "expires": resolve_expires(expires)}
        return await queue.createArtifact(task_id, run_id, name, payload)
    known = TASK_EXPIRIES.get(queue, task_id)
    if known is None:
        known = await _read_task_expiry(queue, task_id)
    if known is None:
        try:
            probe = {**request, "expires": PROBE_EXPIRES}
            # A task outliving the probe (none does) takes the artifact as asked.
            return await queue.createArtifact(task_id, run_id, name, probe)
        except BadRequestError as error:
            known = task_expiry_from_refusal(error)
            if known is None:
                raise
    TASK_EXPIRIES.put(queue, task_id, known)
    return await queue.createArtifact(task_id, run_id, name, {**request, "expires": known})


async def _read_task_expiry(queue: AsyncQueueClient, task_id: str) -> str | None:
    """The task's expiry, or None when the caller may not read the task."""
    try:
        task = await queue.task(task_id)
    except PermissionDeniedError:
        return None
    return task_expires(task)


async def upload_artifact_async(
    queue: AsyncQueueClient,
    *,
    task_id: str,
    run_id: int,
    name: str,
    source: UploadSourceInput,
    content_type: str | None = None,
    expires: datetime | timedelta | str | None = None,
    size: int | None = None,
    progress: ProgressCallback | None = None,
    max_retries: int | None = None,
    object_client_factory: AsyncObjectClientFactory | None = None,
    http_client: httpx.AsyncClient | None = None,
) -> UploadedArtifact:
    """Upload `source` as the `object` artifact `name` of run `run_id` of task `task_id`.

    `source` is a `pathlib.Path` (streamed from disk), bytes, or a binary
    stream (read from its current position; `size` is required when it is
    not seekable). `content_type` defaults to a guess from `name`.
    `expires` is an aware datetime, a delay from now or an ISO 8601 string
    (a worker passes `claim.task.expires`); it defaults to the task's
    expiry, learned without any scope beyond `queue:create-artifact`
    (claim credentials suffice; see the README). `progress(bytes_sent,
    total)` is called as the body goes out. A failed PUT is retried from
    the first byte with the runtime's backoff (`max_retries`, default the
    queue client's), with a fresh URL when the old one went stale; a
    non-seekable stream cannot be sent twice, so its failure raises
    `UploadError`. The artifact is only finished once storage accepted
    every byte; if the queue then fails to confirm it (a server error
    after its retries), `FinishArtifactError` says so.
    The object service client and storage transfers use the queue client's
    `http_client` when it was made with one (storage only an httpx one);
    `http_client=` (storage) and `object_client_factory=` override it.
    """
    async with AsyncExitStack() as stack:
        body = await AsyncIO.run_blocking(True, lambda: open_upload_source(source, size))
        stack.callback(body.close)
        content_type = content_type or guess_content_type(name, body.path)
        answer = await _create_artifact(
            queue, task_id, run_id, name, object_artifact_request(content_type), expires
        )
        grant = parse_upload_grant(answer)
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
                storage_timeout(queue),
                object_client,
                grant,
                content_type,
                method,
                body,
                retry_budget(queue, max_retries),
                progress,
            )
        hashes = await AsyncIO.run_blocking(hasher.threaded, hasher.hexdigests)
        await object_client.finishUpload(grant.object_name, finish_upload_request(grant, hashes))
        try:
            await queue.finishArtifact(task_id, run_id, name, finish_artifact_request(grant))
        except (ServerError, TaskclusterConnectionError, TaskclusterTimeoutError) as error:
            # The queue client already retried; what the queue recorded is unknown.
            raise FinishArtifactError(name, grant.upload_id, str(error)) from error
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
    timeout: httpx.Timeout,
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
                # the queue client's limit, on an injected client too (as for API calls)
                timeout=timeout,
            )
            if not successful("PUT", response.status_code):
                error_body = response.content[:ERROR_BODY_LIMIT]
                raise storage_error("PUT", method.url, response.status_code, error_body)
            return reader.hasher
        except TRANSFER_ERRORS as error:
            # Stale: past its stated expiry, or refused as expired before it.
            stale = method.expired() or (
                isinstance(error, StorageHTTPError) and error.signature_expired
            )
            delay = budget.next_delay(error, "PUT", method.url, url_expired=stale)
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
        if stale or method.expired():
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
    expires: datetime | timedelta | str | None = None,
) -> None:
    """Make `name` redirect (303) to `url`; downloads only follow it when allowed.

    `expires` is as for `upload_artifact_async` (by default the task's).
    """
    request = reference_artifact_request(url, content_type or guess_content_type(name, url))
    await _create_artifact(queue, task_id, run_id, name, request, expires)


async def create_link_artifact_async(
    queue: AsyncQueueClient,
    *,
    task_id: str,
    run_id: int,
    name: str,
    target: str,
    content_type: str | None = None,
    expires: datetime | timedelta | str | None = None,
) -> None:
    """Make `name` an alias of the artifact `target` of the same task run.

    `expires` is as for `upload_artifact_async` (by default the task's).
    """
    request = link_artifact_request(target, content_type)
    await _create_artifact(queue, task_id, run_id, name, request, expires)


async def create_error_artifact_async(
    queue: AsyncQueueClient,
    *,
    task_id: str,
    run_id: int,
    name: str,
    reason: ErrorReason,
    message: str,
    expires: datetime | timedelta | str | None = None,
) -> None:
    """Declare that `name` could not be produced; downloads raise `ArtifactUnavailableError`.

    `expires` is as for `upload_artifact_async` (by default the task's).
    """
    request = error_artifact_request(reason, message)
    await _create_artifact(queue, task_id, run_id, name, request, expires)
