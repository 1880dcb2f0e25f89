"""Figures with their targets, the printed table and `results.json`.

Every ratio is a speed-up of this project over the other side: above 1 means
ours is faster (or smaller). For rates (calls/s) that is ours/other, for
costs (seconds, megabytes) it is other/ours, so targets read the same way
everywhere ("at least 2x the official client").
"""

from __future__ import annotations

import datetime
import os
import platform
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from benchmarks.measure import SIDES, Outcome

SCHEMA = "taskcluster-sdk-bench/1"
# Reasons are cut in the table to keep it readable; results.json has them whole.
REASON_WIDTH = 60


@dataclass(frozen=True)
class Target:
    """A goal from the issue: a minimum speed-up over a side, or a maximum absolute value."""

    against: Literal["official", "floor", "absolute"]
    at_least: float | None = None
    at_most: float | None = None

    def describe(self, unit: str) -> str:
        if self.against == "absolute":
            return f"< {self.at_most:g} {unit}"
        return f"{self.against} >= {self.at_least:g}x"


@dataclass(frozen=True)
class FigureResult:
    """One row of the table: the three sides of one measurement."""

    key: str
    title: str
    unit: str
    higher_is_better: bool
    outcomes: Mapping[str, Outcome]
    targets: tuple[Target, ...] = ()
    # Import time against a bare interpreter is context, not a competitor.
    floor_ratio: bool = True
    notes: tuple[str, ...] = field(default=())

    def ratio(self, against: str) -> float | None:
        """Speed-up of ours over `against`, or None when either side has no number."""
        ours = self.outcomes.get("ours")
        other = self.outcomes.get(against)
        if against == "floor" and not self.floor_ratio:
            return None
        if ours is None or other is None or ours.summary is None or other.summary is None:
            return None
        if ours.summary.median <= 0 or other.summary.median <= 0:
            return None
        if self.higher_is_better:
            return ours.summary.median / other.summary.median
        return other.summary.median / ours.summary.median

    def cpu_ratio(self, against: str) -> float | None:
        """Speed-up of ours over `against` in client CPU time per operation, if both have it."""
        ours = self.outcomes.get("ours")
        other = self.outcomes.get(against)
        if ours is None or other is None:
            return None
        if ours.cpu_us_per_op is None or other.cpu_us_per_op is None:
            return None
        if ours.cpu_us_per_op.median <= 0:
            return None
        return other.cpu_us_per_op.median / ours.cpu_us_per_op.median

    def verdict(self, target: Target) -> Literal["PASS", "MISS", "n/a"]:
        if target.against == "absolute":
            ours = self.outcomes.get("ours")
            if ours is None or ours.summary is None or target.at_most is None:
                return "n/a"
            return "PASS" if ours.summary.median < target.at_most else "MISS"
        ratio = self.ratio(target.against)
        if ratio is None or target.at_least is None:
            return "n/a"
        return "PASS" if ratio >= target.at_least else "MISS"


def format_value(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 1:
        return f"{value:.2f}"
    return f"{value:.3f}"


def format_outcome(outcome: Outcome | None, unit: str) -> str:
    if outcome is None:
        return "-"
    if outcome.summary is None:
        kind = "not available" if outcome.status == "unavailable" else "failed"
        reason = outcome.reason
        if len(reason) > REASON_WIDTH:
            reason = reason[: REASON_WIDTH - 3] + "..."
        return f"n/a ({kind}: {reason})"
    summary = outcome.summary
    return (
        f"{format_value(summary.median)} {unit} "
        f"({format_value(summary.minimum)}..{format_value(summary.maximum)})"
    )


def _format_ratio(ratio: float | None) -> str:
    return "-" if ratio is None else f"{ratio:.2f}x"


def _format_targets(figure: FigureResult) -> str:
    return "; ".join(
        f"{target.describe(figure.unit)}: {figure.verdict(target)}" for target in figure.targets
    )


def _cpu_note(figure: FigureResult) -> list[str]:
    """Median CPU time per operation of each side, when the figure measured it."""
    parts = [
        f"{side} {outcome.cpu_us_per_op.median:,.0f} us"
        for side, outcome in figure.outcomes.items()
        if outcome.cpu_us_per_op is not None
    ]
    if not parts:
        return []
    ratios = [
        f"{ratio:.2f}x {side}"
        for side in ("official", "floor")
        if (ratio := figure.cpu_ratio(side)) is not None
    ]
    speedup = f" (CPU speed-up: {', '.join(ratios)})" if ratios else ""
    return [f"client CPU per op (median): {', '.join(parts)}{speedup}"]


def machine() -> dict[str, Any]:
    """The facts a reader needs to compare runs."""
    return {
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "executable": sys.executable,
    }


def render_table(figures: Sequence[FigureResult], info: Mapping[str, Any], date: str) -> str:
    """The one table `python -m benchmarks` prints."""
    header: tuple[str, ...] = (
        "figure",
        "this project",
        "official client",
        "raw floor",
        "ours/official",
        "ours/floor",
        "targets",
    )
    rows: list[tuple[str, ...]] = [header]
    for figure in figures:
        rows.append(
            (
                figure.title,
                format_outcome(figure.outcomes.get("ours"), figure.unit),
                format_outcome(figure.outcomes.get("official"), figure.unit),
                format_outcome(figure.outcomes.get("floor"), figure.unit),
                _format_ratio(figure.ratio("official")),
                _format_ratio(figure.ratio("floor")),
                _format_targets(figure),
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = [
        f"taskcluster-sdk benchmarks, {date}: {info['cores']} cores, "
        f"{info['implementation']} {info['python']} on {info['platform']}",
        "values: median (min..max) over rounds; ratios: speed-up of this project (>1 = faster)",
        "",
    ]
    for index, row in enumerate(rows):
        lines.append(" | ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)))
        if index == 0:
            lines.append("-+-".join("-" * width for width in widths))
    notes = [
        f"{figure.title.strip()}: {note}"
        for figure in figures
        for note in (*figure.notes, *_cpu_note(figure))
    ]
    if notes:
        lines.append("")
        lines.extend(f"note: {note}" for note in notes)
    return "\n".join(lines)


def _outcome_json(outcome: Outcome) -> dict[str, Any]:
    data: dict[str, Any] = {"status": outcome.status}
    if outcome.summary is not None:
        summary = outcome.summary
        data |= {
            "median": summary.median,
            "min": summary.minimum,
            "max": summary.maximum,
            "rounds": list(summary.rounds),
        }
        if outcome.cpu_us_per_op is not None:
            cpu = outcome.cpu_us_per_op
            data["cpu_us_per_op"] = {
                "median": cpu.median,
                "min": cpu.minimum,
                "max": cpu.maximum,
                "rounds": list(cpu.rounds),
            }
    else:
        data["reason"] = outcome.reason
    return data


def results_json(
    figures: Sequence[FigureResult], info: Mapping[str, Any], date: str, config: Mapping[str, Any]
) -> dict[str, Any]:
    """The structure written to `benchmarks/results.json`."""
    return {
        "schema": SCHEMA,
        "date": date,
        "machine": dict(info),
        "config": dict(config),
        "figures": [
            {
                "key": figure.key,
                "title": figure.title,
                "unit": figure.unit,
                "higher_is_better": figure.higher_is_better,
                "sides": {
                    side: _outcome_json(figure.outcomes[side])
                    for side in SIDES
                    if side in figure.outcomes
                },
                "ratios": {side: figure.ratio(side) for side in ("official", "floor")},
                "cpu_ratios": {side: figure.cpu_ratio(side) for side in ("official", "floor")},
                "targets": [
                    {
                        "against": target.against,
                        "at_least": target.at_least,
                        "at_most": target.at_most,
                        "verdict": figure.verdict(target),
                    }
                    for target in figure.targets
                ],
                "notes": list(figure.notes),
            }
            for figure in figures
        ],
    }


def now() -> str:
    return datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
