"""The exceptions raised by taskcluster_sdk (also exported from the package root).

The final error of a retried call (5xx, connection, timeout) says how many
attempts were made and over how long (`error.attempts`, `error.elapsed`).

TaskclusterError
├── APIError                      the service answered with an error status
│   ├── BadRequestError           400 (InputValidationError, ...)
│   ├── AuthenticationError       401
│   ├── PermissionDeniedError     403
│   │   └── InsufficientScopesError   403 InsufficientScopes
│   ├── NotFoundError             404
│   ├── ConflictError             409
│   └── ServerError               5xx (after retries)
├── ClientClosedError             also a RuntimeError: the client was closed
├── EventLoopError                also a RuntimeError: async client used from another loop
├── ConnectionError               also a builtins.ConnectionError
├── TimeoutError                  also a builtins.TimeoutError
├── PayloadValidationError        also a ValueError; nothing was sent
├── InvalidCredentialsError       also a ValueError: credentials that cannot be sent
├── InvalidOffsetError            also a ValueError: a from_now() offset that does not parse
├── RoutingKeyError               also a ValueError: a binding value or routing key that does not fit
├── PulseError                    the Pulse listener cannot connect, or a queue or binding was refused
├── InvalidResponseError          a success body that does not parse
└── MissingFieldError             also an AttributeError: a required field the answer left out, read
"""

from ._errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConflictError,
    ConnectionError,
    EventLoopError,
    InsufficientScopesError,
    InvalidCredentialsError,
    InvalidOffsetError,
    InvalidResponseError,
    MissingFieldError,
    NotFoundError,
    PayloadValidationError,
    PermissionDeniedError,
    PulseError,
    RoutingKeyError,
    ServerError,
    TaskclusterError,
    TimeoutError,
)

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
    "PulseError",
    "RoutingKeyError",
    "ServerError",
    "TaskclusterError",
    "TimeoutError",
]
