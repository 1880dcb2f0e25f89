"""What real servers and proxies do on the wire, and what the clients make of it, sync and async.

Each test plays one condition seen against real Taskcluster v106 (or a
proxy in front of it) on a scripted loopback server: redirects with text
bodies, dot segments, trickled bodies, truncated secrets, credentials in
URLs, closed clients and second event loops, retries that give up.
"""

from __future__ import annotations

import asyncio
import json
import pickle
import time
from collections.abc import Iterator
from typing import Any

import aiohttp
import httpx
import pytest
from servers.scripted import Reply, ScriptedServer, json_reply, scripted_server

from taskcluster_sdk import AsyncAuth, AsyncQueue, Auth, Queue, http_response
from taskcluster_sdk.errors import (
    ClientClosedError,
    ConnectionError,
    EventLoopError,
    InvalidResponseError,
    ServerError,
    TimeoutError,
)

CREDENTIALS = {"clientId": "tester", "accessToken": "no-secret"}
TASK_ID = "d8Q4n2_4SnCxL8xADyQYcA"
STORAGE_URL = "http://127.0.0.1:19190/public-bucket/d8Q4n2_4SnCxL8xADyQYcA/0/public/a.txt"


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with scripted_server() as running:
        yield running


def _redirect(body: bytes, content_type: str | None, storage_type: str | None = "s3") -> Reply:
    headers = {"location": STORAGE_URL}
    if content_type is not None:
        headers["content-type"] = content_type
    if storage_type is not None:
        headers["x-taskcluster-artifact-storage-type"] = storage_type
    return Reply(303, headers, body)


REDIRECT_BODIES = {
    "empty": (b"", None),
    "html": (b"<html><body>See Other</body></html>", "text/html"),
    "text": (f"See Other. Redirecting to {STORAGE_URL}".encode(), "text/plain; charset=utf-8"),
}


# -- 9.5: a 303 is its Location, whatever its body -------------------------------------


@pytest.mark.parametrize("body", list(REDIRECT_BODIES), ids=list(REDIRECT_BODIES))
def test_artifact_redirect_without_json_gives_the_location_sync(
    server: ScriptedServer, body: str
) -> None:
    server.answer = lambda _: _redirect(*REDIRECT_BODIES[body])
    with Queue(root_url=server.root_url, credentials=CREDENTIALS) as queue:
        for result in (
            queue.getArtifact(TASK_ID, 0, "public/a.txt"),
            queue.getLatestArtifact(TASK_ID, "public/a.txt"),
        ):
            assert result.url == STORAGE_URL
            assert result.storageType == "s3"
            assert http_response(result).status_code == 303


@pytest.mark.parametrize("body", list(REDIRECT_BODIES), ids=list(REDIRECT_BODIES))
async def test_artifact_redirect_without_json_gives_the_location_async(
    server: ScriptedServer, body: str
) -> None:
    server.answer = lambda _: _redirect(*REDIRECT_BODIES[body])
    async with AsyncQueue(root_url=server.root_url, credentials=CREDENTIALS) as queue:
        result = await queue.getArtifact(TASK_ID, 0, "public/a.txt")
        assert (result.url, result.storageType) == (STORAGE_URL, "s3")
        result = await queue.getLatestArtifact(TASK_ID, "public/a.txt")
        assert (result.url, result.storageType) == (STORAGE_URL, "s3")


def test_a_json_redirect_body_still_wins(server: ScriptedServer) -> None:
    body = json.dumps({"storageType": "reference", "url": "https://example.com/x"}).encode()
    server.answer = lambda _: Reply(
        303, {"location": STORAGE_URL, "content-type": "application/json"}, body
    )
    with Queue(root_url=server.root_url, credentials=CREDENTIALS) as queue:
        result = queue.getArtifact(TASK_ID, 0, "public/a.txt")
    assert (result.storageType, result.url) == ("reference", "https://example.com/x")


def test_a_200_that_does_not_parse_still_fails(server: ScriptedServer) -> None:
    server.answer = lambda _: Reply(200, {"location": STORAGE_URL}, b"<html>")
    with (
        Queue(root_url=server.root_url, credentials=CREDENTIALS) as queue,
        pytest.raises(InvalidResponseError),
    ):
        queue.getArtifact(TASK_ID, 0, "public/a.txt")


# -- 9.9: `.` and `..` never reach another route ----------------------------------------


@pytest.mark.parametrize("value", [".", ".."])
def test_dot_segments_are_refused_before_sending_sync(server: ScriptedServer, value: str) -> None:
    with Queue(root_url=server.root_url, credentials=CREDENTIALS) as queue:
        with pytest.raises(ValueError, match=r"path argument name must not be '\.+'"):
            queue.getArtifact(TASK_ID, 0, value)
        with pytest.raises(ValueError, match="path argument taskId"):
            queue.task(value)
        with pytest.raises(ValueError, match="must not be"):
            queue.urls.getArtifact(TASK_ID, 0, value)
        with pytest.raises(ValueError, match="must not be"):
            queue.signed_urls.getArtifact(TASK_ID, 0, value)
    assert server.received == []


@pytest.mark.parametrize("value", [".", ".."])
async def test_dot_segments_are_refused_before_sending_async(
    server: ScriptedServer, value: str
) -> None:
    async with AsyncQueue(root_url=server.root_url, credentials=CREDENTIALS) as queue:
        with pytest.raises(ValueError, match="must not be"):
            await queue.getArtifact(TASK_ID, 0, value)
        with pytest.raises(ValueError, match="must not be"):
            await queue.task(value)
    assert server.received == []


def test_names_with_dots_inside_are_still_one_segment(server: ScriptedServer) -> None:
    server.answer = lambda _: json_reply(200, b'{"storageType": "s3", "url": "u"}')
    with Queue(root_url=server.root_url, credentials=CREDENTIALS) as queue:
        queue.getArtifact(TASK_ID, 0, "...")
        queue.getArtifact(TASK_ID, 0, "public/../x")
    assert [r.path.rsplit("/", 1)[1] for r in server.received] == ["...", "public%2F..%2Fx"]


# -- 9.10: `timeout` bounds an attempt, `deadline` the call -----------------------------


def _trickle(_: Any) -> Reply:
    return Reply(
        200,
        {"content-type": "application/json"},
        json.dumps({"taskId": TASK_ID, "padding": "x" * 40}).encode(),
        trickle=0.3,
    )


def test_a_trickled_body_does_not_outlive_the_deadline_sync(server: ScriptedServer) -> None:
    server.answer = _trickle
    with Queue(root_url=server.root_url, credentials=CREDENTIALS, deadline=1) as queue:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            queue.task(TASK_ID)
        assert time.monotonic() - started < 3


def test_a_trickled_body_does_not_outlive_the_timeout_sync(server: ScriptedServer) -> None:
    server.answer = _trickle
    with Queue(
        root_url=server.root_url, credentials=CREDENTIALS, timeout=1, max_retries=0
    ) as queue:
        started = time.monotonic()
        with pytest.raises(TimeoutError):
            queue.task(TASK_ID)
        assert time.monotonic() - started < 3


@pytest.mark.parametrize("transport", ["aiohttp", "httpx", "aiohttp session"])
async def test_a_trickled_body_does_not_outlive_the_deadline_async(
    server: ScriptedServer, transport: str
) -> None:
    server.answer = _trickle
    given: Any = None
    if transport == "httpx":
        given = httpx.AsyncClient()
    elif transport == "aiohttp session":
        given = aiohttp.ClientSession()
    try:
        async with AsyncQueue(
            root_url=server.root_url, credentials=CREDENTIALS, deadline=1, http_client=given
        ) as queue:
            started = time.monotonic()
            with pytest.raises(TimeoutError):
                await queue.task(TASK_ID)
            assert time.monotonic() - started < 3
    finally:
        if given is not None:
            await (given.aclose() if transport == "httpx" else given.close())


# -- 9.11: no secrets in errors or reprs ------------------------------------------------

SECRET = "Th1sIsTheNewAccessTokenDoNotLeakIt"


def _truncated(_: Any) -> Reply:
    body = json.dumps({"clientId": "tester", "accessToken": SECRET, "expires": "2030"})
    return Reply(200, {"content-type": "application/json"}, body[:-12].encode())


def test_a_truncated_secret_is_not_quoted_sync(server: ScriptedServer) -> None:
    server.answer = _truncated
    with (
        Auth(root_url=server.root_url, credentials=CREDENTIALS) as auth,
        pytest.raises(InvalidResponseError) as caught,
    ):
        auth.resetAccessToken("tester")
    assert SECRET not in str(caught.value)
    assert SECRET not in repr(caught.value)
    assert SECRET not in repr(caught.value.args)
    assert "not quoted" in str(caught.value)


async def test_a_truncated_secret_is_not_quoted_async(server: ScriptedServer) -> None:
    server.answer = _truncated
    async with AsyncAuth(root_url=server.root_url, credentials=CREDENTIALS) as auth:
        with pytest.raises(InvalidResponseError) as caught:
            await auth.resetAccessToken("tester")
    assert SECRET not in str(caught.value) and SECRET not in repr(caught.value.args)


def test_a_non_json_body_is_still_quoted(server: ScriptedServer) -> None:
    server.answer = lambda _: Reply(
        200, {"content-type": "text/html"}, b"<html>proxy says no</html>"
    )
    with (
        Queue(root_url=server.root_url, credentials=CREDENTIALS) as queue,
        pytest.raises(InvalidResponseError, match="proxy says no"),
    ):
        queue.task(TASK_ID)


@pytest.mark.parametrize(
    "url",
    [
        "http://user:hunter2@127.0.0.1:1",
        "https://hunter2@tc.example.com",
        "https://user:hunter2@tc.example.com/",
    ],
)
@pytest.mark.parametrize("client_class", [Queue, AsyncQueue])
def test_credentials_in_the_root_url_are_refused(url: str, client_class: type[Any]) -> None:
    with pytest.raises(ValueError, match="must not contain a user name or password") as caught:
        client_class(root_url=url, credentials=CREDENTIALS)
    assert "hunter2" not in str(caught.value)
    with pytest.raises(ValueError) as caught:
        client_class(base_url=url + "/v1", credentials=CREDENTIALS)
    assert "hunter2" not in str(caught.value)


def test_credentials_in_the_environment_root_url_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TASKCLUSTER_ROOT_URL", "https://user:hunter2@tc.example.com")
    monkeypatch.delenv("TASKCLUSTER_PROXY_URL", raising=False)
    with pytest.raises(ValueError, match="must not contain") as caught:
        Queue.from_env()
    assert "hunter2" not in str(caught.value)


# -- 9.12: lifecycle --------------------------------------------------------------------


def test_a_closed_sync_client_says_so(server: ScriptedServer) -> None:
    queue = Queue(root_url=server.root_url, credentials=CREDENTIALS)
    queue.close()
    with pytest.raises(ClientClosedError, match="closed"):
        queue.task(TASK_ID)
    assert server.received == []


def test_a_closed_injected_httpx_client_says_so(server: ScriptedServer) -> None:
    given = httpx.Client()
    queue = Queue(root_url=server.root_url, credentials=CREDENTIALS, http_client=given)
    given.close()
    with pytest.raises(ClientClosedError, match="http_client"):
        queue.task(TASK_ID)


async def test_a_closed_async_client_says_so_and_opens_nothing(server: ScriptedServer) -> None:
    server.answer = lambda _: json_reply(200, b"{}")
    queue = AsyncQueue(root_url=server.root_url, credentials=CREDENTIALS)
    await queue.ping()
    await queue.aclose()
    with pytest.raises(ClientClosedError):
        await queue.ping()
    assert len(server.received) == 1
    assert queue._engine._sender._session is None  # pyright: ignore[reportPrivateUsage, reportAttributeAccessIssue, reportUnknownMemberType]


@pytest.mark.parametrize("transport", ["httpx", "aiohttp session"])
async def test_a_closed_injected_async_client_says_so(
    server: ScriptedServer, transport: str
) -> None:
    given: Any = httpx.AsyncClient() if transport == "httpx" else aiohttp.ClientSession()
    queue = AsyncQueue(root_url=server.root_url, credentials=CREDENTIALS, http_client=given)
    await (given.aclose() if transport == "httpx" else given.close())
    with pytest.raises(ClientClosedError, match="given to this client was closed"):
        await queue.ping()


def test_an_async_client_used_from_a_second_event_loop_says_so(server: ScriptedServer) -> None:
    server.answer = lambda _: json_reply(200, b"{}")
    queue = AsyncQueue(root_url=server.root_url, credentials=CREDENTIALS)
    asyncio.run(queue.ping())
    with pytest.raises(EventLoopError, match="another event loop"):
        asyncio.run(queue.ping())


# -- 11.7: the final error says how many attempts, over how long -------------------------


def test_the_final_error_counts_attempts_sync(server: ScriptedServer) -> None:
    server.answer = lambda _: json_reply(503, b'{"code": "Unavailable", "message": "down"}')
    with Queue(root_url=server.root_url, credentials=CREDENTIALS, max_retries=2) as queue:
        queue._engine._rand = lambda: 0.5  # pyright: ignore[reportPrivateUsage, reportAttributeAccessIssue]
        with pytest.raises(ServerError) as caught:
            queue.task(TASK_ID)
    error = caught.value
    assert error.attempts == 3
    assert error.elapsed is not None and 0.5 < error.elapsed < 5
    assert "gave up after 3 attempts over" in str(error)
    assert pickle.loads(pickle.dumps(error)).attempts == 3


async def test_the_final_error_counts_attempts_async() -> None:
    # Nothing listens on port 1: every attempt is refused.
    async with AsyncQueue(
        root_url="http://127.0.0.1:1", credentials=CREDENTIALS, max_retries=1
    ) as queue:
        with pytest.raises(ConnectionError) as caught:
            await queue.task(TASK_ID)
    error = caught.value
    assert error.attempts == 2
    assert "gave up after 2 attempts over" in str(error)
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == str(error) and again.attempts == 2
