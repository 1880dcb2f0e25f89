"""The one error type the generator raises for bad input."""

from __future__ import annotations

from pathlib import Path


class GeneratorError(Exception):
    """Bad or inconsistent input, named by file and JSON path.

    The generator checks everything before it writes anything, so raising
    this leaves references/, schemas/ and src/ untouched.
    """

    def __init__(self, message: str, *, file: Path | str | None = None, path: str | None = None):
        self.file = str(file) if file is not None else None
        self.path = path
        where = ""
        if self.file:
            where = self.file
            if path:
                where += f" at {path}"
            where += ": "
        super().__init__(f"{where}{message}")


def json_path(*parts: str | int) -> str:
    """Render a JSON path such as `$.entries[3].args` for error messages."""
    out = "$"
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out
