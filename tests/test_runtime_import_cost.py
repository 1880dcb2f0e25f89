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


def _output(script: str) -> str:
    """What `script` prints in a fresh interpreter that has only `src/` on its path."""
    result = subprocess.run(
        [sys.executable, "-c", script],
        env={"PYTHONPATH": str(SRC), "PATH": ""},
        capture_output=True,
        text=True,
        check=True,
    )
    return result.stdout


def test_runtime_imports_are_light() -> None:
    assert json.loads(_output(PROBE)) == []


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
    assert _output(probe).strip() == "True"


def _loaded_after(script: str) -> set[str]:
    names = json.loads(
        _output(script + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n")
    )
    return {name.partition(".")[0] for name in names} | set(names)


def test_a_sync_script_loads_no_asyncio_and_one_model_module() -> None:
    # What a one-call sync script loads: no event loop machinery, no aiohttp,
    # and of the queue's ~60 model modules only `Task`'s (and `TaskMetadata`'s).
    loaded = _loaded_after(
        "from taskcluster_sdk import Queue\n"
        "queue = Queue(root_url='http://127.0.0.1:9')\n"
        "from taskcluster_sdk.models.queue import Task\n"
        "Task.model_validate({'taskGroupId': 'x'})\n"
    )
    assert "httpx" in loaded  # the sync client is made
    assert not loaded & {"asyncio", "aiohttp", "taskcluster_sdk._transport.async_engine"}
    models = sorted(name for name in loaded if name.startswith("taskcluster_sdk.models.queue."))
    assert models == [
        "taskcluster_sdk.models.queue.task",
        "taskcluster_sdk.models.queue.task_metadata",
    ]


def test_an_async_script_on_the_default_sender_loads_no_httpx() -> None:
    loaded = _loaded_after(
        "import asyncio\n"
        "from taskcluster_sdk import AsyncQueue\n"
        "async def main():\n"
        "    queue = AsyncQueue(root_url='http://127.0.0.1:9')\n"
        "    await queue.aclose()\n"
        "asyncio.run(main())\n"
    )
    assert "taskcluster_sdk._transport.async_engine" in loaded
    assert not loaded & {"httpx", "taskcluster_sdk._transport.sync_engine"}


def test_a_client_loads_no_ca_bundle_until_a_tls_handshake() -> None:
    # Loading certifi's bundle is ~50 ms; an http:// root URL (the
    # taskcluster-proxy) never needs it. The first handshake loads it.
    probe = (
        "import ssl\n"
        "from taskcluster_sdk import Queue\n"
        "from taskcluster_sdk._transport.tls import shared_tls_context\n"
        "Queue(root_url='http://127.0.0.1:9')\n"
        "Queue(root_url='https://tc.example.com')\n"
        "context = shared_tls_context()\n"
        "before = context.cert_store_stats()['x509_ca']\n"
        "context.wrap_bio(ssl.MemoryBIO(), ssl.MemoryBIO(), server_hostname='tc.example.com')\n"
        "print(before, context.cert_store_stats()['x509_ca'] > 0, context.verify_mode == ssl.CERT_REQUIRED,"
        " context.check_hostname)\n"
    )
    assert _output(probe).split() == ["0", "True", "True", "True"]


def test_building_model_validators_never_runs_the_tokenizer() -> None:
    """pydantic asks each `default_factory` for its signature; a builtin's runs `tokenize`.

    Its first use compiles a large regex (~1.4 ms of a one-call script): the
    generated models use `empty_list` / `empty_dict` instead of `list` / `dict`.
    """
    probe = (
        "import re, tokenize\n"
        "from taskcluster_sdk.models.queue import ListTaskGroupResponse, TaskDefinitionAndStatus\n"
        "from taskcluster_sdk.models.auth import ListClientsResponse\n"
        "for model in (ListTaskGroupResponse, TaskDefinitionAndStatus, ListClientsResponse):\n"
        "    model.model_validate({})\n"
        "print(any(key[1] == tokenize.PseudoToken for key in re._cache))\n"
    )
    assert _output(probe).strip() == "False"
