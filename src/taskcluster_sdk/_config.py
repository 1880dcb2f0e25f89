"""Client configuration: constructor keywords and the environment, resolved once.

A `ClientConfig` is frozen and holds everything the per-request path needs
precomputed (URL prefix, Hawk host/port, the `ext` value), so a request does
no parsing of its own.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import SplitResult, urlsplit, urlunsplit

from ._credentials import Credentials, CredentialsLike, coerce_credentials
from ._endpoint import ServiceInfo

if TYPE_CHECKING:
    from ._hawk import HeaderSigner

__all__ = ["DEFAULT_MAX_RETRIES", "DEFAULT_TIMEOUT", "ClientConfig", "resolve_config"]

DEFAULT_MAX_RETRIES = 5
# Per attempt, in seconds: Taskcluster API calls answer in well under a second;
# a minute leaves room for large listings and slow proxies.
DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True, slots=True)
class ClientConfig:
    """Resolved settings of one client (what URL builders and the transport use).

    `api_prefix` is the absolute URL every route is appended to
    (`<rootUrl>/api/<service>/<version>` or the 2014 `baseUrl`);
    `path_prefix` is its path (the start of Hawk's `resource`).
    `credentials` is `None` for unsigned requests (no credentials, or the
    taskcluster-proxy, which signs for us).
    """

    service: ServiceInfo
    api_prefix: str
    root_url: str | None
    credentials: Credentials | None = field(repr=False)
    authorized_scopes: tuple[str, ...] | None
    max_retries: int
    timeout: float
    deadline: float | None
    # Precomputed for signing: lower-case host, port, path prefix.
    host: str = field(repr=False)
    port: int = field(repr=False)
    path_prefix: str = field(repr=False)
    # Derived from the fields above (so `dataclasses.replace` keeps them
    # right, as the `credentials` setter of clients relies on): Hawk's `ext`
    # and the signer; `""` and `None` when requests go unsigned.
    hawk_ext: str = field(init=False, repr=False, compare=False)
    signer: HeaderSigner | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ext, signer = "", None
        if self.credentials is not None:
            # hashlib/hmac load with the first signing client, not on import.
            from ._hawk import HeaderSigner, hawk_ext  # noqa: PLC0415

            ext = hawk_ext(self.credentials, self.authorized_scopes)
            signer = HeaderSigner(
                self.credentials.client_id,
                self.credentials.access_token.encode(),
                self.host,
                self.port,
                ext,
            )
        object.__setattr__(self, "hawk_ext", ext)
        object.__setattr__(self, "signer", signer)


def _env(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name)
    return value if value else None


def resolve_config(
    service: ServiceInfo,
    *,
    root_url: str | None = None,
    base_url: str | None = None,
    credentials: CredentialsLike | None = None,
    authorized_scopes: Sequence[str] | None = None,
    max_retries: int = DEFAULT_MAX_RETRIES,
    timeout: float = DEFAULT_TIMEOUT,
    deadline: float | None = None,
    use_environment: bool = False,
    environ: Mapping[str, str] | None = None,
) -> ClientConfig:
    """Resolve constructor keywords (and, if asked, the environment) into a config.

    With `use_environment`, a missing root URL comes from
    `TASKCLUSTER_ROOT_URL` and missing credentials from
    `TASKCLUSTER_CLIENT_ID` / `TASKCLUSTER_ACCESS_TOKEN` /
    `TASKCLUSTER_CERTIFICATE`; if `TASKCLUSTER_PROXY_URL` is set, requests go
    to that proxy unsigned (it adds the task's credentials itself).
    """
    env = os.environ if environ is None else environ
    creds = coerce_credentials(credentials)
    if root_url is not None and base_url is not None:
        raise ValueError("pass either root_url or base_url, not both")
    proxy_url = _env(env, "TASKCLUSTER_PROXY_URL") if use_environment else None
    if use_environment and creds is None and proxy_url is None:
        creds = _credentials_from_env(env)
    if proxy_url is not None and root_url is None and base_url is None:
        root_url, creds = proxy_url, None
    elif use_environment and root_url is None and base_url is None:
        if service.base_url is not None:
            base_url = service.base_url
        else:
            root_url = _env(env, "TASKCLUSTER_ROOT_URL")

    if base_url is not None:
        api_prefix = base_url.rstrip("/")
    elif root_url is not None:
        root_url = root_url.rstrip("/")
        api_prefix = f"{root_url}/api/{service.name}/{service.api_version}"
    elif service.base_url is not None:
        api_prefix = service.base_url.rstrip("/")
    else:
        raise ValueError(
            "no Taskcluster root URL: pass root_url=... or set TASKCLUSTER_ROOT_URL "
            "(e.g. https://community-tc.services.mozilla.com)"
        )

    parts = urlsplit(api_prefix)
    if parts.username is not None or parts.password is not None:
        # Refused, not stripped: httpx would send them as `Authorization: Basic`
        # instead of Hawk, and nothing in Taskcluster reads them.
        raise ValueError(
            "root URL / base URL must not contain a user name or password "
            f"(got {_redacted(parts)!r}); pass credentials=... instead"
        )
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"root URL / base URL must be an http(s) URL, got {api_prefix!r}")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    scopes = _scopes(authorized_scopes)
    if not _is_count(max_retries):
        raise ValueError(f"max_retries must be an int >= 0, got {max_retries!r}")
    if not timeout > 0:
        raise ValueError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if deadline is not None and not deadline > 0:
        raise ValueError(f"deadline must be a positive number of seconds, got {deadline!r}")

    return ClientConfig(
        service=service,
        api_prefix=api_prefix,
        root_url=root_url,
        credentials=creds,
        authorized_scopes=scopes,
        max_retries=max_retries,
        timeout=float(timeout),
        deadline=None if deadline is None else float(deadline),
        host=parts.hostname.lower(),
        port=port,
        path_prefix=parts.path,
    )


def _redacted(parts: SplitResult) -> str:
    host = parts.netloc.rpartition("@")[2]
    return urlunsplit((parts.scheme, f"***@{host}", parts.path, parts.query, parts.fragment))


def _scopes(authorized_scopes: Sequence[str] | None) -> tuple[str, ...] | None:
    if authorized_scopes is None:
        return None
    if isinstance(authorized_scopes, str):
        raise TypeError("authorized_scopes must be a list of scopes, not a single str")
    scopes = tuple(authorized_scopes)
    for scope in scopes:
        if not isinstance(scope, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError(f"authorized_scopes entries must be str, got {type(scope).__name__}")
    return scopes


def _credentials_from_env(env: Mapping[str, str]) -> Credentials | None:
    client_id = _env(env, "TASKCLUSTER_CLIENT_ID")
    access_token = _env(env, "TASKCLUSTER_ACCESS_TOKEN")
    if client_id is None and access_token is None:
        return None
    if client_id is None or access_token is None:
        missing = "TASKCLUSTER_CLIENT_ID" if client_id is None else "TASKCLUSTER_ACCESS_TOKEN"
        raise ValueError(f"{missing} is not set but its partner is; set both or neither")
    return Credentials(client_id, access_token, _env(env, "TASKCLUSTER_CERTIFICATE"))


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0
