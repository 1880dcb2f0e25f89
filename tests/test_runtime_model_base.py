"""The runtime's model bases (`_model`) as generated models use them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from taskcluster_sdk.models.queue import Task

SRC = Path(__file__).resolve().parents[1] / "src"


def test_a_missing_datetime_dumps_as_null() -> None:
    # Lenient parsing reads a missing required datetime as None; dumping the
    # model to JSON must not fail on it.
    task = Task.model_validate_json(b'{"created": "2026-12-01T22:42:36.602+01:00"}')
    dumped = json.loads(task.model_dump_json())
    assert dumped["created"] == "2026-12-01T21:42:36.602Z"
    assert dumped["deadline"] is None


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
