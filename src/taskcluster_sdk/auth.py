"""Hawk authentication for your own httpx requests to Taskcluster.

The SDK's clients sign their requests themselves (from precomputed
configuration, which is cheaper than an `httpx.Auth` flow per request); use
`HawkAuth` when you call Taskcluster endpoints with plain httpx:

    httpx.get(url, auth=HawkAuth(Credentials("my-client", token)))
"""

from __future__ import annotations

from collections.abc import Generator, Sequence

import httpx

from . import _hawk
from ._credentials import Credentials, CredentialsLike, coerce_credentials

__all__ = ["HawkAuth"]


class HawkAuth(httpx.Auth):
    """An `httpx.Auth` that signs each request with Hawk (sha256).

    `ext` carries the temporary-credentials certificate and
    `authorized_scopes` when given. The body is hashed into the signature, so
    requests with streamed bodies are read into memory first.
    """

    requires_request_body = True

    def __init__(
        self, credentials: CredentialsLike, authorized_scopes: Sequence[str] | None = None
    ) -> None:
        creds = coerce_credentials(credentials)
        if creds is None:
            raise ValueError("HawkAuth needs credentials")
        self._credentials: Credentials = creds
        self._key = creds.access_token.encode()
        scopes = None if authorized_scopes is None else list(authorized_scopes)
        self._ext = _hawk.hawk_ext(creds, scopes)

    def __repr__(self) -> str:
        return f"HawkAuth(client_id={self._credentials.client_id!r})"

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        url = request.url
        port = url.port or (443 if url.scheme == "https" else 80)
        body = request.content
        if body:
            content_hash = _hawk.payload_hash(request.headers.get("content-type", ""), body)
        else:
            content_hash = _hawk.EMPTY_PAYLOAD_HASH
        request.headers["Authorization"] = _hawk.header(
            self._credentials.client_id,
            self._key,
            request.method,
            url.raw_path.decode("ascii"),
            url.host.lower(),
            port,
            content_hash,
            self._ext,
        )
        yield request
