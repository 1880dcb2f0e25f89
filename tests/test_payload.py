"""Request payload validation (`taskcluster_sdk._payload`) against what the real server accepts.

The recorded v106 traffic (tests/fixtures/recorded) is the reference: every
request body the server accepted passes, every body it rejected with
`InputValidationError` fails on the same fields. Format checks follow
ajv-formats 2.1.1 (tests/fixtures/ajv/formats.json holds its own verdicts).
"""

from __future__ import annotations

import importlib
import json
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pydantic
import pytest

from codegen.load import load_current
from codegen.models.plan import ROOT_NAMES, pascal_case, snake_case
from taskcluster_sdk._endpoint import Endpoint
from taskcluster_sdk._jsonformats import FORMATS
from taskcluster_sdk._payload import encode_payload
from taskcluster_sdk.errors import PayloadValidationError
from taskcluster_sdk.models.auth import CreateClientRequest
from taskcluster_sdk.models.docker_worker import DockerWorkerPayload
from taskcluster_sdk.models.queue import (
    CreateTaskRequest,
    ObjectArtifactRequest,
    PostArtifactRequest,
    TaskMetadata,
)

ROOT = Path(__file__).resolve().parent.parent
RECORDED = ROOT / "tests" / "fixtures" / "recorded" / "taskcluster-v106" / "http"
ENDPOINT = Endpoint("createTask", "PUT", "/task/<taskId>", ("taskId",), ())


def _inputs() -> dict[tuple[str, str], str]:
    platform = load_current(ROOT)
    return {
        (service.name, method.name): method.input
        for service in platform.services
        for method in service.methods
        if method.input
    }


INPUTS = _inputs()


def _input_model(schema_id: str) -> type[pydantic.BaseModel]:
    match = re.fullmatch(r"/schemas/([^/]+)/v1/([^/]+)\.json#", schema_id)
    assert match is not None
    module = importlib.import_module(f"taskcluster_sdk.models.{snake_case(match[1])}")
    model: type[pydantic.BaseModel] = getattr(
        module, ROOT_NAMES.get(schema_id, pascal_case(match[2]))
    )
    return model


def _recorded(accepted: bool) -> list[tuple[str, dict[str, Any], Any]]:
    cases: list[tuple[str, dict[str, Any], Any]] = []
    for path in sorted(RECORDED.glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        schema_id = INPUTS.get((record["service"], record["method"]))
        body = record["request"]["body"]
        if schema_id is None or not isinstance(body, dict):
            continue
        response = record["response"]
        code = response["body"].get("code") if isinstance(response["body"], dict) else None
        # 409 RequestConflict and 500 answers come after the server validated the body.
        passed = response["status"] < 400 or code in ("RequestConflict", "InternalServerError")
        if (accepted and passed) or (not accepted and code == "InputValidationError"):
            cases.append((path.stem, record, schema_id))
    return cases


def _body(payload: Any, model: type[pydantic.BaseModel]) -> Any:
    return json.loads(encode_payload(ENDPOINT, payload, model))


@pytest.mark.parametrize(("name", "record", "schema_id"), _recorded(accepted=True))
def test_every_body_the_server_accepted_passes_unchanged(
    name: str, record: dict[str, Any], schema_id: str
) -> None:
    body = record["request"]["body"]
    assert _body(body, _input_model(schema_id)) == body


def test_recorded_accepted_bodies_cover_the_main_inputs() -> None:
    names = {name for name, _, _ in _recorded(accepted=True)}
    assert len(names) >= 30
    for expected in ("queue.createTask.ok", "auth.createClient.ok", "secrets.set.ok"):
        assert expected in names


def _server_paths(message: str) -> set[str]:
    """Field paths ajv named in an InputValidationError message, dotted like ours."""
    paths: set[str] = set()
    for line in message.splitlines():
        found = re.match(r"\s*\* data(\S*) (.*)", line)
        if found is None:
            continue
        path = found[1].strip("/").replace("/", ".")
        required = re.search(r"must have required property '([^']+)'", found[2])
        if required:
            path = f"{path}.{required[1]}" if path else required[1]
        paths.add(path)
    return paths


@pytest.mark.parametrize(("name", "record", "schema_id"), _recorded(accepted=False))
def test_every_body_the_server_rejected_fails_on_the_same_fields(
    name: str, record: dict[str, Any], schema_id: str
) -> None:
    with pytest.raises(PayloadValidationError) as raised:
        encode_payload(ENDPOINT, record["request"]["body"], _input_model(schema_id))
    ours = {path for path, _ in raised.value.errors}
    assert ours == _server_paths(record["response"]["body"]["message"])


def test_recorded_rejections_are_all_there() -> None:
    assert {name for name, _, _ in _recorded(accepted=False)} == {
        "auth.createClient.400-input-validation",
        "queue.createTask.400-input-validation",
        "secrets.set.400-input-validation",
    }


# --- issue 9.8: what used to be sent and must now be refused --------------------


def task(**changes: Any) -> dict[str, Any]:
    record = json.loads((RECORDED / "queue.createTask.ok.json").read_text(encoding="utf-8"))
    body: dict[str, Any] = record["request"]["body"]
    body.update(changes)
    return body


@pytest.mark.parametrize(
    ("changes", "path", "problem"),
    [
        ({"deadline": 7}, "deadline", "must be a string"),
        ({"retries": True}, "retries", "must be an integer"),
        ({"retries": "5"}, "retries", "must be an integer"),
        ({"expires": None}, "expires", "must be a string"),
        ({"priority": "hihg"}, "priority", "must be one of"),
        ({"surprise": 1}, "", "'surprise'"),
        ({"dependencies": ["fQQw2tdUQ9Oa7wx7kmDJ6A"] * 2}, "dependencies", "duplicate"),
        ({"deadline": "tomorrow"}, "deadline", "date-time"),
        ({"taskGroupId": "not a slugid"}, "taskGroupId", "pattern"),
    ],
)
def test_bad_payload_names_the_field_and_is_not_sent(
    changes: dict[str, Any], path: str, problem: str
) -> None:
    with pytest.raises(PayloadValidationError) as raised:
        encode_payload(ENDPOINT, task(**changes), CreateTaskRequest)
    assert [p for p, _ in raised.value.errors] == [path]
    assert problem in raised.value.errors[0][1]


def test_bytes_are_refused_not_stringified() -> None:
    with pytest.raises(PayloadValidationError) as raised:
        encode_payload(ENDPOINT, task(payload={"image": b"ubuntu"}), CreateTaskRequest)
    assert raised.value.errors == (
        ("payload.image", "is bytes; JSON needs text (decode it to str)"),
    )


def test_nan_and_sets_are_refused() -> None:
    with pytest.raises(PayloadValidationError) as raised:
        encode_payload(ENDPOINT, task(extra={"x": float("nan"), "y": {1}}), CreateTaskRequest)
    assert {p for p, _ in raised.value.errors} == {"extra.x", "extra.y"}


def test_error_text_never_quotes_values() -> None:
    secret = "TOP-SECRET-VALUE"
    with pytest.raises(PayloadValidationError) as raised:
        encode_payload(
            ENDPOINT,
            {"description": secret, "expires": secret, "scopes": [secret + "\n"]},
            CreateClientRequest,
        )
    assert secret not in str(raised.value)
    assert secret not in repr(raised.value.errors)
    assert raised.value.__cause__ is None


def test_iso_strings_are_sent_as_given() -> None:
    # ajv-formats 2.1.1 accepts a space separator; the server gets exactly this string
    sent = _body(task(created="2026-01-01 00:00:00Z"), CreateTaskRequest)
    assert sent["created"] == "2026-01-01 00:00:00Z"


def test_datetimes_in_dicts_are_written_as_the_official_clients_write_them() -> None:
    # `stringify_date`: UTC, no fraction for whole seconds, nothing dropped.
    east = timezone(timedelta(hours=2))
    sent = _body(
        task(deadline=datetime(2030, 1, 2, 5, 0, 0, 123456, tzinfo=east)), CreateTaskRequest
    )
    assert sent["deadline"] == "2030-01-02T03:00:00.123456Z"
    sent = _body(task(deadline=datetime(2030, 1, 2, 5, 0, 0, tzinfo=east)), CreateTaskRequest)
    assert sent["deadline"] == "2030-01-02T03:00:00Z"


def test_model_payload_sends_what_was_set() -> None:
    request = CreateTaskRequest(
        created=datetime(2030, 1, 1, tzinfo=timezone.utc),
        deadline=datetime(2030, 1, 2, tzinfo=timezone.utc),
        taskQueueId="prov/wt",
        metadata=TaskMetadata(name="n", description="d", owner="o@example.com", source="https://s"),
        payload={"command": ["true"]},
        priority="high",
    )
    assert _body(request, CreateTaskRequest) == {
        "created": "2030-01-01T00:00:00.000Z",
        "deadline": "2030-01-02T00:00:00.000Z",
        "taskQueueId": "prov/wt",
        "metadata": {
            "name": "n",
            "description": "d",
            "owner": "o@example.com",
            "source": "https://s",
        },
        "payload": {"command": ["true"]},
        "priority": "high",
    }


def test_model_payload_with_a_bad_value_is_refused() -> None:
    # models parse leniently; the schema check still stops a bad request
    request = CreateTaskRequest.model_validate(task(priority="hihg"))
    with pytest.raises(PayloadValidationError, match="priority"):
        encode_payload(ENDPOINT, request, CreateTaskRequest)


def test_typed_worker_payload_composes_into_a_task() -> None:
    # issue 10.1: a docker-worker payload model inside the task request
    request = CreateTaskRequest.model_validate(
        task(payload=DockerWorkerPayload(image="ubuntu", maxRunTime=60))
    )
    assert isinstance(request.payload, DockerWorkerPayload)
    assert _body(request, CreateTaskRequest)["payload"] == {"image": "ubuntu", "maxRunTime": 60}
    # the model inside a dict payload, and the free-form dict, are sent the same way
    as_dict = task(payload=DockerWorkerPayload(image="ubuntu", maxRunTime=60))
    assert _body(as_dict, CreateTaskRequest)["payload"] == {"image": "ubuntu", "maxRunTime": 60}
    free = task(payload={"anything": ["goes"]})
    assert _body(free, CreateTaskRequest)["payload"] == {"anything": ["goes"]}


def test_union_variant_is_accepted_directly() -> None:
    variant = ObjectArtifactRequest(
        storageType="object",
        contentType="text/plain",
        expires=datetime(2030, 1, 1, tzinfo=timezone.utc),
    )
    expected = {
        "storageType": "object",
        "contentType": "text/plain",
        "expires": "2030-01-01T00:00:00.000Z",
    }
    assert _body(variant, PostArtifactRequest) == expected
    assert _body(PostArtifactRequest(variant), PostArtifactRequest) == expected
    with pytest.raises(PayloadValidationError):
        encode_payload(ENDPOINT, {"storageType": "ipfs"}, PostArtifactRequest)


# --- formats: ajv-formats 2.1.1, as the server checks them ------------------------


def _format_vectors() -> list[tuple[str, str, bool]]:
    vectors = json.loads((ROOT / "tests" / "fixtures" / "ajv" / "formats.json").read_text())
    return [
        (name, value, accepted)
        for name, cases in vectors.items()
        if name != "//"
        for value, accepted in cases
    ]


@pytest.mark.parametrize(("name", "value", "accepted"), _format_vectors())
def test_formats_agree_with_ajv_formats(name: str, value: str, accepted: bool) -> None:
    assert FORMATS[name](value) is accepted
