"""Artifact upload and download: the implementation behind `taskcluster_sdk.artifacts`.

    errors.py          ArtifactError and its subclasses
    content.py         chunking, content types, hashes, timestamps (no I/O)
    protocol.py        queue / object service payloads and answers (no I/O)
    expiry.py          the default expiry: the task's, learned without extra scopes (no I/O)
    settings.py        what the helpers take from the queue client (retries, timeouts)
    local.py           upload sources and download sinks (local, blocking I/O)
    transfer.py        storage transfer decisions: retries, resume, ranges (no I/O)
    async_clients.py   the client protocols and the object client factory (source)
    async_upload.py    upload_artifact_async and the simple kinds (source)
    async_download.py  download_artifact_async (source)
    sync_*.py          generated from the async_*.py sources -- do not edit

Every fix is made once: in the plain modules, or in an `async_*.py` source
(then `nox -s generate` rewrites its sync twin).
"""

from .async_clients import AsyncObjectClient, AsyncObjectClientFactory, AsyncQueueClient
from .async_download import download_artifact_async
from .async_upload import (
    create_error_artifact_async,
    create_link_artifact_async,
    create_reference_artifact_async,
    upload_artifact_async,
)
from .content import DATA_INLINE_MAX_SIZE, ProgressCallback
from .errors import (
    ArtifactError,
    ArtifactUnavailableError,
    DownloadError,
    FinishArtifactError,
    HashMismatchError,
    ReferenceNotAllowedError,
    StorageHTTPError,
    UnknownStorageTypeError,
    UploadError,
)
from .local import DownloadDestination, UploadSourceInput
from .protocol import ErrorReason, ObjectCredentials, UploadedArtifact
from .sync_clients import ObjectClient, ObjectClientFactory, QueueClient
from .sync_download import download_artifact
from .sync_upload import (
    create_error_artifact,
    create_link_artifact,
    create_reference_artifact,
    upload_artifact,
)

__all__ = [
    "DATA_INLINE_MAX_SIZE",
    "ArtifactError",
    "ArtifactUnavailableError",
    "AsyncObjectClient",
    "AsyncObjectClientFactory",
    "AsyncQueueClient",
    "DownloadDestination",
    "DownloadError",
    "ErrorReason",
    "FinishArtifactError",
    "HashMismatchError",
    "ObjectClient",
    "ObjectClientFactory",
    "ObjectCredentials",
    "ProgressCallback",
    "QueueClient",
    "ReferenceNotAllowedError",
    "StorageHTTPError",
    "UnknownStorageTypeError",
    "UploadError",
    "UploadSourceInput",
    "UploadedArtifact",
    "create_error_artifact",
    "create_error_artifact_async",
    "create_link_artifact",
    "create_link_artifact_async",
    "create_reference_artifact",
    "create_reference_artifact_async",
    "download_artifact",
    "download_artifact_async",
    "upload_artifact",
    "upload_artifact_async",
]
