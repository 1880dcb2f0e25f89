"""Building request URLs, and the `urls` / `signed_urls` helpers of every client.

Path arguments are percent-encoded completely (`/` becomes `%2F`) so an
artifact name such as `public/build/a b.zip` stays one path segment.
"""

from __future__ import annotations

import math
import time
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote, urlencode

from ._config import ClientConfig
from ._endpoint import Endpoint

__all__ = [
    "DEFAULT_SIGNED_URL_LIFETIME",
    "SignedURLBuilder",
    "URLBuilder",
    "build_path",
    "encode_query",
]

DEFAULT_SIGNED_URL_LIFETIME = 15 * 60


def build_path(endpoint: Endpoint, args: Sequence[str | int]) -> str:
    """The route with its `<arg>` placeholders replaced by encoded values."""
    parts = endpoint.route_parts
    if len(args) != len(parts) - 1:
        raise TypeError(
            f"{endpoint.name} takes {len(parts) - 1} path argument(s) "
            f"({', '.join(endpoint.args) or 'none'}), got {len(args)}"
        )
    path = parts[0]
    for index, value in enumerate(args):
        # Most path values (task IDs, names) need no escaping: a `str.rstrip`
        # over the unreserved characters says so far cheaper than `quote`.
        if type(value) is str and value and not value.rstrip(_UNRESERVED) and value not in _DOTS:
            text = value
        else:
            text = quote(_path_value(endpoint, endpoint.args[index], value), safe="")
        path += text + parts[index + 1]
    return path


# What `quote(..., safe="")` leaves alone.
_UNRESERVED = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-~"
_DOTS = frozenset((".", ".."))


def _path_value(endpoint: Endpoint, name: str, value: object) -> str:
    if isinstance(value, str):
        if not value:
            raise ValueError(f"{endpoint.name}: path argument {name} must not be empty")
        if value in _DOTS:
            # HTTP clients remove dot segments after signing: the request
            # would reach another route (`task("..")` the API root).
            raise ValueError(f"{endpoint.name}: path argument {name} must not be {value!r}")
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise TypeError(
        f"{endpoint.name}: path argument {name} must be str or int, not {type(value).__name__}"
    )


def encode_query(query: Mapping[str, Any] | None) -> str:
    """`?a=1&b=x` from a mapping, leaving out `None` values ('' if nothing is left)."""
    if not query:
        return ""
    pairs = [(key, _query_value(key, value)) for key, value in query.items() if value is not None]
    if not pairs:
        return ""
    return "?" + urlencode(pairs)


def _query_value(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return str(value)
    raise TypeError(f"query argument {key} must be str, int or bool, not {type(value).__name__}")


class URLBuilder:
    """Base of the generated `<Service>URLs` classes: the URL of any method."""

    __slots__ = ("_config",)

    def __init__(self, config: ClientConfig) -> None:
        self._config = config

    def _url(
        self, endpoint: Endpoint, args: Sequence[str | int], query: Mapping[str, Any] | None
    ) -> str:
        return self._config.api_prefix + build_path(endpoint, args) + encode_query(query)


class SignedURLBuilder:
    """Base of the generated `<Service>SignedURLs`: GET URLs signed with a bewit.

    Anyone holding such a URL can make that one GET until it expires, so
    keep lifetimes short (the default is 15 minutes). `expires_in` is in
    seconds from now; zero or a negative number gives a URL that is already
    expired (the server answers 401), as the official clients allow, for
    testing how a server or a program treats expired links.
    """

    __slots__ = ("_config",)

    def __init__(self, config: ClientConfig) -> None:
        self._config = config

    def _signed_url(
        self,
        endpoint: Endpoint,
        args: Sequence[str | int],
        query: Mapping[str, Any] | None,
        expires_in: float | None = None,
    ) -> str:
        config = self._config
        if endpoint.method != "GET":
            raise ValueError(
                f"{endpoint.name} is a {endpoint.method} method; only GET URLs can be signed"
            )
        credentials = config.credentials
        if credentials is None:
            raise ValueError(
                "signed URLs need credentials (none configured, or requests go through the taskcluster-proxy)"
            )
        lifetime = DEFAULT_SIGNED_URL_LIFETIME if expires_in is None else expires_in
        if (
            isinstance(lifetime, bool)
            or not isinstance(lifetime, (int, float))  # pyright: ignore[reportUnnecessaryIsInstance]
            or not math.isfinite(lifetime)
        ):
            raise ValueError(f"expires_in must be a finite number of seconds, got {expires_in!r}")
        # hashlib (via _hawk) only loads when a URL is actually signed.
        from ._hawk import bewit  # noqa: PLC0415

        path_and_query = build_path(endpoint, args) + encode_query(query)
        exp = int(time.time() + lifetime)
        value = bewit(
            credentials.client_id,
            credentials.access_token.encode(),
            config.path_prefix + path_and_query,
            config.host,
            config.port,
            exp,
            config.hawk_ext,
        )
        separator = "&" if "?" in path_and_query else "?"
        return f"{config.api_prefix}{path_and_query}{separator}bewit={value}"
