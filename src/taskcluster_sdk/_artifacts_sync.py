"""Artifact upload and download with blocking I/O (mirrored by `_artifacts_async`)."""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from contextlib import ExitStack
from datetime import datetime, timedelta
from pathlib import Path
from typing import BinaryIO, overload

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
from ._artifacts_clients import ObjectClient, ObjectClientFactory, QueueClient
from ._artifacts_defaults import (
    default_object_factory,
    retry_budget,
    storage_timeout,
)
from ._artifacts_errors import DownloadError, UploadError, redact_url
from ._artifacts_io import (
    DownloadDestination,
    DownloadSink,
    UploadSource,
    UploadSourceInput,
    open_download_sink,
    open_upload_source,
)
from ._artifacts_transfer import TRANSFER_ERRORS, DownloadState, RetryBudget, check_put_status

__all__ = [
    "create_error_artifact",
    "create_link_artifact",
    "create_reference_artifact",
    "download_artifact",
    "upload_artifact",
]


def _expires(queue: QueueClient, task_id: str, expires: datetime | timedelta | None) -> str:
    if expires is None:
        return task_expires(queue.task(task_id))
    return resolve_expires(expires)


def _storage_client(
    queue: QueueClient, given: httpx.Client | None, stack: ExitStack
) -> httpx.Client:
    """Storage URLs are pre-signed: a plain client, never the queue's Hawk-signing one."""
    if given is not None:
        return given
    return stack.enter_context(httpx.Client(timeout=storage_timeout(queue)))


# -- upload --------------------------------------------------------------------


def upload_artifact(
    queue: QueueClient,
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
    object_client_factory: ObjectClientFactory | None = None,
    http_client: httpx.Client | None = None,
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
    with ExitStack() as stack:
        body = open_upload_source(source, size)
        stack.callback(body.close)
        content_type = content_type or guess_content_type(name, body.path)
        grant = parse_upload_grant(
            queue.createArtifact(
                task_id,
                run_id,
                name,
                object_artifact_request(content_type, _expires(queue, task_id, expires), body.size),
            )
        )
        factory = object_client_factory or default_object_factory(queue)
        object_client = factory(grant.credentials)
        stack.callback(object_client.close)
        inline_data = body.read_inline()
        method = parse_upload_method(
            object_client.createUpload(
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
            hasher = _put_with_retries(
                _storage_client(queue, http_client, stack),
                lambda: _renew_put_url(object_client, grant, content_type, body.size),
                method,
                body,
                budget,
                progress,
            )
        hashes = hasher.hexdigests()
        object_client.finishUpload(grant.object_name, finish_upload_request(grant, hashes))
        queue.finishArtifact(task_id, run_id, name, finish_artifact_request(grant))
        return UploadedArtifact(
            name=name,
            content_type=content_type,
            size=body.size,
            sha256=hashes["sha256"],
            sha512=hashes["sha512"],
            expires=grant.expires,
            upload_method="dataInline" if method == "dataInline" else "putUrl",
        )


def _renew_put_url(
    object_client: ObjectClient, grant: ObjectUploadGrant, content_type: str, size: int
) -> PutUrl:
    """A fresh `putUrl` for the same upload (same uploadId, projectId and expiry)."""
    method = parse_upload_method(
        object_client.createUpload(
            grant.object_name, create_upload_request(grant, content_type, size, None)
        )
    )
    if not isinstance(method, PutUrl):
        raise UploadError(f"renewing the upload URL of {grant.object_name!r} gave {method!r}")
    return method


def _put_with_retries(
    client: httpx.Client,
    renew: Callable[[], PutUrl],
    method: PutUrl,
    body: UploadSource,
    budget: RetryBudget,
    progress: ProgressCallback | None,
) -> ContentHasher:
    while True:
        reader = body.body(progress)
        try:
            response = client.put(
                method.url,
                content=iter(reader.next_chunk, b""),
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
        time.sleep(delay)
        if method.expired():
            method = renew()


# -- the simple artifact kinds ------------------------------------------------


def create_reference_artifact(
    queue: QueueClient,
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
        url, content_type or guess_content_type(name, url), _expires(queue, task_id, expires)
    )
    queue.createArtifact(task_id, run_id, name, payload)


def create_link_artifact(
    queue: QueueClient,
    *,
    task_id: str,
    run_id: int,
    name: str,
    target: str,
    content_type: str | None = None,
    expires: datetime | timedelta | None = None,
) -> None:
    """Make `name` an alias of the artifact `target` of the same task run."""
    payload = link_artifact_request(target, content_type, _expires(queue, task_id, expires))
    queue.createArtifact(task_id, run_id, name, payload)


def create_error_artifact(
    queue: QueueClient,
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
    payload = error_artifact_request(reason, message, _expires(queue, task_id, expires))
    queue.createArtifact(task_id, run_id, name, payload)


# -- download ------------------------------------------------------------------


@overload
def download_artifact(
    queue: QueueClient,
    *,
    task_id: str,
    name: str,
    run_id: int | None = None,
    dest: None = None,
    allow_reference: bool = False,
    progress: ProgressCallback | None = None,
    max_retries: int | None = None,
    object_client_factory: ObjectClientFactory | None = None,
    http_client: httpx.Client | None = None,
) -> bytes: ...
@overload
def download_artifact(
    queue: QueueClient,
    *,
    task_id: str,
    name: str,
    run_id: int | None = None,
    dest: str | os.PathLike[str],
    allow_reference: bool = False,
    progress: ProgressCallback | None = None,
    max_retries: int | None = None,
    object_client_factory: ObjectClientFactory | None = None,
    http_client: httpx.Client | None = None,
) -> Path: ...
@overload
def download_artifact(
    queue: QueueClient,
    *,
    task_id: str,
    name: str,
    run_id: int | None = None,
    dest: BinaryIO,
    allow_reference: bool = False,
    progress: ProgressCallback | None = None,
    max_retries: int | None = None,
    object_client_factory: ObjectClientFactory | None = None,
    http_client: httpx.Client | None = None,
) -> int: ...
def download_artifact(
    queue: QueueClient,
    *,
    task_id: str,
    name: str,
    run_id: int | None = None,
    dest: DownloadDestination = None,
    allow_reference: bool = False,
    progress: ProgressCallback | None = None,
    max_retries: int | None = None,
    object_client_factory: ObjectClientFactory | None = None,
    http_client: httpx.Client | None = None,
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
    sink = open_download_sink(dest)
    try:
        if run_id is None:
            answer = queue.latestArtifact(task_id, name)
        else:
            answer = queue.artifact(task_id, run_id, name)
        plan = parse_artifact_content(name, answer, allow_reference=allow_reference)
        with ExitStack() as stack:
            client = _storage_client(queue, http_client, stack)
            if isinstance(plan, UrlDownload):
                _get_with_retries(client, DownloadState(plan.url, sink, progress), budget, None)
            else:
                object_client = (object_client_factory or default_object_factory(queue))(
                    plan.credentials
                )
                stack.callback(object_client.close)
                _download_object(client, object_client, name, plan, sink, progress, budget)
    except BaseException:
        sink.discard()
        raise
    return sink.result()


def _download_object(
    client: httpx.Client,
    object_client: ObjectClient,
    name: str,
    plan: ObjectDownload,
    sink: DownloadSink,
    progress: ProgressCallback | None,
    budget: RetryBudget,
) -> None:
    def start() -> GetUrl:
        answer = object_client.startDownload(plan.object_name, START_DOWNLOAD_REQUEST)
        return parse_start_download(answer)

    get_url = start()
    state = DownloadState(get_url.url, sink, progress)
    get_url = _get_with_retries(client, state, budget, (get_url, start))
    assert get_url is not None
    verify_hashes(name, get_url.hashes, state.hasher.hexdigests())


def _get_with_retries(
    client: httpx.Client,
    state: DownloadState,
    budget: RetryBudget,
    signed: tuple[GetUrl, Callable[[], GetUrl]] | None,
) -> GetUrl | None:
    """GET `state.url` into its sink; `signed` is an object service URL and how to renew it.

    Returns the object service URL last used (its hashes are the ones to check).
    """
    get_url, renew = signed if signed is not None else (None, None)
    while True:
        try:
            # Object service URLs must not redirect; s3 and reference URLs may.
            with client.stream(
                "GET", state.url, headers=state.request_headers(), follow_redirects=get_url is None
            ) as response:
                state.begin(response.status_code, response.headers)
                for chunk in response.iter_bytes():
                    state.write(chunk)
            return get_url
        except TRANSFER_ERRORS as error:
            expired = get_url is not None and get_url.expired()
            delay = budget.next_delay(error, "GET", state.url, url_expired=expired)
            if delay is None:
                raise DownloadError(
                    f"downloading from {redact_url(state.url)} failed after "
                    f"{budget.describe()}: {error}"
                ) from error
        time.sleep(delay)
        if get_url is not None and renew is not None and get_url.expired():
            get_url = renew()
            state.url = get_url.url
