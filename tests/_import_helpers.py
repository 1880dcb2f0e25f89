"""Shared fixtures of the import and load tests: upstream inputs, copies, snapshots, a server.

The upstream inputs (the v106 `references.json` bundle and the 2014 directory,
`apis.js` + `schemas/`) are derived from the checked-in `references/` and
`schemas/`, so the tests need nothing outside the clone. The derivation is
lossless: the checked-in files are the importer's own rendering of upstream
(sorted keys, 2-space indent), and `test_import` proves that importing the
derived inputs gives back the checked-in trees byte for byte. Checked once
against the raw upstream files when this was written (2026-12-02): every
derived bundle entry, `apis.js` entry and 2014 schema equals its upstream
counterpart as JSON; only key order and bundle entry order differ.
"""

from __future__ import annotations

import atexit
import json
import shutil
import tempfile
import threading
from collections.abc import Generator
from contextlib import contextmanager
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
LEGACY = "legacy-2014"


def _checked_in_files(tree: str) -> list[Path]:
    root = PROJECT / tree
    return sorted(
        file for file in root.rglob("*.json") if file.relative_to(root).parts[0] != LEGACY
    )


@cache
def _bundle_text() -> str:
    entries = [
        {"filename": file.relative_to(PROJECT).as_posix(), "content": json.loads(file.read_text())}
        for tree in ("references", "schemas")
        for file in _checked_in_files(tree)
    ]
    return json.dumps(entries, ensure_ascii=False)


@cache
def _derived_dir() -> Path:
    directory = Path(tempfile.mkdtemp(prefix="tc-sdk-upstream-"))
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    return directory


@cache
def bundle_path() -> Path:
    """A `references.json` bundle of the current platform, as Taskcluster publishes it."""
    path = _derived_dir() / "references.json"
    path.write_text(_bundle_text())
    return path


@cache
def legacy_dir() -> Path:
    """A 2014 directory (`apis.js` + `schemas/`) as the 2014 client shipped it."""
    target = _derived_dir() / LEGACY
    apis: dict[str, Any] = {}
    for file in sorted((PROJECT / "references" / LEGACY).glob("*.json")):
        reference = json.loads(file.read_text())
        # The importer adds `name` (the apis.js key) to each entry's document.
        assert reference.pop("name") == file.stem, file
        apis[file.stem] = reference
    target.mkdir()
    write_apis_js(target, apis)
    shutil.copytree(PROJECT / "schemas" / LEGACY, target / "schemas")
    return target


def bundle_entries() -> list[dict[str, Any]]:
    """A fresh (mutable) copy of the v106 bundle's entries."""
    return json.loads(_bundle_text())


def bundle_content(entries: list[dict[str, Any]], filename: str) -> Any:
    """The content of one bundle entry, to break in place."""
    return next(entry["content"] for entry in entries if entry["filename"] == filename)


def write_bundle(directory: Path, entries: list[dict[str, Any]]) -> Path:
    path = directory / "references.json"
    path.write_text(json.dumps(entries))
    return path


def copy_legacy_dir(directory: Path) -> Path:
    """A writable copy of the 2014 upstream directory (apis.js + schemas/)."""
    target = directory / LEGACY
    shutil.copytree(legacy_dir(), target)
    for file in target.rglob("*"):
        file.chmod(0o755 if file.is_dir() else 0o644)
    target.chmod(0o755)
    return target


def read_apis_js(directory: Path) -> dict[str, Any]:
    text = (directory / "apis.js").read_text().strip()
    return json.loads(text.removeprefix("module.exports =").removesuffix(";"))


def write_apis_js(directory: Path, apis: dict[str, Any]) -> None:
    (directory / "apis.js").write_text(f"module.exports = {json.dumps(apis, indent=2)};\n")


def copy_checked_in(directory: Path) -> Path:
    """A project root holding a copy of the checked-in references/ and schemas/."""
    for tree in ("references", "schemas"):
        shutil.copytree(PROJECT / tree, directory / tree)
    return directory


def snapshot(root: Path) -> dict[str, bytes]:
    """Every file under `root` with its bytes (to assert a failed import changed nothing)."""
    return {
        file.relative_to(root).as_posix(): file.read_bytes()
        for file in sorted(root.rglob("*"))
        if file.is_file()
    }


def deployment_files(entries: list[dict[str, Any]], root_url: str) -> dict[str, bytes]:
    """What a Taskcluster deployment at `root_url` serves for the bundle `entries`.

    As Taskcluster's `infrastructure/references/relativize.js` (v106) builds
    it: every file at `/<filename>`, made absolute the way lib-references'
    `asAbsolute` does (`$schema` of every document and `$id` of schemas get the
    root URL; `$ref`s stay as written), a manifest listing absolute reference
    URLs, and the unchanged bundle at `/references/references.json`.
    """

    def absolute(value: Any) -> Any:
        return root_url + value if isinstance(value, str) and value.startswith("/") else value

    files: dict[str, bytes] = {}
    for entry in entries:
        filename, content = entry["filename"], dict(entry["content"])
        if filename == "references/manifest.json":
            content["references"] = [absolute(item) for item in content["references"]]
        content["$schema"] = absolute(content.get("$schema"))
        if filename.startswith("schemas/") and "$id" in content:
            content["$id"] = absolute(content["$id"])
        files["/" + filename] = json.dumps(content, indent=2).encode()
    files["/references/references.json"] = json.dumps(entries, indent=2).encode()
    return files


@contextmanager
def serve_deployment(entries: list[dict[str, Any]], *, with_bundle: bool = True) -> Generator[str]:
    """A loopback deployment serving the bundle's files; yields its root URL.

    `with_bundle=False` leaves out `/references/references.json`, so an import
    has to crawl the manifest.
    """
    files: dict[str, bytes] = {}
    requested: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requested.append(self.path)
            body = files.get(self.path)
            if body is None:
                self.send_error(404)
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    class Server(ThreadingHTTPServer):
        # The importer fetches in parallel; the default backlog of 5 drops
        # connections, which then wait a second for the SYN retry.
        request_queue_size = 64

    server = Server(("127.0.0.1", 0), Handler)
    root_url = f"http://127.0.0.1:{server.server_address[1]}"
    files.update(deployment_files(entries, root_url))
    if not with_bundle:
        del files["/references/references.json"]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield root_url
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
