"""Rounds, summaries and the outcome of measuring one side of a figure.

A figure compares up to three sides ("ours", "official", "floor"). Rounds are
interleaved (ours, official, floor, ours, ...) so that drift of the machine
(thermal, other processes) hits every side alike.
"""

from __future__ import annotations

import statistics
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
class Outcome:
    """What happened to one side: measured, not available here, or failed."""

    status: Literal["ok", "unavailable", "failed"]
    summary: Summary | None = None
    reason: str = ""

    @classmethod
    def ok(cls, values: list[float]) -> Outcome:
        return cls("ok", Summary.of(values))

    @classmethod
    def unavailable(cls, reason: str) -> Outcome:
        return cls("unavailable", reason=reason)

    @classmethod
    def failed(cls, error: BaseException) -> Outcome:
        # The last frame says where it broke; the whole traceback is too long for a table.
        frames = traceback.extract_tb(error.__traceback__)
        where = f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""
        return cls("failed", reason=f"{type(error).__name__}: {error}{where}")


RoundFn = Callable[[], float]
# A setup builds the client, registers its cleanup on the stack and returns one round.
SetupFn = Callable[[ExitStack], RoundFn]
AsyncRoundFn = Callable[[], Awaitable[float]]
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
    values: dict[str, list[float]] = {side: [] for side in runners}
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
    values: dict[str, list[float]] = {side: [] for side in runners}
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
