"""Importing the modules generated code imports must not load httpx, pydantic or aiohttp."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

PROBE = """
import json, sys
import taskcluster_sdk._client, taskcluster_sdk._endpoint, taskcluster_sdk._urls
import taskcluster_sdk._pagination, taskcluster_sdk.errors
heavy = ["httpx", "pydantic", "aiohttp", "hashlib", "hmac"]
print(json.dumps([name for name in heavy if name in sys.modules]))
"""


def test_runtime_imports_are_light() -> None:
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        env={"PYTHONPATH": str(SRC), "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    assert json.loads(result.stdout) == []


def test_first_client_loads_the_machinery() -> None:
    probe = (
        "import sys\n"
        "from taskcluster_sdk._client import SyncClient\n"
        "from taskcluster_sdk._endpoint import ServiceInfo\n"
        "class Q(SyncClient):\n"
        "    _service = ServiceInfo('queue', 'v1')\n"
        "Q(root_url='https://tc.example.com')\n"
        "print('httpx' in sys.modules)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe],
        env={"PYTHONPATH": str(SRC), "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.strip() == "True"
