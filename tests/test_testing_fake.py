"""taskcluster_sdk.testing: programming answers, call records, every way of building a client.

The fake's answers are checked against the recorded real v106 answers: a
recorded body programmed into the fake parses exactly as the recorded
answer itself; error answers have the recorded shape, headers and classes.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import httpx
import pydantic
import pytest

from taskcluster_sdk import AsyncQueue, Auth, Queue, Secrets
from taskcluster_sdk.errors import (
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InsufficientScopesError,
    NotFoundError,
    ServerError,
)
from taskcluster_sdk.models.queue import Task, TaskStatusResponse
from taskcluster_sdk.testing import FakeAPIError, FakeTaskcluster, UnansweredCallError
from taskcluster_sdk.testing.services import SERVICE_NAMES
from taskcluster_sdk.testing.services.queue import CreateTaskCall, ListTaskGroupCall

RECORDED = Path(__file__).parent / "fixtures" / "recorded" / "taskcluster-v106" / "http"


def recorded(name: str) -> dict[str, Any]:
    return json.loads((RECORDED / f"{name}.json").read_text())


TASK = recorded("queue.task.ok")["response"]["body"]
CREATE = recorded("queue.createTask.ok")


@pytest.fixture
def tc() -> Iterator[FakeTaskcluster]:
    with FakeTaskcluster() as fake:
        yield fake


def test_returns_answers_sync_async_env_and_injected_clients(tc: FakeTaskcluster) -> None:
    tc.queue.task.returns(Task.model_validate(TASK))
    assert Queue(root_url=tc.root_url).task("a").metadata.name == TASK["metadata"]["name"]
    with tc.patched_environ():
        assert Queue.from_env().task("b").taskGroupId == TASK["taskGroupId"]
    with tc.http_client() as client:
        assert Queue(root_url=tc.root_url, http_client=client).task("c").deadline is not None
    assert [call.taskId for call in tc.queue.task.calls] == ["a", "b", "c"]


async def test_async_clients_default_httpx_and_aiohttp(tc: FakeTaskcluster) -> None:
    tc.queue.task.returns(Task.model_validate(TASK))
    async with AsyncQueue(root_url=tc.root_url) as queue:
        assert (await queue.task("a")).schedulerId == TASK["schedulerId"]
    async with tc.async_http_client() as client:
        queue = AsyncQueue(root_url=tc.root_url, http_client=client)
        assert (await queue.task("b")).schedulerId == TASK["schedulerId"]
    async with aiohttp.ClientSession() as session:
        queue = AsyncQueue(root_url=tc.root_url, http_client=session)
        assert (await queue.task("c")).schedulerId == TASK["schedulerId"]
    assert [call.taskId for call in tc.queue.task.calls] == ["a", "b", "c"]


def test_in_process_without_a_server() -> None:
    fake = FakeTaskcluster()
    fake.secrets.get.handle(
        lambda call: {"secret": {"name": call.name}, "expires": TASK["expires"]}
    )
    with fake.http_client() as client:
        secret = Secrets(root_url=fake.root_url, http_client=client).get("project/x")
    assert secret.secret == {"name": "project/x"}
    assert fake.root_url.endswith(".invalid")


def test_handle_gets_typed_arguments_query_and_payload(tc: FakeTaskcluster) -> None:
    seen: list[CreateTaskCall] = []

    @tc.queue.createTask.handle
    def create(call: CreateTaskCall) -> TaskStatusResponse:
        seen.append(call)
        return TaskStatusResponse.model_validate(CREATE["response"]["body"])

    queue = Queue(root_url=tc.root_url)
    answer = queue.createTask("my-task", CREATE["request"]["body"])
    assert answer.status.state == "pending"
    (call,) = seen
    assert call.taskId == "my-task"
    assert call.payload.metadata.owner == CREATE["request"]["body"]["metadata"]["owner"]
    assert call.payload.priority == "low"
    assert call.request.method == "PUT"
    assert tc.queue.createTask.last_call is call

    def page(call: ListTaskGroupCall) -> dict[str, Any]:
        return {"taskGroupId": call.taskGroupId, "tasks": [], "limit_seen": call.limit}

    tc.queue.listTaskGroup.handle(page)  # type: ignore[arg-type]  # a mapping answers too
    queue.listTaskGroup("g", limit=7, continuationToken="tok")
    last = tc.queue.listTaskGroup.last_call
    assert (last.taskGroupId, last.limit, last.continuationToken) == ("g", 7, "tok")


def test_path_values_are_decoded_and_run_ids_are_ints(tc: FakeTaskcluster) -> None:
    tc.queue.artifactInfo.raises(NotFoundError)
    with pytest.raises(NotFoundError):
        Queue(root_url=tc.root_url, max_retries=0).artifactInfo("t", 3, "public/a b.txt")
    call = tc.queue.artifactInfo.last_call
    assert (call.taskId, call.runId, call.name) == ("t", 3, "public/a b.txt")


@pytest.mark.parametrize(
    ("status", "cls", "code"),
    [
        (400, BadRequestError, "InputError"),
        (401, AuthenticationError, "AuthenticationFailed"),
        (403, InsufficientScopesError, "InsufficientScopes"),
        (404, NotFoundError, "ResourceNotFound"),
        (409, ConflictError, "RequestConflict"),
        (500, ServerError, "InternalServerError"),
    ],
)
def test_raises_gives_the_clients_real_exception(
    tc: FakeTaskcluster, status: int, cls: type[Exception], code: str
) -> None:
    tc.queue.status.raises(status, message="nope")
    with pytest.raises(cls) as info:
        Queue(root_url=tc.root_url, max_retries=0).status("t")
    assert getattr(info.value, "code", None) == code
    assert getattr(info.value, "request_id", None)


def test_raises_accepts_the_exception_classes(tc: FakeTaskcluster) -> None:
    tc.queue.createTask.raises(ConflictError, message="taskId `t` already used by another task.")
    with pytest.raises(ConflictError, match="already used"):
        Queue(root_url=tc.root_url).createTask("t", CREATE["request"]["body"])
    with pytest.raises(TypeError):
        FakeAPIError(ValueError)  # type: ignore[arg-type]


def _error_shape(response: dict[str, Any]) -> tuple[set[str], set[str], list[str]]:
    body = response["body"]
    trailer = body["message"].split("\n\n---\n\n")[1].splitlines()
    return set(body), set(body["requestInfo"]), [line.split(":")[0] for line in trailer]


@pytest.mark.parametrize(
    ("recording", "program"),
    [
        ("queue.createTask.409-request-conflict", lambda tc: tc.queue.createTask.raises(409)),
        ("auth.currentScopes.401-bad-mac", lambda tc: tc.auth.currentScopes.raises(401)),
        ("queue.task.404", lambda tc: tc.queue.task.raises(404)),
    ],
)
def test_error_answers_have_the_recorded_shape(
    tc: FakeTaskcluster, recording: str, program: Any
) -> None:
    real = recorded(recording)
    program(tc)
    request = real["request"]
    service = recording.split(".")[0]
    answer = httpx.request(
        request["method"],
        f"{tc.root_url}/api/{service}/v1{request['path']}",
        json=request["body"] if request["body"] is not None else None,
    )
    fake = {"body": answer.json(), "headers": dict(answer.headers)}
    assert answer.status_code == real["response"]["status"]
    assert _error_shape(fake) == _error_shape(real["response"])
    for header in ("x-for-request-id", "content-type", "www-authenticate"):
        assert (header in fake["headers"]) == (header in real["response"]["headers"]), header
    assert fake["headers"]["content-type"] == real["response"]["headers"]["content-type"]
    assert (
        fake["body"]["requestInfo"]["method"] == real["response"]["body"]["requestInfo"]["method"]
    )


def test_unprogrammed_method_answers_501_naming_it(tc: FakeTaskcluster) -> None:
    with pytest.raises(ServerError) as info:
        Auth(root_url=tc.root_url).currentScopes()  # 501 is final: no retries to wait for
    assert info.value.status_code == 501
    assert info.value.code == "NotImplemented"
    assert "auth.currentScopes has no answer" in info.value.message
    assert "tc.auth.currentScopes.returns" in info.value.message
    assert tc.unanswered == ["auth.currentScopes"]
    with pytest.raises(UnansweredCallError, match=r"auth\.currentScopes"):
        tc.check()


def test_a_failing_handler_answers_500_and_check_reports_it(tc: FakeTaskcluster) -> None:
    def broken(call: Any) -> Any:
        raise KeyError("oops")

    tc.queue.task.handle(broken)
    with pytest.raises(ServerError, match="KeyError"):
        Queue(root_url=tc.root_url, max_retries=0).task("t")
    with pytest.raises(UnansweredCallError, match=r"handler of queue\.task raised KeyError"):
        tc.check()


def test_requests_are_checked_against_the_schema_like_the_service(tc: FakeTaskcluster) -> None:
    tc.queue.createTask.returns(TaskStatusResponse.model_validate(CREATE["response"]["body"]))
    url = f"{tc.root_url}/api/queue/v1/task/t"
    bad = {**CREATE["request"]["body"], "priority": "hihg"}
    answer = httpx.put(url, json=bad)
    assert answer.status_code == 400
    body = answer.json()
    assert body["code"] == "InputValidationError"
    assert "Rejecting Schema: /schemas/queue/v1/create-task-request.json#" in body["message"]
    assert "data/priority must be one of" in body["message"]
    real = recorded("queue.createTask.400-input-validation")["response"]
    assert _error_shape({"body": body}) == _error_shape(real)
    malformed = httpx.put(url, content=b"{not json", headers={"content-type": "application/json"})
    assert (malformed.status_code, malformed.json()["code"]) == (400, "MalformedPayload")
    assert tc.queue.createTask.calls == []  # rejected requests never reach the method


def test_unknown_routes_and_services_answer_404(tc: FakeTaskcluster) -> None:
    assert httpx.get(f"{tc.root_url}/api/queue/v1/no/such/route").status_code == 404
    assert httpx.get(f"{tc.root_url}/api/nothing/v1/ping").status_code == 404


def test_reset_forgets_programming_and_calls(tc: FakeTaskcluster) -> None:
    tc.queue.task.returns(Task.model_validate(TASK))
    Queue(root_url=tc.root_url).task("a")
    tc.reset()
    assert tc.queue.task.calls == []
    assert tc.requests == []
    with pytest.raises(ServerError):
        Queue(root_url=tc.root_url, max_retries=0).task("a")


def test_every_service_and_method_of_the_references_has_a_fake() -> None:
    import taskcluster_sdk.services as services

    fake = FakeTaskcluster()
    for name in SERVICE_NAMES:
        module = __import__(f"{services.__name__}.{name.replace('-', '_')}", fromlist=["_"])
        endpoints = {
            value.name: value
            for value in vars(module).values()
            if type(value).__name__ == "Endpoint"
        }
        methods = fake.service(name).methods()
        assert set(methods) == set(endpoints), name
        for method_name, endpoint in endpoints.items():
            spec = methods[method_name].spec
            assert spec.http_method == endpoint.method
            assert spec.route == endpoint.route
            assert tuple(arg for arg, _ in spec.args) == endpoint.args
            assert tuple(query for query, _ in spec.query) == endpoint.query


def _ok_recordings() -> list[str]:
    """Recorded successful answers of methods with an output schema."""
    names: list[str] = []
    for path in sorted(RECORDED.glob("*.json")):
        data = json.loads(path.read_text())
        if data["response"]["status"] >= 400 or not isinstance(data["response"]["body"], dict):
            continue
        if _output_adapter(data["service"], data["method"]) is not None:
            names.append(path.stem)
    return names


def _output_adapter(service: str, method: str) -> pydantic.TypeAdapter[Any] | None:
    module = __import__(f"taskcluster_sdk.services.{service}", fromlist=["_"])
    client = next(
        value
        for value in vars(module).values()
        if isinstance(value, type)
        and getattr(value, "_service", None)
        and not value.__name__.startswith("Async")
    )
    annotation = getattr(client, method).__annotations__["return"]
    if annotation == "None":
        return None
    models = __import__(f"taskcluster_sdk.models.{service}", fromlist=["_"])
    return pydantic.TypeAdapter(getattr(models, annotation))


@pytest.mark.parametrize("recording", _ok_recordings())
def test_recorded_answers_parse_the_same_through_the_fake(recording: str) -> None:
    """Real requests reach the fake's method; a real answer it serves parses as the original."""
    data = recorded(recording)
    service, method = data["service"], data["method"]
    adapter = _output_adapter(service, method)
    assert adapter is not None
    real_body = data["response"]["body"]
    expected = adapter.validate_json(json.dumps(real_body))
    fake = FakeTaskcluster()
    fake.service(service).methods()[method].returns(expected)
    request = data["request"]
    body = request["body"]
    with fake.http_client() as client:
        answer = client.request(
            request["method"],
            f"/api/{service}/v1{request['path']}",
            params=request["query"],
            content=json.dumps(body).encode() if body is not None else None,
            headers={"content-type": "application/json"} if body is not None else {},
        )
    assert answer.status_code == 200, answer.text
    parsed = adapter.validate_json(answer.content)
    assert adapter.dump_python(parsed, mode="json") == adapter.dump_python(expected, mode="json")
    assert len(fake.service(service).methods()[method].calls) == 1


def test_import_taskcluster_sdk_does_not_import_the_testing_package() -> None:
    code = (
        "import sys, taskcluster_sdk, taskcluster_sdk.services.queue\n"
        "from taskcluster_sdk import Queue\n"
        "print(sorted(m for m in sys.modules if m.startswith('taskcluster_sdk.testing')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_generator_types_arguments_payload_unions_and_scopes() -> None:
    fake = FakeTaskcluster()
    create_artifact = fake.queue.createArtifact.spec
    assert create_artifact.unwrap_input  # a union schema: records hold the variant
    assert create_artifact.args == (("taskId", "str"), ("runId", "int"), ("name", "str"))
    assert dict(fake.queue.listWorkers.spec.query) == {
        "continuationToken": "str",
        "limit": "int",
        "quarantined": "bool",
    }
    assert fake.queue.claimWork.spec.scopes == {
        "AllOf": ["queue:claim-work:<taskQueueId>", "queue:worker-id:<workerGroup>/<workerId>"]
    }
    assert not fake.queue.finishArtifact.spec.has_output
    assert fake.hooks.triggerHook.spec.input_model is not None


def test_boolean_and_integer_query_values_are_parsed(tc: FakeTaskcluster) -> None:
    tc.queue.listWorkers.handle(lambda call: {"workers": []})
    Queue(root_url=tc.root_url).listWorkers("p", "w", quarantined=True, limit=3)
    call = tc.queue.listWorkers.last_call
    assert (call.quarantined, call.limit, call.continuationToken) == (True, 3, None)
    bad = httpx.get(f"{tc.root_url}/api/queue/v1/provisioners/p/worker-types/w/workers?limit=x")
    assert (bad.status_code, bad.json()["code"]) == (400, "InvalidRequestArguments")


def test_returns_answers_in_turn_then_repeats_the_last(tc: FakeTaskcluster) -> None:
    first = Task.model_validate(TASK)
    second = Task.model_validate({**TASK, "priority": "highest"})
    tc.queue.task.returns(first, second)
    queue = Queue(root_url=tc.root_url)
    assert [queue.task("t").priority for _ in range(4)] == ["low", "highest", "highest", "highest"]
