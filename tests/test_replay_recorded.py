"""Real Taskcluster v106 answers, replayed through the generated clients, sync and async.

Every HTTP exchange recorded from the real services
(`tests/fixtures/recorded/taskcluster-v106/http`) is served by a loopback
server to the generated method it was recorded for, with the recorded path
arguments, query and payload. Errors must map to the right exception class
with the status, Taskcluster error code, message and request id
(`x-for-request-id`); successes must come back parsed into the method's
output model (or `None` for methods without output).
"""

from __future__ import annotations

import importlib
import inspect
import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import pydantic
import pytest
from servers.scripted import Reply, ScriptedServer, scripted_server

from taskcluster_sdk import http_response
from taskcluster_sdk._client import AsyncClient, SyncClient
from taskcluster_sdk._endpoint import Endpoint
from taskcluster_sdk.errors import (
    APIError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InsufficientScopesError,
    NotFoundError,
    PayloadValidationError,
    PermissionDeniedError,
    ServerError,
)

RECORDED = Path(__file__).parent / "fixtures" / "recorded" / "taskcluster-v106" / "http"
CREDENTIALS = {"clientId": "tester", "accessToken": "no-secret"}

# Hop-by-hop or recomputed: the replay server sends the body decoded.
_DROPPED_HEADERS = {"content-length", "content-encoding", "transfer-encoding", "connection"}


# Every recorded exchange, including the five v106 answers that omit the
# required `actions` (lenient parsing must not fail the call on them).
EXCHANGES = sorted(RECORDED.glob("*.json"))


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())


def _reply(recorded: dict[str, Any]) -> Reply:
    response = recorded["response"]
    headers = {
        key: value
        for key, value in response["headers"].items()
        if key.lower() not in _DROPPED_HEADERS
    }
    body = response["body"]
    if body is None:
        content = b""
    elif isinstance(body, str) and not headers.get("content-type", "").startswith(
        "application/json"
    ):
        content = body.encode()
    else:
        content = json.dumps(body).encode()
    return Reply(response["status"], headers, content)


def _endpoint(module: Any, name: str) -> Endpoint:
    for value in vars(module).values():
        if isinstance(value, Endpoint) and value.name == name:
            return value
    raise AssertionError(f"{module.__name__} has no endpoint {name}")


def _path_args(endpoint: Endpoint, path: str) -> list[str]:
    pattern = "".join(
        re.escape(part) + ("([^/]+)" if index < len(endpoint.args) else "")
        for index, part in enumerate(endpoint.route_parts)
    )
    match = re.fullmatch(pattern, path)
    assert match is not None, f"{path} does not fit {endpoint.route}"
    return [unquote(value) for value in match.groups()]


def _classes(service: str) -> tuple[Any, type[SyncClient], type[AsyncClient]]:
    module = importlib.import_module(f"taskcluster_sdk.services.{service.replace('-', '_')}")
    classes = [value for value in vars(module).values() if isinstance(value, type)]
    sync_class = next(c for c in classes if issubclass(c, SyncClient) and c is not SyncClient)
    async_class = next(c for c in classes if issubclass(c, AsyncClient) and c is not AsyncClient)
    return module, sync_class, async_class


def _expected_error(status: int, code: str | None) -> type[APIError]:
    if status >= 500:
        return ServerError
    if status == 403:
        return InsufficientScopesError if code == "InsufficientScopes" else PermissionDeniedError
    return {
        400: BadRequestError,
        401: AuthenticationError,
        404: NotFoundError,
        409: ConflictError,
    }.get(status, APIError)


class Call:
    """How to call the recorded method on a client."""

    def __init__(self, recorded: dict[str, Any]) -> None:
        self.recorded = recorded
        self.module, self.sync_class, self.async_class = _classes(recorded["service"])
        self.name = recorded["method"]
        self.endpoint = _endpoint(self.module, self.name)
        request = recorded["request"]
        self.args = _path_args(self.endpoint, urlsplit(request["path"]).path)
        query = dict(request["query"]) or dict(parse_qsl(urlsplit(request["path"]).query))
        # A bewit is how that request was signed; our clients sign with a header.
        query.pop("bewit", None)
        self.query = query
        self.body = request["body"]
        parameters = inspect.signature(getattr(self.sync_class, self.name)).parameters
        self.takes_payload = "payload" in parameters

    def generated(self, client: Any) -> Any:
        """The generated method, called as the recording called it (a thunk)."""
        positional = [*self.args, self.body] if self.takes_payload else list(self.args)
        return lambda: getattr(client, self.name)(*positional, **self.query)

    def raw(self, client: Any) -> Any:
        """The engine call without payload validation, for requests the client refuses."""
        assert self.recorded["response"]["status"] == 400
        return lambda: client._call_no_output(self.endpoint, self.args, self.query, self.body, None)


@pytest.fixture(scope="module")
def server() -> Iterator[ScriptedServer]:
    with scripted_server() as running:
        yield running


def _check_error(error: APIError, recorded: dict[str, Any]) -> None:
    response = recorded["response"]
    body = response["body"] if isinstance(response["body"], dict) else {}
    code = body.get("code")
    assert type(error) is _expected_error(response["status"], code)
    assert error.status_code == response["status"]
    assert error.code == code
    assert error.message == body.get("message")
    assert error.request_id == response["headers"]["x-for-request-id"]


def _check_result(result: Any, recorded: dict[str, Any]) -> None:
    response = recorded["response"]
    if result is None:
        # Methods without output, and 204 answers.
        return
    assert isinstance(result, pydantic.BaseModel)
    assert http_response(result).status_code == response["status"]
    body = response["body"]
    if isinstance(body, dict):
        dumped = result.model_dump(mode="json", by_alias=True)
        assert set(body) <= set(dumped), sorted(set(body) - set(dumped))


def _ids(paths: list[Path]) -> list[str]:
    return [path.stem for path in paths]


def _check_outcome(outcome: object, recorded: dict[str, Any]) -> None:
    if isinstance(outcome, APIError):
        _check_error(outcome, recorded)
    else:
        assert recorded["response"]["status"] < 400, "an error answer raised nothing"
        _check_result(outcome, recorded)


# The recorded request broke its schema (or was not JSON) on purpose: the
# client refuses it before sending; the raw call replays the answer anyway.
REFUSED = (PayloadValidationError, TypeError)


@pytest.mark.parametrize("path", EXCHANGES, ids=_ids(EXCHANGES))
def test_recorded_answer_through_the_sync_client(server: ScriptedServer, path: Path) -> None:
    call = Call(_load(path))
    server.answer = lambda _: _reply(call.recorded)
    with call.sync_class(
        root_url=server.root_url, credentials=CREDENTIALS, max_retries=0
    ) as client:
        try:
            try:
                outcome: object = call.generated(client)()
            except REFUSED:
                outcome = call.raw(client)()
        except APIError as error:
            outcome = error
    _check_outcome(outcome, call.recorded)


@pytest.mark.parametrize("path", EXCHANGES, ids=_ids(EXCHANGES))
async def test_recorded_answer_through_the_async_client(server: ScriptedServer, path: Path) -> None:
    call = Call(_load(path))
    server.answer = lambda _: _reply(call.recorded)
    async with call.async_class(
        root_url=server.root_url, credentials=CREDENTIALS, max_retries=0
    ) as client:
        try:
            try:
                outcome: object = await call.generated(client)()
            except REFUSED:
                outcome = await call.raw(client)()
        except APIError as error:
            outcome = error
    _check_outcome(outcome, call.recorded)
