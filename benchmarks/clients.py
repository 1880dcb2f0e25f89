"""Loading the three contenders without importing them at module import time.

This project's clients are being generated while the harness exists, and the
official client is only installed in the bench session; both are looked up on
demand so a missing piece becomes an "n/a" cell, not a crash. The objects are
typed `Any` on purpose: the harness drives two unrelated APIs the same way.
"""

from __future__ import annotations

import importlib
from typing import Any

from benchmarks.fixtures import ACCESS_TOKEN, CLIENT_ID
from benchmarks.measure import SideUnavailableError


def ours(name: str) -> Any:
    """`taskcluster_sdk.<name>`, or SideUnavailableError saying what is missing."""
    try:
        package = importlib.import_module("taskcluster_sdk")
    except ModuleNotFoundError as error:
        raise SideUnavailableError(f"no taskcluster_sdk ({error})") from error
    try:
        return getattr(package, name)
    except (AttributeError, ModuleNotFoundError) as error:
        raise SideUnavailableError(f"no taskcluster_sdk.{name} yet ({error})") from error


def ours_module(name: str) -> Any:
    """A module of this project (for example the listener), or SideUnavailableError."""
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        raise SideUnavailableError(f"no {name} yet ({error})") from error


def official(module: str = "taskcluster") -> Any:
    """The official client's module, or SideUnavailableError when it is not installed."""
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as error:
        raise SideUnavailableError(
            f"the official client is not installed ({error}); nox -s bench installs it"
        ) from error


def our_credentials() -> Any:
    """Credentials in this project's own type when it exists, else the dict form."""
    try:
        credentials = ours("Credentials")
    except SideUnavailableError:
        return {"clientId": CLIENT_ID, "accessToken": ACCESS_TOKEN}
    return credentials(CLIENT_ID, ACCESS_TOKEN)


def official_options(root_url: str) -> dict[str, Any]:
    return {
        "rootUrl": root_url,
        "credentials": {"clientId": CLIENT_ID, "accessToken": ACCESS_TOKEN},
    }


def task_group_of(task: Any) -> str:
    """`taskGroupId` of a task, whether a typed model or a plain dict."""
    if isinstance(task, dict):
        return str(task["taskGroupId"])  # pyright: ignore[reportUnknownArgumentType]
    return str(task.taskGroupId)
