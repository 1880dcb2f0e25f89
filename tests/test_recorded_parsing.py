"""Every recorded real v106 answer and Pulse message parses into its model.

tests/fixtures/recorded/taskcluster-v106 holds what real services sent
(including the five answers that break their own schema). Parsing is
lenient, so none may fail, and unknown fields would be kept.
"""

from __future__ import annotations

import importlib
import json
import re
import typing
from pathlib import Path
from typing import Any

import pydantic
import pytest

from codegen.load import load_current
from codegen.models.plan import ROOT_NAMES, pascal_case, snake_case
from taskcluster_sdk import QueueEvents
from taskcluster_sdk._model import TaskclusterRootModel
from taskcluster_sdk.errors import MissingFieldError
from taskcluster_sdk.events.auth import AuthEvents
from taskcluster_sdk.models.queue import (
    ErrorArtifactContent,
    ListTaskGroupResponse,
    ProvisionerResponse,
)

ROOT = Path(__file__).resolve().parent.parent
RECORDED = ROOT / "tests" / "fixtures" / "recorded" / "taskcluster-v106"
PLATFORM = load_current(ROOT)
OUTPUTS = {
    (service.name, method.name): method.output
    for service in PLATFORM.services
    for method in service.methods
    if method.output
}


def _model(schema_id: str) -> type[pydantic.BaseModel]:
    match = re.fullmatch(r"/schemas/([^/]+)/v1/([^/]+)\.json#", schema_id)
    assert match is not None
    module = importlib.import_module(f"taskcluster_sdk.models.{snake_case(match[1])}")
    model: type[pydantic.BaseModel] = getattr(
        module, ROOT_NAMES.get(schema_id, pascal_case(match[2]))
    )
    return model


def _answers() -> list[tuple[str, dict[str, Any], str]]:
    cases: list[tuple[str, dict[str, Any], str]] = []
    for path in sorted((RECORDED / "http").glob("*.json")):
        record = json.loads(path.read_text(encoding="utf-8"))
        schema_id = OUTPUTS.get((record["service"], record["method"]))
        response = record["response"]
        if schema_id and response["status"] < 400 and isinstance(response["body"], (dict, list)):
            cases.append((path.stem, record, schema_id))
    return cases


@pytest.mark.parametrize(("name", "record", "schema_id"), _answers())
def test_every_recorded_answer_parses_and_round_trips(
    name: str, record: dict[str, Any], schema_id: str
) -> None:
    body = record["response"]["body"]
    model = _model(schema_id)
    # the validator the runtime uses (parse_output), on the bytes the server sent
    parsed = model.__pydantic_validator__.validate_json(json.dumps(body).encode())
    again = json.loads(parsed.model_dump_json(exclude_unset=True, by_alias=True))
    assert _normal(again) == _normal(body)


def _normal(value: Any) -> Any:
    """Timestamps compared as instants: `...04.72+00:00` comes back as `...04.720Z`."""
    if isinstance(value, dict):
        return {key: _normal(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_normal(item) for item in value]
    if isinstance(value, str) and re.fullmatch(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)", value):
        return pydantic.TypeAdapter(pydantic.AwareDatetime).validate_python(value)
    return value


def test_the_answers_that_break_their_schema_are_among_them() -> None:
    names = {name for name, _, _ in _answers()}
    assert {
        "queue.getProvisioner.ok",
        "queue.listProvisioners.ok",
        "queue.getWorkerType.ok",
        "queue.getWorker.ok",
        "queue.quarantineWorker.ok",
    } <= names
    assert len(names) >= 100


def test_missing_actions_reads_as_an_empty_list() -> None:
    record = json.loads((RECORDED / "http" / "queue.getProvisioner.ok.json").read_text())
    parsed = ProvisionerResponse.model_validate(record["response"]["body"])
    assert parsed.actions == []
    assert "actions" not in parsed.model_fields_set


def _allows_none(annotation: Any) -> bool:
    if annotation is None or annotation is type(None) or annotation is Any:
        return True
    return any(_allows_none(arg) for arg in typing.get_args(annotation))


def _read_every_field(value: Any, where: str, missing: list[str]) -> None:
    """Read every field of a parsed answer as a user would; note what is missing."""
    if isinstance(value, TaskclusterRootModel):
        _read_every_field(value.root, where, missing)
    elif isinstance(value, list):
        for item in value:
            _read_every_field(item, where + "[]", missing)
    elif isinstance(value, pydantic.BaseModel):
        for name, info in type(value).model_fields.items():
            if name in type(value).__missing_raises__ and name not in value.model_fields_set:
                with pytest.raises(MissingFieldError, match=rf"\.{name}: the server's answer"):
                    getattr(value, name)
                missing.append(f"{where}.{name}")
                continue
            field = getattr(value, name)
            # a value the field's type does not allow would be a lie to type checkers
            assert field is not None or _allows_none(info.annotation), f"{where}.{name} is None"
            _read_every_field(field, f"{where}.{name}", missing)


@pytest.mark.parametrize(("name", "record", "schema_id"), _answers())
def test_every_field_of_a_recorded_answer_reads_as_its_type(
    name: str, record: dict[str, Any], schema_id: str
) -> None:
    parsed = _model(schema_id).model_validate(record["response"]["body"])
    missing: list[str] = []
    _read_every_field(parsed, _model(schema_id).__name__, missing)
    # the real answers leave out lists (`actions`), never a value
    assert missing == []


def test_the_recorded_worker_answers_left_out_actions() -> None:
    body = json.loads((RECORDED / "http" / "queue.getWorker.ok.json").read_text())
    parsed = _model(OUTPUTS[("queue", "getWorker")]).model_validate(body["response"]["body"])
    assert "actions" not in body["response"]["body"]
    assert parsed.actions == []  # type: ignore[attr-defined]
    # a required value left out as the same answers leave `actions` out
    del body["response"]["body"]["workerId"]
    partial = _model(OUTPUTS[("queue", "getWorker")]).model_validate(body["response"]["body"])
    missing: list[str] = []
    _read_every_field(partial, "WorkerResponse", missing)
    assert missing == ["WorkerResponse.workerId"]


def test_error_artifact_answers_parse() -> None:
    record = json.loads((RECORDED / "http" / "queue.artifact.error.json").read_text())
    parsed = _model(OUTPUTS[("queue", "artifact")])
    value = parsed.model_validate(record["response"]["body"])
    assert isinstance(value, TaskclusterRootModel)
    assert isinstance(value.root, ErrorArtifactContent)


def test_a_thousand_task_page_parses() -> None:
    record = json.loads((RECORDED / "http" / "queue.listTaskGroup.page1.json").read_text())
    page = dict(record["response"]["body"])
    page["tasks"] = (page["tasks"] * 1000)[:1000]
    parsed = ListTaskGroupResponse.model_validate_json(json.dumps(page))
    assert len(parsed.tasks) == 1000


def _messages() -> list[tuple[str, dict[str, Any]]]:
    return [
        (path.stem, json.loads(path.read_text(encoding="utf-8")))
        for path in sorted((RECORDED / "pulse").glob("*.json"))
    ]


def _binding(exchange: str) -> Any:
    for events in (QueueEvents(), AuthEvents()):
        for name in dir(events):
            if name.startswith("_"):
                continue
            method = getattr(events, name)
            if callable(method):
                try:
                    binding = method()
                except TypeError:
                    continue
                if getattr(binding, "exchange", None) == exchange:
                    return binding
    raise AssertionError(f"no binding for {exchange}")


@pytest.mark.parametrize(("name", "message"), _messages())
def test_every_recorded_message_parses_with_its_routing_key(
    name: str, message: dict[str, Any]
) -> None:
    binding = _binding(message["exchange"])
    payload = binding.message_model.model_validate_json(json.dumps(message["body"]))
    assert _normal(json.loads(payload.model_dump_json(exclude_unset=True))) == _normal(
        message["body"]
    )
    binding.routing_key_model.parse(message["routing_key"])
    missing: list[str] = []
    _read_every_field(payload, binding.message_model.__name__, missing)
    assert missing == []


def test_a_version_2_message_parses() -> None:
    # issue 9.6: a message format bump must not lose messages
    _, message = next(m for m in _messages() if m[1]["exchange"].endswith("task-completed"))
    binding = _binding(message["exchange"])
    parsed = binding.message_model.model_validate({**message["body"], "version": 2})
    assert parsed.version == 2
