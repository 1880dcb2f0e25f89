"""Prove the types catch mistakes: every `# expect-error` line in fail/ must be flagged.

pyright runs in strict mode over each program in tests/typing/fail/. A line
marked `# expect-error` that pyright no longer flags fails the check, and so
does any error on a line that is not marked (the program must be otherwise
correct, so each mark tests exactly one mistake).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
FAIL = HERE / "fail"
MARK = "# expect-error"


def expected_lines(path: Path) -> set[int]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return {number for number, line in enumerate(lines, start=1) if MARK in line}


def main() -> int:
    programs = sorted(FAIL.glob("*.py"))
    if not programs:
        print("no programs in tests/typing/fail", file=sys.stderr)
        return 1
    pyright = ["pyright", "--outputjson", "--project", str(FAIL)]
    if len(sys.argv) > 1:  # e.g. --pythonpath /path/to/python outside a nox session
        pyright += sys.argv[1:]
    result = subprocess.run(
        pyright,
        capture_output=True,
        text=True,
        check=False,
        cwd=HERE.parent.parent,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(result.stdout, result.stderr, file=sys.stderr)
        return 1
    flagged: dict[Path, set[int]] = {}
    messages: dict[tuple[Path, int], str] = {}
    for diagnostic in report["generalDiagnostics"]:
        if diagnostic["severity"] not in ("error", "warning"):
            continue
        path = Path(diagnostic["file"]).resolve()
        line = diagnostic["range"]["start"]["line"] + 1
        flagged.setdefault(path, set()).add(line)
        messages[(path, line)] = diagnostic["message"].splitlines()[0]

    failures = 0
    checked = 0
    for program in programs:
        expected = expected_lines(program)
        got = flagged.get(program.resolve(), set())
        for line in sorted(expected - got):
            print(f"{program.name}:{line}: expected a type error, pyright found none")
            failures += 1
        for line in sorted(got - expected):
            print(
                f"{program.name}:{line}: unexpected type error: {messages[(program.resolve(), line)]}"
            )
            failures += 1
        checked += len(expected)
    print(
        f"{checked} expected type errors checked in {len(programs)} programs, {failures} problems"
    )
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
