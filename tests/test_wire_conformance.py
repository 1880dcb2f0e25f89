"""Every request shape of every generated client, over every transport, checked as Taskcluster checks it.

`tests/hawk_node/server.js` authenticates with the `hawk` npm library and
then applies Taskcluster's own payload rule (libraries/api's auth
middleware): when the client sent a payload hash, it must equal the hash of
the body *with the Content-Type header the server received*, where the body
counts only if it is non-empty `application/json` (body-parser reads nothing
else). A body-less POST that carries `Content-Type: application/octet-stream`
(aiohttp's default) fails that check on a real server; so it fails here.

The cases come from the references: every API entry of every service of
both platforms (through the generated modules' `Endpoint` constants), plus
the shapes no reference has (PUT without a body, PUT/DELETE with a query),
so no method shape is missed. Each transport is one test that reports every
failing endpoint at once.
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pydantic
import pytest
from test_hawk_node import TESTER, root_url  # noqa: F401  # the Node server fixture

from taskcluster_sdk import http_response
from taskcluster_sdk._client import AsyncClient, SyncClient
from taskcluster_sdk._endpoint import Endpoint
from taskcluster_sdk._urls import build_path
from taskcluster_sdk.errors import APIError

ROOT = Path(__file__).resolve().parent.parent


class Echo(pydantic.BaseModel):
    """Whatever the check server answered (only its `x-hawk-seen` header matters)."""

    model_config = pydantic.ConfigDict(extra="allow")


@dataclass(frozen=True)
class Case:
    """One API entry: the generated client classes and how to call the endpoint."""

    label: str
    sync_class: type[SyncClient]
    async_class: type[AsyncClient]
    legacy: bool
    endpoint: Endpoint
    has_input: bool

    @property
    def args(self) -> tuple[str, ...]:
        return tuple(f"a-{index}" for index in range(len(self.endpoint.args)))

    @property
    def query(self) -> dict[str, Any] | None:
        return {name: "1" for name in self.endpoint.query} or None

    @property
    def payload(self) -> dict[str, Any] | None:
        return {"conformance": ["é", 1]} if self.has_input else None

    @property
    def call_arguments(self) -> tuple[Any, ...]:
        """`_call`'s arguments: no input spec (the body is sent as given), parsed into `Echo`."""
        return (self.endpoint, self.args, self.query, self.payload, None, Echo)

    @property
    def shape(self) -> tuple[str, bool, bool]:
        return (self.endpoint.method, self.has_input, bool(self.endpoint.query))


def _inputs(legacy: bool) -> dict[tuple[str, str], bool]:
    """(service, entry name) -> whether the reference gives the entry an input schema."""
    found: dict[tuple[str, str], bool] = {}
    if legacy:
        for path in (ROOT / "references" / "legacy-2014").glob("*.json"):
            document = json.loads(path.read_text())
            for entry in document["reference"]["entries"]:
                if entry.get("type") == "function":
                    found[(document["name"].lower(), entry["name"])] = "input" in entry
    else:
        for path in (ROOT / "references").glob("*/v1/api.json"):
            for entry in json.loads(path.read_text())["entries"]:
                found[(path.parent.parent.name, entry["name"])] = "input" in entry
    return found


def _cases() -> list[Case]:
    cases: list[Case] = []
    for package, legacy in (
        ("taskcluster_sdk.services", False),
        ("taskcluster_sdk.legacy.services", True),
    ):
        inputs = _inputs(legacy)
        for info in pkgutil.iter_modules(importlib.import_module(package).__path__):
            module = importlib.import_module(f"{package}.{info.name}")
            classes = [value for value in vars(module).values() if isinstance(value, type)]
            sync_class = next(
                c for c in classes if issubclass(c, SyncClient) and c is not SyncClient
            )
            async_class = next(
                c for c in classes if issubclass(c, AsyncClient) and c is not AsyncClient
            )
            service = module._SERVICE.name.replace("-", "_")
            for value in vars(module).values():
                if isinstance(value, Endpoint):
                    key = (service if not legacy else sync_class.__name__.lower(), value.name)
                    if key not in inputs:
                        key = (module._SERVICE.name, value.name)
                    cases.append(
                        Case(
                            f"{'legacy.' if legacy else ''}{info.name}.{value.name}",
                            sync_class,
                            async_class,
                            legacy,
                            value,
                            inputs[key],
                        )
                    )
    # Shapes no reference has, on a route of its own.
    queue = next(case for case in cases if case.label == "queue.task")
    for method, has_input, query in (
        ("PUT", False, ()),
        ("PUT", False, ("x",)),
        ("PUT", True, ("x",)),
        ("DELETE", False, ("x",)),
    ):
        endpoint = Endpoint(f"synthetic{method}", method, "/synthetic/<thing>", ("thing",), query)
        cases.append(
            Case(
                f"synthetic.{method}.{has_input}.{bool(query)}",
                queue.sync_class,
                queue.async_class,
                False,
                endpoint,
                has_input,
            )
        )
    return cases


CASES = _cases()
REQUIRED_SHAPES = {
    ("GET", False, False),
    ("GET", False, True),
    *((method, body, False) for method in ("POST", "PUT", "DELETE") for body in (False, True)),
    *((method, False, True) for method in ("POST", "PUT", "DELETE")),
}


def test_the_cases_cover_every_entry_and_shape() -> None:
    assert {case.shape for case in CASES} >= REQUIRED_SHAPES
    current = sum(1 for case in CASES if not case.legacy and not case.label.startswith("synthetic"))
    assert current == len(_inputs(legacy=False))
    assert sum(1 for case in CASES if case.legacy) == len(_inputs(legacy=True))


def _check(case: Case, result: Echo | APIError) -> str | None:
    """What is wrong with how the server saw this request (None if nothing)."""
    if isinstance(result, APIError):
        return f"{case.label}: {result}"
    response = http_response(result)
    seen = json.loads(response.headers["x-hawk-seen"])
    if response.status_code != 200:
        return f"{case.label}: HTTP {response.status_code}: {seen.get('error')}"
    if not seen["url"].split("?")[0].endswith(build_path(case.endpoint, case.args)):
        return f"{case.label}: reached {seen['url']}"
    if seen["method"] != case.endpoint.method:
        return f"{case.label}: sent as {seen['method']}"
    if (seen["bodyLength"] > 0) != case.has_input:
        return f"{case.label}: body of {seen['bodyLength']} bytes"
    if not seen["payloadVerified"]:
        return f"{case.label}: no payload hash was sent"
    if case.has_input and seen["contentType"] != "application/json":
        return f"{case.label}: body sent as {seen['contentType']}"
    if not case.has_input and seen["contentType"] is not None:
        return f"{case.label}: body-less request sent Content-Type {seen['contentType']}"
    if bool(case.query) != ("?" in seen["url"]):
        return f"{case.label}: query lost: {seen['url']}"
    return None


def _location(case: Case, root: str) -> dict[str, str]:
    return {"base_url": f"{root}/v1"} if case.legacy else {"root_url": root}


SyncFactory = Callable[[Case, str], SyncClient]
AsyncFactory = Callable[[Case, str, Any], AsyncClient]

_SSL = ssl.create_default_context()


def _clients(kind: str, root: str, http_client: Any) -> dict[type[Any], Any]:
    """One client per generated class of `kind` ("sync_class" / "async_class")."""
    first = {getattr(case, kind): case for case in reversed(CASES)}
    return {
        cls: cls(
            **_location(case, root), credentials=TESTER, max_retries=0, http_client=http_client
        )
        for cls, case in first.items()
    }


@pytest.mark.parametrize("injected", [False, True], ids=["default httpx", "injected httpx.Client"])
def test_sync_requests_pass_taskclusters_hawk_check(root_url: str, injected: bool) -> None:  # noqa: F811
    problems: list[str | None] = []
    with httpx.Client(verify=_SSL) as given:
        clients = _clients("sync_class", root_url, given if injected else None)
        for case in CASES:
            try:
                outcome = clients[case.sync_class]._call(*case.call_arguments)
            except APIError as error:
                outcome = error
            problems.append(_check(case, outcome))
        for client in clients.values():
            client.close()
    assert [problem for problem in problems if problem] == []


async def _async_run(root: str, http_client: Any) -> list[str]:
    problems: list[str | None] = []
    clients = _clients("async_class", root, http_client)
    for case in CASES:
        try:
            outcome = await clients[case.async_class]._call(*case.call_arguments)
        except APIError as error:
            outcome = error
        problems.append(_check(case, outcome))
    for client in clients.values():
        await client.aclose()
    return [problem for problem in problems if problem]


async def test_async_requests_pass_taskclusters_hawk_check_default_aiohttp(root_url: str) -> None:  # noqa: F811
    assert await _async_run(root_url, None) == []


async def test_async_requests_pass_taskclusters_hawk_check_injected_httpx(root_url: str) -> None:  # noqa: F811
    async with httpx.AsyncClient(verify=_SSL) as given:
        assert await _async_run(root_url, given) == []


async def test_async_requests_pass_taskclusters_hawk_check_injected_aiohttp(root_url: str) -> None:  # noqa: F811
    async with aiohttp.ClientSession() as given:
        assert await _async_run(root_url, given) == []
