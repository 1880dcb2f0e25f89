"""`codegen.load`: the checked-in references and schemas as `codegen.model.Platform`."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, cast
from urllib.parse import urljoin

import pytest

from codegen.errors import GeneratorError
from codegen.load import (
    class_name,
    load_current,
    load_legacy,
    render_legacy_scopes,
    render_scopes,
)
from codegen.model import Method, Platform, Service
from tests._import_helpers import PROJECT, copy_checked_in


@cache
def current() -> Platform:
    return load_current(PROJECT)


@cache
def legacy() -> Platform:
    return load_legacy(PROJECT)


def _service(platform: Platform, name: str) -> Service:
    return next(service for service in platform.services if service.name == name)


def _method(service: Service, name: str) -> Method:
    return next(method for method in service.methods if method.name == name)


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found: list[str] = []
        for key, value in cast(dict[str, Any], node).items():
            found += [value] if key == "$ref" else _refs(value)
        return found
    if isinstance(node, list):
        return [ref for value in cast(list[Any], node) for ref in _refs(value)]
    return []


# --------------------------------------------------------------------------
# current platform


def test_current_services_and_exchanges() -> None:
    platform = current()

    assert platform.name == "current"
    assert [service.class_name for service in platform.services] == [
        "Auth",
        "Github",
        "Hooks",
        "Index",
        "Notify",
        "Object",
        "PurgeCache",
        "Queue",
        "Secrets",
        "WebServer",
        "WorkerManager",
    ]
    assert sum(len(service.methods) for service in platform.services) == 194
    assert [events.class_name for events in platform.exchange_services] == [
        "AuthEvents",
        "GithubEvents",
        "HooksEvents",
        "NotifyEvents",
        "QueueEvents",
        "WorkerManagerEvents",
    ]
    assert all(service.base_url is None for service in platform.services)
    assert _service(platform, "purge-cache").module == "purge_cache"


def test_current_queue_facts() -> None:
    queue = _service(current(), "queue")
    create_task = _method(queue, "createTask")

    assert (queue.api_version, queue.title) == ("v1", "Queue Service")
    assert queue.source == PROJECT / "references" / "queue" / "v1" / "api.json"
    assert create_task.method == "PUT"
    assert create_task.route == "/task/<taskId>"
    assert create_task.args == ("taskId",)
    assert create_task.input == "/schemas/queue/v1/create-task-request.json#"
    assert create_task.output == "/schemas/queue/v1/task-status-response.json#"
    assert create_task.stability == "stable"
    assert create_task.category == "Tasks"
    assert _method(queue, "claimTask").stability == "deprecated"
    assert _method(queue, "claimTask").args == ("taskId", "runId")
    assert _method(queue, "listTaskGroup").query == ("continuationToken", "limit")
    assert _method(queue, "ping").output is None and _method(queue, "ping").scopes is None


def test_every_current_schema_id_names_a_loaded_schema() -> None:
    platform = current()
    used = [m.input for s in platform.services for m in s.methods]
    used += [m.output for s in platform.services for m in s.methods]
    used += [e.schema for s in platform.exchange_services for e in s.exchanges]
    assert {schema_id for schema_id in used if schema_id} <= set(platform.schemas)


def test_current_schemas_are_keyed_by_id_without_legacy() -> None:
    schemas = current().schemas
    task = schemas["/schemas/queue/v1/task.json#"]

    assert task.service == "queue"
    assert task.document["$id"] == task.id
    assert task.source == PROJECT / "schemas" / "queue" / "v1" / "task.json"
    assert schemas["/schemas/common/api-reference-v0.json#"].service == "common"
    assert not any("legacy" in schema_id for schema_id in schemas)
    files = [p for p in (PROJECT / "schemas").rglob("*.json") if "legacy-2014" not in p.parts]
    assert len(schemas) == len(files)


def test_current_exchanges() -> None:
    queue_events = next(e for e in current().exchange_services if e.name == "queue")
    task_defined = next(e for e in queue_events.exchanges if e.name == "taskDefined")

    assert queue_events.exchange_prefix == "exchange/taskcluster-queue/v1/"
    assert task_defined.exchange == "task-defined"
    assert task_defined.schema == "/schemas/queue/v1/task-defined-message.json#"
    kind, task_id = task_defined.routing_key[:2]
    assert (kind.name, kind.constant, kind.required) == ("routingKeyKind", "primary", True)
    assert (task_id.name, task_id.constant, task_id.max_size) == ("taskId", None, None)
    reserved = task_defined.routing_key[-1]
    assert (reserved.name, reserved.multiple_words, reserved.required) == ("reserved", True, False)


# --------------------------------------------------------------------------
# 2014 platform


def test_legacy_services_and_exchanges() -> None:
    platform = legacy()

    assert platform.name == "legacy" and platform.package == "legacy"
    assert [(s.class_name, s.name, s.api_version) for s in platform.services] == [
        ("Auth", "auth", "v1"),
        ("Queue", "queue", "v1"),
        ("Scheduler", "scheduler", "v1"),
    ]
    assert [(e.class_name, e.name, e.exchange_prefix) for e in platform.exchange_services] == [
        ("QueueEvents", "queue", "queue/v1/"),
        ("SchedulerEvents", "scheduler", "scheduler/v1/"),
    ]
    assert _service(platform, "queue").base_url == "https://queue.taskcluster.net/v1"


def test_legacy_method_facts() -> None:
    queue = _service(legacy(), "queue")
    create_task = _method(queue, "createTask")

    assert create_task.method == "PUT"
    assert create_task.input == "/schemas/queue/v1/create-task-request.json#"
    assert create_task.output == "/schemas/queue/v1/task-status-response.json#"
    assert (create_task.stability, create_task.category, create_task.query) == ("stable", None, ())
    assert create_task.scopes == "queue:create-task:<provisionerId>/<workerType>"
    assert _method(queue, "getTask").scopes is None


def test_legacy_exchange_fields() -> None:
    queue_events = next(e for e in legacy().exchange_services if e.name == "queue")
    task_pending = next(e for e in queue_events.exchanges if e.name == "taskPending")

    assert task_pending.schema == "/schemas/queue/v1/task-pending-message.json#"
    first = task_pending.routing_key[0]
    assert (first.constant, first.max_size, first.summary != "") == ("primary", 7, True)


def test_legacy_schema_ids_are_normalised() -> None:
    schemas = legacy().schemas
    # Upstream spells this id without the trailing '#'.
    status = schemas["/schemas/queue/v1/task-status.json#"]

    assert status.service == "queue"
    assert status.document["$id"] == "/schemas/queue/v1/task-status.json#"
    assert "id" not in status.document
    # A stray quote in some upstream $schema values is dropped.
    listing = schemas["/schemas/queue/v1/list-artifacts-response.json#"].document
    assert listing["$schema"] == "http://json-schema.org/draft-04/schema#"
    # The misspelt keyword is left alone (it is not a keyword, so it is ignored).
    credentials = schemas["/schemas/auth/v1/client-credentials-response.json#"].document
    assert "formate" in json.dumps(credentials)
    # The checked-in file itself is untouched.
    on_disk = json.loads(status.source.read_text())
    assert on_disk["id"] == "http://schemas.taskcluster.net/queue/v1/task-status.json"


def test_legacy_refs_are_relative_and_resolve() -> None:
    schemas = legacy().schemas
    graph = schemas["/schemas/scheduler/v1/task-graph.json#"].document
    status = schemas["/schemas/queue/v1/task-status-response.json#"].document

    assert "../../queue/v1/create-task-request.json#" in _refs(graph)
    assert _refs(status) == ["task-status.json#"]
    for schema in schemas.values():
        for ref in _refs(schema.document):
            target = urljoin(schema.id, ref).partition("#")[0] + "#"
            assert target in schemas, (schema.id, ref)
            # The same ref resolves against the file layout <dir>/<service>/v1/<name>.json.
            on_disk = Path("/x", schema.service, "v1", "f.json").parent / ref.partition("#")[0]
            assert on_disk.resolve() == Path("/x", target.removeprefix("/schemas/")[:-1])


@pytest.mark.filterwarnings("ignore:Default formatters will change:FutureWarning")
def test_rewritten_legacy_schemas_work_with_datamodel_code_generator(tmp_path: Path) -> None:
    from datamodel_code_generator import generate
    from datamodel_code_generator.enums import DataModelType, InputFileType

    schemas = legacy().schemas
    wanted = ("scheduler/v1/task-graph", "queue/v1/create-task-request", "queue/v1/task")
    source = tmp_path / "schemas"
    for name in wanted:
        schema = schemas[f"/schemas/{name}.json#"]
        file = source / f"{name}.json"
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(json.dumps(schema.document))
    output = tmp_path / "models"

    generate(
        source,
        input_file_type=InputFileType.JsonSchema,
        output=output,
        output_model_type=DataModelType.PydanticV2BaseModel,
    )

    graph = (output / "scheduler" / "v1" / "task_graph.py").read_text()
    assert "from ...queue.v1 import create_task_request" in graph
    assert "task: create_task_request." in graph


# --------------------------------------------------------------------------
# scope rendering


def test_scope_string() -> None:
    assert render_scopes("queue:get-task:<taskId>") == "queue:get-task:<taskId>"


def test_scope_all_of_and_any_of_nest() -> None:
    expression = {"AllOf": ["a:b", {"AnyOf": ["c", {"AllOf": ["d", "e"]}]}]}
    assert render_scopes(expression) == (
        "All of:\n  - a:b\n  - Any of:\n      - c\n      - All of:\n          - d\n          - e"
    )


def test_scope_empty_lists() -> None:
    assert render_scopes({"AllOf": []}) == "All of: (nothing)"
    assert render_scopes({"AnyOf": []}) == "Any of: (nothing)"


def test_scope_if_then_else() -> None:
    assert render_scopes({"if": "isPublic", "then": "x"}) == "If isPublic:\n  x"
    expression = {"if": "readOnly", "then": {"AnyOf": ["r", "w"]}, "else": "w"}
    assert render_scopes(expression) == "If readOnly:\n  Any of:\n    - r\n    - w\nOtherwise:\n  w"


def test_scope_for_each() -> None:
    expression = {"for": "route", "in": "routes", "each": "queue:route:<route>"}
    assert render_scopes(expression) == "For each route in routes:\n  queue:route:<route>"


def test_scope_of_a_real_method() -> None:
    scopes = _method(_service(current(), "queue"), "createTask").scopes
    assert scopes is not None
    assert scopes.splitlines()[:3] == [
        "All of:",
        "  - For each scope in scopes:",
        "      <scope>",
    ]


def test_legacy_scopes_are_any_of_all_of() -> None:
    assert render_legacy_scopes([["a"]]) == "a"
    assert render_legacy_scopes([["a", "b"]]) == "All of:\n  - a\n  - b"
    assert render_legacy_scopes([["a"], ["b", "c"]]) == (
        "Any of:\n  - a\n  - All of:\n      - b\n      - c"
    )
    assert render_legacy_scopes([]) is None
    claim = _method(_service(legacy(), "queue"), "defineTask").scopes
    assert claim == (
        "Any of:\n"
        "  - queue:define-task:<provisionerId>/<workerType>\n"
        "  - queue:create-task:<provisionerId>/<workerType>"
    )


def test_legacy_scope_expressions_take_the_current_form_for_the_fakes() -> None:
    """The fakes check both platforms' scopes with one evaluator (`testing._auth`)."""
    queue = _service(legacy(), "queue")
    assert _method(queue, "defineTask").scope_expression == {
        "AnyOf": [
            "queue:define-task:<provisionerId>/<workerType>",
            "queue:create-task:<provisionerId>/<workerType>",
        ]
    }
    assert _method(queue, "reclaimTask").scope_expression == {
        "AllOf": ["queue:claim-task", "assume:worker-id:<workerGroup>/<workerId>"]
    }
    assert _method(queue, "createTask").scope_expression == (
        "queue:create-task:<provisionerId>/<workerType>"
    )
    assert _method(queue, "getTask").scope_expression is None


def test_class_names() -> None:
    assert class_name("purge-cache") == "PurgeCache"
    assert class_name("github") == "Github"
    assert class_name("worker-manager") == "WorkerManager"


# --------------------------------------------------------------------------
# bad input


def _edit(file: Path, edit: Callable[[dict[str, Any]], object]) -> None:
    content = json.loads(file.read_text())
    edit(content)
    file.write_text(json.dumps(content))


def test_invalid_json_names_the_file(tmp_path: Path) -> None:
    root = copy_checked_in(tmp_path)
    broken = root / "schemas" / "hooks" / "v1" / "schedule.json"
    broken.write_text("{")
    with pytest.raises(GeneratorError) as raised:
        load_current(root)
    assert str(raised.value).startswith(f"{broken}: invalid JSON")


def test_unreadable_file_names_the_file(tmp_path: Path) -> None:
    root = copy_checked_in(tmp_path)
    unreadable = root / "schemas" / "queue" / "v1" / "folder.json"
    unreadable.mkdir()
    with pytest.raises(GeneratorError) as raised:
        load_current(root)
    assert str(raised.value).startswith(f"{unreadable}: cannot read")


def test_loading_validates_current_references(tmp_path: Path) -> None:
    root = copy_checked_in(tmp_path)
    api = root / "references" / "secrets" / "v1" / "api.json"
    _edit(api, lambda content: content["entries"][3].update(args=[]))  # set: /secret/<name>
    with pytest.raises(GeneratorError) as raised:
        load_current(root)
    assert str(raised.value).startswith(f"{api} at $.entries[3].args: ")


def test_loading_validates_legacy_references(tmp_path: Path) -> None:
    root = copy_checked_in(tmp_path)
    reference = root / "references" / "legacy-2014" / "QueueEvents.json"
    _edit(reference, lambda content: content["reference"].update(exchangePrefix="queue"))
    with pytest.raises(GeneratorError) as raised:
        load_legacy(root)
    assert str(raised.value).startswith(f"{reference} at $.reference.exchangePrefix: ")


def test_legacy_reference_name_must_match_its_file(tmp_path: Path) -> None:
    root = copy_checked_in(tmp_path)
    reference = root / "references" / "legacy-2014" / "Auth.json"
    _edit(reference, lambda content: content.update(name="Authn"))
    with pytest.raises(GeneratorError) as raised:
        load_legacy(root)
    assert str(raised.value).startswith(f"{reference} at $.name: ")


def test_legacy_reference_names_must_be_class_names(tmp_path: Path) -> None:
    root = copy_checked_in(tmp_path)
    reference = root / "references" / "legacy-2014" / "Auth.json"
    renamed = reference.with_name("auth-api.json")
    _edit(reference, lambda content: content.update(name="auth-api"))
    reference.rename(renamed)
    with pytest.raises(GeneratorError) as raised:
        load_legacy(root)
    assert str(raised.value).startswith(f"{renamed} at $.name: ")
    assert "PascalCase" in str(raised.value)


def test_missing_inputs_are_reported(tmp_path: Path) -> None:
    with pytest.raises(GeneratorError, match="python -m codegen import"):
        load_current(tmp_path)
    copy_checked_in(tmp_path)
    for tree in ("references", "schemas"):
        shutil.rmtree(tmp_path / tree / "legacy-2014")
        (tmp_path / tree / "legacy-2014").mkdir()
    with pytest.raises(GeneratorError) as raised:
        load_legacy(tmp_path)
    assert "no 2014 references" in str(raised.value)
