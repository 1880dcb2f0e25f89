"""Our Hawk headers and bewits, checked by the `hawk` npm library Taskcluster's servers use.

`tests/hawk_node/server.js` authenticates every request with
`Hawk.server.authenticate` / `Hawk.uri.authenticate` (hawk 9.0.2, pinned in
its package-lock.json) and Taskcluster's `ext` rules (authorizedScopes,
temporary-credential certificates). This is independent of our Python Hawk
code and of mohawk. The server reports what authentication found in the
`x-hawk-seen` response header.
"""

from __future__ import annotations

import json
import selectors
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from taskcluster_sdk import (
    AsyncQueue,
    Credentials,
    Queue,
    create_temporary_credentials,
    from_now,
    http_response,
)
from taskcluster_sdk._hawk import header, payload_hash
from taskcluster_sdk.errors import AuthenticationError
from tests._prerequisites import HAWK_NODE_DIR, node_tools

pytestmark = pytest.mark.node

SERVER_DIR = HAWK_NODE_DIR
TESTER = Credentials("tester", "no-secret")
ISSUER = Credentials("issuer", "issuer-secret")
TASK_ID = "fN1SbArXTPSVFNUvaOlinQ"
TASK_GROUP_ID = "dMh4Vu2eRvChHCr5JcSKzA"
STARTUP_TIMEOUT = 20.0
CLOCK_OFFSET_HEADER = "x-test-clock-offset-ms"

# A createTask payload that validates against the queue's create-task request schema.
TASK: dict[str, Any] = {
    "provisionerId": "proj-test",
    "workerType": "linux",
    "taskQueueId": "proj-test/linux",
    "schedulerId": "-",
    "projectId": "none",
    "taskGroupId": TASK_GROUP_ID,
    "dependencies": [],
    "requires": "all-completed",
    "routes": ["index.project.test"],
    "priority": "lowest",
    "retries": 5,
    "created": "2026-11-27T10:00:00.000Z",
    "deadline": "2026-11-28T10:00:00.000Z",
    "expires": "2027-11-27T10:00:00.000Z",
    "scopes": ["queue:get-artifact:private/*"],
    "payload": {"command": ["echo", "héllo wörld"], "maxRunTime": 600},
    "metadata": {
        "name": "a test task",
        "description": "checked by the hawk npm library",
        "owner": "tester@example.com",
        "source": "https://example.com/source",
    },
    "tags": {},
    "extra": {},
}


def _read_port(process: subprocess.Popen[str]) -> int:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        ready = selector.select(STARTUP_TIMEOUT)
    line = process.stdout.readline() if ready else ""
    if not line.strip().isdigit():
        process.kill()
        _, stderr = process.communicate(timeout=5)
        pytest.fail(f"hawk check server did not start (stdout {line!r}):\n{stderr}", pytrace=False)
    return int(line)


@pytest.fixture(scope="module")
def root_url() -> Iterator[str]:
    """Root URL of the Node server, running for the whole module."""
    # tests/conftest.py checked Node.js and ran `npm ci` before the run started.
    node, _npm = node_tools()
    process = subprocess.Popen(
        [node, "server.js"],
        cwd=SERVER_DIR,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield f"http://127.0.0.1:{_read_port(process)}"
    finally:
        assert process.stdin is not None
        process.stdin.close()  # the server exits when its stdin ends
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def _seen(response: httpx.Response) -> dict[str, Any]:
    """What the server's Hawk check found for this request."""
    return json.loads(response.headers["x-hawk-seen"])


def _temporary(issuer: Credentials, scopes: list[str], name: str | None = None) -> Credentials:
    return create_temporary_credentials(
        issuer.client_id,
        issuer.access_token,
        start=from_now("-5 minutes"),
        expiry=from_now("1 hour"),
        scopes=scopes,
        name=name,
    )


def _certificate(credentials: Credentials) -> dict[str, Any]:
    certificate = credentials.certificate_object()
    assert certificate is not None
    return certificate


# --- header authentication, sync client -----------------------------------


def test_get_with_plain_credentials(root_url: str) -> None:
    with Queue(root_url=root_url, credentials=TESTER) as queue:
        task = queue.task(TASK_ID)
    seen = _seen(http_response(task))
    assert task.taskGroupId == TASK_GROUP_ID
    assert seen["scheme"] == "hawk"
    assert seen["clientId"] == "tester"
    assert seen["ext"] is None
    assert seen["payloadVerified"] is True  # the empty-body hash, checked by hawk
    assert seen["url"] == f"/api/queue/v1/task/{TASK_ID}"


def test_get_with_query_string(root_url: str) -> None:
    with Queue(root_url=root_url, credentials=TESTER) as queue:
        page = queue.listTaskGroup(TASK_GROUP_ID, limit=2, continuationToken="a b/é")
    seen = _seen(http_response(page))
    assert page.taskGroupId == TASK_GROUP_ID
    assert seen["url"].startswith(f"/api/queue/v1/task-group/{TASK_GROUP_ID}/list?")
    assert "limit=2" in seen["url"]


def test_put_with_payload_hash(root_url: str) -> None:
    with Queue(root_url=root_url, credentials=TESTER) as queue:
        status = queue.createTask(TASK_ID, TASK)
    seen = _seen(http_response(status))
    assert status.status.taskId == TASK_ID
    assert seen["method"] == "PUT"
    assert seen["payloadVerified"] is True


def test_authorized_scopes_travel_in_ext(root_url: str) -> None:
    scopes = [f"queue:get-task:{TASK_ID}"]
    with Queue(root_url=root_url, credentials=TESTER, authorized_scopes=scopes) as queue:
        seen = _seen(http_response(queue.task(TASK_ID)))
    assert seen["ext"] == {"authorizedScopes": scopes}
    assert seen["scopes"] == scopes


def test_authorized_scopes_beyond_the_client_are_refused(root_url: str) -> None:
    # Shows the server really reads ext: tester does not hold auth:* scopes.
    with (
        Queue(root_url=root_url, credentials=TESTER, authorized_scopes=["auth:x"]) as queue,
        pytest.raises(AuthenticationError, match="do not satisfy authorizedScopes"),
    ):
        queue.task(TASK_ID)


def test_unnamed_temporary_credentials(root_url: str) -> None:
    credentials = _temporary(TESTER, ["queue:get-task:*", "queue:create-task:*"])
    with Queue(root_url=root_url, credentials=credentials) as queue:
        got = _seen(http_response(queue.task(TASK_ID)))
        put = _seen(http_response(queue.createTask(TASK_ID, TASK)))
    for seen in (got, put):
        assert seen["clientId"] == "tester"
        assert seen["issuer"] == "tester"
        assert seen["ext"] == {"certificate": _certificate(credentials)}
        assert seen["scopes"] == ["queue:get-task:*", "queue:create-task:*"]
    assert put["payloadVerified"] is True


def test_named_temporary_credentials(root_url: str) -> None:
    credentials = _temporary(ISSUER, ["queue:get-task:*"], name="named-worker")
    with Queue(root_url=root_url, credentials=credentials) as queue:
        seen = _seen(http_response(queue.createTask(TASK_ID, TASK)))
    assert seen["clientId"] == "named-worker"
    assert seen["issuer"] == "issuer"
    assert seen["ext"]["certificate"]["issuer"] == "issuer"


def test_temporary_credentials_with_authorized_scopes(root_url: str) -> None:
    credentials = _temporary(ISSUER, ["queue:*"], name="named-worker")
    narrowed = [f"queue:get-task:{TASK_ID}"]
    with Queue(root_url=root_url, credentials=credentials, authorized_scopes=narrowed) as queue:
        seen = _seen(http_response(queue.task(TASK_ID)))
    assert seen["ext"] == {"certificate": _certificate(credentials), "authorizedScopes": narrowed}
    assert seen["scopes"] == narrowed


def test_named_credentials_need_the_create_client_scope(root_url: str) -> None:
    credentials = _temporary(ISSUER, ["queue:get-task:*"], name="someone-else")
    with (
        Queue(root_url=root_url, credentials=credentials) as queue,
        pytest.raises(AuthenticationError, match="auth:create-client:someone-else"),
    ):
        queue.task(TASK_ID)


def test_certificate_from_a_wrong_issuer_token_is_refused(root_url: str) -> None:
    forged = _temporary(Credentials("tester", "not-the-secret"), ["queue:*"])
    with (
        Queue(root_url=root_url, credentials=forged) as queue,
        pytest.raises(AuthenticationError, match="signature is not valid"),
    ):
        queue.task(TASK_ID)


def test_wrong_access_token_is_refused(root_url: str) -> None:
    wrong = Credentials("tester", "wrong-secret")
    with (
        Queue(root_url=root_url, credentials=wrong) as queue,
        pytest.raises(AuthenticationError, match="Bad mac"),
    ):
        queue.task(TASK_ID)


def test_stale_timestamp_is_refused(root_url: str) -> None:
    # The server's clock runs 20 minutes ahead: beyond Taskcluster's 15 minutes of skew.
    shifted = httpx.Client(headers={CLOCK_OFFSET_HEADER: str(20 * 60 * 1000)})
    with (
        shifted,
        Queue(root_url=root_url, credentials=TESTER, http_client=shifted) as queue,
        pytest.raises(AuthenticationError, match="Stale timestamp"),
    ):
        queue.task(TASK_ID)


# --- header authentication, async client ----------------------------------


async def test_async_client_get_and_put(root_url: str) -> None:
    credentials = _temporary(ISSUER, ["queue:*"], name="named-worker")
    narrowed = ["queue:create-task:*", "queue:get-task:*"]
    async with AsyncQueue(
        root_url=root_url, credentials=credentials, authorized_scopes=narrowed
    ) as queue:
        task = await queue.task(TASK_ID)
        status = await queue.createTask(TASK_ID, TASK)
    assert task.taskGroupId == TASK_GROUP_ID
    assert status.status.taskId == TASK_ID
    for seen in (_seen(http_response(task)), _seen(http_response(status))):
        assert seen["clientId"] == "named-worker"
        assert seen["scopes"] == narrowed
        assert seen["payloadVerified"] is True


async def test_async_client_wrong_access_token_is_refused(root_url: str) -> None:
    async with AsyncQueue(
        root_url=root_url, credentials=Credentials("tester", "wrong-secret")
    ) as queue:
        with pytest.raises(AuthenticationError, match="Bad mac"):
            await queue.createTask(TASK_ID, TASK)


# --- bewits (signed URLs) ---------------------------------------------------


def _signed_task_url(root_url: str, credentials: Credentials, **options: Any) -> str:
    with Queue(root_url=root_url, credentials=credentials, **options) as queue:
        return queue.signed_urls.task(TASK_ID)


def test_signed_url(root_url: str) -> None:
    response = httpx.get(_signed_task_url(root_url, TESTER))
    seen = _seen(response)
    assert response.status_code == 200, seen
    assert response.json()["taskGroupId"] == TASK_GROUP_ID
    assert seen["scheme"] == "bewit"
    assert seen["clientId"] == "tester"


def test_signed_url_with_query_and_escaped_path(root_url: str) -> None:
    with Queue(root_url=root_url, credentials=TESTER) as queue:
        listing = queue.signed_urls.listTaskGroup(TASK_GROUP_ID, limit=2)
        artifact = queue.signed_urls.getLatestArtifact(TASK_ID, "public/build/a b!'()*~é.zip")
    for url in (listing, artifact):
        response = httpx.get(url)
        assert response.status_code == 200, _seen(response)
    assert "%C3%A9.zip?bewit=" in artifact
    assert "limit=2&bewit=" in listing


def test_signed_url_with_temporary_credentials_and_authorized_scopes(root_url: str) -> None:
    credentials = _temporary(ISSUER, ["queue:*"], name="named-worker")
    narrowed = [f"queue:get-task:{TASK_ID}"]
    url = _signed_task_url(root_url, credentials, authorized_scopes=narrowed)
    response = httpx.get(url)
    seen = _seen(response)
    assert response.status_code == 200, seen
    assert seen["clientId"] == "named-worker"
    assert seen["ext"] == {"certificate": _certificate(credentials), "authorizedScopes": narrowed}


def test_signed_url_expires(root_url: str) -> None:
    url = _signed_task_url(root_url, TESTER)  # 15 minutes
    still_valid = httpx.get(url, headers={CLOCK_OFFSET_HEADER: str(14 * 60 * 1000)})
    expired = httpx.get(url, headers={CLOCK_OFFSET_HEADER: str(16 * 60 * 1000)})
    assert still_valid.status_code == 200, _seen(still_valid)
    assert expired.status_code == 401
    assert expired.json()["code"] == "AuthenticationFailed"
    assert "Access expired" in expired.json()["message"]


def test_signed_url_for_another_resource_is_refused(root_url: str) -> None:
    url = _signed_task_url(root_url, TESTER).replace(TASK_ID, "someOtherTaskIdAAAAAAA")
    response = httpx.get(url)
    assert response.status_code == 401
    assert "Bad mac" in response.json()["message"]


def test_body_not_matching_the_signed_hash_is_refused(root_url: str) -> None:
    # Shows the server really checks payload hashes: sign one body, send another.
    port = int(root_url.rsplit(":", 1)[1])
    resource = f"/api/queue/v1/task/{TASK_ID}"
    signed = payload_hash("application/json", b'{"a":1}')
    authorization = header("tester", b"no-secret", "PUT", resource, "127.0.0.1", port, signed, "")
    response = httpx.put(
        root_url + resource,
        content=b'{"a":2}',
        headers={"Authorization": authorization, "Content-Type": "application/json"},
    )
    assert response.status_code == 401
    assert "Invalid payload hash" in response.json()["message"]  # Taskcluster's wording
