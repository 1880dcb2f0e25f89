"""Figure 3: artifact upload and download throughput of a large file, with peak RSS.

Every transfer runs in a fresh process (`benchmarks.artifact_side`) against
the loopback storage server (`benchmarks.storage`, its own process): ours
(`upload_artifact` / `download_artifact`), the official client's helpers,
and raw httpx streaming on the same storage. The floor hashes sha256 and
sha512 as the bytes pass, because the object protocol requires both (the
uploader sends them to `finishUpload`, the downloader checks them); a
second row compares with httpx streaming without hashing, the transport
alone. MB/s are per timed transfer, after a small warm-up transfer in the
same process; CPU is the process's per MB moved. Each upload is checked
on the server (every byte arrived, and for ours and the official client the
hashes given to `finishUpload` are right); each download is checked by size
here and by hash in the child.

Files live in `/dev/shm` when it has room, so the disk does not set the pace.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from benchmarks.config import ROOT, RunConfig
from benchmarks.measure import Outcome, Round, RoundFn, SideUnavailableError, run_rounds
from benchmarks.processes import child_env, run_process
from benchmarks.report import FigureResult, Target
from benchmarks.storage import CHUNK, StorageServer, file_hashes

TARGETS = (Target("official", at_least=1.0), Target("floor", at_least=0.9))
MB = 1024 * 1024
SHM = Path("/dev/shm")
TITLES = {"ours": "this project", "official": "official", "floor": "floor", "bare": "bare"}


def _scratch_dir(size: int) -> Path | None:
    """/dev/shm when it holds the source, a download and some slack; else the default."""
    if SHM.is_dir() and os.access(SHM, os.W_OK) and shutil.disk_usage(SHM).free > 3 * size:
        return SHM
    return None


def _random_file(path: Path, size: int) -> None:
    with path.open("wb") as sink:
        remaining = size
        while remaining:
            chunk = os.urandom(min(CHUNK, remaining))
            sink.write(chunk)
            remaining -= len(chunk)


class ArtifactFigure:
    def __init__(self, config: RunConfig, workdir: Path) -> None:
        self.config = config
        self.workdir = workdir
        self.size = config.artifact_mb * MB
        self.source = workdir / "source.bin"
        self.warmup = workdir / "warmup.bin"
        self.download_to = workdir / "download.bin"
        self.warmup_to = workdir / "warmup-download.bin"
        _random_file(self.source, self.size)
        _random_file(self.warmup, min(MB, self.size))
        self.hashes = file_hashes(self.source)
        self.rss_mb: dict[tuple[str, str], list[float]] = {}
        self.counter = 0

    def _transfer(self, server: StorageServer, side: str, op: str) -> tuple[float, float, float]:
        """One checked transfer: (MB/s, CPU microseconds per MB, peak RSS MB)."""
        self.counter += 1
        name = f"public/bench/{side}-{self.counter}.bin"
        upload = op == "upload"
        args = [
            self.config.python,
            "-m",
            "benchmarks.artifact_side",
            side,
            op,
            "--root-url",
            server.root_url,
            "--name",
            name,
            "--file",
            str(self.source if upload else self.download_to),
            "--warmup-file",
            str(self.warmup if upload else self.warmup_to),
            "--sha256",
            self.hashes["sha256"],
        ]
        run = run_process(args, child_env(), cwd=ROOT)
        result = json.loads(run.stdout.strip().splitlines()[-1])
        if upload:
            self._check_upload(server, side)
        else:
            got = self.download_to.stat().st_size
            self.download_to.unlink()
            if got != self.size:
                raise AssertionError(f"{side} downloaded {got} bytes of {self.size}")
        megabytes = self.size / MB
        return (
            megabytes / result["seconds"],
            result["cpu_seconds"] / megabytes * 1e6,
            result["peak_rss_kb"] / 1024,
        )

    def _check_upload(self, server: StorageServer, side: str) -> None:
        last = server.last_upload()
        if last["bytes"] != self.size:
            raise AssertionError(f"{side} uploaded {last['bytes']} bytes of {self.size}")
        if side in ("ours", "official") and last["hashes"] != self.hashes:
            raise AssertionError(f"{side} gave finishUpload hashes {last['hashes']!r}")

    def _side(self, server: StorageServer, side: str, op: str) -> Callable[[ExitStack], RoundFn]:
        def setup(stack: ExitStack) -> RoundFn:
            try:
                self._transfer(server, side, op)  # untimed: bytecode cache, page cache
            except RuntimeError as error:
                if "ModuleNotFoundError" in str(error):
                    raise SideUnavailableError(str(error)) from error
                raise

            def one_round() -> Round:
                rate, cpu, rss = self._transfer(server, side, op)
                self.rss_mb.setdefault((op, side), []).append(rss)
                return Round(rate, cpu)

            return one_round

        return setup

    def run(self, server: StorageServer) -> list[FigureResult]:
        rows: list[FigureResult] = []
        for op in ("upload", "download"):
            outcomes = run_rounds(
                {side: self._side(server, side, op) for side in TITLES}, self.config.rounds
            )
            rows.extend(self._rows(op, outcomes))
        return rows

    def _rows(self, op: str, outcomes: dict[str, Outcome]) -> list[FigureResult]:
        rss = {
            side: Outcome.ok([Round(mb) for mb in self.rss_mb[(op, side)]])
            if outcomes[side].status == "ok"
            else outcomes[side]
            for side in ("ours", "official", "floor")
        }
        official = (
            "queue.createArtifact + taskcluster.upload.uploadFromFile + queue.finishArtifact"
            if op == "upload"
            else "taskcluster.download.downloadArtifactToFile"
        )
        return [
            FigureResult(
                key=f"artifact-{op}",
                title=f"{op} a {self.config.artifact_mb} MB artifact",
                unit="MB/s",
                higher_is_better=True,
                outcomes={side: outcomes[side] for side in ("ours", "official", "floor")},
                targets=TARGETS,
                notes=(
                    f"fresh process per transfer, timed after a 1 MB warm-up; official: {official}; "
                    "floor: httpx streaming + sha256/sha512 (what the object protocol needs); "
                    f"CPU per op = per MB; files in {self.workdir.parent}",
                ),
            ),
            FigureResult(
                key=f"artifact-{op}-bare",
                title="  same, against httpx without hashing",
                unit="MB/s",
                higher_is_better=True,
                outcomes={"ours": outcomes["ours"], "floor": outcomes["bare"]},
            ),
            FigureResult(
                key=f"artifact-{op}-rss",
                title=f"  peak RSS of the {op} process",
                unit="MB",
                higher_is_better=False,
                outcomes=rss,
            ),
        ]


def run(config: RunConfig) -> list[FigureResult]:
    size = config.artifact_mb * MB
    scratch = _scratch_dir(size)
    with tempfile.TemporaryDirectory(prefix="bench-artifacts-", dir=scratch) as workdir:
        figure = ArtifactFigure(config, Path(workdir))
        with StorageServer(figure.source, figure.hashes, min(MB, size)) as server:
            return figure.run(server)
