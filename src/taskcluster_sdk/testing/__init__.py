"""Typed fakes of a Taskcluster deployment, for your own tests.

```python
from taskcluster_sdk import Queue
from taskcluster_sdk.models.queue import Task
from taskcluster_sdk.testing import FakeTaskcluster

with FakeTaskcluster() as tc:
    tc.queue.task.returns(Task(...))
    Queue(root_url=tc.root_url).task("abc")
    assert tc.queue.task.last_call.taskId == "abc"
```

`FakeTaskcluster` serves every service of the references on 127.0.0.1
(or in process: `tc.http_client()`), with one typed `FakeMethod` per API
method generated from the same references as the clients
(`taskcluster_sdk.testing.services`). `stateful=True` adds a small queue
and object service; `check_auth=True` checks Hawk (needs the `testing`
extra: `pip install taskcluster-sdk[testing]`). The pytest plugin gives the
`fake_taskcluster` fixture. `import taskcluster_sdk` never imports this package.
"""

from ._core import FakeAPIError, FakeCall, FakeMethod, FakeService, ReceivedRequest, Reply
from ._deployment import FakeTaskcluster, UnansweredCallError

__all__ = [
    "FakeAPIError",
    "FakeCall",
    "FakeMethod",
    "FakeService",
    "FakeTaskcluster",
    "ReceivedRequest",
    "Reply",
    "UnansweredCallError",
]
