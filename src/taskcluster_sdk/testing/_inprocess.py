"""The in-process edge: httpx clients whose transport is the fake itself.

`httpx.MockTransport` hands each request to a function; no socket is
opened, so these clients work without starting the server (inject them as
`http_client=`). Artifact storage URLs point at `tc.root_url` too; the
artifact helpers send object service calls and storage transfers through
the queue client's `http_client`, so they reach the fake the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl

import httpx

from ._http import ReceivedRequest

if TYPE_CHECKING:
    from ._deployment import FakeTaskcluster

__all__ = ["async_client", "sync_client"]


def _received(request: httpx.Request, body: bytes) -> ReceivedRequest:
    url = request.url
    target = url.raw_path.decode("ascii")
    path, _, query = target.partition("?")
    host = (request.headers.get("host") or url.host).lower()
    name, _, port = host.partition(":")
    return ReceivedRequest(
        method=request.method,
        path=path,
        query=dict(parse_qsl(query, keep_blank_values=True)),
        headers={key.lower(): value for key, value in request.headers.items()},
        body=body,
        target=target,
        host=name,
        port=int(port) if port else (url.port or (443 if url.scheme == "https" else 80)),
    )


def _response(fake: FakeTaskcluster, request: httpx.Request, body: bytes) -> httpx.Response:
    reply = fake.answer(_received(request, body))
    return httpx.Response(reply.status, headers=dict(reply.headers), content=reply.body)


def sync_client(fake: FakeTaskcluster) -> httpx.Client:
    def handle(request: httpx.Request) -> httpx.Response:
        return _response(fake, request, request.read())

    return httpx.Client(transport=httpx.MockTransport(handle), base_url=fake.root_url)


def async_client(fake: FakeTaskcluster) -> httpx.AsyncClient:
    async def handle(request: httpx.Request) -> httpx.Response:
        return _response(fake, request, await request.aread())

    return httpx.AsyncClient(transport=httpx.MockTransport(handle), base_url=fake.root_url)
