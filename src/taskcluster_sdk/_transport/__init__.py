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

`_client` imports this package when the first client is made (it loads
httpx and pydantic); nothing here imports `_client`.
"""

from .async_engine import AsyncEngine
from .response import RAW_RESPONSE_ATTRIBUTE, http_response
from .sync_engine import SyncEngine

__all__ = ["RAW_RESPONSE_ATTRIBUTE", "AsyncEngine", "SyncEngine", "http_response"]
