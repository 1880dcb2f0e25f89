"""The generator end to end: golden output, determinism, and no half-written output."""

from __future__ import annotations

import difflib
import filecmp
import json
import os
import re
import shutil
from pathlib import Path

import pytest

from codegen.errors import GeneratorError
from codegen.pipeline import generate

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "fixtures" / "golden"


def _tree(directory: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(directory)): path.read_bytes()
        for path in sorted(directory.rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    }


def _diff(expected: dict[str, bytes], actual: dict[str, bytes]) -> str:
    out: list[str] = []
    for name in sorted(set(expected) | set(actual)):
        a = expected.get(name, b"").decode().splitlines(keepends=True)
        b = actual.get(name, b"").decode().splitlines(keepends=True)
        out += difflib.unified_diff(a, b, f"expected/{name}", f"generated/{name}")
    return "".join(out)


def test_golden_output(tmp_path: Path) -> None:
    """A template or generator change shows up here as a readable diff.

    After an intended change: UPDATE_GOLDEN=1 pytest tests/test_generator.py
    """
    output = tmp_path / "taskcluster_sdk"
    generate(GOLDEN / "input", output)
    actual = _tree(output)
    expected_dir = GOLDEN / "expected"
    if os.environ.get("UPDATE_GOLDEN"):
        shutil.rmtree(expected_dir, ignore_errors=True)
        shutil.copytree(output, expected_dir, ignore=shutil.ignore_patterns("__pycache__"))
    expected = _tree(expected_dir)
    assert actual == expected, _diff(expected, actual)


def test_golden_output_has_the_expected_surface() -> None:
    service = (GOLDEN / "expected" / "services" / "demo.py").read_text()
    assert "class Demo(SyncClient):" in service
    assert "class AsyncDemo(AsyncClient):" in service
    assert "    def thing(self, thingId: str, runId: int | str) -> Thing:" in service
    assert "    async def thing(self, thingId: str, runId: int | str) -> Thing:" in service
    assert '@deprecated("Demo.poke is deprecated by Taskcluster")' in service
    assert "def listThings(" in service and "SyncPager[ListThingsResponse, Thing]" in service
    events = (GOLDEN / "expected" / "events" / "demo.py").read_text()
    assert "class DemoEvents(EventsBase):" in events
    assert "class ThingChangedRoutingKey:" in events


def test_checked_in_package_is_what_the_generator_produces(tmp_path: Path) -> None:
    """Determinism and drift in one: a fresh run equals the committed output byte for byte."""
    output = tmp_path / "taskcluster_sdk"
    generate(ROOT, output)
    package = ROOT / "src" / "taskcluster_sdk"
    for name in (
        "__init__.py",
        "services",
        "events",
        "models",
        "legacy",
        "testing/services",
        "testing/legacy",
    ):
        fresh, checked_in = output / name, package / name
        if fresh.is_file():
            assert filecmp.cmp(fresh, checked_in, shallow=False), name
            continue
        a, b = _tree(fresh), _tree(checked_in)
        assert a.keys() == b.keys(), name
        assert a == b, _diff(b, a)


def test_bad_input_touches_nothing(tmp_path: Path) -> None:
    root = tmp_path / "root"
    shutil.copytree(GOLDEN / "input", root)
    output = tmp_path / "taskcluster_sdk"
    generate(root, output)
    before = _tree(output)

    api = root / "references" / "demo" / "v1" / "api.json"
    reference = json.loads(api.read_text())
    reference["entries"][1]["args"] = ["thingId"]  # the route also has <runId>
    api.write_text(json.dumps(reference))
    with pytest.raises(GeneratorError) as caught:
        generate(root, output)
    assert "api.json" in str(caught.value)
    assert "entries[1]" in str(caught.value)
    assert _tree(output) == before
    leftovers = [p.name for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_generator_does_not_import_the_package() -> None:
    """`codegen` must work where `taskcluster_sdk` is not importable (a fresh clone, a broken `__init__`)."""
    import subprocess
    import sys

    code = (
        "import sys, builtins\n"
        "real = builtins.__import__\n"
        "def guard(name, *a, **k):\n"
        "    if name == 'taskcluster_sdk' or name.startswith('taskcluster_sdk.'):\n"
        "        raise ImportError('codegen imported ' + name)\n"
        "    return real(name, *a, **k)\n"
        "builtins.__import__ = guard\n"
        "import codegen.pipeline, codegen.importer, codegen.__main__\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def test_error_exports_match_the_runtime() -> None:
    """The generator's own list of error classes is the runtime's `errors.__all__`."""
    from codegen.pipeline import ERROR_CLASSES
    from taskcluster_sdk import errors

    assert sorted(ERROR_CLASSES) == sorted(errors.__all__)


def test_sync_twins_are_what_unasync_makes_of_their_async_sources(tmp_path: Path) -> None:
    """Each checked-in sync twin is regenerated from its async source byte for byte."""
    from codegen.twins import TWINS, write_twins

    package = tmp_path / "taskcluster_sdk"
    for twin in TWINS:
        source = package / twin.source
        source.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / "src" / "taskcluster_sdk" / twin.source, source)
    assert write_twins(package) == len(TWINS)
    for twin in TWINS:
        fresh = (package / twin.target).read_text()
        checked_in = (ROOT / "src" / "taskcluster_sdk" / twin.target).read_text()
        assert fresh == checked_in, twin.target
        assert fresh.startswith("# Generated by taskcluster-sdk codegen from "), twin.target
        assert "async def" not in fresh and "async with" not in fresh, twin.target
        assert re.search(r"\bawait [\w(]", fresh) is None, twin.target
