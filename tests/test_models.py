"""Model generation (codegen.models) and the model runtime (taskcluster_sdk._model).

The behaviour tests use the checked-in generated package (what users get);
the generator tests generate the current platform once into a temporary
directory and compare it with a second run in another process.
"""

from __future__ import annotations

import ast
import importlib
import json
import os
import pkgutil
import re
import subprocess
import sys
import typing
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pydantic
import pytest

from codegen.errors import GeneratorError
from codegen.load import load_current, load_legacy
from codegen.model import Platform, Schema
from codegen.models import ModelIndex, ModelRef, generate_models
from taskcluster_sdk._model import TaskclusterListModel, TaskclusterModel, TaskclusterRootModel
from taskcluster_sdk.errors import MissingFieldError
from taskcluster_sdk.models.auth import GetRoleResponse, ListRolesResponse
from taskcluster_sdk.models.hooks import TriggerHookResponse
from taskcluster_sdk.models.queue import (
    ArtifactContentResponse,
    CreateTaskRequest,
    ListTaskGroupResponse,
    ObjectArtifactContent,
    ProvisionerResponse,
    S3ArtifactContent,
    TaskDefinitionAndStatus,
    TaskMetadata,
    TaskPriority,
    TaskStatusResponse,
    UnknownArtifactContent,
)

ROOT = Path(__file__).resolve().parent.parent
TASK_ID = "fQQw2tdUQ9Oa7wx7kmDJ6A"


def status(**changes: object) -> dict[str, object]:
    value: dict[str, object] = {
        "taskId": TASK_ID,
        "provisionerId": "prov",
        "workerType": "wt",
        "taskQueueId": "prov/wt",
        "schedulerId": "-",
        "projectId": "none",
        "taskGroupId": TASK_ID,
        "deadline": "2030-01-02T03:04:05.678Z",
        "expires": "2031-01-02T03:04:05.678Z",
        "retriesLeft": 5,
        "state": "pending",
        "runs": [],
    }
    value.update(changes)
    return value


def task_request(**changes: object) -> dict[str, object]:
    value: dict[str, object] = {
        "taskQueueId": "prov/wt",
        "created": "2030-01-01T00:00:00.000Z",
        "deadline": "2030-01-02T00:00:00.000Z",
        "payload": {"command": ["true"]},
        "metadata": {
            "name": "t",
            "description": "d",
            "owner": "not really an email",
            "source": "https://example.com/not/validated as a uri",
        },
    }
    value.update(changes)
    return value


# --- forward compatibility of responses and messages -------------------------


def test_unknown_fields_are_kept_and_round_trip() -> None:
    wire = {"status": status(newField={"a": 1}), "addedLater": True}
    parsed = TaskStatusResponse.model_validate(wire)
    assert parsed.model_extra == {"addedLater": True}
    assert parsed.status.model_extra == {"newField": {"a": 1}}
    assert json.loads(parsed.model_dump_json())["status"]["newField"] == {"a": 1}


def test_unknown_enum_value_is_a_plain_string_that_round_trips() -> None:
    parsed = TaskStatusResponse.model_validate({"status": status(state="hibernating")})
    assert parsed.status.state == "hibernating"
    assert type(parsed.status.state) is str
    assert f"{parsed.status.state}" == "hibernating"
    assert parsed.model_dump(mode="json")["status"]["state"] == "hibernating"


def test_enum_aliases_are_literals_for_type_checkers() -> None:
    # Annotated[Literal[...], OpenStr]: the values are there for introspection too.
    literal, marker = typing.get_args(TaskPriority)
    assert typing.get_args(literal) == (
        "highest",
        "very-high",
        "high",
        "medium",
        "low",
        "very-low",
        "lowest",
    )
    assert repr(marker) == "OpenStr"


def test_constraints_are_not_checked_on_answers() -> None:
    # A pattern (slugid), a length and a range the schema states: answers never fail on them.
    parsed = TaskStatusResponse.model_validate(
        {"status": status(taskId="not a slugid", retriesLeft=-3, schedulerId="x" * 300)}
    )
    assert parsed.status.taskId == "not a slugid"
    assert parsed.status.retriesLeft == -3


def test_required_field_left_out_reads_empty_and_stays_unset() -> None:
    # v106 leaves out the required `actions` (tests/fixtures/recorded: getProvisioner).
    wire = {
        "provisionerId": "p",
        "description": "",
        "expires": "2031-01-01T00:00:00.000Z",
        "lastDateActive": "2030-01-01T00:00:00.000Z",
        "stability": "experimental",
    }
    parsed = ProvisionerResponse.model_validate(wire)
    assert parsed.actions == []
    assert "actions" not in parsed.model_fields_set
    assert json.loads(parsed.model_dump_json(exclude_unset=True)) == wire
    # an object reads as an empty model, whose own fields follow the same rules
    bare = TaskStatusResponse.model_validate({})
    assert bare.status.model_fields_set == set()
    assert bare.status.runs == []
    assert bare.model_dump(exclude_unset=True) == {}
    # a string never reads None: reading it says what is missing
    with pytest.raises(MissingFieldError) as raised:
        _ = bare.status.taskId
    assert str(raised.value).startswith("TaskStatus.taskId: the server's answer left out")
    assert (raised.value.model_name, raised.value.field) == ("TaskStatus", "taskId")


def test_a_missing_required_value_raises_only_when_read() -> None:
    from taskcluster_sdk.errors import TaskclusterError
    from taskcluster_sdk.models.hooks import TriggeredTask

    parsed = TriggeredTask.__pydantic_validator__.validate_json(b'{"surprise": 1}')
    # the call that parsed it did not fail, and nothing was invented
    assert parsed.model_fields_set == {"surprise"}
    assert "taskId" not in parsed.model_dump()
    assert parsed.model_dump(exclude_unset=True) == {"surprise": 1}
    assert "taskId" not in repr(parsed)
    # the usual ways of asking work: it is an AttributeError too
    assert getattr(parsed, "taskId", "absent") == "absent"
    assert not hasattr(parsed, "taskId")
    with pytest.raises(MissingFieldError, match=r"TriggeredTask\.taskId") as raised:
        _ = parsed.taskId
    assert isinstance(raised.value, TaskclusterError)
    assert isinstance(raised.value, AttributeError)
    # it survives copies and pickling, and fills in when given
    assert not hasattr(parsed.model_copy(), "taskId")
    import pickle

    assert not hasattr(pickle.loads(pickle.dumps(parsed)), "taskId")
    assert pickle.loads(pickle.dumps(raised.value)).field == "taskId"
    assert TriggeredTask.model_validate({"taskId": TASK_ID}).taskId == TASK_ID
    # an unknown attribute is still pydantic's plain AttributeError
    with pytest.raises(AttributeError) as unknown:
        _ = parsed.notAField  # type: ignore[attr-defined]
    assert not isinstance(unknown.value, MissingFieldError)


def test_models_without_required_values_run_no_python_per_instance() -> None:
    from taskcluster_sdk.models.queue import TaskMetadata, TaskStatusRun

    # TaskMetadata's required fields are strings: it needs the hook
    assert TaskMetadata.__pydantic_post_init__ == "model_post_init"
    assert set(TaskMetadata.__missing_raises__) == {"name", "description", "owner", "source"}
    assert TaskStatusRun.__missing_raises__  # runId, state, ...
    # {task, status}: objects only, which read as empty models
    assert TaskDefinitionAndStatus.__missing_raises__ == ()
    assert TaskDefinitionAndStatus.__pydantic_post_init__ is None


def test_schema_defaults_fill_optional_fields() -> None:
    parsed = CreateTaskRequest.model_validate(task_request())
    assert parsed.priority == "lowest"
    assert parsed.retries == 5
    assert parsed.extra == {}
    # defaults are not sent unless asked for
    assert "priority" not in parsed.model_dump(mode="json", exclude_unset=True)


def test_optional_fields_are_none_or_have_a_non_none_default() -> None:
    # 10.9: never `X | None` with a default other than None.
    offenders = []
    for cls in _all_model_classes():
        for name, info in cls.model_fields.items():
            if info.is_required() or info.default is None:
                continue
            if type(None) in typing.get_args(info.annotation):
                offenders.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert offenders == []


def test_tagged_union_known_tags_pick_their_variant() -> None:
    s3 = ArtifactContentResponse.model_validate({"storageType": "s3", "url": "https://x"})
    assert isinstance(s3.root, S3ArtifactContent)
    obj = ArtifactContentResponse.model_validate(
        {
            "storageType": "object",
            "name": "t/0/public/x",
            "credentials": {"clientId": "c", "accessToken": "a"},
        }
    )
    assert isinstance(obj.root, ObjectArtifactContent)
    assert obj.root.credentials.clientId == "c"


def test_tagged_union_unknown_tag_parses_into_the_fallback() -> None:
    # issue 9.6: an artifact of a storage type added to Taskcluster later
    wire = {"storageType": "ipfs", "cid": "bafy..."}
    parsed = ArtifactContentResponse.model_validate(wire)
    assert isinstance(parsed.root, UnknownArtifactContent)
    assert parsed.root.storageType == "ipfs"
    assert parsed.root.model_extra == {"cid": "bafy..."}
    assert json.loads(parsed.model_dump_json()) == wire
    # a known tag with missing fields still picks its variant (lenient)
    assert isinstance(
        ArtifactContentResponse.model_validate({"storageType": "s3"}).root, S3ArtifactContent
    )


def test_list_roots_iterate_their_items() -> None:
    roles = ListRolesResponse.model_validate(
        [{"roleId": "a", "scopes": []}, {"roleId": "b", "scopes": ["x"]}]
    )
    assert isinstance(roles, TaskclusterListModel)
    assert [role.roleId for role in roles] == ["a", "b"]
    assert len(roles) == 2
    assert isinstance(roles[0], GetRoleResponse)
    assert [role.roleId for role in roles[1:]] == ["b"]


def test_unwrap_carries_the_attached_response() -> None:
    parsed = ArtifactContentResponse.model_validate({"storageType": "s3", "url": "u"})
    vars(parsed)["_tc_marker"] = "attached"
    variant = parsed.unwrap()
    assert isinstance(variant, S3ArtifactContent)
    assert vars(variant)["_tc_marker"] == "attached"


def test_free_form_objects_are_dicts() -> None:
    # `extra`, a worker payload given as a dict: no empty classes (issue 10.1)
    parsed = CreateTaskRequest.model_validate(task_request(extra={"free": "form"}))
    assert parsed.extra == {"free": "form"}
    assert parsed.payload == {"command": ["true"]}


# --- field types ---------------------------------------------------------------


def test_email_and_uri_fields_are_plain_strings() -> None:
    metadata = TaskMetadata.model_validate(
        {"name": "n", "description": "d", "owner": "nobody", "source": "https://[not a host"}
    )
    assert type(metadata.owner) is str
    assert type(metadata.source) is str
    assert metadata.owner == "nobody"
    assert metadata.source == "https://[not a host"


def test_datetimes_serialise_as_utc_with_z() -> None:
    two_hours_east = timezone(timedelta(hours=2))
    request = CreateTaskRequest.model_validate(
        task_request(deadline=datetime(2030, 1, 2, 5, 0, tzinfo=two_hours_east))
    )
    wire = json.loads(request.model_dump_json(exclude_unset=True))
    assert wire["deadline"] == "2030-01-02T03:00:00.000Z"
    assert wire["created"] == "2030-01-01T00:00:00.000Z"


def test_taken_until_with_short_fraction_and_offset_parses() -> None:
    # issue 9.7: claimWork's takenUntil arrives as `...04.72+00:00`
    parsed = TaskStatusResponse.model_validate(
        {
            "status": status(
                runs=[
                    {"runId": 0, "state": "running", "takenUntil": "2026-12-01T23:01:04.72+00:00"}
                ]
            )
        }
    )
    taken = parsed.status.runs[0].takenUntil
    assert taken == datetime(2026, 12, 1, 23, 1, 4, 720000, tzinfo=timezone.utc)


def test_non_object_schema_root_is_a_root_model() -> None:
    assert issubclass(TriggerHookResponse, TaskclusterRootModel)
    with_task = TriggerHookResponse.model_validate({"taskId": TASK_ID})
    empty = TriggerHookResponse.model_validate({})
    # `{taskId} | {}` is one model: the task id needs no isinstance (issue 10.6)
    assert with_task.root.taskId == TASK_ID
    # a hook that made no task: no taskId, and reading one says so
    assert "taskId" not in empty.root.model_fields_set
    with pytest.raises(MissingFieldError):
        _ = empty.root.taskId
    assert empty.model_dump(exclude_unset=True) == {}


def test_list_items_parse_into_their_exported_class() -> None:
    page = ListTaskGroupResponse.model_validate(
        {
            "taskGroupId": TASK_ID,
            "schedulerId": "-",
            "expires": "2031-01-01T00:00:00.000Z",
            "tasks": [],
        }
    )
    assert page.tasks == []
    assert TaskDefinitionAndStatus.__name__ == "TaskDefinitionAndStatus"


def _all_model_classes() -> list[type[pydantic.BaseModel]]:
    import taskcluster_sdk.models as models

    found: list[type[pydantic.BaseModel]] = []
    for info in pkgutil.walk_packages(models.__path__, "taskcluster_sdk.models."):
        if ".dicts" in info.name:
            continue
        module = importlib.import_module(info.name)
        for value in vars(module).values():
            if (
                isinstance(value, type)
                and issubclass(value, TaskclusterModel)
                and value.__module__ == module.__name__
            ):
                found.append(value)
    return found


# --- the generator ---------------------------------------------------------------


@dataclass(frozen=True)
class Generated:
    index: ModelIndex
    package_dir: Path
    second_run: Path  # the same generation, in another process with another hash seed


@pytest.fixture(scope="module")
def current(tmp_path_factory: pytest.TempPathFactory) -> Generated:
    """The current platform generated twice: here and, at the same time, in a subprocess."""
    package_dir = tmp_path_factory.mktemp("current") / "models"
    second_run = tmp_path_factory.mktemp("second") / "models"
    script = (
        "import sys; from pathlib import Path; sys.path.insert(0, sys.argv[1]);"
        "from codegen.load import load_current; from codegen.models import generate_models;"
        "generate_models(load_current(Path(sys.argv[1])), Path(sys.argv[2]), 'taskcluster_sdk.models')"
    )
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    with subprocess.Popen(
        [sys.executable, "-c", script, str(ROOT), str(second_run)], env=env
    ) as other:
        index = generate_models(load_current(ROOT), package_dir, "taskcluster_sdk.models")
    assert other.returncode == 0
    return Generated(index, package_dir, second_run)


def test_root_classes_are_named_from_file_names(current: Generated) -> None:
    index, package_dir = current.index, current.package_dir
    expected = {
        "/schemas/queue/v1/task.json#": ModelRef("taskcluster_sdk.models.queue", "Task"),
        "/schemas/queue/v1/task-claim-response.json#": ModelRef(
            "taskcluster_sdk.models.queue", "TaskClaimResponse"
        ),
        "/schemas/hooks/v1/list-lastFires-response.json#": ModelRef(
            "taskcluster_sdk.models.hooks", "ListLastFiresResponse"
        ),
        "/schemas/purge-cache/v1/purge-cache-request.json#": ModelRef(
            "taskcluster_sdk.models.purge_cache", "PurgeCacheRequest"
        ),
        "/schemas/hooks/v1/trigger-hook-response.json#": ModelRef(
            "taskcluster_sdk.models.hooks", "TriggerHookResponse"
        ),
    }
    for schema_id, ref in expected.items():
        assert index.ref(schema_id) == ref
    assert (package_dir / "hooks" / "list_last_fires_response.py").is_file()
    assert (package_dir / "purge_cache" / "purge_cache_request.py").is_file()


def test_every_api_schema_has_a_root_class(current: Generated) -> None:
    index = current.index
    platform = load_current(ROOT)
    used = {s for svc in platform.services for m in svc.methods for s in (m.input, m.output) if s}
    used |= {x.schema for svc in platform.exchange_services for x in svc.exchanges}
    assert sorted(s for s in used if s not in index.refs) == []


def test_unknown_schema_is_a_clear_error(current: Generated) -> None:
    index = current.index
    with pytest.raises(GeneratorError, match=re.escape("/schemas/queue/v1/nope.json#")):
        index.ref("/schemas/queue/v1/nope.json#")


def test_array_items_name_exported_classes(current: Generated) -> None:
    index, package_dir = current.index, current.package_dir
    assert index.array_items("/schemas/queue/v1/list-task-group-response.json#") == {
        "tasks": "TaskDefinitionAndStatus"
    }
    assert index.array_items("/schemas/secrets/v1/secret-list.json#") == {"secrets": "str"}
    assert index.array_items("/schemas/hooks/v1/list-lastFires-response.json#") == {
        "lastFires": "ListLastFiresResponseLastFire"
    }
    for schema_id, ref in index.refs.items():
        exported = _exports(package_dir / ref.module.rsplit(".", 1)[1])
        assert ref.name in exported
        for expression in index.array_items(schema_id).values():
            if expression not in ("str", "int", "float", "bool", "dict[str, Any]", "Any"):
                assert expression in exported, (schema_id, expression)


def test_exported_names_are_meaningful(current: Generated) -> None:
    index, package_dir = current.index, current.package_dir
    from_file_names = {ref.name for ref in index.refs.values()}
    for init in sorted(package_dir.glob("*/__init__.py")):
        for name in _exports(init.parent):
            assert not re.fullmatch(r"(Model|Var|Type)\d*", name), name
            # digits that belong to a word (`ContentBase64`) are not a numbering
            if name not in from_file_names and not re.search(r"(V\d|S3|Base64|Sha\d+|Md5)$", name):
                assert not re.search(r"\d$", name), f"{init.parent.name}: {name}"


def test_no_numbered_class_names_remain(current: Generated) -> None:
    package_dir = current.package_dir
    natural = re.compile(r".*(V\d|S3|Base64|Sha\d+|Md5|\dD)$")
    numbered = [
        f"{path.parent.name}.{path.stem}.{node.name}"
        for path in sorted(package_dir.glob("*/*.py"))
        for node in ast.parse(path.read_text()).body
        if isinstance(node, ast.ClassDef)
        and re.search(r"\d$", node.name)
        and not natural.match(node.name)
    ]
    assert numbered == []


def test_generated_files_have_the_header(current: Generated) -> None:
    package_dir = current.package_dir
    for path in package_dir.rglob("*.py"):
        assert path.read_text().startswith(
            "# Generated by taskcluster-sdk codegen from references/ and schemas/ -- do not edit.\n"
            "# Regenerate with: nox -s generate\n"
        ), path


def test_generation_is_deterministic(current: Generated) -> None:
    """A second run in another process (another hash seed) writes the same bytes."""
    first, second = current.package_dir, current.second_run
    first_files = sorted(p.relative_to(first) for p in first.rglob("*.py"))
    assert first_files == sorted(p.relative_to(second) for p in second.rglob("*.py"))
    assert [f for f in first_files if (first / f).read_bytes() != (second / f).read_bytes()] == []


def test_every_checked_in_model_builds() -> None:
    """Import every generated module of both platforms and build every model.

    With `defer_build` a broken model (an unsupported regex, a missing name)
    would otherwise only fail on first use.
    """
    built = 0
    for package_name in ("taskcluster_sdk.models", "taskcluster_sdk.legacy.models"):
        package = importlib.import_module(package_name)
        for info in pkgutil.walk_packages(package.__path__, f"{package_name}."):
            module = importlib.import_module(info.name)
            for value in vars(module).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, pydantic.BaseModel)
                    and value.__module__ == module.__name__
                ):
                    assert issubclass(value, (TaskclusterModel, TaskclusterRootModel)), value
                    value.model_rebuild(force=True)
                    built += 1
    assert built > 500


def test_legacy_cross_service_reference() -> None:
    from taskcluster_sdk.legacy.models.scheduler import TaskGraph

    graph = TaskGraph.model_validate(
        {
            "tasks": [
                {
                    "taskId": TASK_ID,
                    "task": {
                        "provisionerId": "p",
                        "workerType": "w",
                        "created": "2014-01-01T00:00:00.000Z",
                        "deadline": "2014-01-02T00:00:00.000Z",
                        "payload": {},
                        "metadata": {
                            "name": "n",
                            "description": "d",
                            "owner": "o@example.com",
                            "source": "http://example.com",
                        },
                        "surprise": 1,
                    },
                }
            ],
            "scopes": [],
            "routes": [],
            "metadata": {"name": "g", "description": "d", "owner": "o@example.com", "source": "s"},
        },
    )
    task = graph.tasks[0].task
    assert type(task).__module__ == "taskcluster_sdk.legacy.models.queue.create_task_request"
    assert task.model_extra == {"surprise": 1}


def test_legacy_platform_generates(tmp_path: Path) -> None:
    index = generate_models(load_legacy(ROOT), tmp_path / "models", "taskcluster_sdk.legacy.models")
    assert index.ref("/schemas/scheduler/v1/task-graph.json#") == ModelRef(
        "taskcluster_sdk.legacy.models.scheduler", "TaskGraph"
    )
    text = (tmp_path / "models" / "scheduler" / "task_graph.py").read_text()
    assert "from ..queue import create_task_request" in text


# --- bad input ---------------------------------------------------------------------


def _platform(*schemas: tuple[str, dict[str, object]]) -> Platform:
    return Platform(
        "current",
        (),
        (),
        {
            schema_id: Schema(schema_id, schema_id.split("/")[2], document, Path(schema_id[1:-1]))
            for schema_id, document in schemas
        },
    )


def test_ref_to_unknown_schema_names_file_and_path(tmp_path: Path) -> None:
    platform = _platform(
        (
            "/schemas/svc/v1/thing.json#",
            {"type": "object", "properties": {"other": {"$ref": "missing.json#"}}},
        )
    )
    with pytest.raises(GeneratorError) as raised:
        generate_models(platform, tmp_path / "models", "pkg.models")
    message = str(raised.value)
    assert "schemas/svc/v1/thing.json" in message
    assert "$.properties.other.$ref" in message
    assert "/schemas/svc/v1/missing.json" in message
    assert not (tmp_path / "models").exists()


def test_colliding_module_names_are_an_error(tmp_path: Path) -> None:
    platform = _platform(
        ("/schemas/svc/v1/list-lastFires.json#", {"type": "object"}),
        ("/schemas/svc/v1/list-last-fires.json#", {"type": "object"}),
    )
    with pytest.raises(GeneratorError, match="list_last_fires"):
        generate_models(platform, tmp_path / "models", "pkg.models")


def _exports(package: Path) -> set[str]:
    tree = ast.parse((package / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "__all__":
            return set(ast.literal_eval(node.value))
    raise AssertionError(f"{package} has no __all__")


# --- TypedDicts: optional, nullable, and what the schema check accepts --------------


def _top_level_members(annotation: str) -> list[str]:
    node = ast.parse(annotation, mode="eval").body
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) in ("Required", "NotRequired"):
        node = node.slice
    members: list[str] = []
    pending = [node]
    while pending:
        each = pending.pop()
        if isinstance(each, ast.BinOp) and isinstance(each.op, ast.BitOr):
            pending += [each.left, each.right]
        else:
            members.append(ast.unparse(each))
    return members


def _golden_validator() -> typing.Any:
    import jsonschema_rs

    bundle = json.loads(
        (ROOT / "tests/fixtures/golden/expected/models/_input_schemas.json").read_text()
    )
    base = "https://schemas.invalid"
    registry = jsonschema_rs.Registry(
        [(base + key, {**schema, "$id": base + key}) for key, schema in bundle.items()]
    )
    return jsonschema_rs.Draft6Validator(
        {"$ref": base + "/schemas/demo/v1/create-thing-request.json#"}, registry=registry
    )


def test_typed_dict_takes_none_exactly_where_the_schema_allows_null() -> None:
    # the golden schema has each case: optional (never null), optional and
    # nullable (`type: [.., "null"]`, `oneOf` a null), required and nullable
    text = (
        ROOT / "tests/fixtures/golden/expected/models/demo/dicts/create_thing_request.py"
    ).read_text()
    cls = next(
        n for n in ast.parse(text).body if isinstance(n, ast.ClassDef) and n.name.endswith("Dict")
    )
    annotations = {
        cast_name(s.target): ast.unparse(s.annotation)
        for s in cls.body
        if isinstance(s, ast.AnnAssign)
    }
    assert annotations == {
        "labels": "list[str]",
        "note": "str | None",
        "owner": "str",
        "parent": "str | None",
        "priority": "ThingPriority",
        "size": "Required[int | None]",
        "state": "Required[ThingState]",
    }
    validator = _golden_validator()
    minimal = {"size": None, "state": "done"}
    assert validator.is_valid(minimal)
    for key, annotation in annotations.items():
        takes_none = "None" in _top_level_members(annotation)
        assert validator.is_valid({**minimal, key: None}) == takes_none, key


def cast_name(node: ast.expr) -> str:
    assert isinstance(node, ast.Name)
    return node.id


def _input_roots() -> list[tuple[str, type[TaskclusterModel]]]:
    import taskcluster_sdk.models as models

    roots: list[tuple[str, type[TaskclusterModel]]] = []
    for info in pkgutil.iter_modules(models.__path__):
        if info.name.startswith("_"):
            continue
        package = importlib.import_module(f"taskcluster_sdk.models.{info.name}")
        for name in package.__all__:
            value = getattr(package, name)
            if (
                isinstance(value, type)
                and issubclass(value, TaskclusterModel)
                and value.__schema__ is not None
                and f"{name}Dict" in package.__all__
            ):
                roots.append((f"{info.name}.{name}", value))
    return roots


@pytest.mark.parametrize(("name", "model"), _input_roots())
def test_every_request_dict_and_the_schema_check_agree_on_null(
    name: str, model: type[TaskclusterModel]
) -> None:
    from taskcluster_sdk._payload import validate_payload
    from taskcluster_sdk.errors import PayloadValidationError

    package = importlib.import_module(model.__module__.rsplit(".", 1)[0])
    typed_dict = getattr(package, f"{model.__name__}Dict")
    annotations: dict[str, typing.Any] = typed_dict.__annotations__
    assert annotations
    for key, annotation in annotations.items():
        text = (
            annotation.__forward_arg__ if isinstance(annotation, typing.ForwardRef) else annotation
        )
        assert isinstance(text, str), (key, annotation)
        takes_none = "None" in _top_level_members(text)
        try:
            validate_payload({key: None}, model)
            problems: list[str] = []
        except PayloadValidationError as error:
            problems = [problem for path, problem in error.errors if path == key]
        # null for this key: refused by the check exactly when the type refuses it
        assert (problems == []) == takes_none, (key, annotation, problems)


def _staged_generic_worker(
    tmp_path: Path, change: typing.Callable[[dict[str, typing.Any]], None]
) -> dict[str, typing.Any]:
    import copy

    from codegen.models.plan import plan_modules
    from codegen.models.stage import stage_schemas

    plans = plan_modules(load_current(ROOT))
    for plan in plans:
        if plan.schema.id == "/schemas/generic-worker/insecure_posix.json#":
            document = copy.deepcopy(plan.schema.document)
            change(document)
            object.__setattr__(plan.schema, "document", document)
    stage_schemas(plans, tmp_path)
    return json.loads((tmp_path / "generic_worker" / "insecure_posix.json").read_text())


def test_the_d2g_copy_in_generic_worker_schemas_becomes_a_ref_to_docker_worker(
    tmp_path: Path,
) -> None:
    staged = _staged_generic_worker(tmp_path, lambda document: None)
    assert staged["oneOf"][1] == {"$ref": "../docker_worker/payload.json#"}
    # the definition only the copy used goes with it; the payload's own stay
    assert "artifact" not in staged["definitions"]
    assert "fileMount" in staged["definitions"]


def test_a_d2g_copy_that_drifted_from_docker_worker_is_refused(tmp_path: Path) -> None:
    def drift(document: dict[str, typing.Any]) -> None:
        document["oneOf"][1]["properties"]["maxRunTime"]["type"] = "string"

    with pytest.raises(GeneratorError, match="no longer a copy"):
        _staged_generic_worker(tmp_path, drift)
    # docs may differ: the copy's titles say "Docker worker ..."
    staged = _staged_generic_worker(
        tmp_path, lambda document: document["oneOf"][1].update(title="another title")
    )
    assert "$ref" in staged["oneOf"][1]
