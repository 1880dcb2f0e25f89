"""The transport: how an API call becomes HTTP attempts and a parsed result.

    request.py         the call as plain data: URL, body, Hawk headers (no I/O)
    response.py        parsing answers, `http_response()`
    async_engine.py    the call loop with retries (source of sync_engine.py)
    sync_engine.py     generated from async_engine.py -- do not edit
    senders.py         which sender an engine uses, from `http_client`
    httpx_async.py     httpx sender (source of httpx_sync.py)
    httpx_sync.py      generated from httpx_async.py -- do not edit
    aiohttp_sender.py  the default async sender
    bounded.py         a response body bounded by the attempt's timeout (httpx senders)

    detached.py        the httpx.Response of an aiohttp answer, made on demand
    tls.py             the process's TLS context, its CA bundle loaded on first use

`_client` imports an engine when the first client is made (it loads
pydantic, and httpx for a sync client); nothing here imports `_client`.
The names below are imported on first use (PEP 562), so a sync client
never loads the async engine (asyncio, aiohttp) and an async client on
the default sender never loads httpx.
"""

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .async_engine import AsyncEngine
    from .response import RAW_RESPONSE_ATTRIBUTE, http_response
    from .sync_engine import SyncEngine

__all__ = ["RAW_RESPONSE_ATTRIBUTE", "AsyncEngine", "SyncEngine", "http_response"]


_MODULES = {
    "AsyncEngine": "async_engine",
    "SyncEngine": "sync_engine",
    "RAW_RESPONSE_ATTRIBUTE": "response",
    "http_response": "response",
}


def __getattr__(name: str) -> object:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value
