"""The runtime's model bases (`_model`) as generated models use them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from taskcluster_sdk.errors import MissingFieldError
from taskcluster_sdk.models.queue import Task, TaskStatus

SRC = Path(__file__).resolve().parents[1] / "src"


def test_a_missing_datetime_dumps_as_absent_and_raises_when_read() -> None:
    # A required datetime the answer left out: dumping to JSON must not fail
    # on it and gives back what the server sent; reading it names it.
    task = Task.model_validate_json(b'{"created": "2026-12-01T22:42:36.602+01:00"}')
    dumped = json.loads(task.model_dump_json())
    assert dumped["created"] == "2026-12-01T21:42:36.602Z"
    assert "deadline" not in dumped
    with pytest.raises(MissingFieldError, match="deadline"):
        _ = task.deadline


def test_a_null_optional_datetime_dumps_as_null() -> None:
    status = TaskStatus.model_validate_json(
        b'{"taskId": "t", "runs": [{"runId": 0, "resolved": null}]}'
    )
    dumped = json.loads(status.model_dump_json())
    assert dumped["runs"][0]["resolved"] is None


def test_object_models_do_not_load_the_root_model_machinery() -> None:
    probe = (
        "import sys\n"
        "from taskcluster_sdk.models.queue import Task\n"
        "Task.model_validate({'taskGroupId': 'g'})\n"
        "print('taskcluster_sdk._root_model' in sys.modules, 'pydantic.root_model' in sys.modules)\n"
        "from taskcluster_sdk._model import TaskclusterListModel\n"
        "print(TaskclusterListModel.__module__)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PYTHONPATH": str(SRC), "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == ["False", "False", "taskcluster_sdk._root_model"]
