"""A loopback queue, object service and storage for the artifact figure.

It answers the calls an `object` artifact upload and download make, with
bodies shaped like the recorded v106 answers
(`tests/fixtures/recorded/taskcluster-v106/http/queue.createArtifact.*`,
`object.createUpload.putUrl`, `object.startDownload.getUrl`, ...):

* queue `createArtifact` (object storage, temporary credentials),
  `finishArtifact` (204), `artifact` / `latestArtifact`, `task`;
* object `createUpload` (always `putUrl`: the figure moves large bodies),
  `finishUpload`, `startDownload` (`getUrl`, with the file's hashes);
* `PUT /storage/<key>?X-Amz-...`: the body is read and dropped (counted,
  not kept or hashed: the server must cost the client nothing), a body
  without `Content-Length` is refused with 411 as S3 does;
  `GET /storage/<key>` sends the `--file` given at start with `sendfile`,
  or only its first `--warmup-bytes` for a key containing `warmup` (each
  side's untimed warm-up transfer).

Signatures are not verified, but API calls without a Hawk header are
refused. `GET /bench/last-upload` tells the harness what the last upload
sent (bytes, and the hashes given to `finishUpload`) so every round is
checked. It runs in its own process, threaded (one thread per connection)
so storage transfers and API calls overlap as they would for real.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import json
import re
import threading
import uuid
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from urllib.request import urlopen

from benchmarks.processes import ServerProcess

CHUNK = 1024 * 1024
PROJECT_ID = "bench"
CONTENT_TYPE = "application/octet-stream"

_QUEUE = re.compile(r"^/api/queue/v1/task/([^/]+)(?:/runs/(\d+))?/artifact(?:s|-content)/(.+)$")
_TASK = re.compile(r"^/api/queue/v1/task/([^/]+)$")
_OBJECT = re.compile(r"^/api/object/v1/(upload|finish-upload|start-download)/(.+)$")


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _in(minutes: int) -> str:
    return _timestamp(datetime.now(timezone.utc) + timedelta(minutes=minutes))


def _credentials(kind: str, name: str) -> dict[str, str]:
    return {
        "clientId": f"artifact-{kind}/{name}",
        "accessToken": "bench-temporary-token-not-a-secret",
        "certificate": json.dumps(
            {
                "version": 1,
                "scopes": [f"object:{kind}:{PROJECT_ID}:{name}"],
                "start": 0,
                "expiry": 4102444800000,
                "seed": "bench-seed-bench-seed-bench-seed-bench-seed0",
                "signature": "bench",
                "issuer": "static/taskcluster/queue",
            },
            separators=(",", ":"),
        ),
    }


WARMUP = "warmup"


def file_hashes(file: Path, limit: int | None = None) -> dict[str, str]:
    """sha256 and sha512 of `file` (of its first `limit` bytes)."""
    sha256, sha512 = hashlib.sha256(), hashlib.sha512()
    remaining = file.stat().st_size if limit is None else limit
    with file.open("rb") as source:
        while remaining > 0 and (chunk := source.read(min(CHUNK, remaining))):
            sha256.update(chunk)
            sha512.update(chunk)
            remaining -= len(chunk)
    return {"sha256": sha256.hexdigest(), "sha512": sha512.hexdigest()}


class State:
    """What the handlers share: the served file, its hashes, the last upload."""

    def __init__(self, file: Path, hashes: dict[str, str], warmup_bytes: int) -> None:
        self.file = file
        self.hashes = hashes
        self.warmup_bytes = min(warmup_bytes, file.stat().st_size)
        self.warmup_hashes = file_hashes(file, self.warmup_bytes)
        self.lock = threading.Lock()
        self.last_upload: dict[str, Any] = {"bytes": None, "hashes": None}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: StorageHTTPServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the harness prints the table, not an access log."""

    # -- plumbing --------------------------------------------------------------

    def _json(self, status: int, body: object) -> None:
        data = json.dumps(body, indent=2).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _empty(self, status: int) -> None:
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _error(self, status: int, code: str, message: str) -> None:
        self._json(status, {"code": code, "message": message, "requestInfo": {}})

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _payload(self) -> dict[str, Any]:
        body = self._body()
        return json.loads(body) if body else {}

    def _signed(self) -> bool:
        if (self.headers.get("Authorization") or "").startswith("Hawk "):
            return True
        self._body()
        self._error(401, "AuthenticationFailed", "no Hawk authorization header")
        return False

    def _storage_url(self, name: str) -> str:
        host, port = self.server.server_address[:2]
        signature = uuid.uuid4().hex
        return (
            f"http://{host}:{port}/storage/{name}?X-Amz-Algorithm=AWS4-HMAC-SHA256"
            f"&X-Amz-Expires=2700&X-Amz-Signature={signature}"
        )

    # -- methods ---------------------------------------------------------------

    def _not_found(self, path: str) -> None:
        self._body()
        self._error(404, "ResourceNotFound", f"no {self.command} {path}")

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path.startswith("/storage/"):
            self._send_file()
        elif path == "/bench/last-upload":
            with self.server.state.lock:
                self._json(200, self.server.state.last_upload)
        elif not self._signed():
            return
        elif match := _QUEUE.match(path):
            self._artifact_content(match)
        elif match := _TASK.match(path):
            self._json(200, {"taskId": match.group(1), "expires": _in(60 * 24 * 365)})
        else:
            self._not_found(path)

    def do_POST(self) -> None:
        path = urlsplit(self.path).path
        if not self._signed():
            return
        if match := _QUEUE.match(path):
            self._create_artifact(match, self._payload())
        elif (match := _OBJECT.match(path)) and match.group(1) == "finish-upload":
            request = self._payload()
            with self.server.state.lock:
                self.server.state.last_upload["hashes"] = request.get("hashes")
            self._json(200, {})
        else:
            self._not_found(path)

    def do_PUT(self) -> None:
        path = urlsplit(self.path).path
        if path.startswith("/storage/"):
            self._receive_file()
        elif not self._signed():
            return
        elif _QUEUE.match(path):
            self._payload()
            self._empty(204)  # finishArtifact
        elif (match := _OBJECT.match(path)) and match.group(1) == "upload":
            self._create_upload(unquote(match.group(2)), self._payload())
        elif (match := _OBJECT.match(path)) and match.group(1) == "start-download":
            self._payload()
            state = self.server.state
            self._json(
                200,
                {
                    "method": "getUrl",
                    "url": self._storage_url(unquote(match.group(2))),
                    "expires": _in(2),
                    "hashes": state.warmup_hashes if WARMUP in path else state.hashes,
                },
            )
        else:
            self._not_found(path)

    def _artifact_content(self, match: re.Match[str]) -> None:
        object_name = _object_name(match)
        self._json(
            200,
            {
                "storageType": "object",
                "name": object_name,
                "credentials": _credentials("download", object_name),
            },
        )

    def _create_artifact(self, match: re.Match[str], request: dict[str, Any]) -> None:
        object_name = _object_name(match)
        self._json(
            200,
            {
                "storageType": "object",
                "name": object_name,
                "projectId": PROJECT_ID,
                "uploadId": _slug(),
                "expires": request.get("expires", _in(60)),
                "credentials": _credentials("upload", object_name),
            },
        )

    def _create_upload(self, name: str, request: dict[str, Any]) -> None:
        put = request.get("proposedUploadMethods", {}).get("putUrl")
        if put is None:
            self._error(400, "InputError", "the benchmark storage only offers putUrl")
            return
        self._json(
            200,
            {
                "projectId": request.get("projectId"),
                "uploadId": request.get("uploadId"),
                "expires": request.get("expires"),
                "uploadMethod": {
                    "putUrl": {
                        "url": self._storage_url(name),
                        "expires": _in(45),
                        "headers": {
                            "Content-Type": put["contentType"],
                            "Content-Length": str(put["contentLength"]),
                            "Content-Encoding": "identity",
                        },
                    }
                },
            },
        )

    def _receive_file(self) -> None:
        length = self.headers.get("Content-Length")
        if length is None:
            # S3 answers a chunked PUT to a pre-signed URL so.
            self.close_connection = True
            self._error(411, "MissingContentLength", "You must provide the Content-Length")
            return
        remaining = int(length)
        buffer = memoryview(bytearray(CHUNK))
        received = 0
        while remaining:
            count = self.rfile.readinto(buffer[: min(CHUNK, remaining)])
            if not count:
                break
            received += count
            remaining -= count
        with self.server.state.lock:
            self.server.state.last_upload = {"bytes": received, "hashes": None}
        self.send_response(200)
        self.send_header("ETag", '"bench"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _send_file(self) -> None:
        state = self.server.state
        file = state.file
        size = state.warmup_bytes if WARMUP in self.path else file.stat().st_size
        self.send_response(200)
        self.send_header("Content-Type", CONTENT_TYPE)
        self.send_header("Content-Length", str(size))
        self.send_header("ETag", '"bench"')
        self.end_headers()
        self.wfile.flush()
        with file.open("rb") as source:
            self.connection.sendfile(source, count=size)


def _object_name(match: re.Match[str]) -> str:
    task_id, run_id, name = match.group(1), match.group(2) or "0", unquote(match.group(3))
    return f"t/{task_id}/{run_id}/{name}"


def _slug() -> str:
    return base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()


class StorageHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    state: State


def serve(host: str, port: int, state: State) -> None:
    """Serve forever, printing the bound port on the first line of stdout."""
    server = StorageHTTPServer((host, port), Handler)
    server.state = state
    print(f"listening {server.server_address[1]}", flush=True)
    with server:
        server.serve_forever()


class StorageServer(ServerProcess):
    """Runs the storage server in a child process for the duration of a `with`."""

    module = "benchmarks.storage"

    def __init__(
        self, file: Path, hashes: dict[str, str], warmup_bytes: int, host: str = "127.0.0.1"
    ) -> None:
        super().__init__(host)
        self.file = file
        self.hashes = hashes
        self.warmup_bytes = warmup_bytes

    def arguments(self) -> list[str]:
        return [
            "--file",
            str(self.file),
            "--sha256",
            self.hashes["sha256"],
            "--sha512",
            self.hashes["sha512"],
            "--warmup-bytes",
            str(self.warmup_bytes),
        ]

    def last_upload(self) -> dict[str, Any]:
        """What the last upload sent: `bytes`, and `hashes` from its finishUpload (or None)."""
        with urlopen(f"{self.root_url}/bench/last-upload", timeout=10) as answer:
            result: dict[str, Any] = json.loads(answer.read())
        return result

    def storage_url(self, key: str) -> str:
        """A plain storage URL (the raw floor's: no API calls before the transfer)."""
        return f"{self.root_url}/storage/{key}"


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.storage")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--file", type=Path, required=True, help="what GET /storage/... serves")
    parser.add_argument("--sha256", required=True)
    parser.add_argument("--sha512", required=True)
    parser.add_argument("--warmup-bytes", type=int, default=CHUNK)
    args = parser.parse_args()
    state = State(args.file, {"sha256": args.sha256, "sha512": args.sha512}, args.warmup_bytes)
    with contextlib.suppress(KeyboardInterrupt):
        serve(args.host, args.port, state)


if __name__ == "__main__":
    main()
