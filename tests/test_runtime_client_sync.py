"""The sync client against a loopback Taskcluster that verifies Hawk with mohawk."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone

import httpx
import pytest
from servers.fake_queue import (
    _LIST_TASK_GROUP,
    CreateTaskRequest,
    LegacyQueue,
    Metadata,
    Queue,
    Task,
)
from servers.taskcluster import Fault, TaskclusterServer, running_server

from taskcluster_sdk._credentials import Credentials
from taskcluster_sdk._tempcreds import create_temporary_credentials
from taskcluster_sdk._transport import http_response
from taskcluster_sdk._transport import sync_engine as _transport
from taskcluster_sdk.errors import (
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
    TimeoutError,
)

TESTER = Credentials("tester", "no-secret")
AWKWARD = "public/build/a b!'()*~é.zip"


@pytest.fixture
def server() -> Iterator[TaskclusterServer]:
    with running_server() as srv:
        yield srv


class FakeTime:
    """Replaces the engine's sleep/clock: sleeping advances the clock."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def clock(self) -> float:
        return self.now


def make_queue(server: TaskclusterServer, **options: object) -> tuple[Queue, FakeTime]:
    options.setdefault("credentials", TESTER)
    queue = Queue(root_url=server.root_url, **options)  # type: ignore[arg-type]
    fake = FakeTime()
    queue._engine._sleep = fake.sleep
    queue._engine._clock = fake.clock
    queue._engine._rand = lambda: 0.5
    return queue, fake


def test_plain_credentials_pass_mohawk(server: TaskclusterServer) -> None:
    queue, _ = make_queue(server)
    task = queue.task("abc")
    assert task.taskId == "abc"
    seen = server.state.seen[-1]
    assert seen.client_id == "tester"
    assert seen.ext is None  # no certificate, no authorizedScopes: no ext at all
    assert seen.headers["user-agent"] == "taskcluster-sdk-python"


def test_authorized_scopes_travel_in_ext(server: TaskclusterServer) -> None:
    queue, _ = make_queue(server, authorized_scopes=["queue:get-task:abc"])
    queue.task("abc")
    assert server.state.seen[-1].ext == {"authorizedScopes": ["queue:get-task:abc"]}


def _window() -> tuple[datetime, datetime]:
    now = datetime.now(timezone.utc)
    return now - timedelta(minutes=5), now + timedelta(hours=1)


def test_unnamed_temporary_credentials_pass(server: TaskclusterServer) -> None:
    start, expiry = _window()
    temp = create_temporary_credentials("tester", "no-secret", start, expiry, ["queue:*"])
    queue, _ = make_queue(server, credentials=temp)
    queue.task("abc")
    seen = server.state.seen[-1]
    assert seen.client_id == "tester"
    assert seen.ext is not None
    assert seen.ext["certificate"]["scopes"] == ["queue:*"]
    assert "issuer" not in seen.ext["certificate"]


def test_named_temporary_credentials_with_authorized_scopes_pass(server: TaskclusterServer) -> None:
    start, expiry = _window()
    temp = create_temporary_credentials(
        "issuer", "issuer-secret", start, expiry, ["a", "b"], name="worker-1"
    )
    queue, _ = make_queue(server, credentials=temp, authorized_scopes=["a"])
    queue.task("abc")
    seen = server.state.seen[-1]
    assert seen.client_id == "worker-1"
    assert seen.ext is not None
    assert seen.ext["certificate"]["issuer"] == "issuer"
    assert seen.ext["authorizedScopes"] == ["a"]


def test_wrong_access_token_is_authentication_error(server: TaskclusterServer) -> None:
    queue, _ = make_queue(server, credentials=Credentials("tester", "wrong-secret"))
    with pytest.raises(AuthenticationError) as info:
        queue.task("abc")
    assert info.value.code == "AuthenticationFailed"
    assert "wrong-secret" not in str(info.value)
    assert len(server.state.seen) == 1  # 401 is never retried


def test_payload_hash_is_checked_and_body_sent_unset_fields_excluded(
    server: TaskclusterServer,
) -> None:
    queue, _ = make_queue(server)
    result = queue.createTask(
        "t1", {"provisionerId": "p", "metadata": {"name": "n", "owner": "o@x"}}
    )
    assert result.status["received"] == {
        "provisionerId": "p",
        "metadata": {"name": "n", "owner": "o@x"},
    }
    seen = server.state.seen[-1]
    assert seen.method == "PUT"
    assert seen.headers["content-type"] == "application/json"
    assert 'hash="' in seen.headers["authorization"]


def test_model_instance_payload_is_sent(server: TaskclusterServer) -> None:
    queue, _ = make_queue(server)
    payload = CreateTaskRequest(
        provisionerId="p", priority="high", metadata=Metadata(name="n", owner="o")
    )
    result = queue.createTask("t1", payload)
    assert result.status["received"]["priority"] == "high"


def test_invalid_payload_names_field_and_sends_nothing(server: TaskclusterServer) -> None:
    queue, _ = make_queue(server)
    with pytest.raises(PayloadValidationError) as info:
        queue.createTask("t1", {"provisionerId": "p", "metadata": {"name": "n"}, "bogus": 1})
    paths = [path for path, _ in info.value.errors]
    assert "metadata.owner" in paths
    assert "bogus" in paths
    assert "metadata.owner" in str(info.value)
    assert server.state.hits == 0


def test_retries_resign_every_attempt_and_succeed(server: TaskclusterServer) -> None:
    queue, fake = make_queue(server)
    server.state.faults = [Fault(status=500), Fault(status=502), Fault(status=503)]
    assert queue.task("abc").taskId == "abc"
    assert server.state.hits == 4
    # mohawk's replay check (seen_nonce) would reject a reused nonce, and the
    # last attempt passed it; the faults are answered before authentication,
    # so check the retries carried fresh nonces too.
    assert fake.sleeps == [0.2, 0.4, 0.8]  # 0.1 * 2**n with the jitter centred


def test_501_is_final(server: TaskclusterServer) -> None:
    queue, fake = make_queue(server)
    server.state.faults = [Fault(status=501), Fault(status=500)]
    with pytest.raises(ServerError) as info:
        queue.task("abc")
    assert info.value.status_code == 501
    assert server.state.hits == 1
    assert fake.sleeps == []


def test_retry_nonces_are_fresh(server: TaskclusterServer) -> None:
    queue, _ = make_queue(server)
    headers: list[str] = []
    original = _transport.request_headers

    def spy(config: object, request: object) -> dict[str, str]:
        result = original(config, request)  # type: ignore[arg-type]
        headers.append(result["Authorization"])
        return result

    server.state.faults = [Fault(status=503), Fault(drop=True)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(_transport, "request_headers", spy)
        queue.task("abc")
    assert len(headers) == 3
    assert len(set(headers)) == 3


def test_dropped_connections_are_retried(server: TaskclusterServer) -> None:
    queue, _ = make_queue(server)
    server.state.faults = [Fault(drop=True), Fault(drop=True)]
    assert queue.task("abc").taskId == "abc"
    assert server.state.hits == 3


def test_persistent_5xx_gives_server_error_after_max_retries(server: TaskclusterServer) -> None:
    queue, fake = make_queue(server, max_retries=2)
    server.state.faults = [Fault(status=503)] * 5
    with pytest.raises(ServerError) as info:
        queue.task("abc")
    assert info.value.status_code == 503
    assert info.value.request_id == "req-1234"
    assert server.state.hits == 3
    assert len(fake.sleeps) == 2


def test_persistent_drops_give_connection_error(server: TaskclusterServer) -> None:
    queue, _ = make_queue(server, max_retries=1)
    server.state.faults = [Fault(drop=True)] * 3
    with pytest.raises(ConnectionError) as info:
        queue.task("abc")
    assert isinstance(info.value, OSError)  # also a builtins.ConnectionError
    assert server.state.hits == 2


def test_slow_answer_times_out_then_retry_succeeds(server: TaskclusterServer) -> None:
    queue, _ = make_queue(server, timeout=0.05)
    server.state.faults = [Fault(delay=0.3, status=200)]
    assert queue.task("abc").taskId == "abc"
    assert server.state.hits == 2


def test_slow_answers_give_timeout_error(server: TaskclusterServer) -> None:
    queue, _ = make_queue(server, timeout=0.05, max_retries=1)
    server.state.faults = [Fault(delay=0.2, status=200)] * 2
    with pytest.raises(TimeoutError):
        queue.task("abc")


def test_deadline_stops_retrying(server: TaskclusterServer) -> None:
    queue, fake = make_queue(server, deadline=1.0)
    server.state.faults = [Fault(status=503)] * 6
    with pytest.raises(ServerError):
        queue.task("abc")
    # waits 0.2 + 0.4 fit in 1 s; the next (0.8) would pass the deadline.
    assert fake.sleeps == [0.2, 0.4]
    assert server.state.hits == 3


def test_4xx_is_never_retried(server: TaskclusterServer) -> None:
    queue, fake = make_queue(server)
    with pytest.raises(NotFoundError):
        queue.fail(404, code="ResourceNotFound")
    assert fake.sleeps == []
    assert server.state.hits == 1


@pytest.mark.parametrize(
    ("status", "code", "error_class"),
    [
        (400, "InputValidationError", BadRequestError),
        (401, "AuthenticationFailed", AuthenticationError),
        (403, "InsufficientScopes", InsufficientScopesError),
        (403, "ForbiddenThing", PermissionDeniedError),
        (404, "ResourceNotFound", NotFoundError),
        (409, "RequestConflict", ConflictError),
        (500, "InternalServerError", ServerError),
        (418, "Teapot", APIError),
    ],
)
def test_error_classes(
    server: TaskclusterServer, status: int, code: str, error_class: type[APIError]
) -> None:
    queue, _ = make_queue(server, max_retries=0)
    with pytest.raises(error_class) as info:
        queue.fail(status, code=code)
    error = info.value
    assert type(error) is error_class
    assert (error.status_code, error.code, error.message) == (
        status,
        code,
        f"failing with {status}",
    )
    assert error.request_id == "req-1234"
    assert isinstance(error.body, dict)
    assert "requestInfo" in error.body
    assert error.url is not None and error.url.endswith(f"/error/{status}?code={code}")


def test_html_error_body_gives_excerpt(server: TaskclusterServer) -> None:
    queue, _ = make_queue(server, max_retries=0)
    with pytest.raises(ServerError) as info:
        queue.fail(502, html=True)
    assert info.value.code is None
    assert "502 Bad Gateway" in info.value.message
    assert "HTTP 502" in str(info.value)


def test_unparseable_success_body(server: TaskclusterServer) -> None:
    queue, _ = make_queue(server)
    with pytest.raises(InvalidResponseError) as info:
        queue.garbage()
    assert "not json at all" in str(info.value)


def test_awkward_artifact_name_is_one_escaped_segment_and_303_parses(
    server: TaskclusterServer,
) -> None:
    queue, _ = make_queue(server)
    artifact = queue.getArtifact("abc", 0, AWKWARD)
    assert server.state.seen[-1].raw_path == (
        "/api/queue/v1/task/abc/runs/0/artifacts/public%2Fbuild%2Fa%20b%21%27%28%29%2A~%C3%A9.zip"
    )
    assert artifact.url == f"http://storage.example/{AWKWARD}"
    response = http_response(artifact)
    assert response.status_code == 303
    assert response.headers["location"] == artifact.url


def test_raw_response_is_reachable_and_invisible_to_the_model(server: TaskclusterServer) -> None:
    queue, _ = make_queue(server)
    task = queue.task("abc")
    response = http_response(task)
    assert isinstance(response, httpx.Response)
    assert response.headers["x-for-request-id"] == "req-1234"
    assert task.model_dump() == {"taskId": "abc", "provisionerId": "prov", "futureField": 1}
    assert task == queue.task("abc")
    with pytest.raises(ValueError, match="not returned by a taskcluster_sdk API call"):
        http_response(object())


def test_204_gives_none(server: TaskclusterServer) -> None:
    queue, _ = make_queue(server)
    assert queue.ping() is None  # type: ignore[func-returns-value]


def test_query_none_values_are_dropped(server: TaskclusterServer) -> None:
    queue, _ = make_queue(server)
    queue.listTaskGroup("g", limit=2)
    assert server.state.seen[-1].raw_path == "/api/queue/v1/task-group/g/list?limit=2"


def test_injected_http_client_is_used_and_never_closed(server: TaskclusterServer) -> None:
    seen_urls: list[str] = []
    hooks = {"request": [lambda request: seen_urls.append(str(request.url))]}
    with httpx.Client(event_hooks=hooks, headers={"X-Mine": "1"}) as http:
        with Queue(root_url=server.root_url, credentials=TESTER, http_client=http) as queue:
            queue.task("abc")
        assert not http.is_closed
        assert seen_urls == [f"{server.root_url}/api/queue/v1/task/abc"]
        assert server.state.seen[-1].headers["x-mine"] == "1"  # the client's own settings apply


def test_own_http_client_is_closed_and_connections_reused(server: TaskclusterServer) -> None:
    ports: set[int] = set()
    with Queue(root_url=server.root_url, credentials=TESTER) as queue:
        for _ in range(3):
            response = http_response(queue.task("abc"))
            stream = response.extensions["network_stream"]
            ports.add(stream.get_extra_info("client_addr")[1])
        http = queue._engine._sender._client
    assert len(ports) == 1  # keep-alive
    assert http.is_closed


def test_retry_log_has_no_secrets(
    server: TaskclusterServer, caplog: pytest.LogCaptureFixture
) -> None:
    queue, _ = make_queue(server)
    server.state.faults = [Fault(status=503)]
    with caplog.at_level(logging.INFO, logger="taskcluster_sdk"):
        queue.task("abc")
    assert len(caplog.records) == 1
    message = caplog.records[0].getMessage()
    assert "Retrying GET" in message and "HTTP 503" in message
    assert "no-secret" not in message and "Hawk" not in message


def test_anonymous_requests_are_unsigned(server: TaskclusterServer) -> None:
    queue = Queue(root_url=server.root_url)
    queue.task("abc")
    assert "authorization" not in server.state.seen[-1].headers


def test_legacy_client_uses_base_url(server: TaskclusterServer) -> None:
    with LegacyQueue(base_url=f"{server.root_url}/api/queue/v1", credentials=TESTER) as legacy:
        assert legacy.task("abc").taskId == "abc"
    assert server.state.seen[-1].client_id == "tester"


def test_deadline_shortens_the_attempt_timeout(server: TaskclusterServer) -> None:
    queue, _ = make_queue(server, timeout=60, deadline=0.3)
    queue._engine._clock = time.monotonic  # the attempt really waits here
    server.state.faults = [Fault(delay=1.0, status=200)]
    with pytest.raises(TimeoutError):
        queue.task("abc")
    assert server.state.hits == 1  # no time left for a retry


def test_validation_errors_do_not_quote_payload_values(server: TaskclusterServer) -> None:
    queue, _ = make_queue(server)
    with pytest.raises(PayloadValidationError) as info:
        queue.createTask("t1", {"provisionerId": "p", "metadata": {"name": "TOP-SECRET"}})
    assert "TOP-SECRET" not in str(info.value)
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_json_response_of_the_wrong_shape_is_not_quoted(server: TaskclusterServer) -> None:
    queue, _ = make_queue(server)
    with pytest.raises(InvalidResponseError) as info:
        # A task-group page parsed as a Task: valid JSON, wrong shape.
        queue._call(_LIST_TASK_GROUP, ("group-of-SECRET",), None, None, None, Task)
    assert info.value.excerpt == ""
    assert "taskId: Field required" in str(info.value)
    assert "SECRET" not in str(info.value)
