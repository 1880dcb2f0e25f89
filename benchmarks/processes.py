"""Environment for the fresh interpreters the import and generation figures start.

Users run with compiled bytecode (pip writes `.pyc` files at install time),
but this machine sets `PYTHONDONTWRITEBYTECODE=1` and uv installs without
compiling: children would then compile every module from source on every
start and measure the compiler. Children may write bytecode, into a cache
directory private to this run (`PYTHONPYCACHEPREFIX`) so neither the source
tree nor site-packages is touched; each side's untimed warm-up run fills it.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import tempfile
from pathlib import Path


@functools.cache
def _pycache() -> tempfile.TemporaryDirectory[str]:
    # Kept for the life of the process; removed when the interpreter exits.
    return tempfile.TemporaryDirectory(prefix="bench-pycache-")


def child_env() -> dict[str, str]:
    """The parent's environment, with bytecode caching and our package's directory on the path."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = _pycache().name
    spec = importlib.util.find_spec("taskcluster_sdk")
    if spec is not None and spec.origin is not None:
        source_dir = str(Path(spec.origin).parent.parent)
        env["PYTHONPATH"] = os.pathsep.join(filter(None, (source_dir, env.get("PYTHONPATH"))))
    return env
