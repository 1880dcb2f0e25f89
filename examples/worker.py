"""An asyncio worker: claim tasks, keep each claim alive, upload the log, resolve.

What it shows:

* `AsyncQueue.claimWork` in a loop (the queue long-polls for about 20 s);
* a background reclaim per task, before the claim's `takenUntil`, switching
  to the fresh task credentials each `reclaimTask` returns (a 409 there means
  the task was resolved elsewhere, e.g. cancelled: the run is stopped);
* uploading the task's output with `taskcluster_sdk.artifacts.upload_artifact_async`
  under the task's own (claim) credentials;
* resolving with `reportCompleted` / `reportFailed` / `reportException`;
* graceful shutdown on SIGINT/SIGTERM: stop claiming (a `claimWork` in
  flight is waited for, and what it claimed handed back), let running tasks
  finish for `--grace` seconds, then resolve the rest `worker-shutdown`
  (the queue reruns them elsewhere).

The payload is generic-worker's (`InsecurePosixPayload`: `command` is a list
of argv lists, `maxRunTime` in seconds); the commands run on this host, with
no sandbox: point it only at a task queue you own.

Run it (the client needs `queue:claim-work:<taskQueueId>` and
`queue:worker-id:<workerGroup>/<workerId>`):

    export TASKCLUSTER_ROOT_URL=https://tc.example.com
    export TASKCLUSTER_CLIENT_ID=... TASKCLUSTER_ACCESS_TOKEN=...
    python -m examples.worker proj-example/ci --worker-group local --worker-id me
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone

from taskcluster_sdk import AsyncQueue, ConflictError, TaskclusterError
from taskcluster_sdk.artifacts import upload_artifact_async
from taskcluster_sdk.models.generic_worker import InsecurePosixPayload
from taskcluster_sdk.models.queue import ClaimWorkResponseTasks, TaskCredentials

LOG_NAME = "public/logs/live.log"
# Reclaim this long before takenUntil (or at half the remaining time, for short claims).
RECLAIM_MARGIN = 60.0


def reclaim_delay(remaining: float) -> float:
    """Seconds to wait before reclaiming a claim that has `remaining` seconds left."""
    return max(remaining - min(RECLAIM_MARGIN, remaining / 2), 0.0)


@dataclass
class Run:
    """One claimed run: its id, and a queue client signing with its latest task credentials.

    Each reclaim hands out fresh credentials; `renew` switches the one client
    to them (`queue.credentials = ...`): the calls that follow use them, a
    call under way (an upload) finishes with the ones it started with, which
    stay valid until the old `takenUntil`.
    """

    task_id: str
    run_id: int
    taken_until: datetime
    queue: AsyncQueue
    cancelled: asyncio.Event = field(default_factory=asyncio.Event)
    reclaims: int = 0

    @classmethod
    def from_claim(cls, root_url: str, claim: ClaimWorkResponseTasks) -> Run:
        queue = AsyncQueue(root_url=root_url, credentials=claim.credentials)
        return cls(claim.status.taskId, claim.runId, claim.takenUntil, queue)

    def renew(self, credentials: TaskCredentials, taken_until: datetime) -> None:
        self.queue.credentials = credentials
        self.taken_until = taken_until
        self.reclaims += 1

    async def close(self) -> None:
        await self.queue.close()


async def keep_claimed(run: Run) -> None:
    """Reclaim before `takenUntil` until cancelled; set `run.cancelled` once the claim is lost."""
    while True:
        remaining = (run.taken_until - datetime.now(timezone.utc)).total_seconds()
        await asyncio.sleep(reclaim_delay(remaining))
        try:
            answer = await run.queue.reclaimTask(run.task_id, run.run_id)
        except ConflictError:
            # Resolved by someone else (cancelTask, deadline): stop working on it.
            run.cancelled.set()
            return
        except TaskclusterError as error:
            # The client retried already; try again (sooner each time) until takenUntil.
            if datetime.now(timezone.utc) >= run.taken_until:
                run.cancelled.set()
                return
            print(f"reclaiming {run.task_id} failed, retrying: {error}", file=sys.stderr)
            await asyncio.sleep(1.0)
            continue
        run.renew(answer.credentials, answer.takenUntil)


async def execute(payload: InsecurePosixPayload, cancelled: asyncio.Event) -> tuple[int, bytes]:
    """Run each command in turn; the exit code of the first failing one (or 0), and the log."""
    log = bytearray()
    for argv in payload.command:
        log += f"$ {' '.join(argv)}\n".encode()
        process = await asyncio.create_subprocess_exec(
            *argv, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT
        )
        communicate = asyncio.ensure_future(process.communicate())
        stop = asyncio.ensure_future(cancelled.wait())
        try:
            done, _ = await asyncio.wait(
                {communicate, stop}, timeout=payload.maxRunTime, return_when=asyncio.FIRST_COMPLETED
            )
        except asyncio.CancelledError:
            # Shutdown: the command must not outlive the worker.
            process.kill()
            await asyncio.shield(communicate)
            raise
        finally:
            stop.cancel()
        if communicate not in done:
            process.kill()
            output, _ = await communicate
            reason = "cancelled" if cancelled.is_set() else "exceeded maxRunTime"
            return -1, bytes(log + output + f"[worker] {reason}\n".encode())
        output, _ = communicate.result()
        log += output
        if process.returncode:
            return process.returncode, bytes(log)
    return 0, bytes(log)


async def work_on(root_url: str, claim: ClaimWorkResponseTasks) -> str:
    """Run one claimed task to its resolution; returns what it was resolved as."""
    run = Run.from_claim(root_url, claim)
    reclaimer = asyncio.create_task(keep_claimed(run))
    try:
        return await _run_task(run, claim)
    except asyncio.CancelledError:
        # Shutdown: hand the task back so the queue reruns it on another worker.
        with contextlib.suppress(TaskclusterError):
            await run.queue.reportException(run.task_id, run.run_id, {"reason": "worker-shutdown"})
        raise
    except ConflictError:
        # A report refused: the run was resolved meanwhile (cancelled, deadline passed).
        return "cancelled"
    except TaskclusterError as error:
        # The worker's own failure (storage down after retries, ...), not the task's.
        print(f"task {run.task_id}: {error}", file=sys.stderr)
        with contextlib.suppress(TaskclusterError):
            await run.queue.reportException(run.task_id, run.run_id, {"reason": "internal-error"})
        return "exception"
    finally:
        reclaimer.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reclaimer
        await run.close()


async def _run_task(run: Run, claim: ClaimWorkResponseTasks) -> str:
    payload = InsecurePosixPayload.model_validate(claim.task.payload)
    if not payload.command or not payload.maxRunTime:
        await run.queue.reportException(run.task_id, run.run_id, {"reason": "malformed-payload"})
        return "exception"
    try:
        exit_code, log = await execute(payload, run.cancelled)
    except OSError as error:  # a command that does not exist
        exit_code, log = -1, f"[worker] {error}\n".encode()
    if run.cancelled.is_set():
        return "cancelled"
    await upload_artifact_async(
        run.queue,
        task_id=run.task_id,
        run_id=run.run_id,
        name=LOG_NAME,
        source=log,
        content_type="text/plain; charset=utf-8",
        expires=claim.task.expires,
    )
    if exit_code == 0:
        await run.queue.reportCompleted(run.task_id, run.run_id)
        return "completed"
    await run.queue.reportFailed(run.task_id, run.run_id)
    return "failed"


async def run_worker(
    queue: AsyncQueue,
    task_queue_id: str,
    *,
    worker_group: str,
    worker_id: str,
    stop: asyncio.Event,
    capacity: int = 2,
    max_tasks: int | None = None,
    poll_interval: float = 1.0,
    grace: float = 30.0,
) -> dict[str, str]:
    """Claim and run tasks until `stop` is set, or until `max_tasks` were claimed and ran.

    Returns each claimed task id with what it was resolved as.
    """
    assert queue.root_url is not None, "the worker needs a rootUrl-based deployment"
    root_url = queue.root_url
    running: dict[asyncio.Task[str], str] = {}
    results: dict[str, str] = {}
    claimed = 0

    def finished(task: asyncio.Task[str]) -> None:
        task_id = running.pop(task)
        if task.cancelled():
            results[task_id] = "worker-shutdown"
        elif (error := task.exception()) is not None:
            # Not a Taskcluster error (those are handled in work_on): a bug; keep going.
            print(f"task {task_id}: {error!r}", file=sys.stderr)
            results[task_id] = "error"
        else:
            results[task_id] = task.result()

    while not stop.is_set() and (max_tasks is None or claimed < max_tasks):
        free = capacity - len(running)
        if max_tasks is not None:
            free = min(free, max_tasks - claimed)
        if free <= 0:
            await asyncio.wait(set(running), return_when=asyncio.FIRST_COMPLETED)
            continue
        request = asyncio.ensure_future(
            queue.claimWork(
                task_queue_id, {"tasks": free, "workerGroup": worker_group, "workerId": worker_id}
            )
        )
        stopping = asyncio.ensure_future(stop.wait())
        await asyncio.wait({request, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
        if not request.done():
            # Never abandon a claimWork: the queue goes on polling after the client has
            # gone, and a task it claims then stays `running` until its claim expires
            # (seen on v106). Wait for the answer (~20 s at most) and hand tasks back.
            for claim in (await request).tasks:
                await hand_back(root_url, claim)
                results[claim.status.taskId] = "worker-shutdown"
            break
        claims = request.result().tasks
        for claim in claims:
            task = asyncio.create_task(work_on(root_url, claim))
            running[task] = claim.status.taskId
            task.add_done_callback(finished)
            claimed += 1
        if not claims:
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(stop.wait(), poll_interval)
    if running and not stop.is_set():
        # --max-tasks reached: the tasks run to their end unless a shutdown comes.
        stopping = asyncio.ensure_future(stop.wait())
        while running and not stop.is_set():
            await asyncio.wait({*running, stopping}, return_when=asyncio.FIRST_COMPLETED)
        stopping.cancel()
    if running:
        _, late = await asyncio.wait(set(running), timeout=grace)
        for task in late:
            task.cancel()
        if late:
            await asyncio.wait(late)
    return results


async def hand_back(root_url: str, claim: ClaimWorkResponseTasks) -> None:
    """Resolve a claimed run `worker-shutdown` without running it: the queue reruns it."""
    async with AsyncQueue(root_url=root_url, credentials=claim.credentials) as queue:
        with contextlib.suppress(TaskclusterError):
            await queue.reportException(
                claim.status.taskId, claim.runId, {"reason": "worker-shutdown"}
            )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("task_queue_id", help="e.g. proj-example/ci")
    parser.add_argument("--worker-group", required=True)
    parser.add_argument("--worker-id", required=True)
    parser.add_argument("--capacity", type=int, default=2, help="tasks run at once")
    parser.add_argument("--max-tasks", type=int, help="exit after this many tasks")
    parser.add_argument(
        "--grace", type=float, default=30.0, help="seconds running tasks get on shutdown"
    )
    return parser.parse_args(argv)


async def main(argv: Sequence[str] | None = None, *, stop: asyncio.Event | None = None) -> int:
    """The command line; `stop` lets a caller (a test) shut the worker down as a signal would."""
    args = parse_args(argv)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        # Not on Windows, nor outside the main thread: then Ctrl-C just interrupts.
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.add_signal_handler(signum, stop.set)
    async with AsyncQueue.from_env() as queue:
        results = await run_worker(
            queue,
            args.task_queue_id,
            worker_group=args.worker_group,
            worker_id=args.worker_id,
            stop=stop,
            capacity=args.capacity,
            max_tasks=args.max_tasks,
            grace=args.grace,
        )
    for task_id, resolution in results.items():
        print(f"{task_id}: {resolution}")
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
