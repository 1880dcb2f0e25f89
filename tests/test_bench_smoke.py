"""Smoke test of the benchmark harness (`python -m benchmarks --quick`).

Benchmarks are not tests: nothing here looks at how fast anything is. It
checks that the harness still runs end to end with tiny sizes, that its
pieces (loopback server, floor Hawk signer, fixtures) are right, and that
every side that can run here did run: the floor always, the official client
when it is installed, and this project as soon as its clients exist.
"""

from __future__ import annotations

import gzip
import hashlib
import http.client
import importlib
import importlib.util
import json
import os
import re
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import jsonschema
import pytest
from referencing import Registry
from referencing.jsonschema import DRAFT7

from benchmarks import fig_cold
from benchmarks.fixtures import (
    ACCESS_TOKEN,
    CLIENT_ID,
    TASK_ID,
    pager_task_group,
    pages_of,
    routing_key,
    slug,
    task_completed_message,
    task_definition,
    task_group_page,
)
from benchmarks.hawk import hawk_header
from benchmarks.loopback import LoopbackServer
from benchmarks.processes import child_env
from benchmarks.storage import StorageServer

# mohawk ships no type information.
mohawk: Any = importlib.import_module("mohawk")

ROOT = Path(__file__).resolve().parent.parent
IMPORT_FIGURES = (
    "import",
    "import-services-time",
    "import-services-rss",
    "import-services-models-time",
    "import-services-models-rss",
)
# The checked-in upstream schemas (the generator reads the same files).
SCHEMAS = ROOT / "schemas"


def _importable(module: str, name: str | None = None) -> bool:
    try:
        loaded = importlib.import_module(module)
    except ModuleNotFoundError:
        return False
    return name is None or hasattr(loaded, name)


def _run_harness(tmp_path: Path, *figures: str) -> dict[str, Any]:
    output = tmp_path / "results.json"
    args = [sys.executable, "-m", "benchmarks", "--quick", "--output", str(output)]
    for figure in figures:
        args += ["--figure", figure]
    # The harness must see the same packages as this test process, which
    # decides below which sides should have run.
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(path for path in sys.path if path)
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    assert "this project" in done.stdout and "official client" in done.stdout
    assert "ours/official" in done.stdout and "ours/floor" in done.stdout
    return json.loads(output.read_text())


def _figure(results: dict[str, Any], key: str) -> dict[str, Any]:
    found = [figure for figure in results["figures"] if figure["key"] == key]
    assert len(found) == 1, [figure["key"] for figure in results["figures"]]
    return found[0]


def _assert_side(figure: dict[str, Any], side: str, should_run: bool) -> None:
    outcome = figure["sides"][side]
    if should_run:
        assert outcome["status"] == "ok", f"{figure['key']}/{side}: {outcome}"
    else:
        assert outcome["status"] == "unavailable", f"{figure['key']}/{side}: {outcome}"
        assert outcome["reason"]


def _assert_well_formed(results: dict[str, Any], rounds: dict[str, int]) -> None:
    assert results["schema"] == "taskcluster-sdk-bench/1"
    assert isinstance(results["machine"]["cores"], int)
    assert results["machine"]["python"].count(".") == 2
    assert results["date"].endswith("+00:00")
    assert results["config"]["quick"] is True
    for figure in results["figures"]:
        assert set(figure["ratios"]) == {"official", "floor"}
        assert set(figure["cpu_ratios"]) == {"official", "floor"}
        for side, outcome in figure["sides"].items():
            assert side in {"ours", "official", "floor"}
            assert outcome["status"] in {"ok", "unavailable", "failed"}
            if outcome["status"] == "ok":
                assert outcome["min"] <= outcome["median"] <= outcome["max"]
                assert len(outcome["rounds"]) == rounds[figure["key"]]
                assert all(value > 0 for value in outcome["rounds"])
                cpu = outcome.get("cpu_us_per_op")
                if figure["unit"] in ("calls/s", "msg/s", "pages/s", "MB/s"):
                    assert cpu is not None, f"{figure['key']}/{side} has no CPU time"
                if cpu is not None:
                    assert cpu["min"] <= cpu["median"] <= cpu["max"]
                    assert len(cpu["rounds"]) == len(outcome["rounds"])
        for target in figure["targets"]:
            assert target["verdict"] in {"PASS", "MISS", "n/a"}


HTTP_FIGURES = ("cold", "sync", "async", "page", "import")
COLD_FIGURES = tuple(
    f"cold-{kind}{suffix}" for kind in ("sync", "async") for suffix in ("", "-cpu", "-dependencies")
)
PAGE_FIGURES = ("page-parse", "page-parse-pydantic", "page-call")
PAGER_FIGURES = tuple(
    f"pager-{kind}-{size}" for kind in ("rss", "traced") for size in ("small", "large", "growth")
)
ARTIFACT_FIGURES = tuple(
    f"artifact-{op}{suffix}" for op in ("upload", "download") for suffix in ("", "-bare", "-rss")
)


@pytest.fixture(scope="module")
def http_and_import_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _run_harness(tmp_path_factory.mktemp("bench"), *HTTP_FIGURES)


@pytest.fixture(scope="module")
def artifact_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    return _run_harness(tmp_path_factory.mktemp("bench"), "artifacts")


def test_harness_writes_well_formed_results(http_and_import_results: dict[str, Any]) -> None:
    results = http_and_import_results
    config = results["config"]
    rounds = {
        **{key: config["cold_runs"] for key in COLD_FIGURES},
        "sync": config["rounds"],
        "async": config["rounds"],
        "async-httpx-floor": config["rounds"],
        **{key: config["rounds"] for key in (*PAGE_FIGURES, *PAGER_FIGURES)},
        **{key: config["import_runs"] for key in IMPORT_FIGURES},
    }
    _assert_well_formed(results, rounds)
    assert [figure["key"] for figure in results["figures"]] == list(rounds)


@pytest.mark.parametrize(
    "key", ["sync", "async", "async-httpx-floor", *IMPORT_FIGURES, *COLD_FIGURES, "page-call"]
)
def test_every_side_that_can_run_did(http_and_import_results: dict[str, Any], key: str) -> None:
    figure = _figure(http_and_import_results, key)
    our_class = "AsyncQueue" if "async" in key else "Queue"
    # The httpx floor's transport (httpx-aiohttp) is installed by the bench group only.
    floor_runs = key != "async-httpx-floor" or _importable("httpx_aiohttp")
    _assert_side(figure, "floor", should_run=floor_runs)
    if key == "async-httpx-floor":
        assert "official" not in figure["sides"]
    else:
        _assert_side(figure, "official", should_run=_importable("taskcluster"))
    _assert_side(figure, "ours", should_run=_importable("taskcluster_sdk", our_class))


@pytest.mark.parametrize("key", ["page-parse", "page-parse-pydantic", *PAGER_FIGURES])
def test_page_and_pager_figures_compare_ours_with_the_official_client(
    http_and_import_results: dict[str, Any], key: str
) -> None:
    figure = _figure(http_and_import_results, key)
    assert set(figure["sides"]) == {"ours", "official"}
    _assert_side(figure, "official", should_run=_importable("taskcluster"))
    _assert_side(figure, "ours", should_run=_importable("taskcluster_sdk", "Queue"))


def test_pager_figures_iterate_the_configured_sizes(
    http_and_import_results: dict[str, Any],
) -> None:
    config = http_and_import_results["config"]
    small, large = config["pager_tasks"]
    assert large == 10 * small and small % config["page_tasks"] == 0
    assert f"{small:,} tasks" in _figure(http_and_import_results, "pager-rss-small")["title"]
    assert f"{large:,} tasks" in _figure(http_and_import_results, "pager-rss-large")["title"]


def test_ratios_exist_exactly_when_both_sides_ran(http_and_import_results: dict[str, Any]) -> None:
    for key in ("sync", "async", "async-httpx-floor", *COLD_FIGURES, *PAGE_FIGURES):
        figure = _figure(http_and_import_results, key)
        sides = figure["sides"]
        for other in ("official", "floor"):
            both = sides["ours"]["status"] == "ok" and sides.get(other, {}).get("status") == "ok"
            assert (figure["ratios"][other] is not None) == both


def test_artifact_figures_run_every_side(artifact_results: dict[str, Any]) -> None:
    rounds = artifact_results["config"]["rounds"]
    _assert_well_formed(artifact_results, dict.fromkeys(ARTIFACT_FIGURES, rounds))
    assert [figure["key"] for figure in artifact_results["figures"]] == list(ARTIFACT_FIGURES)
    ours_runs = _importable("taskcluster_sdk.artifacts", "upload_artifact")
    for key in ARTIFACT_FIGURES:
        figure = _figure(artifact_results, key)
        _assert_side(figure, "floor", should_run=True)
        _assert_side(figure, "ours", should_run=ours_runs)
        if key.endswith("-bare"):
            assert "official" not in figure["sides"]
        else:
            _assert_side(figure, "official", should_run=_importable("taskcluster"))


@pytest.mark.rabbitmq
def test_listener_figure_runs_against_rabbitmq(tmp_path: Path) -> None:
    results = _run_harness(tmp_path, "listener")
    _assert_well_formed(results, {"listener": results["config"]["rounds"]})
    figure = _figure(results, "listener")
    _assert_side(figure, "floor", should_run=True)
    _assert_side(figure, "official", should_run=False)
    _assert_side(figure, "ours", should_run=_importable("taskcluster_sdk._pulse"))


def test_generation_figure_runs_when_the_generator_can(tmp_path: Path) -> None:
    results = _run_harness(tmp_path, "generate")
    _assert_well_formed(results, {"generate": results["config"]["generate_rounds"]})
    figure = _figure(results, "generate")
    # The generator formats its output with ruff, which only some environments install.
    can_generate = (
        (ROOT / "references" / "manifest.json").is_file()
        and importlib.util.find_spec("codegen.pipeline") is not None
        and importlib.util.find_spec("ruff") is not None
    )
    _assert_side(figure, "ours", should_run=can_generate)
    assert set(figure["sides"]) == {"ours"}


def _validate(schema_id: str, instance: object) -> None:
    """A validator for one upstream schema, with every other upstream schema resolvable."""
    schemas: dict[str, Any] = {}
    for path in SCHEMAS.rglob("*.json"):
        content = json.loads(path.read_text())
        if isinstance(content, dict) and "$id" in content:
            schemas[str(content["$id"]).rstrip("#")] = content  # pyright: ignore[reportUnknownArgumentType]
    registry = Registry[Any]().with_resources(
        (uri, DRAFT7.create_resource(schema)) for uri, schema in schemas.items()
    )
    validator = jsonschema.Draft7Validator(schemas[schema_id], registry=registry)
    validator.validate(instance)  # pyright: ignore[reportUnknownMemberType]


def test_task_definition_matches_the_upstream_schema() -> None:
    _validate("/schemas/queue/v1/task.json", task_definition())


def test_task_completed_message_matches_the_upstream_schema() -> None:
    _validate("/schemas/queue/v1/task-completed-message.json", task_completed_message(slug(), 0))


def test_routing_key_has_the_queue_layout() -> None:
    task_id = slug()
    fields = routing_key(task_id, 2).split(".")
    assert fields[:3] == ["primary", task_id, "2"]
    assert len(fields) == 10 and fields[-1] == "_"


def _credentials(client_id: str) -> dict[str, str]:
    return {"id": client_id, "key": ACCESS_TOKEN, "algorithm": "sha256"}


def test_floor_hawk_header_is_accepted_by_an_independent_verifier() -> None:
    header = hawk_header(
        CLIENT_ID, ACCESS_TOKEN.encode(), "GET", "/api/queue/v1/task/x", "127.0.0.1", 8080
    )
    receiver = mohawk.Receiver(
        _credentials,
        header,
        "http://127.0.0.1:8080/api/queue/v1/task/x",
        "GET",
        accept_untrusted_content=True,
    )
    assert receiver.resource.credentials["id"] == CLIENT_ID


def test_floor_hawk_header_with_a_wrong_key_is_rejected() -> None:
    header = hawk_header(CLIENT_ID, b"wrong", "GET", "/api/queue/v1/task/x", "127.0.0.1", 8080)
    with pytest.raises(mohawk.exc.MacMismatch):
        mohawk.Receiver(
            _credentials,
            header,
            "http://127.0.0.1:8080/api/queue/v1/task/x",
            "GET",
            accept_untrusted_content=True,
        )


def _exchange(sock: socket.socket, request: bytes, replies: int) -> list[tuple[bytes, bytes]]:
    """Send `request` and read `replies` HTTP responses as (status line, body)."""
    sock.sendall(request)
    buffer = b""
    answers: list[tuple[bytes, bytes]] = []
    while len(answers) < replies:
        chunk = sock.recv(65536)
        assert chunk, "server closed the connection early"
        buffer += chunk
        while True:
            end = buffer.find(b"\r\n\r\n")
            if end < 0:
                break
            head = buffer[:end]
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            if len(buffer) < end + 4 + length:
                break
            answers.append((head.split(b"\r\n")[0], buffer[end + 4 : end + 4 + length]))
            buffer = buffer[end + 4 + length :]
    return answers


def _get(path: str, authorization: str | None = 'Hawk id="x"') -> bytes:
    auth = f"Authorization: {authorization}\r\n" if authorization else ""
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{auth}\r\n".encode()


def test_loopback_server_serves_the_task_over_keep_alive_and_pipelining() -> None:
    with LoopbackServer() as server, socket.create_connection(("127.0.0.1", server.port)) as sock:
        path = f"/api/queue/v1/task/{TASK_ID}"
        first = _exchange(sock, _get(path), 1)
        pipelined = _exchange(sock, _get(path) * 3, 3)
    for status, body in first + pipelined:
        assert status == b"HTTP/1.1 200 OK"
        assert json.loads(body) == task_definition()


def test_loopback_server_refuses_unsigned_requests_and_other_routes() -> None:
    with LoopbackServer() as server, socket.create_connection(("127.0.0.1", server.port)) as sock:
        unsigned = _exchange(sock, _get(f"/api/queue/v1/task/{TASK_ID}", None), 1)
        other = _exchange(sock, _get("/api/queue/v1/status/x"), 1)
    assert unsigned[0][0] == b"HTTP/1.1 401 Unauthorized"
    assert json.loads(unsigned[0][1])["code"] == "AuthenticationFailed"
    assert other[0][0] == b"HTTP/1.1 404 Not Found"


def test_loopback_server_process_is_gone_after_the_block() -> None:
    with LoopbackServer() as server:
        port = server.port
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_child_interpreters_may_cache_bytecode_outside_the_tree(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    env = child_env()
    assert "PYTHONDONTWRITEBYTECODE" not in env
    prefix = Path(env["PYTHONPYCACHEPREFIX"])
    assert prefix.is_dir() and ROOT not in prefix.parents


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rounds", "0"], "--rounds must be at least 1, got 0"),
        (["--output", "/nonexistent-dir/results.json"], "--output directory /nonexistent-dir"),
    ],
)
def test_bad_options_are_refused_before_anything_runs(
    args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from benchmarks.__main__ import main

    assert main(["--quick", *args]) == 2
    assert message in capsys.readouterr().err


def test_unknown_figure_is_refused_with_the_choices(capsys: pytest.CaptureFixture[str]) -> None:
    from benchmarks.__main__ import main

    with pytest.raises(SystemExit):
        main(["--figure", "bogus"])
    assert "invalid choice: 'bogus'" in capsys.readouterr().err


def test_task_group_page_is_a_valid_pretty_printed_page() -> None:
    group = pager_task_group(3)
    body = task_group_page(group, 5, "next")
    page = json.loads(body)
    _validate("/schemas/queue/v1/list-task-group-response.json", page)
    assert body.decode() == json.dumps(page, indent=2)  # the queue's 2-space layout
    assert page["taskGroupId"] == group and page["continuationToken"] == "next"
    assert len({member["status"]["taskId"] for member in page["tasks"]}) == 5
    assert "continuationToken" not in json.loads(task_group_page(group, 5, None))
    assert pages_of(group) == 3 and pages_of(slug()) is None


def _get_page(port: int, path: str, accept_gzip: bool) -> tuple[int, dict[str, str], bytes]:
    headers = {"Authorization": 'Hawk id="x"'}
    if accept_gzip:
        headers["Accept-Encoding"] = "gzip"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        connection.close()


def test_loopback_server_lists_a_task_group_page_by_page() -> None:
    group = pager_task_group(2)
    route = f"/api/queue/v1/task-group/{group}/list"
    with LoopbackServer(page_tasks=3) as server:
        status, headers, body = _get_page(server.port, route, accept_gzip=True)
        first = json.loads(gzip.decompress(body))
        token = first["continuationToken"]
        status2, headers2, body2 = _get_page(
            server.port, f"{route}?continuationToken={token}&limit=3", accept_gzip=False
        )
        unknown, _, _ = _get_page(
            server.port, f"/api/queue/v1/task-group/{slug()}/list", accept_gzip=False
        )
    assert (status, headers["Content-Encoding"]) == (200, "gzip")
    assert len(first["tasks"]) == 3
    assert status2 == 200 and "Content-Encoding" not in headers2
    last = json.loads(body2)
    assert "continuationToken" not in last and last["taskGroupId"] == group
    assert unknown == 404


def _sha256(data: bytes) -> dict[str, str]:
    return {"sha256": hashlib.sha256(data).hexdigest(), "sha512": hashlib.sha512(data).hexdigest()}


def test_storage_server_plays_queue_object_service_and_storage(tmp_path: Path) -> None:
    served = tmp_path / "served.bin"
    served.write_bytes(b"0123456789" * 1000)
    hashes = _sha256(served.read_bytes())
    signed = {"Authorization": 'Hawk id="x"'}
    with StorageServer(served, hashes, warmup_bytes=10) as server, httpx.Client() as client:
        api = f"{server.root_url}/api"
        created = client.post(
            f"{api}/queue/v1/task/{TASK_ID}/runs/0/artifacts/public%2Fa.bin",
            json={"storageType": "object", "expires": "2030-01-01T00:00:00.000Z"},
            headers=signed,
        ).json()
        upload = client.put(
            f"{api}/object/v1/upload/{created['name']}",
            json={
                "projectId": created["projectId"],
                "uploadId": created["uploadId"],
                "expires": created["expires"],
                "proposedUploadMethods": {
                    "putUrl": {"contentType": "application/octet-stream", "contentLength": 4}
                },
            },
            headers=signed,
        ).json()["uploadMethod"]["putUrl"]
        put = client.put(upload["url"], content=b"abcd", headers=upload["headers"])
        finished = client.post(
            f"{api}/object/v1/finish-upload/{created['name']}",
            json={"hashes": _sha256(b"abcd")},
            headers=signed,
        )
        last = server.last_upload()
        unsigned = client.post(f"{api}/queue/v1/task/{TASK_ID}/runs/0/artifacts/x", json={})
        chunked = client.put(upload["url"], content=iter([b"ab", b"cd"]))
        download = client.put(
            f"{api}/object/v1/start-download/{created['name']}", json={}, headers=signed
        ).json()
        whole = client.get(download["url"]).content
        warmup = client.get(f"{server.root_url}/storage/public/warmup/x").content
    assert created["storageType"] == "object" and created["credentials"]["certificate"]
    assert upload["headers"]["Content-Length"] == "4"
    assert put.status_code == 200 and finished.status_code == 200
    assert last == {"bytes": 4, "hashes": _sha256(b"abcd")}
    assert unsigned.status_code == 401
    assert chunked.status_code == 411  # as S3 refuses a PUT without Content-Length
    assert download["method"] == "getUrl" and download["hashes"] == hashes
    assert whole == served.read_bytes() and warmup == served.read_bytes()[:10]


def test_storage_server_process_is_gone_after_the_block(tmp_path: Path) -> None:
    served = tmp_path / "served.bin"
    served.write_bytes(b"x")
    with StorageServer(served, _sha256(b"x"), warmup_bytes=1) as server:
        port = server.port
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()


def test_coldstart_tool_splits_both_scripts_into_phases() -> None:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(path for path in sys.path if path)
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.coldstart", "--runs", "1", "--importtime"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    for phase in (
        "Queue(...)",
        "first queue.task()",
        "AsyncQueue(...)",
        "first await queue.task()",
    ):
        assert phase in done.stdout
    assert done.stdout.count("whole process (median)") == 2
    assert done.stdout.count("-X importtime self time") == 2
    assert re.search(r"ms  taskcluster_sdk\.", done.stdout), "our modules in the import list"


def test_dependency_floor_imports_what_our_scripts_load_and_nothing_of_ours() -> None:
    """The cold figure's "dependencies alone" row runs what this lists: it must be real."""
    with LoopbackServer() as server:
        sync = fig_cold.dependency_modules(fig_cold.OURS_SYNC, sys.executable, server.root_url)
        aio = fig_cold.dependency_modules(fig_cold.OURS_ASYNC, sys.executable, server.root_url)
    for modules in (sync, aio):
        assert "pydantic" in modules and "pydantic_core" in modules
        assert not [name for name in modules if name.startswith("taskcluster")]
    assert "httpx" in sync and "aiohttp" not in sync
    # the async default path runs on aiohttp alone
    assert "aiohttp" in aio and "httpx" not in aio
