"""Environment for the fresh interpreters the import and generation figures start.

Users run with compiled bytecode (pip writes `.pyc` files at install time),
but this machine sets `PYTHONDONTWRITEBYTECODE=1` and uv installs without
compiling: children would then compile every module from source on every
start and measure the compiler. Children may write bytecode, into a cache
directory private to this run (`PYTHONPYCACHEPREFIX`) so neither the source
tree nor site-packages is touched; each side's untimed warm-up run fills it.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from typing_extensions import Self

ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def _pycache() -> tempfile.TemporaryDirectory[str]:
    # Kept for the life of the process; removed when the interpreter exits.
    return tempfile.TemporaryDirectory(prefix="bench-pycache-")


def child_env() -> dict[str, str]:
    """The parent's environment, with bytecode caching and our package's directory on the path."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = _pycache().name
    spec = importlib.util.find_spec("taskcluster_sdk")
    if spec is not None and spec.origin is not None:
        source_dir = str(Path(spec.origin).parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (source_dir, env.get("PYTHONPATH"))))
    return env


@dataclass(frozen=True)
class ProcessRun:
    """One finished child process: wall seconds, CPU seconds (user + system), stdout."""

    wall: float
    cpu: float
    stdout: str


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_process(args: Sequence[str], env: Mapping[str, str], cwd: Path | None = None) -> ProcessRun:
    """Run `args` to completion; RuntimeError with its last stderr line if it fails.

    CPU time is the child's own (`RUSAGE_CHILDREN` grows by exactly the
    processes waited for, and the harness runs one child at a time; the
    long-lived loopback servers are only reaped at the end).
    """
    cpu_before = _children_cpu()
    started = time.perf_counter()
    done = subprocess.run(
        list(args), env=dict(env), cwd=cwd, capture_output=True, text=True, check=False
    )
    wall = time.perf_counter() - started
    cpu = _children_cpu() - cpu_before
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"{last[0]} ({Path(args[0]).name} exited {done.returncode})")
    return ProcessRun(wall, cpu, done.stdout)


class ServerProcess:
    """A benchmark server (`python -m <module>`) in a child process for a `with` block.

    Servers run apart so they never compete for the measured client's GIL.
    The server prints `listening <port>` as its first line once it accepts
    connections.
    """

    module = ""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self._process: subprocess.Popen[str] | None = None

    @property
    def root_url(self) -> str:
        """The Taskcluster root URL clients should use."""
        return f"http://{self.host}:{self.port}"

    def arguments(self) -> list[str]:
        """Command-line arguments after `--host`."""
        return []

    def __enter__(self) -> Self:
        command = [sys.executable, "-m", self.module, "--host", self.host, *self.arguments()]
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True)
        self._process = process
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("listening "):
            process.kill()
            process.wait()
            raise RuntimeError(f"{self.module} did not start (said {line!r})")
        self.port = int(line.split()[1])
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        process = self._process
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        self._process = None
