"""Figure 1: a cold one-call script, the shape of most Taskcluster Python code.

Decision tasks, cron jobs, CI steps and CLIs start, import the client, make
one client and a handful of calls, and exit. Each round starts a fresh
interpreter that imports the SDK, makes one client, makes one Hawk-signed
`Queue.task` call against the loopback queue, checks the answer and exits;
the whole process is timed, wall clock and CPU (user + system). Sync and
async, against the official client doing the same and against a floor of
the standard library alone (`http.client` / asyncio streams, the floor's
Hawk signer, `json.loads`): the part no HTTP library can remove.

Children run `config.python`: `nox -s bench` gives them a virtualenv with
only this project and the official client, because every installed package
can cost import time (pydantic scans installed distributions for plugins,
httpx imports click when it is installed).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from typing import cast

from benchmarks.config import ROOT, RunConfig
from benchmarks.fixtures import ACCESS_TOKEN, CLIENT_ID, TASK_GROUP_ID, TASK_ID
from benchmarks.measure import Outcome, Round, RoundFn, SideUnavailableError, run_rounds
from benchmarks.processes import ProcessRun, child_env, run_process
from benchmarks.report import FigureResult, Target

# Every script gets: root URL, clientId, accessToken, taskId, expected taskGroupId.
OURS_SYNC = """
import sys
from taskcluster_sdk import Credentials, Queue

root_url, client_id, access_token, task_id, group = sys.argv[1:]
with Queue(root_url=root_url, credentials=Credentials(client_id, access_token)) as queue:
    task = queue.task(task_id)
if task.taskGroupId != group:
    sys.exit(f"taskGroupId {task.taskGroupId!r}")
"""
OFFICIAL_SYNC = """
import sys
import taskcluster

root_url, client_id, access_token, task_id, group = sys.argv[1:]
queue = taskcluster.Queue(
    {"rootUrl": root_url, "credentials": {"clientId": client_id, "accessToken": access_token}}
)
task = queue.task(task_id)
if task["taskGroupId"] != group:
    sys.exit(f"taskGroupId {task['taskGroupId']!r}")
"""
FLOOR_SYNC = """
import http.client, json, sys
from urllib.parse import urlsplit
from benchmarks.hawk import hawk_header

root_url, client_id, access_token, task_id, group = sys.argv[1:]
root = urlsplit(root_url)
path = "/api/queue/v1/task/" + task_id
header = hawk_header(client_id, access_token.encode(), "GET", path, root.hostname, root.port)
connection = http.client.HTTPConnection(root.hostname, root.port)
connection.request("GET", path, headers={"Authorization": header})
response = connection.getresponse()
task = json.loads(response.read())
if response.status != 200 or task["taskGroupId"] != group:
    sys.exit(f"HTTP {response.status}")
"""
OURS_ASYNC = """
import asyncio, sys
from taskcluster_sdk import AsyncQueue, Credentials

root_url, client_id, access_token, task_id, group = sys.argv[1:]

async def main():
    credentials = Credentials(client_id, access_token)
    async with AsyncQueue(root_url=root_url, credentials=credentials) as queue:
        return await queue.task(task_id)

task = asyncio.run(main())
if task.taskGroupId != group:
    sys.exit(f"taskGroupId {task.taskGroupId!r}")
"""
# The session form is the one the official client's README recommends.
OFFICIAL_ASYNC = """
import asyncio, sys
import taskcluster.aio

root_url, client_id, access_token, task_id, group = sys.argv[1:]

async def main():
    options = {"rootUrl": root_url, "credentials": {"clientId": client_id, "accessToken": access_token}}
    async with taskcluster.aio.createSession() as session:
        queue = taskcluster.aio.Queue(options, session=session)
        return await queue.task(task_id)

task = asyncio.run(main())
if task["taskGroupId"] != group:
    sys.exit(f"taskGroupId {task['taskGroupId']!r}")
"""
FLOOR_ASYNC = """
import asyncio, json, sys
from urllib.parse import urlsplit
from benchmarks.hawk import hawk_header

root_url, client_id, access_token, task_id, group = sys.argv[1:]

async def main():
    root = urlsplit(root_url)
    path = "/api/queue/v1/task/" + task_id
    header = hawk_header(client_id, access_token.encode(), "GET", path, root.hostname, root.port)
    reader, writer = await asyncio.open_connection(root.hostname, root.port)
    writer.write(
        f"GET {path} HTTP/1.1\\r\\nHost: {root.netloc}\\r\\nAuthorization: {header}\\r\\n\\r\\n".encode()
    )
    head = await reader.readuntil(b"\\r\\n\\r\\n")
    length = int(head.lower().split(b"content-length:")[1].split(b"\\r\\n")[0])
    body = await reader.readexactly(length)
    writer.close()
    await writer.wait_closed()
    return head, json.loads(body)

head, task = asyncio.run(main())
if not head.startswith(b"HTTP/1.1 200") or task["taskGroupId"] != group:
    sys.exit(head.split(b"\\r\\n")[0].decode())
"""

# Appended to our script once, untimed: the third-party modules it ended up
# with (those installed in site-packages), in import order.
DEPENDENCIES_PROBE = """
import json, sysconfig
_sites = {sysconfig.get_paths()[key] for key in ("purelib", "platlib")}
print(json.dumps([
    name for name, module in list(sys.modules.items())
    if any(str(getattr(module, "__file__", None) or "").startswith(site) for site in _sites)
    and not name.startswith("taskcluster_sdk")
]))
"""
# What no change to the SDK's own code can remove: importing the third-party
# modules its script loads, and one validated pydantic model (pydantic's
# first validator pays its plugin scan whatever the model).
DEPENDENCIES = """
import importlib, sys
for name in {modules!r}:
    importlib.import_module(name)
import pydantic

class Probe(pydantic.BaseModel):
    value: int

Probe.model_validate_json(b'{{"value": 1}}')
"""

STRETCH = 0.7
# Speed-ups over the official client: 1.0 = as fast, 1/0.7 = the stretch goal.
TARGETS = (Target("official", at_least=1.0), Target("official", at_least=round(1 / STRETCH, 2)))


def _checked_run(args: list[str], env: dict[str, str], missing: str) -> ProcessRun:
    """One untimed run; a module that is not installed marks the side unavailable."""
    try:
        return run_process(args, env, cwd=ROOT)
    except RuntimeError as error:
        if "ModuleNotFoundError" in str(error):
            raise SideUnavailableError(f"{missing}: {error}") from error
        raise


def _timed(args: list[str], env: dict[str, str]) -> RoundFn:
    def one_round() -> Round:
        run = run_process(args, env, cwd=ROOT)
        return Round(run.wall, run.cpu * 1e6)

    return one_round


def _script_args(python: str, script: str, root_url: str) -> list[str]:
    return [python, "-c", script, root_url, CLIENT_ID, ACCESS_TOKEN, TASK_ID, TASK_GROUP_ID]


def _side(script: str, python: str, root_url: str, missing: str) -> Callable[[ExitStack], RoundFn]:
    env = child_env()
    args = _script_args(python, script, root_url)

    def setup(stack: ExitStack) -> RoundFn:
        # Untimed: proves the script works and fills the bytecode cache.
        _checked_run(args, env, missing)
        return _timed(args, env)

    return setup


def dependency_modules(script: str, python: str, root_url: str) -> list[str]:
    """The third-party modules (from site-packages) `script` loads, in import order."""
    args = _script_args(python, script + DEPENDENCIES_PROBE, root_url)
    output = _checked_run(args, child_env(), "no taskcluster_sdk").stdout
    return cast(list[str], json.loads(output.splitlines()[-1]))


def _dependencies_side(script: str, python: str, root_url: str) -> Callable[[ExitStack], RoundFn]:
    """The dependency floor of `script`: its third-party imports and one model, no SDK code."""
    env = child_env()

    def setup(stack: ExitStack) -> RoundFn:
        modules = dependency_modules(script, python, root_url)
        args = [python, "-c", DEPENDENCIES.format(modules=modules)]
        run_process(args, env, cwd=ROOT)  # bytecode cache
        return _timed(args, env)

    return setup


def _split(outcomes: Mapping[str, Outcome]) -> tuple[dict[str, Outcome], dict[str, Outcome]]:
    """Wall-clock and CPU outcomes from the same processes, as two rows."""
    wall: dict[str, Outcome] = {}
    cpu: dict[str, Outcome] = {}
    for side, outcome in outcomes.items():
        if outcome.summary is None or outcome.cpu_us_per_op is None:
            wall[side] = cpu[side] = outcome
            continue
        wall[side] = Outcome.ok([Round(value) for value in outcome.summary.rounds])
        cpu[side] = Outcome.ok([Round(value / 1e6) for value in outcome.cpu_us_per_op.rounds])
    return wall, cpu


def _figure(
    config: RunConfig, root_url: str, key: str, label: str, scripts: tuple[str, str, str]
) -> list[FigureResult]:
    ours, official, floor = scripts
    python = config.python
    outcomes = run_rounds(
        {
            "ours": _side(ours, python, root_url, "no taskcluster_sdk"),
            "official": _side(official, python, root_url, "official client not installed"),
            "floor": _side(floor, python, root_url, "the floor cannot run"),
            "dependencies": _dependencies_side(ours, python, root_url),
        },
        config.cold_runs,
    )
    dependencies_wall, _ = _split({"ours": outcomes.pop("dependencies")})
    wall, cpu = _split(outcomes)
    notes = (
        f"{config.cold_runs} fresh processes per side: import, one client, one signed "
        f"{label} call, exit; floor: standard library only; "
        f"targets: <= 1.0x the official client's time, stretch <= {STRETCH}x",
    )
    return [
        FigureResult(
            key=key,
            title=f"cold script: {label}, wall",
            unit="s",
            higher_is_better=False,
            outcomes=wall,
            targets=TARGETS,
            notes=notes,
        ),
        FigureResult(
            key=f"{key}-cpu",
            title="  same, process CPU (user+sys)",
            unit="s",
            higher_is_better=False,
            outcomes=cpu,
            targets=TARGETS,
        ),
        FigureResult(
            key=f"{key}-dependencies",
            title="  dependencies alone, wall",
            unit="s",
            higher_is_better=False,
            outcomes={**wall, **dependencies_wall},
            notes=(
                "the 'this project' column imports only the third-party modules our script "
                "loads and validates one one-field pydantic model, no SDK code: the best "
                "ratio any change to the SDK's own code could reach",
            ),
        ),
    ]


def run(config: RunConfig, root_url: str) -> list[FigureResult]:
    return [
        *_figure(
            config, root_url, "cold-sync", "Queue.task", (OURS_SYNC, OFFICIAL_SYNC, FLOOR_SYNC)
        ),
        *_figure(
            config,
            root_url,
            "cold-async",
            "AsyncQueue.task",
            (OURS_ASYNC, OFFICIAL_ASYNC, FLOOR_ASYNC),
        ),
    ]
