"""`SyncClient` and `AsyncClient`: the base classes of every generated client.

The constructor, `from_env` and the configuration properties are written
once, in `_ClientBase`; the two classes differ only in their engine and in
how they close. Importing this module is cheap (no httpx, pydantic or
aiohttp): the transport is imported when the first client is created.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, ClassVar, Generic, Protocol, TypeVar

from ._config import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, ClientConfig, resolve_config
from ._credentials import coerce_credentials
from ._endpoint import ServiceInfo

if TYPE_CHECKING:
    from typing_extensions import Self

    from ._credentials import Credentials, CredentialsLike
    from ._transport import AsyncEngine, SyncEngine  # noqa: F401  # in the quoted bases below
    from ._transport.senders import AsyncHttpClient, SyncHttpClient

__all__ = ["AsyncClient", "SyncClient"]


class _Engine(Protocol):
    def use_config(self, config: ClientConfig) -> None: ...


HttpClientT = TypeVar("HttpClientT")
EngineT = TypeVar("EngineT", bound=_Engine)


class _ClientBase(Generic[HttpClientT, EngineT]):
    _service: ClassVar[ServiceInfo]
    _config: ClientConfig
    _http_client: HttpClientT | None
    _engine: EngineT

    def __init__(
        self,
        *,
        root_url: str | None = None,
        base_url: str | None = None,
        credentials: CredentialsLike | None = None,
        authorized_scopes: Sequence[str] | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        timeout: float = DEFAULT_TIMEOUT,
        deadline: float | None = None,
        http_client: HttpClientT | None = None,
    ) -> None:
        self._configure(
            root_url=root_url,
            base_url=base_url,
            credentials=credentials,
            authorized_scopes=authorized_scopes,
            max_retries=max_retries,
            timeout=timeout,
            deadline=deadline,
            from_env=False,
            http_client=http_client,
        )

    @classmethod
    def from_env(
        cls,
        *,
        authorized_scopes: Sequence[str] | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        timeout: float = DEFAULT_TIMEOUT,
        deadline: float | None = None,
        http_client: HttpClientT | None = None,
    ) -> Self:
        """A client configured from the `TASKCLUSTER_*` environment variables."""
        client = cls.__new__(cls)
        client._configure(
            root_url=None,
            base_url=None,
            credentials=None,
            authorized_scopes=authorized_scopes,
            max_retries=max_retries,
            timeout=timeout,
            deadline=deadline,
            from_env=True,
            http_client=http_client,
        )
        return client

    def _configure(
        self,
        *,
        root_url: str | None,
        base_url: str | None,
        credentials: CredentialsLike | None,
        authorized_scopes: Sequence[str] | None,
        max_retries: int,
        timeout: float,
        deadline: float | None,
        from_env: bool,
        http_client: HttpClientT | None,
    ) -> None:
        try:
            service = self._service
        except AttributeError:
            raise TypeError(
                f"{type(self).__name__} is not a service client (no _service)"
            ) from None
        self._config = resolve_config(
            service,
            root_url=root_url,
            base_url=base_url,
            credentials=credentials,
            authorized_scopes=authorized_scopes,
            max_retries=max_retries,
            timeout=timeout,
            deadline=deadline,
            use_environment=from_env or (root_url is None and base_url is None),
        )
        # The artifact helpers send through it too (object service, storage).
        self._http_client = http_client
        self._connect(self._config, http_client)

    def _connect(self, config: ClientConfig, http_client: HttpClientT | None) -> None:
        raise NotImplementedError

    @property
    def credentials(self) -> Credentials | None:
        """The credentials requests are signed with; `None` sends them unsigned.

        Assign new ones to sign the calls that follow with them: a
        `Credentials`, the `{"clientId", "accessToken", "certificate"}`
        mapping, or an answer's credentials, so a worker keeps one client
        across reclaims (`queue.credentials = reclaimed.credentials`). Calls
        under way finish with the credentials they started with; the
        connections are kept. `authorized_scopes` stay as configured. On a
        client that sends through taskcluster-proxy, credentials assigned
        here are sent to the proxy.
        """
        return self._config.credentials

    @credentials.setter
    def credentials(self, value: CredentialsLike | None) -> None:
        # One new config object (its ext and signer derived anew), swapped
        # whole: a call reads it once, so it never signs with half of the
        # old credentials and half of the new.
        self._config = config = replace(self._config, credentials=coerce_credentials(value))
        self._engine.use_config(config)

    @property
    def config(self) -> ClientConfig:
        """The resolved configuration (URLs, retries, timeouts; secrets stay out of its repr)."""
        return self._config

    @property
    def root_url(self) -> str | None:
        """The deployment's root URL (`None` for 2014 clients on a `base_url`)."""
        return self._config.root_url

    def __repr__(self) -> str:
        config = self._config
        client_id = config.credentials.client_id if config.credentials else None
        return f"{type(self).__name__}(url={config.api_prefix!r}, client_id={client_id!r})"


class SyncClient(_ClientBase["SyncHttpClient", "SyncEngine"]):
    """Base of the generated synchronous clients (`Queue`, `Auth`, ...).

    With no `root_url` (and, for 2014 clients, no `base_url`) the
    configuration comes from the environment: `TASKCLUSTER_ROOT_URL`,
    `TASKCLUSTER_CLIENT_ID`, `TASKCLUSTER_ACCESS_TOKEN`,
    `TASKCLUSTER_CERTIFICATE`, or `TASKCLUSTER_PROXY_URL` inside a task
    with taskcluster-proxy (then requests go to the proxy unsigned). A 2014
    client defaults to its reference's `baseUrl`. Explicit keywords win.

    `timeout` bounds each attempt, its whole answer included (seconds);
    `deadline` bounds a whole call with its retries; `max_retries` retries follow 5xx and transport failures
    (never 4xx). `http_client` is an `httpx.Client` you own (proxies, mTLS,
    transports): it is used as is and never closed by this client.

    Responses: JSON bodies are parsed (leniently: unknown fields and enum
    values are kept) into the method's model; methods without output, and
    204 answers, return `None`. Redirects are not followed: artifact
    methods answer 303 with a JSON body naming the storage URL, which is
    returned like a 200 (a 303 whose body is empty, HTML or text gives
    `url` and `storageType` from its `Location` and
    `x-taskcluster-artifact-storage-type` headers). `taskcluster_sdk.http_response(result)` gives the
    `httpx.Response` (status, headers such as `Location`) behind a result.
    Errors raise the classes in `taskcluster_sdk.errors`; after `close()`,
    calls raise `ClientClosedError`.
    """

    def _connect(self, config: ClientConfig, http_client: SyncHttpClient | None) -> None:
        from ._transport import SyncEngine  # noqa: PLC0415  # httpx loads with the first client

        self._engine = engine = SyncEngine(config, http_client)
        # Generated methods call `self._call(...)`: bound straight to the engine,
        # one frame fewer on every call.
        self._call, self._call_no_output = engine.call, engine.call_no_output

    def close(self) -> None:
        """Release pooled connections (an injected `http_client` stays open)."""
        self._engine.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncClient(_ClientBase["AsyncHttpClient", "AsyncEngine"]):
    """Base of the generated asynchronous clients (`AsyncQueue`, ...).

    Configuration as for `SyncClient`. By default requests go through an
    aiohttp session made on first use (it stays fast with many requests in
    flight); `http_client` may instead be an `httpx.AsyncClient` or an
    `aiohttp.ClientSession` you own, never closed by this client. A client
    belongs to the event loop of its first call: use one client per loop
    (`EventLoopError` otherwise); after `aclose()` calls raise
    `ClientClosedError`.
    """

    def _connect(self, config: ClientConfig, http_client: AsyncHttpClient | None) -> None:
        from ._transport import AsyncEngine  # noqa: PLC0415  # httpx loads with the first client

        self._engine = engine = AsyncEngine(config, http_client)
        # Generated methods call `self._call(...)`: bound straight to the engine,
        # one coroutine layer fewer on every call.
        self._call, self._call_no_output = engine.call, engine.call_no_output

    async def aclose(self) -> None:
        """Release pooled connections (an injected `http_client` stays open)."""
        await self._engine.aclose()

    async def close(self) -> None:
        """Same as `aclose()`."""
        await self._engine.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
