"""The request path of every API call: prepare, sign, send with retries, parse.

Everything but the sending and sleeping is shared by the sync and async
engines. This module imports httpx and pydantic, so `_client` imports it only
when the first client is created (importing a service module stays cheap).

Why Hawk is signed here rather than through `taskcluster_sdk.auth.HawkAuth`
(an `httpx.Auth`): `httpx.Auth` runs as a generator per request and needs the
request URL parsed back into host/port/path; signing from the precomputed
`ClientConfig` is a few string operations, and the async engine does not use
httpx to send at all (see `AsyncEngine`).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, overload

import httpx
import pydantic

from . import _hawk
from ._client import RAW_RESPONSE_ATTRIBUTE
from ._config import ClientConfig
from ._endpoint import Endpoint
from ._errors import (
    ConnectionError as TransportConnectionError,
)
from ._errors import (
    InvalidResponseError,
    api_error_from_response,
    excerpt,
)
from ._errors import (
    TimeoutError as TransportTimeoutError,
)
from ._payload import encode_payload
from ._retry import RetryState
from ._urls import build_path, encode_query

if TYPE_CHECKING:
    import aiohttp

__all__ = [
    "AsyncEngine",
    "PreparedRequest",
    "SyncEngine",
    "parse_output",
    "prepare",
]

M = TypeVar("M", bound=pydantic.BaseModel)

_JSON = "application/json"


class Answer(Protocol):
    """What the shared logic reads of a response: an `httpx.Response` or an `AiohttpAnswer`."""

    @property
    def status_code(self) -> int: ...

    @property
    def content(self) -> bytes: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


class PreparedRequest:
    """One API call, ready to be signed and sent (possibly several times)."""

    __slots__ = ("body", "content_hash", "method", "resource", "url")

    def __init__(
        self, method: str, url: str, resource: str, body: bytes | None, content_hash: str
    ) -> None:
        self.method = method
        self.url = url
        self.resource = resource
        self.body = body
        self.content_hash = content_hash


def prepare(
    config: ClientConfig,
    endpoint: Endpoint,
    args: Sequence[str | int],
    query: Mapping[str, Any] | None,
    payload: Any,
    input_model: type[pydantic.BaseModel] | None,
) -> PreparedRequest:
    """Build URL and body (validating the payload before anything is sent)."""
    path_and_query = build_path(endpoint, args)
    if query:
        path_and_query += encode_query(query)
    if payload is None:
        body, content_hash = None, _hawk.EMPTY_PAYLOAD_HASH
    else:
        body = encode_payload(endpoint, payload, input_model)
        content_hash = _hawk.payload_hash(_JSON, body) if config.credentials is not None else ""
    return PreparedRequest(
        endpoint.method,
        config.api_prefix + path_and_query,
        config.path_prefix + path_and_query,
        body,
        content_hash,
    )


def request_headers(config: ClientConfig, request: PreparedRequest) -> dict[str, str]:
    """Headers of one attempt; a fresh Hawk signature (ts, nonce) every time."""
    signer = config.signer
    if request.body is None:
        if signer is None:
            return {}
        return {
            "Authorization": signer.header(request.method, request.resource, request.content_hash)
        }
    headers = {"Content-Type": _JSON}
    if signer is not None:
        headers["Authorization"] = signer.header(
            request.method, request.resource, request.content_hash
        )
    return headers


def parse_output(response: Answer, output_model: type[M]) -> M:
    """Parse the body into `output_model` (leniently) and attach the response.

    A 303 that carries a JSON body (artifact methods) parses like a 200.
    """
    if response.status_code == 204:
        return None  # type: ignore[return-value]  # documented: 204 gives None
    try:
        # The validator itself: `model_validate_json` only forwards to it.
        result = output_model.__pydantic_validator__.validate_json(response.content)
    except pydantic.ValidationError as exc:
        errors = exc.errors()
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or '<root>'}: {error['msg']}"
            for error in errors[:5]
        )
        # Quote the body only when it is not JSON at all: a JSON body may carry
        # secrets (auth.resetAccessToken), and the field problems suffice.
        not_json = any(error["type"] == "json_invalid" for error in errors)
        raise InvalidResponseError(
            response.status_code,
            f"response does not match {output_model.__name__}: {problems}",
            excerpt(response.content) if not_json else "",
        ) from None
    vars(result)[RAW_RESPONSE_ATTRIBUTE] = response
    return result


def _retryable_status(status_code: int) -> bool:
    return status_code >= 500


class SyncEngine:
    """Sends prepared requests over an `httpx.Client`, with retries."""

    def __init__(self, config: ClientConfig, http_client: httpx.Client | None) -> None:
        self._config = config
        self._owns_client = http_client is None
        self._http = http_client if http_client is not None else _new_sync_client(config)
        # `timeout` applies per attempt, to injected clients too.
        self._timeout = httpx.Timeout(config.timeout)
        self._timeout_extension = _timeout_extension(config.timeout)
        # Injectable for tests (fake clock and sleep).
        self._sleep: Callable[[float], None] = time.sleep
        self._clock: Callable[[], float] = time.monotonic
        self._rand: Callable[[], float] = random.random

    def close(self) -> None:
        if self._owns_client:
            self._http.close()

    @overload
    def call(
        self,
        endpoint: Endpoint,
        args: Sequence[str | int],
        query: Mapping[str, Any] | None,
        payload: Any,
        input_model: type[pydantic.BaseModel] | None,
        output_model: type[M],
    ) -> M: ...

    @overload
    def call(
        self,
        endpoint: Endpoint,
        args: Sequence[str | int],
        query: Mapping[str, Any] | None,
        payload: Any,
        input_model: type[pydantic.BaseModel] | None,
        output_model: None,
    ) -> None: ...

    def call(
        self,
        endpoint: Endpoint,
        args: Sequence[str | int],
        query: Mapping[str, Any] | None,
        payload: Any,
        input_model: type[pydantic.BaseModel] | None,
        output_model: type[M] | None,
    ) -> M | None:
        """Send the call (retrying as documented in `_retry`), parse into `output_model`.

        The same loop as `AsyncEngine.call`; only sending and sleeping differ.
        """
        config = self._config
        request = prepare(config, endpoint, args, query, payload, input_model)
        retry = self._retry_state() if config.deadline is not None else None
        while True:
            headers = request_headers(config, request)
            timeout = None if retry is None else _attempt_timeout(config, retry)
            try:
                response = self._send(request, headers, timeout)
            except (TransportConnectionError, TransportTimeoutError) as failure:
                error: Exception = failure
                reason = str(failure)
            else:
                status = response.status_code
                if status < 400:
                    return None if output_model is None else parse_output(response, output_model)
                error = api_error_from_response(
                    status, response.content, response.headers, request.method, request.url
                )
                if not _retryable_status(status):
                    raise error
                reason = f"HTTP {status}"
            retry = retry if retry is not None else self._retry_state()
            delay = retry.next_delay(request.method, request.url, reason)
            if delay is None:
                raise error
            self._sleep(delay)

    def _retry_state(self) -> RetryState:
        return RetryState(self._config.max_retries, self._config.deadline, self._clock, self._rand)

    def _send(
        self, request: PreparedRequest, headers: dict[str, str], timeout: float | None
    ) -> httpx.Response:
        http = self._http
        try:
            if self._owns_client:
                # Our own client has no cookies, params or default headers to
                # merge: skipping `build_request` saves about a tenth of the
                # client-side cost of a call.
                headers.update(_DEFAULT_HEADERS)
                extensions = (
                    self._timeout_extension if timeout is None else _timeout_extension(timeout)
                )
                built = httpx.Request(
                    request.method,
                    request.url,
                    headers=headers,
                    content=request.body,
                    extensions=extensions,
                )
            else:
                built = http.build_request(
                    request.method,
                    request.url,
                    content=request.body,
                    headers=headers,
                    timeout=timeout if timeout is not None else self._timeout,
                )
            return http.send(built, follow_redirects=False)
        except httpx.TimeoutException as exc:
            raise TransportTimeoutError(
                f"{request.method} {request.url} timed out ({type(exc).__name__})"
            ) from exc
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise TransportConnectionError(
                f"{request.method} {request.url} failed: {type(exc).__name__}: {exc}"
            ) from exc


_USER_AGENT = "taskcluster-sdk-python"
_DEFAULT_HEADERS = {
    "User-Agent": _USER_AGENT,
    "Accept": "application/json",
    "Accept-Encoding": "gzip, deflate",
}


def _timeout_extension(timeout: float) -> dict[str, Any]:
    return {"timeout": httpx.Timeout(timeout).as_dict()}


def _attempt_timeout(config: ClientConfig, retry: RetryState) -> float | None:
    """Per-attempt timeout, shortened so the last attempt ends by the deadline."""
    remaining = retry.remaining()
    if remaining is None or remaining >= config.timeout:
        return None
    return max(remaining, 0.001)


def _new_sync_client(config: ClientConfig) -> httpx.Client:
    return httpx.Client(timeout=config.timeout, follow_redirects=False)


class AiohttpAnswer:
    """An aiohttp answer, read; turned into an `httpx.Response` only on demand.

    The conversion costs about a tenth of an async call, and most callers
    never look at the raw response: `taskcluster_sdk.http_response()` calls
    `_tc_materialize()` the first time someone asks.
    """

    __slots__ = ("_raw_headers", "_request", "content", "headers", "status_code")

    def __init__(
        self,
        status_code: int,
        headers: Mapping[str, str],
        raw_headers: Any,
        content: bytes,
        request: PreparedRequest,
    ) -> None:
        self.status_code = status_code
        self.headers = headers
        self.content = content
        self._raw_headers = raw_headers
        self._request = request

    def _tc_materialize(self) -> httpx.Response:
        request = self._request
        return _DetachedResponse(
            self.status_code, self._raw_headers, self.content, request.method, request.url
        )


class _DetachedResponse(httpx.Response):
    """An httpx.Response built from an aiohttp answer.

    Building the `httpx.Request` costs as much as the rest of the conversion,
    so it is made only if someone asks for `response.request` / `.url`.
    """

    def __init__(
        self, status_code: int, headers: Any, content: bytes, method: str, url: str
    ) -> None:
        super().__init__(status_code, headers=headers, content=content)
        self._lazy_method = method
        self._lazy_url = url

    @property
    def request(self) -> httpx.Request:
        if self._request is None:
            self._request = httpx.Request(self._lazy_method, self._lazy_url)
        return self._request

    @request.setter
    def request(self, value: httpx.Request) -> None:
        self._request = value


class _AiohttpSender:
    """Default async transport: aiohttp, whose pool keeps up under concurrency.

    Measured on loopback with 50 requests in flight: httpx.AsyncClient ~400
    req/s, httpx + httpx-aiohttp transport ~3.7k, the official aiohttp-based
    client ~4.2k, aiohttp alone ~10.5k. The session is made on first use,
    inside the running event loop; aiohttp and yarl are imported then too
    (and kept here, so a request does no import statement).
    """

    def __init__(self, timeout: float, session: aiohttp.ClientSession | None) -> None:
        self._timeout = timeout
        self._session = session
        self._owns_session = session is None
        self._ready = False
        # Filled by `_load` with the first request.
        self._default_timeout: Any = None
        self._url: Callable[..., Any] = str
        self._client_timeout: Callable[..., Any] = float
        self._client_error: type[Exception] = Exception

    def _load(self) -> aiohttp.ClientSession:
        import aiohttp  # noqa: PLC0415  # loaded with the first async request
        from yarl import URL  # noqa: PLC0415

        self._url = URL
        self._client_timeout = aiohttp.ClientTimeout
        self._client_error = aiohttp.ClientError
        self._default_timeout = aiohttp.ClientTimeout(total=self._timeout)
        if self._session is None:
            self._session = aiohttp.ClientSession(headers={"User-Agent": _USER_AGENT})
        self._ready = True
        return self._session

    async def send(
        self, request: PreparedRequest, headers: dict[str, str], timeout: float | None
    ) -> Answer:
        session = self._session if self._ready else self._load()
        assert session is not None
        try:
            # Awaiting the request directly rather than `async with`:
            # `read()` returns once the connection is released (and closes
            # the response if it fails), so there is nothing left to exit.
            answer = await session.request(
                request.method,
                # encoded=True: send the path exactly as signed (yarl would
                # otherwise unquote %21 and friends).
                self._url(request.url, encoded=True),
                data=request.body,
                headers=headers,
                allow_redirects=False,
                timeout=self._default_timeout
                if timeout is None
                else self._client_timeout(total=timeout),
            )
            content = await answer.read()
        except asyncio.TimeoutError as exc:
            raise TransportTimeoutError(f"{request.method} {request.url} timed out") from exc
        except self._client_error as exc:
            raise TransportConnectionError(
                f"{request.method} {request.url} failed: {type(exc).__name__}: {exc}"
            ) from exc
        return AiohttpAnswer(answer.status, answer.headers, answer.raw_headers, content, request)

    async def aclose(self) -> None:
        if self._owns_session and self._session is not None:
            await self._session.close()
            self._session = None
            self._ready = False


class _HttpxAsyncSender:
    """Async transport over a user's `httpx.AsyncClient` (its settings apply)."""

    def __init__(self, client: httpx.AsyncClient, timeout: float) -> None:
        self._client = client
        self._timeout = httpx.Timeout(timeout)

    async def send(
        self, request: PreparedRequest, headers: dict[str, str], timeout: float | None
    ) -> Answer:
        client = self._client
        try:
            built = client.build_request(
                request.method,
                request.url,
                content=request.body,
                headers=headers,
                timeout=timeout if timeout is not None else self._timeout,
            )
            return await client.send(built, follow_redirects=False)
        except httpx.TimeoutException as exc:
            raise TransportTimeoutError(
                f"{request.method} {request.url} timed out ({type(exc).__name__})"
            ) from exc
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise TransportConnectionError(
                f"{request.method} {request.url} failed: {type(exc).__name__}: {exc}"
            ) from exc

    async def aclose(self) -> None:
        """The user's client is theirs to close."""


class AsyncEngine:
    """Sends prepared requests asynchronously, with retries.

    `http_client` may be an `httpx.AsyncClient` or an `aiohttp.ClientSession`
    (both stay open when the engine closes); by default an aiohttp session
    owned by the engine.
    """

    def __init__(self, config: ClientConfig, http_client: Any) -> None:
        self._config = config
        if http_client is None:
            self._sender: _AiohttpSender | _HttpxAsyncSender = _AiohttpSender(config.timeout, None)
        elif isinstance(http_client, httpx.AsyncClient):
            self._sender = _HttpxAsyncSender(http_client, config.timeout)
        elif type(http_client).__module__.startswith("aiohttp"):
            session: aiohttp.ClientSession = http_client
            self._sender = _AiohttpSender(config.timeout, session)
        else:
            raise TypeError(
                "http_client must be an httpx.AsyncClient or an aiohttp.ClientSession, "
                f"not {type(http_client).__name__}"
            )
        self._sleep: Callable[[float], Any] = asyncio.sleep
        self._clock: Callable[[], float] = time.monotonic
        self._rand: Callable[[], float] = random.random

    async def aclose(self) -> None:
        await self._sender.aclose()

    @overload
    async def call(
        self,
        endpoint: Endpoint,
        args: Sequence[str | int],
        query: Mapping[str, Any] | None,
        payload: Any,
        input_model: type[pydantic.BaseModel] | None,
        output_model: type[M],
    ) -> M: ...

    @overload
    async def call(
        self,
        endpoint: Endpoint,
        args: Sequence[str | int],
        query: Mapping[str, Any] | None,
        payload: Any,
        input_model: type[pydantic.BaseModel] | None,
        output_model: None,
    ) -> None: ...

    async def call(
        self,
        endpoint: Endpoint,
        args: Sequence[str | int],
        query: Mapping[str, Any] | None,
        payload: Any,
        input_model: type[pydantic.BaseModel] | None,
        output_model: type[M] | None,
    ) -> M | None:
        """Send the call (retrying as documented in `_retry`), parse into `output_model`.

        With `output_model=None` the answer is checked but not parsed.
        Everything happens in this one coroutine: every coroutine layer
        costs on each suspension of a request, and an async call is mostly
        client-side CPU when many are in flight.
        """
        config = self._config
        request = prepare(config, endpoint, args, query, payload, input_model)
        retry = self._retry_state() if config.deadline is not None else None
        send = self._sender.send
        while True:
            headers = request_headers(config, request)
            timeout = None if retry is None else _attempt_timeout(config, retry)
            try:
                response = await send(request, headers, timeout)
            except (TransportConnectionError, TransportTimeoutError) as failure:
                error: Exception = failure
                reason = str(failure)
            else:
                status = response.status_code
                if status < 400:
                    return None if output_model is None else parse_output(response, output_model)
                error = api_error_from_response(
                    status, response.content, response.headers, request.method, request.url
                )
                if not _retryable_status(status):
                    raise error
                reason = f"HTTP {status}"
            retry = retry if retry is not None else self._retry_state()
            delay = retry.next_delay(request.method, request.url, reason)
            if delay is None:
                raise error
            await self._sleep(delay)

    def _retry_state(self) -> RetryState:
        return RetryState(self._config.max_retries, self._config.deadline, self._clock, self._rand)
