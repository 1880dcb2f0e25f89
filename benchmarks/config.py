"""How much work each figure does: the full run and the `--quick` smoke run."""

from __future__ import annotations

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

    def with_rounds(self, rounds: int | None) -> RunConfig:
        if rounds is None:
            return self
        if rounds < 1:
            raise ValueError(f"--rounds must be at least 1, got {rounds}")
        return replace(self, rounds=rounds, import_runs=max(rounds, 2), generate_rounds=rounds)

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
)
