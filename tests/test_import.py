"""`python -m codegen import`: bundle, 2014 directory and root URL sources, and validation."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from codegen.__main__ import main
from codegen.errors import GeneratorError
from codegen.importer import import_sources, render
from codegen.load import load_current
from tests._import_helpers import (
    PROJECT,
    bundle_content,
    bundle_entries,
    bundle_path,
    copy_legacy_dir,
    legacy_dir,
    read_apis_js,
    serve_deployment,
    snapshot,
    write_apis_js,
    write_bundle,
)

QUEUE_API = "references/queue/v1/api.json"
QUEUE_EXCHANGES = "references/queue/v1/exchanges.json"


@pytest.fixture
def imported_root(tmp_path: Path) -> Path:
    """A project root after a full import of both upstream sources."""
    root = tmp_path / "project"
    import_sources([str(bundle_path()), str(legacy_dir())], root)
    return root


def _entry_index(reference: dict[str, Any], name: str) -> int:
    return next(i for i, entry in enumerate(reference["entries"]) if entry["name"] == name)


# --------------------------------------------------------------------------
# successful imports


def test_bundle_import_writes_every_file_with_stable_bytes(tmp_path: Path) -> None:
    entries = bundle_entries()
    written = import_sources([str(bundle_path())], tmp_path)

    assert written == len(entries)
    for entry in entries:
        expected = json.dumps(entry["content"], indent=2, sort_keys=True, ensure_ascii=False) + "\n"
        assert (tmp_path / entry["filename"]).read_text() == expected
    first = snapshot(tmp_path)
    import_sources([str(bundle_path())], tmp_path)
    assert snapshot(tmp_path) == first


def test_importing_the_derived_inputs_reproduces_the_checked_in_trees(imported_root: Path) -> None:
    """The test inputs are derived from references/ and schemas/ losslessly (see _import_helpers)."""
    for tree in ("references", "schemas"):
        assert snapshot(imported_root / tree) == snapshot(PROJECT / tree), tree


def test_legacy_import_writes_one_reference_per_apis_js_entry(imported_root: Path) -> None:
    apis = read_apis_js(legacy_dir())
    legacy = imported_root / "references" / "legacy-2014"

    assert sorted(file.stem for file in legacy.iterdir()) == sorted(apis)
    queue = json.loads((legacy / "Queue.json").read_text())
    assert queue == {"name": "Queue", **apis["Queue"]}
    for schema in (legacy_dir() / "schemas").rglob("*.json"):
        relative = schema.relative_to(legacy_dir() / "schemas")
        copied = imported_root / "schemas" / "legacy-2014" / relative
        assert json.loads(copied.read_text()) == json.loads(schema.read_text())


def test_current_import_replaces_current_files_and_keeps_legacy(imported_root: Path) -> None:
    stale = imported_root / "references" / "retired" / "v1" / "api.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    legacy_before = snapshot(imported_root / "references" / "legacy-2014")

    import_sources([str(bundle_path())], imported_root)

    assert not stale.exists()
    assert not stale.parent.parent.exists()
    assert snapshot(imported_root / "references" / "legacy-2014") == legacy_before


def test_legacy_import_replaces_only_legacy_files(imported_root: Path, tmp_path: Path) -> None:
    stale = imported_root / "schemas" / "legacy-2014" / "retired" / "v1" / "gone.json"
    stale.parent.mkdir(parents=True)
    stale.write_text("{}")
    current_before = snapshot(imported_root / "schemas" / "queue")

    written = import_sources([str(legacy_dir())], imported_root)

    assert written == len(read_apis_js(legacy_dir())) + len(
        list((legacy_dir() / "schemas").rglob("*.json"))
    )
    assert not stale.exists()
    assert snapshot(imported_root / "schemas" / "queue") == current_before
    assert not list(imported_root.glob(".import-*"))


def test_command_line_import(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", str(legacy_dir()), "--root", str(tmp_path)]) == 0
    assert "imported" in capsys.readouterr().out
    assert (tmp_path / "references" / "legacy-2014" / "Scheduler.json").is_file()

    assert main(["import", str(tmp_path / "missing.json"), "--root", str(tmp_path)]) == 1
    assert "missing.json" in capsys.readouterr().err


def test_command_line_import_without_sources_says_what_to_pass(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = snapshot(tmp_path)
    assert main(["import", "--root", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert "root URL" in line and "references.json bundle" in line and "2014 directory" in line
    assert snapshot(tmp_path) == before


def test_root_url_import_reads_the_deployments_bundle(tmp_path: Path) -> None:
    """A v106 deployment serves its whole bundle at references/references.json."""
    from_bundle = tmp_path / "bundle"
    import_sources([str(bundle_path())], from_bundle)
    from_url = tmp_path / "url"

    with serve_deployment(bundle_entries()) as root_url:
        notes: list[str] = []
        written = import_sources([root_url + "/"], from_url, notes)

    assert snapshot(from_url) == snapshot(from_bundle)
    assert written == len(bundle_entries())
    assert notes == []
    # Not named by any reference, and still there: worker payload models need it.
    assert (from_url / "schemas/generic-worker/multiuser_posix.json").is_file()


def test_root_url_import_crawls_a_deployment_without_a_bundle(tmp_path: Path) -> None:
    """The manifest and every document carry the deployment's absolute URLs, as served."""
    entries = bundle_entries()
    from_bundle = tmp_path / "bundle"
    import_sources([str(bundle_path())], from_bundle)
    from_url = tmp_path / "url"

    with serve_deployment(entries, with_bundle=False) as root_url:
        notes: list[str] = []
        written = import_sources([root_url + "/"], from_url, notes)

    files = snapshot(from_url)
    assert written == len(files)
    # Back in the abstract form: byte for byte what the bundle import wrote.
    for path, content in files.items():
        assert content == (from_bundle / path).read_bytes(), path
    manifest = bundle_content(entries, "references/manifest.json")
    for reference in manifest["references"]:
        assert reference.lstrip("/") in files
    # Reached through a reference, through a $ref, and as meta-schemas.
    for schema in (
        "schemas/queue/v1/create-task-request.json",
        "schemas/queue/v1/task.json",
        "schemas/common/api-reference-v0.json",
        "schemas/common/exchanges-reference-v0.json",
        "schemas/common/metadata-metaschema.json",
    ):
        assert schema in files
    # Not named by any reference: a crawl cannot find it, and says so.
    assert "schemas/generic-worker/multiuser_posix.json" not in files
    [note] = notes
    assert "serves no references/references.json" in note and "worker payload" in note
    platform = load_current(from_url)
    assert sum(len(service.methods) for service in platform.services) == 194


def test_root_url_import_reports_missing_documents(tmp_path: Path) -> None:
    entries = [e for e in bundle_entries() if e["filename"] != "schemas/queue/v1/task.json"]
    with (
        serve_deployment(entries, with_bundle=False) as root_url,
        pytest.raises(GeneratorError) as raised,
    ):
        import_sources([root_url], tmp_path)
    assert f"{root_url}/schemas/queue/v1/task.json" in str(raised.value)
    assert "HTTP 404" in str(raised.value)
    assert snapshot(tmp_path) == {}


def test_root_url_import_validates_the_deployments_bundle(tmp_path: Path) -> None:
    entries = bundle_entries()
    del bundle_content(entries, QUEUE_API)["entries"][3]["stability"]
    with serve_deployment(entries) as root_url, pytest.raises(GeneratorError) as raised:
        import_sources([root_url], tmp_path)
    assert str(raised.value).startswith(f"{root_url}/references/references.json[{QUEUE_API}]")
    assert snapshot(tmp_path) == {}


# --------------------------------------------------------------------------
# bad input: every error names the file and JSON path, and nothing is written

Breaker = Callable[[list[dict[str, Any]]], None]


def _break_bundle(imported_root: Path, tmp_path: Path, breaker: Breaker) -> str:
    entries = bundle_entries()
    breaker(entries)
    bundle = write_bundle(tmp_path, entries)
    before = snapshot(imported_root)
    with pytest.raises(GeneratorError) as raised:
        import_sources([str(bundle), str(legacy_dir())], imported_root)
    assert snapshot(imported_root) == before
    message = str(raised.value)
    assert message.startswith(str(bundle))
    return message


def _drop_stability(entries: list[dict[str, Any]]) -> None:
    del bundle_content(entries, QUEUE_API)["entries"][3]["stability"]


def _bad_method(entries: list[dict[str, Any]]) -> None:
    bundle_content(entries, QUEUE_API)["entries"][5]["method"] = "fetch"


def _unknown_key(entries: list[dict[str, Any]]) -> None:
    bundle_content(entries, QUEUE_EXCHANGES)["entries"][2]["routingKey"][1]["colour"] = "red"


@pytest.mark.parametrize(
    ("breaker", "where", "what"),
    [
        (_drop_stability, r"at \$\.entries\[3\]: ", "'stability' is a required property"),
        (_bad_method, r"at \$\.entries\[5\]\.method: ", "'fetch' is not one of"),
        (_unknown_key, r"at \$\.entries\[2\]\.routingKey\[1\]: ", "'colour' was unexpected"),
    ],
)
def test_reference_must_match_its_meta_schema(
    imported_root: Path, tmp_path: Path, breaker: Breaker, where: str, what: str
) -> None:
    message = _break_bundle(imported_root, tmp_path, breaker)
    assert re.search(where, message), message
    assert "meta-schema" in message and what in message


def test_route_arguments_must_be_the_args(imported_root: Path, tmp_path: Path) -> None:
    def missing_arg(entries: list[dict[str, Any]]) -> None:
        api = bundle_content(entries, QUEUE_API)
        api["entries"][_entry_index(api, "createTask")]["route"] = "/task/<taskId>/<extra>"

    message = _break_bundle(imported_root, tmp_path, missing_arg)
    index = _entry_index(bundle_content(bundle_entries(), QUEUE_API), "createTask")
    assert f"[{QUEUE_API}] at $.entries[{index}].args: " in message
    assert "'extra'" in message


def test_route_arguments_must_be_in_route_order(imported_root: Path, tmp_path: Path) -> None:
    api = bundle_content(bundle_entries(), QUEUE_API)
    index = _entry_index(api, "claimTask")

    def swapped(entries: list[dict[str, Any]]) -> None:
        bundle_content(entries, QUEUE_API)["entries"][index]["args"] = ["runId", "taskId"]

    message = _break_bundle(imported_root, tmp_path, swapped)
    assert f"at $.entries[{index}].args: " in message
    assert "same order" in message


def test_method_names_must_be_unique(imported_root: Path, tmp_path: Path) -> None:
    def duplicate(entries: list[dict[str, Any]]) -> None:
        bundle_content(entries, QUEUE_API)["entries"][4]["name"] = "createTask"

    message = _break_bundle(imported_root, tmp_path, duplicate)
    first = _entry_index(bundle_content(bundle_entries(), QUEUE_API), "createTask")
    low, high = sorted((first, 4))
    assert f"at $.entries[{high}].name: duplicate method name 'createTask'" in message
    assert f"$.entries[{low}].name" in message


def test_exchange_names_must_be_unique(imported_root: Path, tmp_path: Path) -> None:
    def duplicate(entries: list[dict[str, Any]]) -> None:
        exchanges = bundle_content(entries, QUEUE_EXCHANGES)["entries"]
        exchanges[1]["exchange"] = exchanges[0]["exchange"]

    message = _break_bundle(imported_root, tmp_path, duplicate)
    assert f"[{QUEUE_EXCHANGES}] at $.entries[1].exchange: duplicate exchange" in message


def test_entry_schemas_must_exist(imported_root: Path, tmp_path: Path) -> None:
    def missing(entries: list[dict[str, Any]]) -> None:
        bundle_content(entries, QUEUE_EXCHANGES)["entries"][2]["schema"] = "v1/nowhere.json#"

    message = _break_bundle(imported_root, tmp_path, missing)
    assert f"[{QUEUE_EXCHANGES}] at $.entries[2].schema: " in message
    assert "/schemas/queue/v1/nowhere.json#" in message


def test_schema_refs_must_resolve(imported_root: Path, tmp_path: Path) -> None:
    schema = "schemas/queue/v1/task-status-response.json"

    def dangling(entries: list[dict[str, Any]]) -> None:
        bundle_content(entries, schema)["properties"]["status"]["$ref"] = "task-statuz.json#"

    message = _break_bundle(imported_root, tmp_path, dangling)
    assert f"[{schema}] at $.properties.status.$ref: " in message
    assert "'task-statuz.json#' does not resolve" in message


def test_schema_ref_pointers_must_resolve(imported_root: Path, tmp_path: Path) -> None:
    schema = "schemas/queue/v1/task-status-response.json"

    def dangling(entries: list[dict[str, Any]]) -> None:
        bundle_content(entries, schema)["properties"]["status"]["$ref"] = "task-status.json#/nope"

    message = _break_bundle(imported_root, tmp_path, dangling)
    assert f"[{schema}] at $.properties.status.$ref: " in message


def test_schema_id_must_match_its_place(imported_root: Path, tmp_path: Path) -> None:
    schema = "schemas/queue/v1/task.json"

    def moved(entries: list[dict[str, Any]]) -> None:
        bundle_content(entries, schema)["$id"] = "/schemas/queue/v1/other.json#"

    message = _break_bundle(imported_root, tmp_path, moved)
    assert f"[{schema}] at $.$id: " in message


def test_bundle_filenames_must_stay_inside_the_trees(imported_root: Path, tmp_path: Path) -> None:
    def escaping(entries: list[dict[str, Any]]) -> None:
        entries[7]["filename"] = "references/../../etc/evil.json"

    message = _break_bundle(imported_root, tmp_path, escaping)
    assert "at $[7].filename: unexpected filename" in message


def test_bundle_must_be_valid_json(imported_root: Path, tmp_path: Path) -> None:
    bundle = tmp_path / "references.json"
    bundle.write_text('[{"filename": "references/x.json", "content": {]')
    before = snapshot(imported_root)
    with pytest.raises(GeneratorError) as raised:
        import_sources([str(bundle)], imported_root)
    assert str(raised.value).startswith(f"{bundle}: invalid JSON")
    assert snapshot(imported_root) == before


def test_apis_js_must_be_strict_json(imported_root: Path, tmp_path: Path) -> None:
    legacy = copy_legacy_dir(tmp_path)
    (legacy / "apis.js").write_text("module.exports = { Auth: {} };\n")
    before = snapshot(imported_root)
    with pytest.raises(GeneratorError) as raised:
        import_sources([str(legacy)], imported_root)
    assert str(raised.value).startswith(f"{legacy / 'apis.js'}: ")
    assert "not strict JSON" in str(raised.value)
    assert snapshot(imported_root) == before


def test_two_sources_of_one_platform_are_refused(tmp_path: Path) -> None:
    with pytest.raises(GeneratorError, match="more than one current-platform source"):
        import_sources([str(bundle_path()), str(bundle_path())], tmp_path)
    assert snapshot(tmp_path) == {}


# --------------------------------------------------------------------------
# 2014 input


LegacyBreaker = Callable[[dict[str, Any]], None]


def _break_legacy(imported_root: Path, tmp_path: Path, breaker: LegacyBreaker) -> str:
    legacy = copy_legacy_dir(tmp_path)
    apis = read_apis_js(legacy)
    breaker(apis)
    write_apis_js(legacy, apis)
    before = snapshot(imported_root)
    with pytest.raises(GeneratorError) as raised:
        import_sources([str(legacy)], imported_root)
    assert snapshot(imported_root) == before
    return str(raised.value)


def _queue_entry(apis: dict[str, Any], name: str) -> tuple[int, dict[str, Any]]:
    entries = apis["Queue"]["reference"]["entries"]
    index = next(i for i, entry in enumerate(entries) if entry["name"] == name)
    return index, entries[index]


def test_legacy_function_needs_a_route(imported_root: Path, tmp_path: Path) -> None:
    index = _queue_entry(read_apis_js(legacy_dir()), "getTask")[0]
    message = _break_legacy(
        imported_root, tmp_path, lambda apis: _queue_entry(apis, "getTask")[1].pop("route")
    )
    assert (
        f"apis.js[Queue] at $.reference.entries[{index}]: missing required key 'route'" in message
    )


def test_legacy_function_args_must_be_strings(imported_root: Path, tmp_path: Path) -> None:
    index = _queue_entry(read_apis_js(legacy_dir()), "getTask")[0]

    def numeric(apis: dict[str, Any]) -> None:
        _queue_entry(apis, "getTask")[1]["args"] = [7]

    message = _break_legacy(imported_root, tmp_path, numeric)
    assert f"at $.reference.entries[{index}].args[0]: must be a string" in message


def test_legacy_scopes_must_be_lists_of_lists(imported_root: Path, tmp_path: Path) -> None:
    index = _queue_entry(read_apis_js(legacy_dir()), "createTask")[0]

    def flat(apis: dict[str, Any]) -> None:
        _queue_entry(apis, "createTask")[1]["scopes"] = ["queue:create-task"]

    message = _break_legacy(imported_root, tmp_path, flat)
    assert f"at $.reference.entries[{index}].scopes[0]: " in message


def test_legacy_route_arguments_must_be_the_args(imported_root: Path, tmp_path: Path) -> None:
    index = _queue_entry(read_apis_js(legacy_dir()), "getTask")[0]

    def extra(apis: dict[str, Any]) -> None:
        _queue_entry(apis, "getTask")[1]["args"].append("runId")

    message = _break_legacy(imported_root, tmp_path, extra)
    assert f"apis.js[Queue] at $.entries[{index}].args: " in message


def test_legacy_exchange_needs_a_routing_key(imported_root: Path, tmp_path: Path) -> None:
    def no_key(apis: dict[str, Any]) -> None:
        del apis["QueueEvents"]["reference"]["entries"][2]["routingKey"]

    message = _break_legacy(imported_root, tmp_path, no_key)
    assert "apis.js[QueueEvents] at $.reference.entries[2]: missing required key 'routingKey'" in (
        message
    )


def test_legacy_routing_key_fields_are_typed(imported_root: Path, tmp_path: Path) -> None:
    def bad_size(apis: dict[str, Any]) -> None:
        apis["SchedulerEvents"]["reference"]["entries"][0]["routingKey"][3]["maxSize"] = "22"

    message = _break_legacy(imported_root, tmp_path, bad_size)
    assert "at $.reference.entries[0].routingKey[3].maxSize: 'maxSize' must be a integer" in (
        message
    )


def test_legacy_entry_type_must_fit_the_reference(imported_root: Path, tmp_path: Path) -> None:
    def wrong(apis: dict[str, Any]) -> None:
        apis["Auth"]["reference"]["entries"][1]["type"] = "topic-exchange"

    message = _break_legacy(imported_root, tmp_path, wrong)
    assert "apis.js[Auth] at $.reference.entries[1].type: " in message


def test_legacy_duplicate_method_names(imported_root: Path, tmp_path: Path) -> None:
    def duplicate(apis: dict[str, Any]) -> None:
        entries = apis["Scheduler"]["reference"]["entries"]
        entries[2]["name"] = entries[0]["name"]

    message = _break_legacy(imported_root, tmp_path, duplicate)
    assert "apis.js[Scheduler] at $.entries[2].name: duplicate method name" in message


def test_legacy_schemas_must_exist(imported_root: Path, tmp_path: Path) -> None:
    def missing(apis: dict[str, Any]) -> None:
        apis["Auth"]["reference"]["entries"][0]["output"] = (
            "http://schemas.taskcluster.net/auth/v1/nothing.json#"
        )

    message = _break_legacy(imported_root, tmp_path, missing)
    assert "apis.js[Auth] at $.reference.entries[0].output: " in message
    assert "schemas/auth/v1/nothing.json" in message


def test_legacy_schema_refs_must_resolve(imported_root: Path, tmp_path: Path) -> None:
    legacy = copy_legacy_dir(tmp_path)
    schema = legacy / "schemas" / "scheduler" / "v1" / "task-graph.json"
    schema.write_text(
        schema.read_text().replace("queue/v1/create-task-request.json", "queue/v1/gone.json")
    )
    before = snapshot(imported_root)
    with pytest.raises(GeneratorError) as raised:
        import_sources([str(legacy)], imported_root)
    message = str(raised.value)
    assert message.startswith(f"{schema} at $.properties.tasks.items.properties.task.$ref: ")
    assert snapshot(imported_root) == before


def test_legacy_schema_files_must_be_json(imported_root: Path, tmp_path: Path) -> None:
    legacy = copy_legacy_dir(tmp_path)
    schema = legacy / "schemas" / "queue" / "v1" / "task.json"
    schema.write_text(schema.read_text()[:-20])
    before = snapshot(imported_root)
    with pytest.raises(GeneratorError) as raised:
        import_sources([str(legacy)], imported_root)
    assert str(raised.value).startswith(f"{schema}: invalid JSON")
    assert snapshot(imported_root) == before


def test_legacy_schema_id_must_match_its_place(imported_root: Path, tmp_path: Path) -> None:
    legacy = copy_legacy_dir(tmp_path)
    source = legacy / "schemas" / "queue" / "v1" / "task.json"
    source.rename(source.with_name("task-copy.json"))
    with pytest.raises(GeneratorError) as raised:
        import_sources([str(legacy)], imported_root)
    assert str(raised.value).startswith(f"{source.with_name('task-copy.json')} at $.id: ")


def test_render_is_stable_and_keeps_unicode() -> None:
    assert render({"b": "é", "a": [1]}) == '{\n  "a": [\n    1\n  ],\n  "b": "é"\n}\n'.encode()
