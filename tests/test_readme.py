"""The README's code stays true: it parses, its imports exist, its calls exist.

The snippets talk to real deployments and brokers, so they are not run here;
what they use is checked against the package instead (the behaviour itself is
covered by the other tests).
"""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest

from taskcluster_sdk import AsyncQueue, Queue
from taskcluster_sdk.pulse import PulseListener

README = Path(__file__).resolve().parent.parent / "README.md"
BLOCKS = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_readme_has_python_examples() -> None:
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.splitlines()[0][:40])
def test_snippet_parses_and_its_imports_exist(block: str) -> None:
    tree = ast.parse(block)
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            module = importlib.import_module(node.module)
            for alias in node.names:
                assert hasattr(module, alias.name), f"{node.module}.{alias.name}"


# Calls on objects the snippets name `queue` (Queue or AsyncQueue), `listener`,
# and the `pages` / `urls` / `signed_urls` accessors.
RECEIVERS = {
    "queue": (Queue, AsyncQueue),
    "listener": (PulseListener,),
}


@pytest.mark.parametrize("block", BLOCKS, ids=lambda b: b.splitlines()[0][:40])
def test_methods_the_snippets_call_exist(block: str) -> None:
    for node in ast.walk(ast.parse(block)):
        if not isinstance(node, ast.Attribute):
            continue
        target = node.value
        if isinstance(target, ast.Name) and target.id in RECEIVERS:
            for cls in RECEIVERS[target.id]:
                assert hasattr(cls, node.attr), f"{cls.__name__}.{node.attr}"
        elif (
            isinstance(target, ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id == "queue"
            and target.attr in ("pages", "urls", "signed_urls")
        ):
            accessor = getattr(Queue(root_url="https://tc.example.com"), target.attr)
            assert hasattr(accessor, node.attr), f"queue.{target.attr}.{node.attr}"
