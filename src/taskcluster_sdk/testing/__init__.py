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
(`taskcluster_sdk.testing.services`; the 2014 platform's in
`taskcluster_sdk.testing.legacy`, as `tc.legacy.queue` at
`tc.legacy_base_url("queue")`). `stateful=True` adds a small queue
and object service; `check_auth=True` checks Hawk (needs the `testing`
extra: `pip install taskcluster-sdk[testing]`). The pytest plugin gives the
`fake_taskcluster` fixture. `import taskcluster_sdk` never imports this package.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ._core import FakeCall, FakeMethod, FakeService, UnknownServiceError
    from ._deployment import FakeTaskcluster, UnansweredCallError
    from ._http import FakeAPIError, ReceivedRequest, Reply
    from ._pulse import BindingPublisher, FakePulse
    from ._queue import QueueState, StoredArtifact

__all__ = [
    "BindingPublisher",
    "FakeAPIError",
    "FakeCall",
    "FakeMethod",
    "FakePulse",
    "FakeService",
    "FakeTaskcluster",
    "QueueState",
    "ReceivedRequest",
    "Reply",
    "StoredArtifact",
    "UnansweredCallError",
    "UnknownServiceError",
]

# Loaded on first use, so the pytest plugin (which imports this package) costs nothing.
_HOMES = {
    "FakeAPIError": "_http",
    "FakeCall": "_core",
    "FakeMethod": "_core",
    "FakeService": "_core",
    "UnknownServiceError": "_core",
    "ReceivedRequest": "_http",
    "Reply": "_http",
    "FakeTaskcluster": "_deployment",
    "UnansweredCallError": "_deployment",
    "BindingPublisher": "_pulse",
    "FakePulse": "_pulse",
    "QueueState": "_queue",
    "StoredArtifact": "_queue",
}


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f"{__name__}.{home}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
