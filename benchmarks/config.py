"""How much work each figure does: the full run and the `--quick` smoke run."""

from __future__ import annotations

import os
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "results.json"
AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"


@dataclass(frozen=True)
class RunConfig:
    """Sizes of one benchmark run; every figure reports medians over `rounds`."""

    rounds: int
    sync_calls: int
    async_calls: int
    concurrency: int
    import_runs: int
    listener_messages: int
    listener_prefetch: int
    generate_rounds: int
    cold_runs: int
    page_tasks: int
    page_parses: int
    pager_tasks: tuple[int, int]
    artifact_mb: int
    # The interpreter of the fresh-process figures (cold script, import): a
    # virtualenv holding only this project and the official client, as a
    # user's would (`nox -s bench` makes one). None: the harness's own.
    child_python: str | None = None

    @property
    def python(self) -> str:
        """The interpreter fresh-process figures start."""
        return self.child_python or sys.executable

    def with_child_python(self, python: str | None) -> RunConfig:
        if python is None:
            return self
        if not os.access(python, os.X_OK) or os.path.isdir(python):
            raise ValueError(f"--child-python {python} is not an executable")
        return replace(self, child_python=python)

    def with_rounds(self, rounds: int | None) -> RunConfig:
        if rounds is None:
            return self
        if rounds < 1:
            raise ValueError(f"--rounds must be at least 1, got {rounds}")
        return replace(
            self,
            rounds=rounds,
            import_runs=max(rounds, 2),
            cold_runs=max(rounds, 2),
            generate_rounds=rounds,
        )

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


FULL = RunConfig(
    rounds=5,
    sync_calls=2000,
    async_calls=5000,
    concurrency=50,
    import_runs=15,
    listener_messages=5000,
    listener_prefetch=100,
    generate_rounds=3,
    cold_runs=15,
    page_tasks=1000,
    page_parses=20,
    pager_tasks=(2000, 20000),
    artifact_mb=200,
)
QUICK = RunConfig(
    rounds=2,
    sync_calls=20,
    async_calls=100,
    concurrency=50,
    import_runs=2,
    listener_messages=50,
    listener_prefetch=100,
    generate_rounds=1,
    cold_runs=2,
    page_tasks=50,
    page_parses=2,
    pager_tasks=(100, 1000),
    artifact_mb=2,
)
