"""The fake's Hawk checking: proven on published vectors, then on the SDK's own clients.

The verifier is mohawk (an independent Hawk implementation) plus
Taskcluster's certificate and scope rules; the vectors are DESIGN.md's
Hawk header and bewit (made with the official client) and the Go client's
temporary-credential test cases (tests/fixtures/vectors).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from taskcluster_sdk import (
    AsyncQueue,
    Auth,
    Credentials,
    Queue,
    create_temporary_credentials,
    from_now,
    slugid,
)
from taskcluster_sdk._hawk import EMPTY_PAYLOAD_HASH, header, payload_hash
from taskcluster_sdk.errors import AuthenticationError, InsufficientScopesError
from taskcluster_sdk.models.auth import Scopeset
from taskcluster_sdk.models.queue import Task
from taskcluster_sdk.testing import FakeAPIError, FakeTaskcluster, ReceivedRequest
from taskcluster_sdk.testing._auth import HawkChecker

VECTORS = Path(__file__).parent / "fixtures" / "vectors"
TASK = json.loads(
    (
        Path(__file__).parent / "fixtures/recorded/taskcluster-v106/http/queue.task.ok.json"
    ).read_text()
)["response"]["body"]

# DESIGN.md "Hawk": made with the official client.
VECTOR_PATH = "/api/auth/v1/test-authenticate-get/"
VECTOR_HEADER = (
    'Hawk id="tester", ts="1600000000", nonce="abcdef", '
    'hash="B0weSUXsMcb5UhL41FZbrUJCAotzSI3HawE1NPLRUz8=", ext="e30=", '
    'mac="TX5M5uDRAhPSt98PhYzalu153/F9e6wPiFOUCnKTJiA="'
)
VECTOR_BEWIT = (
    "dGVzdGVyXDE2MDAwMDA5MDBcTHJVeG5FVU9GMHZnNlhRQjZlUTE1UDUrbFQ4RHcxQ1Z3VmIwZWllaFdRYz1cZTMwPQ"
)


def _request(
    authorization: str | None = None, query: dict[str, str] | None = None
) -> ReceivedRequest:
    target = VECTOR_PATH + ("?bewit=" + query["bewit"] if query else "")
    headers = {"authorization": authorization} if authorization else {}
    return ReceivedRequest(
        "GET", VECTOR_PATH, query or {}, headers, b"", target, "tc.example.com", 443
    )


def test_the_published_header_and_bewit_vectors_verify() -> None:
    checker = HawkChecker(clock=lambda: 1600000000.0)
    checker.add_client("tester", ["auth:*"], "no-secret")
    identity = checker.authenticate(_request(VECTOR_HEADER))
    assert (identity.client_id, identity.scopes) == ("tester", ("auth:*",))
    assert checker.authenticate(_request(query={"bewit": VECTOR_BEWIT})).client_id == "tester"
    tampered = VECTOR_HEADER.replace('mac="TX5M', 'mac="TX5N')
    with pytest.raises(FakeAPIError, match="Bad mac") as info:
        checker.authenticate(_request(tampered))
    assert (info.value.status, info.value.code) == (401, "AuthenticationFailed")
    late = HawkChecker(clock=lambda: 1600000000.0 + 16 * 60)  # past the 15 minutes of skew
    late.add_client("tester", [], "no-secret")
    with pytest.raises(FakeAPIError, match="Stale timestamp"):
        late.authenticate(_request(VECTOR_HEADER))


@pytest.mark.parametrize(
    "case",
    json.loads((VECTORS / "temporary_credentials.json").read_text())["static"],
    ids=lambda case: case["description"],
)
def test_the_official_temporary_credential_vectors_authenticate(case: dict[str, Any]) -> None:
    expected = case["expectedTempCreds"]
    certificate = json.loads(expected["certificate"])
    checker = HawkChecker(clock=lambda: (certificate["start"] + 60_000) / 1000)
    issuer = case["permCreds"]
    checker.add_client(
        issuer["clientId"], ["scope/*", "auth:create-client:abc/def/ghi"], issuer["accessToken"]
    )
    ext_value: dict[str, Any] = {"certificate": certificate}
    if expected["authorizedScopes"] is not None:
        ext_value["authorizedScopes"] = expected["authorizedScopes"]
    ext = base64.b64encode(json.dumps(ext_value, separators=(",", ":")).encode()).decode()
    value = header(
        expected["clientId"],
        expected["accessToken"].encode(),
        "GET",
        VECTOR_PATH,
        "tc.example.com",
        443,
        EMPTY_PAYLOAD_HASH,
        ext,
        ts=int(certificate["start"] / 1000) + 60,
    )
    identity = checker.authenticate(_request(value))
    assert identity.client_id == expected["clientId"]
    assert identity.scopes == tuple(expected["authorizedScopes"] or certificate["scopes"])
    # The same certificate under an issuer that lacks the scopes is refused.
    poor = HawkChecker(clock=lambda: (certificate["start"] + 60_000) / 1000)
    poor.add_client(issuer["clientId"], ["other:*", "auth:create-client:*"], issuer["accessToken"])
    with pytest.raises(FakeAPIError, match="sufficient scopes"):
        poor.authenticate(_request(value))


@pytest.fixture
def tc() -> Iterator[FakeTaskcluster]:
    with FakeTaskcluster(
        stateful=True, check_auth=True, anonymous_scopes=["queue:get-task:*"]
    ) as fake:
        yield fake


def test_clients_sign_and_scopes_are_checked(tc: FakeTaskcluster) -> None:
    admin = tc.add_client("admin", ["auth:current-scopes"])
    tc.auth.currentScopes.handle(lambda call: Scopeset(scopes=[call.client_id or ""]))
    assert Auth(root_url=tc.root_url, credentials=admin).currentScopes().scopes == ["admin"]
    with pytest.raises(
        InsufficientScopesError, match="This request requires Taskcluster credentials"
    ):
        Auth(root_url=tc.root_url).currentScopes()
    with pytest.raises(AuthenticationError, match="Bad mac"):
        Auth(root_url=tc.root_url, credentials=Credentials("admin", "wrong")).currentScopes()
    with pytest.raises(AuthenticationError, match="Client with clientId 'ghost' not found") as info:
        Auth(root_url=tc.root_url, credentials=Credentials("ghost", "x")).currentScopes()
    assert info.value.body["code"] == "AuthenticationFailed"
    tc.queue.task.returns(Task.model_validate(TASK))
    assert Queue(root_url=tc.root_url, credentials=admin).task("t").taskGroupId  # anonymous scopes


def test_authorized_scopes_restrict_and_may_not_exceed(tc: FakeTaskcluster) -> None:
    admin = tc.add_client("admin", ["auth:current-scopes", "queue:*"])
    tc.auth.currentScopes.returns(Scopeset(scopes=[]))
    narrowed = Auth(root_url=tc.root_url, credentials=admin, authorized_scopes=["queue:get-task:*"])
    with pytest.raises(
        InsufficientScopesError, match="Client ID admin does not have sufficient scopes"
    ):
        narrowed.currentScopes()
    too_wide = Auth(root_url=tc.root_url, credentials=admin, authorized_scopes=["*"])
    with pytest.raises(AuthenticationError, match="do not satisfy authorizedScopes"):
        too_wide.currentScopes()


def test_create_task_scopes_are_computed_as_the_queue_does(tc: FakeTaskcluster) -> None:
    body = json.loads(
        (
            Path(__file__).parent
            / "fixtures/recorded/taskcluster-v106/http/queue.createTask.403-authorized-scopes.json"
        ).read_text()
    )
    real_message = body["response"]["body"]["message"]
    request = dict(body["request"]["body"])
    request.update(
        created=from_now("0 seconds"),
        deadline=from_now("1 hour"),
        expires=from_now("2 days"),
        dependencies=[],
    )
    queue_id = request["taskQueueId"]
    needed = [
        *request["scopes"],
        "queue:create-task:project:realtc",
        "queue:scheduler-id:realtc-rec",
        f"queue:create-task:low:{queue_id}",
    ]
    decision = tc.add_client("decision", needed[:-1])
    with pytest.raises(InsufficientScopesError) as info:
        Queue(root_url=tc.root_url, credentials=decision).createTask(slugid(), request)
    # The same expression the real queue printed for this body (routes included).
    for line in (
        "queue:create-task:highest:",
        "queue:create-task:low:",
        "queue:scheduler-id:realtc-rec",
    ):
        assert line in info.value.message and line in real_message
    allowed = tc.add_client(
        "allowed", [*needed, *(f"queue:route:{route}" for route in request["routes"])]
    )
    assert (
        Queue(root_url=tc.root_url, credentials=allowed).createTask(slugid(), request).status.state
        == "pending"
    )


def test_payload_hash_uses_the_content_type_received(tc: FakeTaskcluster) -> None:
    admin = tc.add_client("admin", ["*"])
    tc.auth.expandScopes.handle(lambda call: {"scopes": call.payload.scopes})
    tc.queue.reportCompleted.handle(lambda call: {"status": {"taskId": call.taskId}})
    port = int(tc.root_url.rsplit(":", 1)[1])

    def send(path: str, signed_type: str, sent_type: str | None, content: bytes) -> httpx.Response:
        digest = payload_hash(signed_type, content)
        value = header(
            "admin", admin.access_token.encode(), "POST", path, "127.0.0.1", port, digest, ""
        )
        headers = {"authorization": value}
        if sent_type is not None:
            headers["content-type"] = sent_type
        return httpx.post(tc.root_url + path, content=content, headers=headers)

    expand, body = "/api/auth/v1/scopes/expand", b'{"scopes":["a"]}'
    assert send(expand, "application/json", "application/json", body).status_code == 200
    assert (
        send(expand, "application/json", "application/json; charset=utf-8", body).status_code == 200
    )
    refused = send(expand, "application/json", "text/plain", body)
    assert refused.status_code == 401
    assert refused.headers["www-authenticate"] == "hawk"
    assert "Invalid payload hash" in refused.json()["message"]
    # The v106 failure of body-less POSTs: signed with no type, sent with one.
    completed = "/api/queue/v1/task/abc/runs/0/completed"
    assert send(completed, "", None, b"").status_code == 200
    assert send(completed, "", "application/octet-stream", b"").status_code == 401


async def test_async_worker_with_task_credentials(tc: FakeTaskcluster) -> None:
    root = tc.add_client("root", ["*"])
    body = json.loads(
        (
            Path(__file__).parent
            / "fixtures/recorded/taskcluster-v106/http/queue.createTask.ok.json"
        ).read_text()
    )["request"]["body"]
    body.update(
        created=from_now("0 seconds"),
        deadline=from_now("1 hour"),
        expires=from_now("2 days"),
        dependencies=[],
    )
    task_id = slugid()
    async with AsyncQueue(root_url=tc.root_url, credentials=root) as queue:
        await queue.createTask(task_id, body)
        claimed = (
            await queue.claimWork(
                body["taskQueueId"], {"tasks": 1, "workerGroup": "wg", "workerId": "w"}
            )
        ).tasks[0]
    c = claimed.credentials
    async with AsyncQueue(
        root_url=tc.root_url, credentials=Credentials(c.clientId, c.accessToken, c.certificate)
    ) as worker:
        await worker.reclaimTask(task_id, 0)
        with pytest.raises(InsufficientScopesError):
            await worker.reportCompleted(slugid(), 0)  # another task's run
        await worker.reportCompleted(task_id, 0)
    expired = create_temporary_credentials(
        "root", root.access_token, from_now("-3 hours"), from_now("-2 hours"), ["*"]
    )
    with pytest.raises(AuthenticationError, match=r"ext\.certificate\.expiry < now"):
        Queue(root_url=tc.root_url, credentials=expired).status(task_id)


def test_scope_expressions_expand_like_taskcluster() -> None:
    from taskcluster_sdk.testing._auth import expand, satisfies

    expression = {
        "AllOf": [
            "a:<x>",
            {"for": "s", "in": "list", "each": "b:<s>"},
            {"if": "flag", "then": "c:yes"},
            {"if": "flag", "then": "d", "else": {"AnyOf": ["e:1", "e:2"]}},
        ]
    }
    assert expand(expression, {"x": "1", "list": ["p", "q"], "flag": False}) == {
        "AllOf": ["a:1", "b:p", "b:q", {"AnyOf": ["e:1", "e:2"]}]
    }
    needed = expand(expression, {"x": "1", "list": [], "flag": True})
    assert needed == {"AllOf": ["a:1", "c:yes", "d"]}
    assert satisfies(["a:*", "c:yes", "d"], needed)
    assert not satisfies(["a:*", "d"], needed)
    assert expand({"if": "flag", "then": "x"}, {"flag": False}) is None
