"""Format generated code with ruff, so templates needn't fuss over layout.

ruff is pinned in the codegen dependency group: the same version formats the
same input to the same bytes on every machine, which the drift check needs.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from codegen.errors import GeneratorError

PROJECT = Path(__file__).resolve().parent.parent


def tidy(*paths: Path) -> None:
    """Drop unused imports, sort imports and `__all__`, then format."""
    config = PROJECT / "pyproject.toml"
    for command in (
        ["check", "--fix-only", "--select", "I,F401,RUF022", "--quiet"],
        ["format", "--quiet"],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *command, "--config", str(config), *map(str, paths)],
            capture_output=True,
            text=True,
            check=False,
        )
        if result.returncode != 0:
            raise GeneratorError(
                f"ruff {command[0]} failed on the generated code:\n{result.stderr}"
            )
