"""Rounds, summaries and the outcome of measuring one side of a figure.

A figure compares up to three sides ("ours", "official", "floor"). Rounds are
interleaved (ours, official, floor, ours, ...) so that drift of the machine
(thermal, other processes) hits every side alike.
"""

from __future__ import annotations

import statistics
import time
import traceback
from collections.abc import Awaitable, Callable, Mapping
from contextlib import AsyncExitStack, ExitStack
from dataclasses import dataclass
from typing import Literal

SIDES = ("ours", "official", "floor")
Side = Literal["ours", "official", "floor"]


class SideUnavailableError(Exception):
    """A side cannot run in this environment; the message says why."""


@dataclass(frozen=True)
class Summary:
    """Median, min and max over the rounds of one side."""

    median: float
    minimum: float
    maximum: float
    rounds: tuple[float, ...]

    @classmethod
    def of(cls, values: list[float]) -> Summary:
        if not values:
            raise ValueError("a summary needs at least one round")
        return cls(statistics.median(values), min(values), max(values), tuple(values))


@dataclass(frozen=True)
class Round:
    """One round's figure value, and this process's CPU time per operation.

    CPU time is reported where a figure counts operations (calls, messages):
    unlike wall-clock rates it barely moves when other processes share the
    cores, so it tells a busy machine's noise from a real difference.
    """

    value: float
    cpu_us_per_op: float | None = None


class Stopwatch:
    """Wall-clock and CPU time of one timed section, started on creation."""

    def __init__(self) -> None:
        self._wall = time.perf_counter()
        self._cpu = time.process_time()

    def rate(self, operations: int) -> Round:
        """Operations per second, with CPU microseconds per operation."""
        wall = time.perf_counter() - self._wall
        cpu = time.process_time() - self._cpu
        return Round(operations / wall, cpu / operations * 1e6)


@dataclass(frozen=True)
class Outcome:
    """What happened to one side: measured, not available here, or failed."""

    status: Literal["ok", "unavailable", "failed"]
    summary: Summary | None = None
    reason: str = ""
    cpu_us_per_op: Summary | None = None

    @classmethod
    def ok(cls, rounds: list[Round]) -> Outcome:
        cpu = [r.cpu_us_per_op for r in rounds if r.cpu_us_per_op is not None]
        cpu_summary = Summary.of(cpu) if len(cpu) == len(rounds) else None
        return cls("ok", Summary.of([r.value for r in rounds]), cpu_us_per_op=cpu_summary)

    @classmethod
    def unavailable(cls, reason: str) -> Outcome:
        return cls("unavailable", reason=reason)

    @classmethod
    def failed(cls, error: BaseException) -> Outcome:
        # The last frame says where it broke; the whole traceback is too long for a table.
        frames = traceback.extract_tb(error.__traceback__)
        where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
        return cls("failed", reason=f"{type(error).__name__}: {error}{where}")


RoundFn = Callable[[], Round]
# A setup builds the client, registers its cleanup on the stack and returns one round.
SetupFn = Callable[[ExitStack], RoundFn]
AsyncRoundFn = Callable[[], Awaitable[Round]]
AsyncSetupFn = Callable[[AsyncExitStack], Awaitable[AsyncRoundFn]]


def run_rounds(setups: Mapping[str, SetupFn], rounds: int) -> dict[str, Outcome]:
    """Set every side up, then run `rounds` interleaved rounds of each.

    A setup raising `SideUnavailableError` marks the side unavailable; any other
    exception (in setup or a round) marks it failed. Other sides carry on.
    Everything the setups registered on their stack is closed at the end.
    """
    with ExitStack() as stack:
        return _run_rounds(setups, rounds, stack)


def _run_rounds(setups: Mapping[str, SetupFn], rounds: int, stack: ExitStack) -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = {}
    runners: dict[str, RoundFn] = {}
    for side, setup in setups.items():
        try:
            runners[side] = setup(stack)
        except SideUnavailableError as missing:
            outcomes[side] = Outcome.unavailable(str(missing))
        except Exception as error:
            outcomes[side] = Outcome.failed(error)
    values: dict[str, list[Round]] = {side: [] for side in runners}
    for _ in range(rounds):
        for side, runner in list(runners.items()):
            try:
                values[side].append(runner())
            except Exception as error:
                outcomes[side] = Outcome.failed(error)
                del runners[side]
    for side in runners:
        outcomes[side] = Outcome.ok(values[side])
    return outcomes


async def run_rounds_async(setups: Mapping[str, AsyncSetupFn], rounds: int) -> dict[str, Outcome]:
    """`run_rounds` for sides whose setup and rounds are coroutines."""
    async with AsyncExitStack() as stack:
        return await _run_rounds_async(setups, rounds, stack)


async def _run_rounds_async(
    setups: Mapping[str, AsyncSetupFn], rounds: int, stack: AsyncExitStack
) -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = {}
    runners: dict[str, AsyncRoundFn] = {}
    for side, setup in setups.items():
        try:
            runners[side] = await setup(stack)
        except SideUnavailableError as missing:
            outcomes[side] = Outcome.unavailable(str(missing))
        except Exception as error:
            outcomes[side] = Outcome.failed(error)
    values: dict[str, list[Round]] = {side: [] for side in runners}
    for _ in range(rounds):
        for side, runner in list(runners.items()):
            try:
                values[side].append(await runner())
            except Exception as error:
                outcomes[side] = Outcome.failed(error)
                del runners[side]
    for side in runners:
        outcomes[side] = Outcome.ok(values[side])
    return outcomes
