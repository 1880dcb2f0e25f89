"""HTTP as the fake speaks it: the received request, the reply, the services' answer shapes.

Plain data and pure functions without I/O, shared by the dispatcher, the
edges (server, in-process transport), the Hawk checks and the stateful
queue; `_core.py` builds the method programming on top.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .._errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InsufficientScopesError,
    NotFoundError,
    PermissionDeniedError,
    ServerError,
)

__all__ = [
    "DEFAULT_CODES",
    "FakeAPIError",
    "ReceivedRequest",
    "Reply",
    "error_reply",
    "json_reply",
    "taskcluster_time",
]


def taskcluster_time(moment: datetime | None = None) -> str:
    """`2026-12-01T22:42:14.885Z`: how the services write times."""
    moment = moment or datetime.now(timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


@dataclass(frozen=True, slots=True)
class ReceivedRequest:
    """One HTTP request as the fake received it."""

    method: str
    path: str
    """The raw path after the host, percent-encoded as sent, without the query."""
    query: Mapping[str, str]
    headers: Mapping[str, str]
    """Header names in lower case."""
    body: bytes
    target: str = ""
    """Path and query exactly as sent (what Hawk signs)."""
    host: str = "127.0.0.1"
    """The `Host` header's host, lower case."""
    port: int = 80
    """The `Host` header's port."""

    def json(self) -> Any:
        """The body parsed as JSON (`None` when empty)."""
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True, slots=True)
class Reply:
    """An HTTP answer: status, headers, body."""

    status: int
    headers: Mapping[str, str] = field(default_factory=dict[str, str])
    body: bytes = b""


def _ids() -> dict[str, str]:
    return {"x-for-request-id": str(uuid.uuid4()), "x-for-trace-id": str(uuid.uuid4())}


def json_reply(status: int, value: Any, headers: Mapping[str, str] | None = None) -> Reply:
    """A JSON answer with the headers the services send on every answer."""
    body = json.dumps(value, indent=2).encode()
    return Reply(
        status,
        {
            "content-type": "application/json; charset=utf-8",
            **_ids(),
            "cache-control": "no-store no-cache must-revalidate",
            **(headers or {}),
        },
        body,
    )


DEFAULT_CODES: Mapping[int, str] = {
    400: "InputError",
    401: "AuthenticationFailed",
    403: "InsufficientScopes",
    404: "ResourceNotFound",
    406: "NoMatchingMethod",
    409: "RequestConflict",
    424: "FailedDependency",
    500: "InternalServerError",
    501: "NotImplemented",
}


def error_reply(
    status: int,
    code: str,
    message: str,
    method: str,
    params: Mapping[str, Any] | None = None,
    payload: Any = None,
) -> Reply:
    """An error in the services' shape (`{code, message, requestInfo}`, see the recorded answers).

    The message ends with the `---` trailer the services add; 401 answers
    carry `www-authenticate: hawk`.
    """
    now = taskcluster_time()
    trailer = (
        f"\n\n---\n\n* method:     {method}\n* errorCode:  {code}\n"
        f"* statusCode: {status}\n* time:       {now}"
    )
    body = {
        "code": code,
        "message": message + trailer,
        "requestInfo": {
            "method": method,
            "params": dict(params or {}),
            "payload": payload if payload is not None else {},
            "time": now,
        },
    }
    headers = {"www-authenticate": "hawk"} if status == 401 else {}
    return json_reply(status, body, headers)


_ERROR_CLASSES: tuple[tuple[type[APIError], int, str], ...] = (
    (InsufficientScopesError, 403, "InsufficientScopes"),
    (PermissionDeniedError, 403, "InsufficientScopes"),
    (BadRequestError, 400, "InputError"),
    (AuthenticationError, 401, "AuthenticationFailed"),
    (NotFoundError, 404, "ResourceNotFound"),
    (ConflictError, 409, "RequestConflict"),
    (ServerError, 500, "InternalServerError"),
)


class FakeAPIError(Exception):
    """Raise it from a handler to answer with a Taskcluster error.

    `status` is an HTTP status or one of the client's exception classes
    (`NotFoundError` answers 404 `ResourceNotFound`, ...); `code` defaults to
    the code the services use with that status. The client then raises its
    real exception class (`ConflictError` for 409, ...).
    """

    def __init__(
        self, status: int | type[APIError], code: str | None = None, message: str | None = None
    ) -> None:
        if isinstance(status, type):
            for cls, number, default_code in _ERROR_CLASSES:
                if issubclass(status, cls):
                    status, code = number, code or default_code
                    break
            else:
                raise TypeError(f"no HTTP status for {status.__name__}; pass the status number")
        if not 400 <= status <= 599:
            raise ValueError(f"an error answer needs a 4xx or 5xx status, not {status}")
        self.status: int = status
        self.code: str = code or DEFAULT_CODES.get(status, "InternalServerError")
        self.message: str = message or f"{self.code} (answer programmed in the fake)"
        super().__init__(self.status, self.code, self.message)
