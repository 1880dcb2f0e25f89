"""The async client (default aiohttp transport and an injected httpx.AsyncClient)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import aiohttp
import httpx
import pytest
from servers.fake_queue import AsyncQueue
from servers.taskcluster import Fault, TaskclusterServer, running_server

from taskcluster_sdk._credentials import Credentials
from taskcluster_sdk._tempcreds import create_temporary_credentials
from taskcluster_sdk._transport import http_response
from taskcluster_sdk.errors import (
    ConnectionError,
    InsufficientScopesError,
    PayloadValidationError,
    ServerError,
    TimeoutError,
)

TESTER = Credentials("tester", "no-secret")
AWKWARD = "public/build/a b!'()*~é.zip"


@pytest.fixture
def server() -> Iterator[TaskclusterServer]:
    with running_server() as srv:
        yield srv


class FakeSleep:
    def __init__(self) -> None:
        self.sleeps: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.sleeps.append(seconds)


@pytest.fixture(params=["aiohttp", "httpx"])
async def queue_factory(
    request: pytest.FixtureRequest, server: TaskclusterServer
) -> AsyncIterator[Any]:
    """Makes AsyncQueues on the default transport or an injected httpx.AsyncClient."""
    made: list[AsyncQueue] = []
    http = httpx.AsyncClient() if request.param == "httpx" else None

    def make(**options: Any) -> AsyncQueue:
        options.setdefault("credentials", TESTER)
        queue = AsyncQueue(root_url=server.root_url, http_client=http, **options)
        queue._engine._sleep = FakeSleep()
        queue._engine._rand = lambda: 0.5
        made.append(queue)
        return queue

    yield make
    for queue in made:
        await queue.aclose()
    if http is not None:
        assert not http.is_closed  # never closed by the client
        await http.aclose()


async def test_signed_calls_pass_mohawk(queue_factory: Any, server: TaskclusterServer) -> None:
    now = datetime.now(timezone.utc)
    temp = create_temporary_credentials(
        "issuer",
        "issuer-secret",
        now - timedelta(minutes=1),
        now + timedelta(hours=1),
        ["x"],
        name="named",
    )
    for credentials, scopes in ((TESTER, None), (TESTER, ["a"]), (temp, ["x"])):
        queue = queue_factory(credentials=credentials, authorized_scopes=scopes)
        assert (await queue.task("abc")).taskId == "abc"
        assert server.state.seen[-1].client_id == credentials.client_id


async def test_payload_and_validation(queue_factory: Any, server: TaskclusterServer) -> None:
    queue = queue_factory()
    result = await queue.createTask(
        "t", {"provisionerId": "p", "metadata": {"name": "n", "owner": "o"}}
    )
    assert result.status["received"]["provisionerId"] == "p"
    hits = server.state.hits
    with pytest.raises(PayloadValidationError, match=r"metadata\.name"):
        await queue.createTask("t", {"provisionerId": "p", "metadata": {"owner": "o"}})
    assert server.state.hits == hits


async def test_awkward_path_is_sent_exactly_as_signed(
    queue_factory: Any, server: TaskclusterServer
) -> None:
    queue = queue_factory()
    artifact = await queue.getArtifact("abc", 0, AWKWARD)
    assert server.state.seen[-1].raw_path.endswith(
        "/artifacts/public%2Fbuild%2Fa%20b%21%27%28%29%2A~%C3%A9.zip"
    )
    response = http_response(artifact)
    assert isinstance(response, httpx.Response)
    assert http_response(artifact) is response  # converted once
    assert response.status_code == 303
    assert response.headers["location"] == artifact.url
    assert str(response.request.url).endswith("%C3%A9.zip")


async def test_transient_faults_are_retried(queue_factory: Any, server: TaskclusterServer) -> None:
    queue = queue_factory()
    server.state.faults = [Fault(status=500), Fault(status=502), Fault(status=503)]
    assert (await queue.task("abc")).taskId == "abc"
    assert server.state.hits == 4
    assert queue._engine._sleep.sleeps == [0.2, 0.4, 0.8]
    # A dropped connection is retried too (aiohttp may already retry a
    # dropped keep-alive connection once by itself: count server hits only).
    server.state.faults = [Fault(drop=True)]
    assert (await queue.task("abc")).taskId == "abc"
    assert server.state.hits == 6


async def test_501_is_final(queue_factory: Any, server: TaskclusterServer) -> None:
    queue = queue_factory()
    server.state.faults = [Fault(status=501), Fault(status=500)]
    with pytest.raises(ServerError) as info:
        await queue.task("abc")
    assert info.value.status_code == 501
    assert server.state.hits == 1
    assert queue._engine._sleep.sleeps == []


async def test_persistent_faults_stop(queue_factory: Any, server: TaskclusterServer) -> None:
    queue = queue_factory(max_retries=1)
    server.state.faults = [Fault(status=502)] * 2
    with pytest.raises(ServerError):
        await queue.task("abc")
    server.state.faults = [Fault(drop=True)] * 6
    with pytest.raises(ConnectionError):
        await queue.task("abc")
    assert len(queue._engine._sleep.sleeps) == 2  # one retry for each failed call


async def test_timeouts(queue_factory: Any, server: TaskclusterServer) -> None:
    queue = queue_factory(timeout=0.05, max_retries=1)
    server.state.faults = [Fault(delay=0.3, status=200)]
    assert (await queue.task("abc")).taskId == "abc"
    server.state.faults = [Fault(delay=0.2, status=200)] * 2
    with pytest.raises(TimeoutError):
        await queue.task("abc")


async def test_errors_and_no_output(queue_factory: Any) -> None:
    queue = queue_factory()
    with pytest.raises(InsufficientScopesError) as info:
        await queue.fail(403, code="InsufficientScopes")
    assert info.value.request_id == "req-1234"
    assert await queue.ping() is None


async def test_fifty_in_flight_on_one_client(queue_factory: Any, server: TaskclusterServer) -> None:
    queue = queue_factory()
    tasks = await asyncio.gather(*(queue.task(f"t{i}") for i in range(50)))
    assert [task.taskId for task in tasks] == [f"t{i}" for i in range(50)]


async def test_injected_aiohttp_session_stays_open(server: TaskclusterServer) -> None:
    async with aiohttp.ClientSession() as session:
        async with AsyncQueue(
            root_url=server.root_url, credentials=TESTER, http_client=session
        ) as queue:
            assert (await queue.task("abc")).taskId == "abc"
        assert not session.closed


async def test_client_made_outside_a_loop_works_inside_one(server: TaskclusterServer) -> None:
    queue = AsyncQueue(root_url=server.root_url, credentials=TESTER)
    async with queue:
        await queue.task("abc")
    assert queue._engine._sender._session is None  # released on close


def test_unsupported_http_client_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match=r"httpx\.AsyncClient or an aiohttp\.ClientSession"):
        AsyncQueue(root_url="https://tc.example.com", http_client=httpx.Client())  # type: ignore[arg-type]
