"""An API call as plain data: its URL, body, payload hash and signed headers.

No I/O happens here. The engines prepare a request once per call and ask for
fresh headers on every attempt (a new Hawk timestamp and nonce each time).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .. import _hawk
from .._config import ClientConfig
from .._endpoint import Endpoint
from .._payload import encode_payload
from .._urls import build_path, encode_query

__all__ = [
    "JSON",
    "USER_AGENT",
    "PreparedRequest",
    "attempt_timeout",
    "prepare",
    "request_headers",
]

USER_AGENT = "taskcluster-sdk-python"

JSON = "application/json"


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
    input_spec: Any,
) -> PreparedRequest:
    """Build URL and body (validating the payload before anything is sent)."""
    path_and_query = build_path(endpoint, args)
    if query:
        path_and_query += encode_query(query)
    if payload is None:
        body, content_hash = None, _hawk.EMPTY_PAYLOAD_HASH
    else:
        body = encode_payload(endpoint, payload, input_spec)
        content_hash = _hawk.payload_hash(JSON, body) if config.credentials is not None else ""
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
    headers = {"Content-Type": JSON}
    if signer is not None:
        headers["Authorization"] = signer.header(
            request.method, request.resource, request.content_hash
        )
    return headers


def attempt_timeout(config: ClientConfig, remaining: float | None) -> float | None:
    """Per-attempt timeout, shortened so the last attempt ends by the deadline.

    `None` means "the configured timeout" (the senders keep it precomputed).
    """
    if remaining is None or remaining >= config.timeout:
        return None
    return max(remaining, 0.001)
