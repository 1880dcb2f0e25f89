"""Download a task's artifacts with a progress bar.

What it shows: `listLatestArtifacts` through the paginator (`queue.pages`),
and `taskcluster_sdk.artifacts.download_artifact` streaming each one to a
file with its `progress(bytes_done, total)` callback, verified against the
object service's hashes (a mismatch raises `HashMismatchError` and leaves
no file). `total` is `None` when storage does not say the size.

Run it (public artifacts need no credentials; private ones need
`queue:get-artifact:<name>`):

    export TASKCLUSTER_ROOT_URL=https://tc.example.com
    python -m examples.download_artifacts <taskId> --dest ./artifacts --prefix public/
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from taskcluster_sdk import Queue, TaskclusterError
from taskcluster_sdk.artifacts import download_artifact


class ProgressBar:
    """A one-line text progress bar: `name [#####.....] 52% 1.2 MiB`."""

    def __init__(self, name: str, out: TextIO, width: int = 30) -> None:
        self.name, self.out, self.width = name, out, width
        self.updates = 0

    def __call__(self, done: int, total: int | None) -> None:
        self.updates += 1
        size = f"{done / 2**20:.1f} MiB"
        if total:
            filled = self.width * done // total
            bar = "#" * filled + "." * (self.width - filled)
            line = f"{self.name} [{bar}] {100 * done // total:3d}% {size}"
        else:
            line = f"{self.name} {size}"
        self.out.write("\r" + line)
        self.out.flush()

    def finish(self) -> None:
        self.out.write("\n")


def download_all(
    queue: Queue, task_id: str, dest: Path, *, prefix: str = "", output: TextIO | None = None
) -> list[Path]:
    """Download every artifact of the task's latest run whose name starts with `prefix`.

    The progress bars go to `output` (default: standard error).
    """
    out: TextIO = sys.stderr if output is None else output
    written: list[Path] = []
    for artifact in queue.pages.listLatestArtifacts(task_id):
        if not artifact.name.startswith(prefix) or artifact.storageType == "error":
            continue
        target = dest / artifact.name
        target.parent.mkdir(parents=True, exist_ok=True)
        bar = ProgressBar(artifact.name, out)
        try:
            download_artifact(queue, task_id=task_id, name=artifact.name, dest=target, progress=bar)
        finally:
            bar.finish()
        written.append(target)
    return written


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Download a task's artifacts.")
    parser.add_argument("task_id")
    parser.add_argument("--dest", type=Path, default=Path("artifacts"))
    parser.add_argument("--prefix", default="", help="only names starting with this")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """The command line: 0 when everything downloaded, 1 when something could not be."""
    args = parse_args(argv)
    with Queue.from_env() as queue:
        try:
            paths = download_all(queue, args.task_id, args.dest, prefix=args.prefix)
        except TaskclusterError as error:  # API errors and ArtifactErrors (HashMismatchError, ...)
            print(f"download failed: {error}", file=sys.stderr)
            return 1
    for path in paths:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
