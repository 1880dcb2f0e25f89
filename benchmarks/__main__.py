"""`python -m benchmarks [--quick] [--figure NAME ...] [--rounds N] [--output PATH]`.

Prints one table (this project, the official client and the raw floor side
by side, with ratios and targets) and writes the results as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from benchmarks import (
    fig_artifacts,
    fig_async,
    fig_cold,
    fig_generate,
    fig_import,
    fig_listener,
    fig_page,
    fig_sync,
)
from benchmarks.config import FULL, QUICK, RESULTS, RunConfig
from benchmarks.loopback import LoopbackServer
from benchmarks.report import FigureResult, machine, now, render_table, results_json

# Figures that need the loopback Queue get its root URL.
# The cold script comes first: it is the figure a short script should look at.
HTTP_FIGURES: dict[str, Callable[[RunConfig, str], list[FigureResult]]] = {
    "cold": fig_cold.run,
    "sync": fig_sync.run,
    "async": fig_async.run,
    "page": fig_page.run,
}
OTHER_FIGURES: dict[str, Callable[[RunConfig], list[FigureResult]]] = {
    "artifacts": fig_artifacts.run,
    "import": fig_import.run,
    "listener": fig_listener.run,
    "generate": fig_generate.run,
}
FIGURES = (*HTTP_FIGURES, *OTHER_FIGURES)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="tiny sizes, for the smoke test")
    parser.add_argument(
        "--figure",
        action="append",
        choices=FIGURES,
        dest="figures",
        help="run only this figure (repeatable; default: all)",
    )
    parser.add_argument("--rounds", type=int, default=None, help="rounds per side (default 5)")
    parser.add_argument(
        "--child-python",
        default=None,
        help="interpreter for the fresh-process figures (cold, import); default: this one",
    )
    parser.add_argument(
        "--output", type=Path, default=RESULTS, help=f"JSON file (default {RESULTS})"
    )
    return parser.parse_args(argv)


def run(figures: Sequence[str], config: RunConfig) -> list[FigureResult]:
    """Run the selected figures in table order."""
    results: list[FigureResult] = []
    http = [name for name in HTTP_FIGURES if name in figures]
    if http:
        with LoopbackServer(page_tasks=config.page_tasks) as server:
            for name in http:
                results.extend(HTTP_FIGURES[name](config, server.root_url))
    for name, figure in OTHER_FIGURES.items():
        if name in figures:
            results.extend(figure(config))
    return results


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        config = (QUICK if args.quick else FULL).with_rounds(args.rounds)
        config = config.with_child_python(args.child_python)
    except ValueError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    if not args.output.parent.is_dir():
        # Checked first: a run takes minutes and its results would be lost at the end.
        print(f"error: --output directory {args.output.parent} does not exist", file=sys.stderr)
        return 2
    figures = args.figures or list(FIGURES)
    results = run(figures, config)
    date = now()
    info = machine()
    print(render_table(results, info, date))
    document = results_json(results, info, date, {**config.as_json(), "quick": args.quick})
    args.output.write_text(json.dumps(document, indent=2) + "\n")
    print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
