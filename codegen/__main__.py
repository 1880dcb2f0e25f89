"""Command line of the generator.

python -m codegen import <source> [<source> ...]
python -m codegen generate [--output DIR]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from codegen.errors import GeneratorError
from codegen.importer import import_sources
from codegen.pipeline import generate

ROOT = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen")
    commands = parser.add_subparsers(dest="command", required=True)

    importing = commands.add_parser(
        "import", help="import upstream definitions into references/ and schemas/"
    )
    importing.add_argument(
        "sources",
        nargs="*",
        help="a deployment's root URL, a references.json bundle or a 2014 directory "
        "(apis.js + schemas/)",
    )
    importing.add_argument("--root", type=Path, default=ROOT, help="project root to write into")

    generating = commands.add_parser("generate", help="render src/taskcluster_sdk from the inputs")
    generating.add_argument("--root", type=Path, default=ROOT, help="project root to read from")
    generating.add_argument(
        "--output", type=Path, default=None, help="package directory (default src/taskcluster_sdk)"
    )

    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        if args.command == "import":
            notes: list[str] = []
            written = import_sources(args.sources, args.root, notes)
            for note in notes:
                print(f"note: {note}")
            print(
                f"imported {written} files into {args.root / 'references'} and {args.root / 'schemas'}"
            )
        else:
            output = args.output or args.root / "src" / "taskcluster_sdk"
            written = generate(args.root, output)
            print(f"generated {written} files into {output}")
    except GeneratorError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"took {time.perf_counter() - started:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
