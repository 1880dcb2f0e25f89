"""Sending attempts over httpx: an `httpx.AsyncClient`, or in the sync twin an `httpx.Client`.

Written once, async, in `httpx_async.py`; `httpx_sync.py` is generated from
it by `nox -s generate` with unasync. Async clients only use httpx when the
caller passes an `httpx.AsyncClient` (the default is aiohttp); sync clients
own an `httpx.Client` by default.
"""

from __future__ import annotations

from time import monotonic
from typing import Any

import httpx

from .._errors import ClientClosedError
from .._errors import ConnectionError as TransportConnectionError
from .._errors import TimeoutError as TransportTimeoutError
from .bounded import BoundedStream
from .request import USER_AGENT, PreparedRequest
from .tls import shared_tls_context

__all__ = ["DEFAULT_HEADERS", "AsyncHttpxSender"]

DEFAULT_HEADERS = {
    "User-Agent": USER_AGENT,
    "Accept": "application/json",
    "Accept-Encoding": "gzip, deflate",
}


def _timeout_extension(timeout: float) -> dict[str, Any]:
    return {"timeout": httpx.Timeout(timeout).as_dict()}


class AsyncHttpxSender:
    """Sends attempts over an httpx client; an injected one is never closed.

    A given client's settings (headers, proxies, transports) apply; our own
    client has no cookies, params or default headers to merge, so skipping
    `build_request` saves about a tenth of the client-side cost of a call.
    """

    def __init__(self, client: httpx.AsyncClient | None, timeout: float) -> None:
        self._owns_client = client is None
        self._client = (
            client
            if client is not None
            else httpx.AsyncClient(
                timeout=timeout, follow_redirects=False, verify=shared_tls_context()
            )
        )
        # `timeout` bounds each attempt, of injected clients too: each network
        # operation, and the whole attempt (see `bounded`).
        self._seconds = timeout
        self._timeout = httpx.Timeout(timeout)
        self._timeout_extension = _timeout_extension(timeout)

    async def send(
        self, request: PreparedRequest, headers: dict[str, str], timeout: float | None
    ) -> httpx.Response:
        client = self._client
        end = monotonic() + (self._seconds if timeout is None else timeout)
        try:
            if self._owns_client:
                headers.update(DEFAULT_HEADERS)
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
                built = client.build_request(
                    request.method,
                    request.url,
                    content=request.body,
                    headers=headers,
                    timeout=timeout if timeout is not None else self._timeout,
                )
            response = await client.send(built, stream=True, follow_redirects=False)
            try:
                response.stream = BoundedStream(response.stream, end, monotonic)
                await response.aread()
            except BaseException:
                await response.aclose()
                raise
            # The read stream refers back to the response (httpx's bound
            # stream): a cycle that would keep the body, attached to the
            # parsed result, alive until a cyclic collection. A pager's
            # memory stays flat only if each page is freed as it is dropped.
            response.stream = httpx.ByteStream(response.content)
            return response
        except httpx.TimeoutException as exc:
            raise TransportTimeoutError(
                f"{request.method} {request.url} timed out ({type(exc).__name__})"
            ) from exc
        except (httpx.NetworkError, httpx.RemoteProtocolError) as exc:
            raise TransportConnectionError(
                f"{request.method} {request.url} failed: {type(exc).__name__}: {exc}"
            ) from exc
        except RuntimeError as exc:
            if client.is_closed:
                raise ClientClosedError(
                    "the http_client given to this client was closed; "
                    "keep it open while the client is used"
                ) from exc
            raise

    async def aclose(self) -> None:
        """Close our own client; the caller's is theirs to close."""
        if self._owns_client:
            await self._client.aclose()
