"""Static descriptions of API endpoints, shared by every generated client.

Generated service modules build one `Endpoint` per API entry at import time;
the runtime turns it into a URL. Nothing here imports httpx or pydantic so
that importing a service module stays cheap.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class ServiceInfo:
    """Where a service lives.

    `base_url` is the 2014 reference's default `baseUrl` (2014 platform) or
    `None` for the current platform, where URLs are built from a root URL.
    """

    name: str
    api_version: str
    base_url: str | None = None


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One API entry: HTTP method, route template and argument names."""

    name: str
    method: str
    route: str
    args: tuple[str, ...] = ()
    query: tuple[str, ...] = ()
    # The route split around its `<arg>` placeholders, so building a path is a
    # join instead of a search-and-replace on every call.
    route_parts: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        parts: list[str] = []
        rest = self.route
        for arg in self.args:
            placeholder = f"<{arg}>"
            before, found, rest = rest.partition(placeholder)
            if not found:
                raise ValueError(f"route {self.route!r} of {self.name} has no {placeholder}")
            parts.append(before)
        parts.append(rest)
        object.__setattr__(self, "route_parts", tuple(parts))
