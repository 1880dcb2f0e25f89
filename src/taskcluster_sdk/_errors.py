"""The exception hierarchy, and the mapping from HTTP answers to it.

Every exception pickles (for multiprocessing and task queues): each class
rebuilds itself from the keyword arguments it was created with.
Messages never include credentials or request headers.
"""

from __future__ import annotations

import builtins
import json
from collections.abc import Mapping, Sequence
from typing import Any, cast

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "ClientClosedError",
    "ConflictError",
    "ConnectionError",
    "EventLoopError",
    "InsufficientScopesError",
    "InvalidCredentialsError",
    "InvalidOffsetError",
    "InvalidResponseError",
    "MissingFieldError",
    "NotFoundError",
    "PayloadValidationError",
    "PermissionDeniedError",
    "RoutingKeyError",
    "ServerError",
    "TaskclusterError",
    "TimeoutError",
    "api_error_from_response",
    "gave_up",
]

_EXCERPT_CHARS = 200


class TaskclusterError(Exception):
    """Base class of every error raised by taskcluster_sdk."""

    attempts: int | None = None
    """For the final error of a retried call: how many attempts were made."""
    elapsed: float | None = None
    """For the final error of a retried call: seconds from the first attempt to giving up."""


class APIError(TaskclusterError):
    """The service answered with an error status.

    `code` is Taskcluster's error code (`InsufficientScopes`,
    `InputValidationError`, `ResourceNotFound`, ...) or `None` when the body
    was not Taskcluster's JSON error shape; `body` is the parsed JSON body
    (or `None`); `request_id` is the server's `x-for-request-id` header.
    """

    def __init__(
        self,
        status_code: int,
        message: str,
        *,
        code: str | None = None,
        body: Any = None,
        request_id: str | None = None,
        method: str | None = None,
        url: str | None = None,
        attempts: int | None = None,
        elapsed: float | None = None,
    ) -> None:
        self.attempts = attempts
        self.elapsed = elapsed
        self.status_code = status_code
        self.code = code
        self.message = message
        self.body = body
        self.request_id = request_id
        self.method = method
        self.url = url
        super().__init__(status_code, message)

    def __str__(self) -> str:
        where = f" for {self.method} {self.url}" if self.method and self.url else ""
        code = f" {self.code}" if self.code else ""
        request = f" (request id {self.request_id})" if self.request_id else ""
        return f"HTTP {self.status_code}{code}{where}: {self.message}{request}{_tries(self)}"

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuild, (type(self), (self.status_code, self.message), self._keywords()))

    def _keywords(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "body": self.body,
            "request_id": self.request_id,
            "method": self.method,
            "url": self.url,
            "attempts": self.attempts,
            "elapsed": self.elapsed,
        }


class BadRequestError(APIError):
    """HTTP 400: the request was rejected, e.g. `InputValidationError`."""


class AuthenticationError(APIError):
    """HTTP 401: the credentials were not accepted (`AuthenticationFailed`)."""


class PermissionDeniedError(APIError):
    """HTTP 403: authenticated, but not allowed."""


class InsufficientScopesError(PermissionDeniedError):
    """HTTP 403 with code `InsufficientScopes`: the client lacks a scope."""


class NotFoundError(APIError):
    """HTTP 404 (`ResourceNotFound`)."""


class ConflictError(APIError):
    """HTTP 409 (`RequestConflict`): e.g. a task id reused with another definition."""


class ServerError(APIError):
    """HTTP 5xx after the retries were used up."""


class InvalidResponseError(TaskclusterError):
    """A success status whose body could not be parsed into the output model."""

    def __init__(self, status_code: int, message: str, excerpt: str = "") -> None:
        self.status_code = status_code
        self.message = message
        self.excerpt = excerpt
        super().__init__(status_code, message, excerpt)

    def __str__(self) -> str:
        tail = f"; body starts: {self.excerpt!r}" if self.excerpt else ""
        return f"HTTP {self.status_code}: {self.message}{tail}"


# Transport failures subclass the builtins too, so code that already catches
# `ConnectionError` / `TimeoutError` (or `OSError`) keeps working.
class ConnectionError(TaskclusterError, builtins.ConnectionError):
    """The connection failed or broke (after retries)."""


class TimeoutError(TaskclusterError, builtins.TimeoutError):
    """An attempt took longer than `timeout`, or the total `deadline` passed."""


class InvalidOffsetError(TaskclusterError, ValueError):
    """A `from_now` offset that does not parse, or lands outside the dates Python has.

    Also a `ValueError`. The message quotes at most the start of the offset.
    """


class InvalidCredentialsError(TaskclusterError, ValueError):
    """Credentials (or temporary-credential arguments) that cannot be used.

    The message names the field and never includes an access token or a
    certificate. Also a `ValueError`.
    """


class RoutingKeyError(TaskclusterError, ValueError):
    """A routing-key value, pattern or key that does not fit the exchange's routing key.

    Raised when building a binding (a field value with a wildcard, an empty
    word, a pattern over 255 bytes) and when parsing a routing key (a wrong
    constant, an empty field, too few words). Also a `ValueError`.
    """


class PulseError(TaskclusterError):
    """The Pulse listener could not connect, or the broker refused its queue or a binding."""


class ClientClosedError(TaskclusterError, RuntimeError):
    """The client, or the `http_client` it was given, was closed: make a new client."""


class EventLoopError(TaskclusterError, RuntimeError):
    """An async client was used from another event loop than the one it first ran in.

    Its connections belong to that first loop; make one client per event loop.
    """


class PayloadValidationError(TaskclusterError, ValueError):
    """A request payload does not match its schema; nothing was sent.

    `errors` lists `(field path, problem)` pairs, the path dotted from the
    payload root (`metadata.owner`, `dependencies.0`).
    """

    def __init__(self, model_name: str, errors: Sequence[tuple[str, str]]) -> None:
        self.model_name: str = model_name
        self.errors: tuple[tuple[str, str], ...] = tuple(errors)
        super().__init__(model_name, self.errors)

    def __str__(self) -> str:
        lines = "; ".join(f"{path or '<root>'}: {problem}" for path, problem in self.errors)
        return f"payload does not match {self.model_name}: {lines}"


class MissingFieldError(TaskclusterError, AttributeError):
    """A field its schema requires was not in the server's answer, and was read.

    Answers parse even when the server leaves a required field out (v106
    does, e.g. `actions` of worker answers); a list, dict or object field
    then reads as empty, and any other field raises this when it is read.
    Also an `AttributeError`: `getattr(answer, "taskId", None)` and
    `hasattr` work; `"taskId" in answer.model_fields_set` says beforehand.
    """

    def __init__(self, model_name: str, field: str) -> None:
        self.model_name: str = model_name
        """The model class whose answer lacked the field (`TriggeredTask`)."""
        self.field: str = field
        """The field's name as Taskcluster spells it (`taskId`)."""
        super().__init__(model_name, field)

    def __str__(self) -> str:
        return (
            f"{self.model_name}.{self.field}: the server's answer left out this field,"
            f" which its schema requires (check '{self.field}' in model_fields_set"
            " before reading it)"
        )


def _tries(error: TaskclusterError) -> str:
    if error.attempts is None or error.elapsed is None:
        return ""
    plural = "s" if error.attempts != 1 else ""
    return f" (gave up after {error.attempts} attempt{plural} over {error.elapsed:.1f} s)"


def gave_up(error: TaskclusterError, attempts: int, elapsed: float) -> TaskclusterError:
    """`error`, marked as the final one of a call that made `attempts` over `elapsed` seconds."""
    error.attempts = attempts
    error.elapsed = elapsed
    if not isinstance(error, APIError) and len(error.args) == 1 and isinstance(error.args[0], str):
        # Plain-message errors (connection, timeout) carry it in their message.
        error.args = (error.args[0] + _tries(error),)
    return error


def _rebuild(cls: type[APIError], args: tuple[Any, ...], keywords: dict[str, Any]) -> APIError:
    return cls(*args, **keywords)


def _class_for(status_code: int, code: str | None) -> type[APIError]:
    if status_code >= 500:
        return ServerError
    if status_code == 403:
        return InsufficientScopesError if code == "InsufficientScopes" else PermissionDeniedError
    return _BY_STATUS.get(status_code, APIError)


_BY_STATUS: dict[int, type[APIError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    404: NotFoundError,
    409: ConflictError,
}


def api_error_from_response(
    status_code: int,
    content: bytes,
    headers: Mapping[str, str],
    method: str,
    url: str,
) -> APIError:
    """Build the `APIError` subclass for an error answer.

    Taskcluster answers `{"code", "message", "requestInfo"}`; anything else
    (an HTML page from a proxy, an empty body) still gives the status and a
    short excerpt of the body as the message.
    """
    body: Any = None
    code: str | None = None
    message = ""
    try:
        body = json.loads(content) if content else None
    except ValueError:
        body = None
    if isinstance(body, dict):
        fields = cast("dict[str, Any]", body)
        raw_code = fields.get("code")
        raw_message = fields.get("message")
        code = raw_code if isinstance(raw_code, str) else None
        message = raw_message if isinstance(raw_message, str) else ""
    if not message:
        message = _excerpt(content) or "(empty body)"
    cls = _class_for(status_code, code)
    return cls(
        status_code,
        message,
        code=code,
        body=body,
        request_id=headers.get("x-for-request-id"),
        method=method,
        url=url,
    )


def _excerpt(content: bytes) -> str:
    text = content[: _EXCERPT_CHARS * 4].decode("utf-8", errors="replace")
    text = " ".join(text.split())
    if len(text) > _EXCERPT_CHARS:
        text = text[:_EXCERPT_CHARS] + "..."
    return text


def excerpt(content: bytes) -> str:
    """A short one-line excerpt of a body, for error messages."""
    return _excerpt(content)
