"""The URL parameter patterns Taskcluster v106 checks before a method runs.

Real services refuse a path argument that breaks its service's pattern with
400 `InvalidRequestArguments` (after authentication, before the payload is
validated); the references do not carry these patterns, so they are listed
here from the v106 services. Only the patterns our users' code can break
without the SDK refusing first are listed: artifact names (printable ASCII,
no `ü`) and run ids.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ._http import FakeAPIError

__all__ = ["check_url_parameters"]

_PRINTABLE_ASCII = r"^[\x20-\x7e]+$"

_PATTERNS: Mapping[str, Mapping[str, str]] = {
    "queue": {"name": _PRINTABLE_ASCII, "runId": r"^[1-9]*[0-9]+$"},
    "auth": {"roleId": _PRINTABLE_ASCII},
}


def check_url_parameters(service: str, params: Mapping[str, str]) -> None:
    """Raise the 400 v106 answers when a path argument breaks its pattern."""
    patterns = _PATTERNS.get(service, {})
    errors = [
        f"URL parameter '{name}' given as '{value}' must match regular expression: "
        f"'/{patterns[name]}/'"
        for name, value in params.items()
        if name in patterns and re.search(patterns[name], value) is None
    ]
    if errors:
        raise FakeAPIError(
            400, "InvalidRequestArguments", "Invalid URL patterns:\n" + "\n".join(errors)
        )
