"""The test suite needs nothing outside the clone (no ../shared, no upstream checkout)."""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parent

# Paths that exist on the machines this project was started on, never in a clone:
# the raw upstream definitions next to the repository and the upstream monorepo.
OUTSIDE = re.compile(r"""["'/]shared["'/]|tc-v106|/work/|\.\./shared""")

# Owned by the benchmarks stream; it is moving to `tests._import_helpers.bundle_path()`.
# Remove the entry when it no longer reads ../shared.
ELSEWHERE = {"test_bench_smoke.py"}


def _sources() -> list[Path]:
    return sorted(
        file
        for pattern in ("*.py", "*.js", "*.json")
        for file in TESTS.rglob(pattern)
        if "fixtures" not in file.relative_to(TESTS).parts
        and "node_modules" not in file.parts
        and file != Path(__file__).resolve()
    )


def test_no_test_reads_outside_the_repository() -> None:
    offenders = {
        f"{file.relative_to(TESTS)}:{number}: {line.strip()}"
        for file in _sources()
        if file.name not in ELSEWHERE
        for number, line in enumerate(file.read_text().splitlines(), 1)
        if OUTSIDE.search(line)
    }
    assert not offenders, "tests reach outside the clone:\n" + "\n".join(sorted(offenders))


def test_the_scan_sees_the_helpers() -> None:
    # A scan that finds no files would pass vacuously.
    names = {file.name for file in _sources()}
    assert {"_import_helpers.py", "test_import.py", "server.js"} <= names
