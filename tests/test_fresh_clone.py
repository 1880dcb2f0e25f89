"""The README's set-up and regeneration commands work in a fresh clone with nothing beside it.

The repository (its working tree, as it would be committed) is cloned into an
empty directory; the README's shell blocks run there word for word, except
the commands listed in NOT_RUN, and the deployment URL points at a loopback
server that serves the checked-in definitions the way a Taskcluster v106
deployment does. Importing from it and regenerating must leave the clone
without a diff. The commands really run: a virtualenv, `pip install nox uv`
from the package index, and the nox sessions with their own environments.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from tests._import_helpers import PROJECT, bundle_entries, serve_deployment

README = PROJECT / "README.md"
# The README's stand-in for a deployment.
PLACEHOLDER_URL = "https://your-deployment.example.com"
# Commands of the README's blocks this test does not run, and why:
NOT_RUN = {
    # the suite running itself; the broker is the suite's own prerequisite check
    "nox -s tests",
    "bash .ci/ensure-rabbitmq",
}
COMMAND_TIMEOUT = 900


def _section_commands(title: str) -> list[str]:
    """The command lines of the first ```sh block after the heading `title`."""
    text = README.read_text(encoding="utf-8")
    heading = re.search(rf"^## {re.escape(title)}\s*$", text, re.M)
    assert heading is not None, f"README has no section {title!r}"
    block = re.search(r"```sh\n(.*?)```", text[heading.end() :], re.S)
    assert block is not None, f"README section {title!r} has no sh block"
    lines = [line.split(" #", 1)[0].strip() for line in block.group(1).splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


def _run(script: str, cwd: Path, env: dict[str, str]) -> str:
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=COMMAND_TIMEOUT,
        check=False,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"`{script}` failed ({result.returncode}):\n{output[-6000:]}"
    return output


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True
    ).stdout


def _fresh_clone(tmp_path: Path) -> Path:
    """A clone of the working tree's committed-to-be state, alone in its directory."""
    origin = tmp_path / "origin"
    origin.mkdir()
    listed = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=PROJECT)
    for name in filter(None, listed.split("\0")):
        source = PROJECT / name
        if source.is_file():  # deleted but not yet committed: not part of the clone
            target = origin / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    identity = ["-c", "user.name=test", "-c", "user.email=test@example.com"]
    _git("init", "-q", cwd=origin)
    _git("add", "-A", cwd=origin)
    _git(*identity, "commit", "-q", "-m", "snapshot", cwd=origin)
    box = tmp_path / "box"
    box.mkdir()
    _git("clone", "-q", str(origin), "taskcluster-sdk", cwd=box)
    shutil.rmtree(origin)
    assert [child.name for child in box.iterdir()] == ["taskcluster-sdk"]
    return box / "taskcluster-sdk"


def _clean_environment() -> dict[str, str]:
    """The caller's environment without this test session's virtualenv or Python settings."""
    session_bin = str(Path(sys.prefix) / "bin")
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "CONDA_PREFIX")
        and not key.startswith(("NOX_", "PYTEST_", "UV_PROJECT"))
    }
    env["PATH"] = os.pathsep.join(
        entry for entry in env.get("PATH", "").split(os.pathsep) if entry != session_bin
    )
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    return env


def test_readme_commands_regenerate_a_fresh_clone_without_a_diff(tmp_path: Path) -> None:
    set_up = [line for line in _section_commands("Set up, generate, test") if line not in NOT_RUN]
    regenerate = _section_commands("Regenerating when Taskcluster changes")
    assert any("venv" in line for line in set_up), set_up
    importing = [line for line in regenerate if "import-references" in line]
    assert importing and all(PLACEHOLDER_URL in line for line in importing), regenerate

    clone = _fresh_clone(tmp_path)
    env = _clean_environment()
    with serve_deployment(bundle_entries()) as root_url:
        commands = set_up + [line.replace(PLACEHOLDER_URL, root_url) for line in regenerate]
        output = _run("\n".join(commands), clone, env)

    assert "imported" in output and "generated" in output, output[-3000:]
    status = _git("status", "--porcelain", "--untracked-files=all", cwd=clone)
    changed = [line for line in status.splitlines() if not line[3:].startswith((".venv/", ".nox/"))]
    assert changed == [], "the README's commands left a diff:\n" + "\n".join(changed)
