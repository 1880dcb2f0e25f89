"""Error mapping and pickling."""

from __future__ import annotations

import builtins
import pickle

import pytest

from taskcluster_sdk import errors
from taskcluster_sdk._errors import api_error_from_response


def test_every_exception_pickles() -> None:
    samples: list[Exception] = [
        errors.TaskclusterError("x"),
        errors.NotFoundError(
            404,
            "gone",
            code="ResourceNotFound",
            body={"code": "x"},
            request_id="r",
            method="GET",
            url="u",
        ),
        errors.InsufficientScopesError(403, "scopes", code="InsufficientScopes"),
        errors.ServerError(503, "busy"),
        errors.ConnectionError("GET u failed"),
        errors.TimeoutError("GET u timed out"),
        errors.PayloadValidationError("CreateTaskRequest", [("metadata.owner", "Field required")]),
        errors.InvalidResponseError(200, "bad", "excerpt"),
    ]
    for error in samples:
        copy = pickle.loads(pickle.dumps(error))
        assert type(copy) is type(error)
        assert str(copy) == str(error)
        assert vars(copy) == vars(error)


def test_transport_errors_are_builtins_too() -> None:
    assert issubclass(errors.ConnectionError, builtins.ConnectionError)
    assert issubclass(errors.TimeoutError, builtins.TimeoutError)
    assert issubclass(errors.PayloadValidationError, ValueError)
    for cls in (
        errors.ConnectionError,
        errors.TimeoutError,
        errors.APIError,
        errors.PayloadValidationError,
    ):
        assert issubclass(cls, errors.TaskclusterError)


@pytest.mark.parametrize(
    ("status", "code", "cls"),
    [
        (400, "InputValidationError", errors.BadRequestError),
        (401, "AuthenticationFailed", errors.AuthenticationError),
        (403, "InsufficientScopes", errors.InsufficientScopesError),
        (403, None, errors.PermissionDeniedError),
        (404, "ResourceNotFound", errors.NotFoundError),
        (409, "RequestConflict", errors.ConflictError),
        (500, None, errors.ServerError),
        (503, None, errors.ServerError),
        (422, None, errors.APIError),
    ],
)
def test_status_mapping(status: int, code: str | None, cls: type[errors.APIError]) -> None:
    body = b'{"code": "%s", "message": "m"}' % (code or "X").encode()
    error = api_error_from_response(status, body, {"x-for-request-id": "r"}, "GET", "u")
    assert type(error) is cls
    assert error.request_id == "r"


def test_non_json_bodies() -> None:
    html = b"<html>\n<body>" + b"x" * 1000 + b"</body></html>"
    error = api_error_from_response(502, html, {}, "GET", "https://tc/api")
    assert error.code is None and error.body is None
    assert error.message.startswith("<html> <body>xxx")
    assert len(error.message) < 210
    empty = api_error_from_response(500, b"", {}, "GET", "u")
    assert empty.message == "(empty body)"
    not_object = api_error_from_response(400, b"[1, 2]", {}, "GET", "u")
    assert not_object.body == [1, 2]
    assert not_object.message == "[1, 2]"
