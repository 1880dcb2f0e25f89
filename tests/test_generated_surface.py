"""The generated package covers every reference entry, explicitly and lazily.

The references are read here straight from the checked-in JSON (not through
the generator's loader), so these tests are an independent check of what the
generator produced.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import itertools
import json
import pkgutil
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
REFERENCES = ROOT / "references"
PACKAGE = ROOT / "src" / "taskcluster_sdk"


def _class_name(service: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in service.split("-"))


def _current_references(kind: str) -> list[dict[str, Any]]:
    return [
        json.loads(path.read_text())
        for path in sorted(REFERENCES.glob(f"*/v1/{kind}.json"))
        if path.parts[-3] != "legacy-2014"
    ]


def _legacy_references() -> list[tuple[str, dict[str, Any]]]:
    found: list[tuple[str, dict[str, Any]]] = []
    for path in sorted((REFERENCES / "legacy-2014").glob("*.json")):
        document = json.loads(path.read_text())
        found.append((document["name"], document["reference"]))
    return found


def _api_cases() -> list[tuple[str, str, dict[str, Any]]]:
    cases = [
        ("taskcluster_sdk", _class_name(ref["serviceName"]), entry)
        for ref in _current_references("api")
        for entry in ref["entries"]
    ]
    cases += [
        ("taskcluster_sdk.legacy", name, entry)
        for name, ref in _legacy_references()
        if "baseUrl" in ref
        for entry in ref["entries"]
    ]
    return cases


def _exchange_cases() -> list[tuple[str, str, dict[str, Any]]]:
    cases = [
        ("taskcluster_sdk", _class_name(ref["serviceName"]) + "Events", entry)
        for ref in _current_references("exchanges")
        for entry in ref["entries"]
    ]
    cases += [
        ("taskcluster_sdk.legacy", name, entry)
        for name, ref in _legacy_references()
        if "exchangePrefix" in ref
        for entry in ref["entries"]
    ]
    return cases


def test_reference_counts() -> None:
    # 11 current services with 194 entries, and the three 2014 APIs.
    assert len(_current_references("api")) == 11
    assert len(_current_references("exchanges")) == 6
    assert sum(1 for case in _api_cases() if case[0] == "taskcluster_sdk") == 194
    assert {name for name, _ in _legacy_references()} == {
        "Auth",
        "Queue",
        "QueueEvents",
        "Scheduler",
        "SchedulerEvents",
    }


@pytest.mark.parametrize(
    ("package", "class_name", "entry"),
    _api_cases(),
    ids=lambda value: value["name"] if isinstance(value, dict) else str(value),
)
def test_every_api_entry_has_sync_and_async_methods(
    package: str, class_name: str, entry: dict[str, Any]
) -> None:
    module = importlib.import_module(package)
    for cls in (getattr(module, class_name), getattr(module, "Async" + class_name)):
        method = cls.__dict__[entry["name"]]  # defined on the class itself, not inherited
        function = inspect.unwrap(method)
        assert inspect.iscoroutinefunction(function) == cls.__name__.startswith("Async")
        parameters = inspect.signature(function).parameters
        positional = [
            name
            for name, p in parameters.items()
            if p.kind is p.POSITIONAL_OR_KEYWORD and name not in ("self", "payload")
        ]
        assert positional == list(entry["args"]), f"{cls.__name__}.{entry['name']}"
        for query in entry.get("query", []):
            assert parameters[query].kind is inspect.Parameter.KEYWORD_ONLY
            assert parameters[query].default is None
        assert ("payload" in parameters) == ("input" in entry)
        deprecated = entry.get("stability") == "deprecated"
        assert hasattr(method, "__deprecated__") == deprecated


@pytest.mark.parametrize(
    ("package", "class_name", "entry"),
    _exchange_cases(),
    ids=lambda value: value["name"] if isinstance(value, dict) else str(value),
)
def test_every_exchange_has_a_binding_builder(
    package: str, class_name: str, entry: dict[str, Any]
) -> None:
    cls = getattr(importlib.import_module(package), class_name)
    parameters = inspect.signature(cls.__dict__[entry["name"]]).parameters
    keywords = [n for n, p in parameters.items() if p.kind is inspect.Parameter.KEYWORD_ONLY]
    fields = [field["name"] for field in entry["routingKey"] if "constant" not in field]
    assert keywords == fields
    binding = getattr(cls(), entry["name"])()
    assert binding.exchange.endswith("/" + entry["exchange"])


FORBIDDEN_CALLS = {
    "setattr",
    "getattr",
    "exec",
    "eval",
    "__import__",
    "make_dataclass",
    "new_class",
    "create_model",
    "type",
}


def _forbidden_calls(tree: ast.AST) -> list[str]:
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = (
                func.id
                if isinstance(func, ast.Name)
                else func.attr
                if isinstance(func, ast.Attribute)
                else ""
            )
            # type(x) with one argument is an inspection, not a class factory.
            if name == "type" and len(node.args) == 1:
                continue
            if name in FORBIDDEN_CALLS:
                found.append(f"{name}() at line {node.lineno}")
    return found


GENERATED_DIRS = (
    "services",
    "events",
    "legacy/services",
    "legacy/events",
    "testing/services",
    "testing/legacy",
)


def test_generated_code_uses_no_reflection() -> None:
    modules = [path for d in GENERATED_DIRS for path in sorted((PACKAGE / d).glob("*.py"))]
    modules += [PACKAGE / "__init__.py", PACKAGE / "legacy" / "__init__.py"]
    assert len(modules) > 20
    for path in modules:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        allowed = {"globals"}  # the lazy exports cache what they imported
        problems = [p for p in _forbidden_calls(tree) if p.split("(")[0] not in allowed]
        assert not problems, f"{path.relative_to(ROOT)}: {problems}"


def test_api_methods_are_plain_defs_in_the_class_body() -> None:
    for package, class_name, entry in _api_cases():
        module_dir = PACKAGE / ("legacy/services" if package.endswith("legacy") else "services")
        for path in module_dir.glob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            classes = {n.name: n for n in tree.body if isinstance(n, ast.ClassDef)}
            if class_name in classes:
                sync = {n.name for n in classes[class_name].body if isinstance(n, ast.FunctionDef)}
                asyn = {
                    n.name
                    for n in classes["Async" + class_name].body
                    if isinstance(n, ast.AsyncFunctionDef)
                }
                assert entry["name"] in sync and entry["name"] in asyn
                break
        else:
            pytest.fail(f"no module defines {class_name}")


def test_runtime_modules_use_no_class_factories() -> None:
    for path in sorted(PACKAGE.glob("_*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        problems = [
            p
            for p in _forbidden_calls(tree)
            if p.split("(")[0]
            in {"exec", "eval", "make_dataclass", "new_class", "create_model", "type", "setattr"}
        ]
        assert not problems, f"{path.name}: {problems}"


def _fresh_modules(code: str) -> set[str]:
    result = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys, json; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    return set(json.loads(result.stdout.splitlines()[-1]))


def test_import_is_lazy() -> None:
    modules = _fresh_modules("import taskcluster_sdk")
    assert not {
        m for m in modules if m.startswith(("taskcluster_sdk.services", "taskcluster_sdk.models"))
    }
    assert "httpx" not in modules and "pydantic" not in modules

    modules = _fresh_modules("from taskcluster_sdk import Queue")
    assert "taskcluster_sdk.services.queue" in modules
    assert "taskcluster_sdk.services.auth" not in modules
    # Models load on first use of a method, not with the client class.
    assert not {m for m in modules if m.startswith("taskcluster_sdk.models")}
    assert "pydantic" not in modules

    modules = _fresh_modules("from taskcluster_sdk.models.queue import Task")
    assert not {m for m in modules if m.startswith("taskcluster_sdk.models.auth")}


def test_unknown_top_level_name_is_an_attribute_error() -> None:
    import taskcluster_sdk

    with pytest.raises(AttributeError, match="Quuee"):
        taskcluster_sdk.Quuee  # noqa: B018


def test_generated_modules_carry_the_header() -> None:
    for d in (*GENERATED_DIRS, "models"):
        for path in (PACKAGE / d).rglob("*.py"):
            head = path.read_text(encoding="utf-8").splitlines()[:2]
            assert head[0].startswith("# Generated by taskcluster-sdk codegen"), path
            assert "nox -s generate" in head[1], path


def test_method_docstrings_carry_scopes_and_stability() -> None:
    from taskcluster_sdk import Queue

    doc = inspect.getdoc(Queue.createTask) or ""
    assert doc.startswith("Create New Task")
    assert "queue:create-task:" in doc
    assert re.search(r"Stability: stable", doc)
    assert "Stability: deprecated" in (inspect.getdoc(Queue.claimTask) or "")


# --- public model names (issue 10.7) --------------------------------------------

_WORD = re.compile(r"[A-Z]+(?![a-z])|[A-Z][a-z0-9]*|[a-z0-9]+")
# Names that mean nothing on their own, or something different in every service.
_GENERIC = frozenset(
    {"Type", "State", "Payload", "Config", "Request", "Response", "Extra", "Value", "Data"}
    | {"Item", "Status", "Upload", "Download", "Method", "Kind", "Model", "Schema", "Object"}
)
# A name that starts with one of these is `<Parent><Word>` of a parent that
# says nothing (`StatusState`, `TypeLevel`, `EventsAction`): name it from the
# schema's meaning (codegen/models/plan.py ENUM_NAMES).
_WEAK_LEADS = frozenset(
    {"Type", "Types", "Status", "State", "Payload", "Config", "Value", "Values", "Data", "Item"}
    | {"Kind", "Entry", "Events", "Options", "Setting", "Settings", "Permissions", "Policy"}
    | {"Fire"}
)
# Words that end a name when digits belong to it.
_DIGITS_BELONG = re.compile(r"(V\d|S3|Base64|Sha\d+|Md5|\dD)$")


def _public_model_names() -> dict[str, list[str]]:
    import taskcluster_sdk.models as models

    names: dict[str, list[str]] = {}
    for info in pkgutil.iter_modules(models.__path__):
        if info.name.startswith("_"):
            continue
        package = importlib.import_module(f"taskcluster_sdk.models.{info.name}")
        for name in package.__all__:
            names.setdefault(name, []).append(info.name)
    return names


def _schema_vocabulary() -> set[str]:
    """Every word the schemas use (property names split, titles, descriptions, values)."""
    words: set[str] = set()
    for path in (ROOT / "schemas").rglob("*.json"):
        text = path.read_text(encoding="utf-8")
        words.update(word.lower() for word in _WORD.findall(text))
    return words


def _singular(name: str) -> str:
    return "".join(word.removesuffix("s") for word in _WORD.findall(name.removesuffix("Dict")))


def _name_problems(
    name: str, services: list[str], vocabulary: set[str], others: frozenset[str] = frozenset()
) -> list[str]:
    words = _WORD.findall(name)
    stem = name.removesuffix("Dict")
    problems: list[str] = []
    if len(words) > 1 and words[0] in _WEAK_LEADS:
        problems.append(f"{name}: named after a generic parent {words[0]!r}")
    twins = sorted(
        other
        for other in others
        if other.removesuffix("Dict") != stem and _singular(other) == _singular(name)
    )
    if twins:
        problems.append(f"{name}: differs from {twins} only by a plural")
    if any(a == b for a, b in itertools.pairwise(words)):
        problems.append(f"{name}: doubled word")
    pairs = list(itertools.pairwise(words))
    if len(pairs) != len(set(pairs)):
        problems.append(f"{name}: repeated words")
    if re.search(r"\d$", stem) and not _DIGITS_BELONG.search(stem):
        problems.append(f"{name}: numbered")
    if stem in _GENERIC:
        problems.append(f"{name}: generic ({', '.join(services)})")
    unknown = [w for w in words if len(w) > 2 and w.lower() not in vocabulary]
    if unknown:
        problems.append(f"{name}: words the schemas never use (truncated?): {unknown}")
    return problems


# words the generator itself adds to names
_EXTRA_WORDS = {"unknown", "dict", "entry", "item", "triggered"}


def test_public_model_names_are_meaningful_and_unique_in_meaning() -> None:
    names = _public_model_names()
    assert len(names) > 300
    vocabulary = _schema_vocabulary() | _EXTRA_WORDS
    everything = frozenset(names)
    problems = [
        problem
        for name, services in sorted(names.items())
        for problem in _name_problems(name, services, vocabulary, everything)
    ]
    assert problems == []


@pytest.mark.parametrize(
    "old",
    [
        "PurgeCach",
        "TriggerHookResponseTriggerHookResponse",
        "ArmDeploymentParametersReferenceReference",
        "Payload",
        "Type",
        "Owner8",
        "StatusState",
        "TypeLevel",
        "TypeStability",
        "EventsAction",
        "EntryMethod",
        "PayloadTaskclusterProxyInterface",
        "PermissionsPages",
    ],
)
def test_the_names_test_catches_the_old_mistakes(old: str) -> None:
    # the names issues 10.7 and 10.11 quote: each trips a rule above
    assert _name_problems(old, ["x"], _schema_vocabulary() | _EXTRA_WORDS) != []


def test_the_names_test_catches_names_that_differ_by_a_plural() -> None:
    # `WorkersState` beside `WorkerState`: two enums nobody could tell apart
    others = frozenset({"WorkerState", "WorkersState", "TaskState"})
    problems = _name_problems("WorkersState", ["x"], _schema_vocabulary(), others)
    assert problems == ["WorkersState: differs from ['WorkerState'] only by a plural"]


def test_enums_named_from_meaning_are_exported() -> None:
    from taskcluster_sdk.models import common, github, queue, worker_manager

    assert {"CommitStatusState", "PullRequestPolicy"} <= set(github.__all__)
    assert "LogLevel" in common.__all__
    assert "TaskQueueStability" in queue.__all__
    # the state of getWorker answers includes queue-only ("standalone") workers
    assert "standalone" in worker_manager.WorkerState.__origin__.__args__  # type: ignore[attr-defined]
    assert "standalone" not in worker_manager.ManagedWorkerState.__origin__.__args__  # type: ignore[attr-defined]


# --- documentation where IDEs read it (issue 10.4) ---------------------------------


def _docstring_after(body: list[ast.stmt], name: str) -> str | None:
    for position, statement in enumerate(body[:-1]):
        target = getattr(statement, "target", None)
        if isinstance(statement, ast.AnnAssign) and getattr(target, "id", None) == name:
            following = body[position + 1]
            if isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant):
                return str(following.value.value)
    return None


def test_fields_and_enum_aliases_carry_attribute_docstrings() -> None:
    # pyright/Pylance show the string literal right after an assignment on hover
    source = ROOT / "src" / "taskcluster_sdk" / "models" / "queue" / "task_status.py"
    tree = ast.parse(source.read_text(encoding="utf-8"))
    status = next(n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "TaskStatus")
    assert ast.get_docstring(status)
    assert "deadline" in (_docstring_after(status.body, "deadline") or "").lower()
    assert "state" in (_docstring_after(tree.body, "TaskState") or "").lower()
    documented = [
        name
        for name in ("taskId", "state", "runs", "deadline")
        if _docstring_after(status.body, name)
    ]
    assert documented == ["taskId", "state", "runs", "deadline"]


def test_method_docstrings_document_each_parameter_and_deprecation() -> None:
    from taskcluster_sdk import Queue

    doc = inspect.getdoc(Queue.createTask) or ""
    assert "Args:" in doc
    assert "taskId: the `<taskId>` part of `/task/<taskId>`." in doc
    assert "`CreateTaskRequest` or `CreateTaskRequestDict`" in doc
    assert "Returns:" in doc
    deprecated = inspect.getdoc(Queue.claimTask) or ""
    assert deprecated.splitlines()[2].startswith("**Deprecated**")


# --- every union member a user builds is exported --------------------------------


def _root_union_members() -> list[tuple[str, str, str, str]]:
    """(service, module, root class, member) for each class in a root's union, from the sources.

    Read from the generated files, not from the generator's own rule, so that
    a member the rule misses (tagged or not) shows up here.
    """
    found: list[tuple[str, str, str, str]] = []
    for path in sorted((PACKAGE / "models").glob("*/*.py")):
        if path.name == "__init__.py":
            continue
        tree = ast.parse(path.read_text())
        classes = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
        aliases = {
            node.targets[0].id: node.value.args[1]
            for node in tree.body
            if isinstance(node, ast.Assign)
            and isinstance(node.targets[0], ast.Name)
            and isinstance(node.value, ast.Call)
            and ast.unparse(node.value.func) == "TypeAliasType"
        }
        for node in tree.body:
            if not isinstance(node, ast.ClassDef) or not node.bases:
                continue
            base = node.bases[0]
            if not (
                isinstance(base, ast.Subscript)
                and ast.unparse(base.value) == "TaskclusterRootModel"
                and isinstance(base.slice, ast.Name)
                and base.slice.id in aliases
            ):
                continue
            value = aliases[base.slice.id]
            if isinstance(value, ast.Subscript) and ast.unparse(value.value) == "Annotated":
                value = value.slice.elts[0]  # type: ignore[attr-defined]
            members = re.findall(r"[A-Za-z_][\w.]*", ast.unparse(value))
            if len(members) < 2:
                continue
            found.extend(
                (path.parent.name, path.stem, node.name, member)
                for member in members
                if member in classes
            )
    return found


def test_every_member_of_a_root_union_is_exported_or_excluded_with_a_reason() -> None:
    from codegen.models.shape import UNEXPORTED_VARIANTS

    members = _root_union_members()
    # the d2g case that was missing, and the tagged unions that already worked
    assert ("generic_worker", "insecure_posix", "InsecurePosix", "InsecurePosixPayload") in members
    assert ("queue", "post_artifact_request", "PostArtifactRequest", "S3ArtifactRequest") in members
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for service, module, root, member in members:
        package = importlib.import_module(f"taskcluster_sdk.models.{service}")
        reason = UNEXPORTED_VARIANTS.get((f"{service}.{module}", member))
        seen.add((f"{service}.{module}", member))
        exported = getattr(package, member, None) if member in package.__all__ else None
        own = getattr(importlib.import_module(f"taskcluster_sdk.models.{service}.{module}"), member)
        if reason is None and exported is not own:
            problems.append(f"{service}.{module}.{member} (in {root}) is not exported by {service}")
        elif reason is not None and member in package.__all__ and exported is own:
            problems.append(f"{service}.{module}.{member} is exported but listed as excluded")
        elif reason is not None and len(reason) < 20:
            problems.append(f"{service}.{module}.{member}: the reason for excluding it is empty")
    assert not problems, problems
    assert set(UNEXPORTED_VARIANTS) <= seen, set(UNEXPORTED_VARIANTS) - seen


def test_generic_worker_exports_the_payloads_and_their_dicts() -> None:
    from taskcluster_sdk.models import docker_worker, generic_worker
    from taskcluster_sdk.models.generic_worker import insecure_posix, multiuser_posix

    assert generic_worker.InsecurePosixPayload is insecure_posix.InsecurePosixPayload
    assert generic_worker.MultiuserPosixPayload is multiuser_posix.MultiuserPosixPayload
    assert {
        "InsecurePosixPayloadDict",
        "InsecurePosixPayloadArtifact",
        "InsecurePosixPayloadArtifactDict",
        "MultiuserPosixPayloadDict",
        "MultiuserPosixPayloadArtifact",
        "MultiuserPosixPayloadArtifactDict",
        "MultiuserWindowsPayloadDict",
    } <= set(generic_worker.__all__)
    # d2g: the union holds docker-worker's own class, not a copy of the same name
    assert "DockerWorkerPayload" not in generic_worker.__all__
    assert not hasattr(insecure_posix, "DockerWorkerPayload")
    docker = docker_worker.DockerWorkerPayload(image="ubuntu", maxRunTime=60, command=["true"])
    assert generic_worker.InsecurePosix(docker).root is docker
    assert generic_worker.MultiuserPosix(docker).root is docker
    parsed = generic_worker.InsecurePosix.model_validate({"image": "ubuntu", "maxRunTime": 1})
    assert type(parsed.root) is docker_worker.DockerWorkerPayload
    payload = generic_worker.InsecurePosixPayload(
        command=[["echo", "hi"]],
        maxRunTime=60,
        artifacts=[generic_worker.InsecurePosixPayloadArtifact(path="out", type="file")],
    )
    assert generic_worker.InsecurePosix(payload).root is payload


def _nested_models(model: type[Any], seen: set[type[Any]]) -> set[type[Any]]:
    import typing

    from pydantic import BaseModel

    def walk(annotation: object) -> None:
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            if annotation not in seen and annotation.__module__ == model.__module__:
                seen.add(annotation)
                _nested_models(annotation, seen)
            return
        for argument in typing.get_args(annotation):
            walk(argument)

    model.model_rebuild()
    for field in model.model_fields.values():
        walk(field.annotation)
    return seen


@pytest.mark.parametrize(
    ("service", "member"),
    [
        ("docker_worker", "DockerWorkerPayload"),
        ("generic_worker", "InsecurePosixPayload"),
        ("generic_worker", "MultiuserPosixPayload"),
        ("generic_worker", "MultiuserWindowsPayload"),
        ("worker_manager", "AwsProviderConfig"),
        ("worker_manager", "AzureProviderConfig"),
        ("worker_manager", "GoogleProviderConfig"),
        ("worker_manager", "StaticProviderConfig"),
    ],
)
def test_every_class_inside_a_payload_or_config_is_exported(service: str, member: str) -> None:
    """Users build mounts, images, capabilities... by hand: from the package, with a Dict."""
    package = importlib.import_module(f"taskcluster_sdk.models.{service}")
    inner = _nested_models(getattr(package, member), set())
    missing = sorted(
        cls.__name__
        for cls in inner
        if cls.__name__ not in package.__all__ or getattr(package, cls.__name__) is not cls
    )
    assert not missing, missing
    names = {cls.__name__ for cls in inner}
    assert all(name.startswith(member) for name in names), names
    if service in ("docker_worker", "generic_worker"):
        assert inner  # mounts, artifacts, images...
        assert {f"{name}Dict" for name in names} <= set(package.__all__)
