"""The pytest plugin, run as a user runs it: in a separate pytest, from the entry point.

The README's pytest example is one of the programs run here, so it stays true.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

README = Path(__file__).resolve().parent.parent / "README.md"


def readme_example() -> str:
    blocks = re.findall(r"```python\n(# test_decision\.py.*?)```", README.read_text(), re.S)
    assert len(blocks) == 1
    return blocks[0]


def test_the_readme_example_passes(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(test_decision=readme_example())
    result = pytester.runpytest_subprocess("-q")
    result.assert_outcomes(passed=1)


def test_fixture_environment_markers_and_strictness(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_user="""
import os
import pytest
from taskcluster_sdk import Queue
from taskcluster_sdk.errors import ServerError

def test_environment(fake_taskcluster):
    assert os.environ["TASKCLUSTER_ROOT_URL"] == fake_taskcluster.root_url
    assert os.environ["TASKCLUSTER_CLIENT_ID"] == ""
    fake_taskcluster.queue.ping.returns(None)
    Queue.from_env().ping()
    assert len(fake_taskcluster.queue.ping.calls) == 1

def test_unanswered_fails_at_teardown(fake_taskcluster):
    with pytest.raises(ServerError):
        Queue.from_env(max_retries=0).ping()

@pytest.mark.taskcluster_fake(strict=False)
def test_not_strict(fake_taskcluster):
    with pytest.raises(ServerError):
        Queue.from_env(max_retries=0).ping()

@pytest.mark.taskcluster_fake(stateful=True)
def test_stateful(fake_taskcluster):
    assert fake_taskcluster.state.task_ids() == []
"""
    )
    monkeypatch = pytest.MonkeyPatch()
    monkeypatch.setenv("TASKCLUSTER_CLIENT_ID", "my-own-client")
    try:
        result = pytester.runpytest_subprocess("-q")
    finally:
        monkeypatch.undo()
    result.assert_outcomes(passed=4, errors=1)
    result.stdout.fnmatch_lines(["*UnansweredCallError: queue.ping was called but has no answer*"])


def test_the_plugin_can_be_disabled_and_is_cheap_to_load(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_other="""
import sys

def test_nothing_loaded():
    assert not any(m.startswith("taskcluster_sdk.testing.") and m != "taskcluster_sdk.testing.pytest_plugin" for m in sys.modules)
    assert "taskcluster_sdk.testing._deployment" not in sys.modules
"""
    )
    assert pytester.runpytest_subprocess("-q").ret == 0
    disabled = pytester.runpytest_subprocess("-q", "-p", "no:taskcluster_sdk", "--fixtures")
    assert "fake_taskcluster" not in disabled.stdout.str()
