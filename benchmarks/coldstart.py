"""Where the time of a cold one-call script goes: `python -m benchmarks.coldstart`.

The cold figure (`fig_cold`) says how long a one-call script takes; this
says why. It runs the same script as the figure (import, one client, one
signed `Queue.task` / `AsyncQueue.task` call, exit) in fresh processes,
split into phases, and prints for each phase the median wall and CPU
milliseconds and the top-level packages it imported for the first time.
With `--importtime` it also runs the script once under `python -X
importtime` and prints the self time of every top-level package (our
modules by subpackage), the list to cut from.

    python -m benchmarks.coldstart                     # 9 runs each, sync and async
    python -m benchmarks.coldstart --runs 15 --importtime
    python -m benchmarks.coldstart --python .nox/bench-children/bin/python

Use the `bench-children` interpreter `nox -s bench` makes: it holds only
the SDK and the official client, as a user's environment would.
"""

from __future__ import annotations

import argparse
import collections
import json
import statistics
import subprocess
import sys
from collections.abc import Sequence

from benchmarks.config import ROOT
from benchmarks.fixtures import ACCESS_TOKEN, CLIENT_ID, TASK_GROUP_ID, TASK_ID
from benchmarks.loopback import LoopbackServer
from benchmarks.processes import child_env, run_process

# Marks phases with (label, wall, CPU, top-level packages first imported).
PRELUDE = """
import sys, time
_t0, _c0 = time.perf_counter(), time.process_time()
_seen = {name.partition(".")[0] for name in sys.modules}
_marks = []
def mark(label):
    global _seen
    now = {name.partition(".")[0] for name in sys.modules}
    _marks.append((label, time.perf_counter(), time.process_time(), sorted(now - _seen)))
    _seen = now
root_url, client_id, access_token, task_id, group = sys.argv[1:]
"""
EPILOGUE = """
import json
out, wall, cpu = [], _t0, _c0
for label, w, c, new in _marks:
    out.append([label, (w - wall) * 1e3, (c - cpu) * 1e3, new])
    wall, cpu = w, c
print(json.dumps(out))
"""
SYNC = (
    PRELUDE
    + """
import taskcluster_sdk
mark("import taskcluster_sdk")
from taskcluster_sdk import Credentials, Queue
mark("from taskcluster_sdk import Credentials, Queue")
queue = Queue(root_url=root_url, credentials=Credentials(client_id, access_token))
mark("Queue(...)")
task = queue.task(task_id)
mark("first queue.task()")
assert task.taskGroupId == group
queue.task(task_id)
mark("(second queue.task(), for scale)")
queue.close()
mark("queue.close()")
"""
    + EPILOGUE
)
ASYNC = (
    PRELUDE
    + """
import asyncio
mark("import asyncio")
import taskcluster_sdk
mark("import taskcluster_sdk")
from taskcluster_sdk import AsyncQueue, Credentials
mark("from taskcluster_sdk import AsyncQueue, Credentials")

async def main():
    queue = AsyncQueue(root_url=root_url, credentials=Credentials(client_id, access_token))
    mark("AsyncQueue(...)")
    task = await queue.task(task_id)
    mark("first await queue.task()")
    assert task.taskGroupId == group
    await queue.task(task_id)
    mark("(second await queue.task(), for scale)")
    await queue.aclose()
    mark("queue.aclose()")

asyncio.run(main())
mark("asyncio.run() returns")
"""
    + EPILOGUE
)


def _arguments(python: str, script: str, root_url: str) -> list[str]:
    return [python, "-c", script, root_url, CLIENT_ID, ACCESS_TOKEN, TASK_ID, TASK_GROUP_ID]


def phases(python: str, script: str, root_url: str, runs: int) -> list[str]:
    """The phase table of `script`, medians over `runs` fresh processes."""
    env = child_env()
    run_process(_arguments(python, script, root_url), env, cwd=ROOT)  # bytecode cache
    bare_runs = [run_process([python, "-c", "pass"], env).wall for _ in range(runs)]
    walls: dict[str, list[float]] = collections.defaultdict(list)
    cpus: dict[str, list[float]] = collections.defaultdict(list)
    totals: list[float] = []
    imported: dict[str, list[str]] = {}
    for _ in range(runs):
        run = run_process(_arguments(python, script, root_url), env, cwd=ROOT)
        totals.append(run.wall)
        for label, wall, cpu, new in json.loads(run.stdout):
            walls[label].append(wall)
            cpus[label].append(cpu)
            imported[label] = new
    bare = statistics.median(bare_runs) * 1e3
    total = statistics.median(totals) * 1e3
    rows = [("interpreter start and exit (python -c pass)", bare, None, [])]
    rows += [
        (label, statistics.median(walls[label]), statistics.median(cpus[label]), imported[label])
        for label in walls
    ]
    accounted = sum(row[1] for row in rows)
    rows.append(("rest: script start, teardown, unaccounted", total - accounted, None, []))
    lines = [f"{'phase':48} {'wall ms':>8} {'CPU ms':>7}  first imports (top-level packages)"]
    for label, wall, cpu, new in rows:
        cpu_text = "" if cpu is None else f"{cpu:7.1f}"
        lines.append(f"{label:48} {wall:8.1f} {cpu_text:>7}  {' '.join(new)}")
    lines.append(f"{'whole process (median)':48} {total:8.1f}")
    return lines


def _bucket(module: str) -> str:
    parts = module.split(".")
    if parts[0] != "taskcluster_sdk" or len(parts) == 1:
        return parts[0]
    if parts[1] in ("models", "services", "events", "legacy") and len(parts) > 2:
        return ".".join(parts[:3])
    return ".".join(parts[:2])


def importtime(python: str, script: str, root_url: str, top: int = 25) -> list[str]:
    """Self import time by top-level package (ours by subpackage), from one `-X importtime` run."""
    command = [python, "-X", "importtime", *_arguments(python, script, root_url)[1:]]
    done = subprocess.run(command, env=child_env(), cwd=ROOT, capture_output=True, text=True)
    totals: collections.Counter[str] = collections.Counter()
    for line in done.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, _cumulative, name = line[len("import time:") :].split("|")
        totals[_bucket(name.strip())] += int(self_us)
    lines = [f"-X importtime self time, total {sum(totals.values()) / 1e3:.0f} ms (inflated by -X)"]
    lines += [f"{us / 1e3:8.1f} ms  {name}" for name, us in totals.most_common(top)]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.coldstart", description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--python", default=sys.executable, help="interpreter of the scripts")
    parser.add_argument("--importtime", action="store_true", help="also a -X importtime summary")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    with LoopbackServer() as server:
        for label, script in (("sync", SYNC), ("async", ASYNC)):
            print(f"\n== {label}: one-call script, {args.runs} runs, python {args.python}")
            print("\n".join(phases(args.python, script, server.root_url, args.runs)))
            if args.importtime:
                print()
                print("\n".join(importtime(args.python, script, server.root_url)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
