"""Figure 5: seconds for a full generation (`python -m codegen generate`).

The generator writes into a temporary directory (`--output`), so the
checked-in tree is never touched. Only this project has a generator: the
other columns stay empty and the target is absolute.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

from benchmarks.config import ROOT, RunConfig
from benchmarks.measure import Round, RoundFn, SideUnavailableError, run_rounds
from benchmarks.processes import child_env
from benchmarks.report import FigureResult, Target

TARGET = Target("absolute", at_most=10.0)


def generate_once(output: Path) -> float:
    """Seconds for one full generation into `output`."""
    command = [sys.executable, "-m", "codegen", "generate", "--output", str(output)]
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=ROOT, env=child_env(), capture_output=True, text=True, check=False
    )
    elapsed = time.perf_counter() - started
    if done.returncode != 0:
        last = done.stderr.strip().splitlines()[-1:] or ["no output"]
        raise RuntimeError(f"codegen generate exited {done.returncode}: {last[0]}")
    return elapsed


def _ours(stack: ExitStack) -> RoundFn:
    if not (ROOT / "references" / "manifest.json").is_file():
        raise SideUnavailableError("references/ is empty: run nox -s import-references first")
    if not (ROOT / "codegen" / "pipeline.py").is_file():
        raise SideUnavailableError("codegen/pipeline.py does not exist yet")
    if importlib.util.find_spec("ruff") is None:
        raise SideUnavailableError("ruff is not installed (the generator formats with it)")
    workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-generate-")))
    counter = iter(range(1_000_000))

    def one_round() -> Round:
        # A fresh directory each round: a generator may skip files it finds unchanged.
        return Round(generate_once(workdir / f"round{next(counter)}" / "taskcluster_sdk"))

    return one_round


def run(config: RunConfig) -> list[FigureResult]:
    outcomes = run_rounds({"ours": _ours}, config.generate_rounds)
    return [
        FigureResult(
            key="generate",
            title="full generation",
            unit="s",
            higher_is_better=False,
            outcomes=outcomes,
            targets=(TARGET,),
            notes=("`python -m codegen generate --output <tmp>`, a fresh process per round",),
        )
    ]
