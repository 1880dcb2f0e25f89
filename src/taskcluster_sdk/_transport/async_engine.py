"""The call loop of every API call: prepare, sign, send with retries, parse.

Written once, async, in `async_engine.py`; `sync_engine.py` is generated
from it by `nox -s generate` with unasync (`await` dropped, `Async*` names
made `Sync*`, the other replacements listed in `codegen/twins.py`).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Mapping, Sequence
from time import monotonic
from typing import Any, TypeVar, overload

import pydantic

from .._concurrency import AsyncIO
from .._config import ClientConfig
from .._endpoint import Endpoint
from .._errors import (
    ClientClosedError,
    EventLoopError,
    TaskclusterError,
    api_error_from_response,
    gave_up,
)
from .._errors import ConnectionError as TransportConnectionError
from .._errors import TimeoutError as TransportTimeoutError
from .._retry import NOT_IMPLEMENTED, RetryState
from .request import attempt_timeout, prepare, request_headers
from .response import parse_output
from .senders import AsyncHttpClient, async_sender

__all__ = ["AsyncEngine"]

M = TypeVar("M", bound=pydantic.BaseModel)


class AsyncEngine:
    """Sends the calls of one client, with retries, over its sender.

    `http_client` is the caller's client (used as given, never closed) or
    `None` for one the engine owns (see `senders`).
    """

    def __init__(self, config: ClientConfig, http_client: AsyncHttpClient | None) -> None:
        self._config = config
        self._sender = async_sender(config, http_client)
        self._closed = False
        # The event loop of the first call (None for sync engines).
        self._loop: object = None
        # Injectable for tests (fake clock, sleep and jitter).
        self._sleep: Callable[[float], Any] = AsyncIO.sleep
        self._clock: Callable[[], float] = monotonic
        self._rand: Callable[[], float] = random.random

    async def aclose(self) -> None:
        self._closed = True
        await self._sender.aclose()

    def use_config(self, config: ClientConfig) -> None:
        """Sign and send the calls that follow with `config` (new credentials)."""
        self._config = config

    @overload
    async def call(
        self,
        endpoint: Endpoint,
        args: Sequence[str | int],
        query: Mapping[str, Any] | None,
        payload: Any,
        input_spec: Any,
        output_model: type[M],
    ) -> M: ...

    @overload
    async def call(
        self,
        endpoint: Endpoint,
        args: Sequence[str | int],
        query: Mapping[str, Any] | None,
        payload: Any,
        input_spec: Any,
        output_model: None,
    ) -> None: ...

    async def call(
        self,
        endpoint: Endpoint,
        args: Sequence[str | int],
        query: Mapping[str, Any] | None,
        payload: Any,
        input_spec: Any,
        output_model: type[M] | None,
    ) -> M | None:
        """Send the call (retrying as documented in `_retry`), parse into `output_model`.

        With `output_model=None` the answer is checked but not parsed.
        Everything happens in this one coroutine: every coroutine layer
        costs on each suspension of a request, and an async call is mostly
        client-side CPU when many are in flight.
        """
        if self._closed:
            raise ClientClosedError("this client was closed; make a new one for more calls")
        loop = AsyncIO.current_loop()
        if loop is not self._loop:
            self._bind_loop(loop)
        config = self._config
        request = prepare(config, endpoint, args, query, payload, input_spec)
        started = self._clock()
        retry = self._retry_state() if config.deadline is not None else None
        send = self._sender.send
        while True:
            headers = request_headers(config, request)
            timeout = None if retry is None else attempt_timeout(config, retry.remaining())
            try:
                response = await send(request, headers, timeout)
            except (TransportConnectionError, TransportTimeoutError) as failure:
                error: TaskclusterError = failure
                reason = str(failure)
            else:
                status = response.status_code
                if status < 400:
                    return None if output_model is None else parse_output(response, output_model)
                error = api_error_from_response(
                    status, response.content, response.headers, request.method, request.url
                )
                if status < 500 or status == NOT_IMPLEMENTED:
                    raise error
                reason = f"HTTP {status}"
            retry = retry if retry is not None else self._retry_state()
            delay = retry.next_delay(request.method, request.url, reason)
            if delay is None:
                raise gave_up(error, retry.retries + 1, self._clock() - started)
            await self._sleep(delay)

    async def call_no_output(
        self,
        endpoint: Endpoint,
        args: Sequence[str | int],
        query: Mapping[str, Any] | None,
        payload: Any,
        input_spec: Any,
    ) -> None:
        """`call` for methods without output: the answer is checked, not parsed."""
        await self.call(endpoint, args, query, payload, input_spec, None)

    def _bind_loop(self, loop: object) -> None:
        if self._loop is not None:
            raise EventLoopError(
                "this client was first used in another event loop, which its connections "
                "belong to; make one client per event loop"
            )
        self._loop = loop

    def _retry_state(self) -> RetryState:
        return RetryState(self._config.max_retries, self._config.deadline, self._clock, self._rand)
