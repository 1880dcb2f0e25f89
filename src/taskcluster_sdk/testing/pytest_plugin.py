"""The pytest plugin of `taskcluster_sdk.testing`: the `fake_taskcluster` fixture.

Registered through the `pytest11` entry point, so it is there wherever
taskcluster-sdk is installed; it only adds a fixture and a marker (nothing
runs unless a test asks for the fixture) and imports nothing of the fake
until then. Disable it with `-p no:taskcluster_sdk`.

```python
def test_decision(fake_taskcluster):
    fake_taskcluster.queue.createTask.handle(lambda call: ...)
    run_my_decision_task()              # Queue.from_env() reaches the fake
```

Options come from the `taskcluster_fake` marker, passed to `FakeTaskcluster`
(`@pytest.mark.taskcluster_fake(stateful=True, check_auth=True)`), plus
`strict=False` to allow unanswered calls (by default a method that answered
501 fails the test at teardown).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from taskcluster_sdk.testing import FakeTaskcluster

__all__ = ["fake_taskcluster"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "taskcluster_fake(stateful=False, check_auth=False, anonymous_scopes=(), pulse_url=None, "
        "queue_exchange_prefix=None, strict=True): options of the fake_taskcluster fixture",
    )


@pytest.fixture
def fake_taskcluster(
    request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeTaskcluster]:
    """A started `FakeTaskcluster` on 127.0.0.1, with `TASKCLUSTER_*` pointing at it.

    `TASKCLUSTER_ROOT_URL` is the fake; the client id, access token,
    certificate and proxy URL are emptied, so `from_env()` clients reach the
    fake unsigned (your own credentials never leak into a test).
    """
    from taskcluster_sdk.testing import FakeTaskcluster  # noqa: PLC0415 -- loaded when used

    marker = request.node.get_closest_marker("taskcluster_fake")
    options: dict[str, Any] = dict(marker.kwargs) if marker is not None else {}
    strict = bool(options.pop("strict", True))
    with FakeTaskcluster(**options) as fake:
        for name, value in fake.environ().items():
            monkeypatch.setenv(name, value)
        yield fake
        if strict:
            fake.check()
