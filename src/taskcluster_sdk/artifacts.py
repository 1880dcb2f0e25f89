"""Upload and download task artifacts: streamed, verified, sync and async.

```python
from pathlib import Path
from taskcluster_sdk import Queue
from taskcluster_sdk.artifacts import download_artifact, upload_artifact

queue = Queue.from_env()
upload_artifact(queue, task_id=task_id, run_id=0, name="public/build.tar.gz",
                source=Path("build.tar.gz"))
download_artifact(queue, task_id=task_id, name="public/build.tar.gz", dest=Path("out.tar.gz"))
```

`upload_artifact` creates an `object` artifact through the queue and the
object service; `create_reference_artifact`, `create_link_artifact` and
`create_error_artifact` create the other kinds. `download_artifact` handles
every kind a download can meet. The `*_async` functions take `AsyncQueue`.
"""

from __future__ import annotations

from ._artifacts import (
    DATA_INLINE_MAX_SIZE,
    ErrorReason,
    ObjectCredentials,
    ProgressCallback,
    UploadedArtifact,
)
from ._artifacts_async import (
    create_error_artifact_async,
    create_link_artifact_async,
    create_reference_artifact_async,
    download_artifact_async,
    upload_artifact_async,
)
from ._artifacts_clients import (
    AsyncObjectClient,
    AsyncObjectClientFactory,
    AsyncQueueClient,
    ObjectClient,
    ObjectClientFactory,
    QueueClient,
)
from ._artifacts_errors import (
    ArtifactError,
    ArtifactUnavailableError,
    DownloadError,
    HashMismatchError,
    ReferenceNotAllowedError,
    StorageHTTPError,
    UnknownStorageTypeError,
    UploadError,
)
from ._artifacts_io import DownloadDestination, UploadSourceInput
from ._artifacts_sync import (
    create_error_artifact,
    create_link_artifact,
    create_reference_artifact,
    download_artifact,
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
