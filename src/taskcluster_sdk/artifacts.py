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

A worker's claim credentials are enough for every helper: without
`expires=` an artifact expires with its task, learned without
`queue:get-task` (see the README, "Artifacts").
"""

from __future__ import annotations

from . import _artifacts
from ._artifacts import *  # noqa: F403

# The surface is the implementation package's `__all__` (a form type checkers follow).
__all__: list[str] = []
__all__ += _artifacts.__all__
