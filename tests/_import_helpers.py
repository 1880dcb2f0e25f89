"""Shared fixtures of the import and load tests: upstream data, copies, snapshots, a server."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Generator
from contextlib import contextmanager
from functools import cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
UPSTREAM = PROJECT.parent / "shared" / "upstream"
BUNDLE = UPSTREAM / "taskcluster-v106" / "references.json"
LEGACY_DIR = UPSTREAM / "legacy-2014"


@cache
def _bundle_text() -> str:
    return BUNDLE.read_text()


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
    target = directory / "legacy-2014"
    shutil.copytree(LEGACY_DIR, target)
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


@contextmanager
def serve_bundle(entries: list[dict[str, Any]]) -> Generator[str]:
    """A loopback deployment serving the bundle's files; yields its root URL."""
    files = {"/" + entry["filename"]: json.dumps(entry["content"]).encode() for entry in entries}
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
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
