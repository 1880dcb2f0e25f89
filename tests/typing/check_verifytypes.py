"""`pyright --verifytypes taskcluster_sdk --ignoreexternal` must not fall below the threshold.

Run inside the typecheck session (pyright finds the package through the
session's virtualenv). Prints every public symbol whose type is not fully
known, so a drop names its cause.

Threshold: 100%: every public symbol has a known type; a new gap fails
the session and is printed above the score.
"""

from __future__ import annotations

import json
import subprocess
import sys

THRESHOLD = 1.0


def main() -> int:
    result = subprocess.run(
        ["pyright", "--verifytypes", "taskcluster_sdk", "--ignoreexternal", "--outputjson"],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        print(result.stdout, result.stderr, file=sys.stderr)
        return 1
    completeness = report["typeCompleteness"]
    score = float(completeness["completenessScore"])
    counts = completeness["exportedSymbolCounts"]
    if counts["withKnownType"] == 0:
        print("pyright found no exported symbols: is taskcluster_sdk installed?", file=sys.stderr)
        return 1
    for symbol in completeness["symbols"]:
        if not symbol["isTypeKnown"] and symbol["diagnostics"]:
            first = symbol["diagnostics"][0]["message"].splitlines()[0]
            print(f"  {symbol['name']}: {first}")
    print(f"type completeness {score:.2%} (threshold {THRESHOLD:.1%}), {counts}")
    return 0 if score >= THRESHOLD else 1


if __name__ == "__main__":
    sys.exit(main())
