"""The exceptions raised by taskcluster_sdk (also exported from the package root).

TaskclusterError
├── APIError                      the service answered with an error status
│   ├── BadRequestError           400 (InputValidationError, ...)
│   ├── AuthenticationError       401
│   ├── PermissionDeniedError     403
│   │   └── InsufficientScopesError   403 InsufficientScopes
│   ├── NotFoundError             404
│   ├── ConflictError             409
│   └── ServerError               5xx (after retries)
├── ConnectionError               also a builtins.ConnectionError
├── TimeoutError                  also a builtins.TimeoutError
├── PayloadValidationError        also a ValueError; nothing was sent
└── InvalidResponseError          a success body that does not parse
"""

from ._errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    ConnectionError,
    InsufficientScopesError,
    InvalidResponseError,
    NotFoundError,
    PayloadValidationError,
    PermissionDeniedError,
    ServerError,
    TaskclusterError,
    TimeoutError,
)

__all__ = [
    "APIError",
    "AuthenticationError",
    "BadRequestError",
    "ConflictError",
    "ConnectionError",
    "InsufficientScopesError",
    "InvalidResponseError",
    "NotFoundError",
    "PayloadValidationError",
    "PermissionDeniedError",
    "ServerError",
    "TaskclusterError",
    "TimeoutError",
]
