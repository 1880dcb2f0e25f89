"""A loopback server playing queue, object service and storage for artifact tests.

One `ThreadingHTTPServer` on 127.0.0.1 answers:

* `/api/queue/v1/...`: `task`, `createArtifact`, `finishArtifact`,
  `artifact`, `latestArtifact`;
* `/api/object/v1/...`: `createUpload`, `finishUpload`, `startDownload`,
  checking that callers sign with the temporary credentials the queue
  handed out for that object;
* `/storage/<key>?token=...`: a PUT/GET blob store behind signed, expiring
  tokens, with `Range` support, writing blobs to disk so a large body never
  sits in memory.

Signed requests are verified with mohawk (an independent Hawk implementation)
against `CLIENTS` and the temporary credentials issued. Knobs on
`FakeTaskcluster` make it misbehave: failing or dropped PUTs,
GETs that drop the connection mid-body, already-expired download URLs,
URLs whose signature lapses before their stated expiry, wrong hashes,
refusing `dataInline`, failing `finishArtifact`. Every API call is logged in
`calls`, with its body in `requests`.

Where the real v106 services behave in a way the SDK must cope with, the
fake does the same; each such place cites its source: the upstream code
(`services/queue/src/artifacts.js`, `services/object/src/backends/aws.js`,
`services/queue/src/task-creds.js`) or the recorded traffic in
`tests/fixtures/recorded/taskcluster-v106/http/`.
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import json
import re
import secrets
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

import httpx
import mohawk
from mohawk.exc import HawkFail

CHUNK = 1024 * 1024
# Permanent clients the fake knows: clientId -> accessToken. `worker` holds
# what a worker's claim credentials hold (task-creds.js: reclaim, resolve,
# create-artifact for the run, plus the task's scopes) and no
# `queue:get-task:<taskId>`: the queue refuses it the task definition.
CLIENTS = {"tester": "no-secret", "worker": "claim-secret"}
CANNOT_READ_TASKS = frozenset({"worker"})
PROJECT_ID = "test-project"
TASK_EXPIRES = "2031-01-01T00:00:00.000Z"


def slugid() -> str:
    return base64.urlsafe_b64encode(uuid.uuid4().bytes)[:22].decode("ascii")


def timestamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def task_definition(task_id: str) -> dict[str, Any]:
    """A complete task definition, valid against the queue's task schema."""
    return {
        "provisionerId": "proj-test",
        "workerType": "ci",
        "taskQueueId": "proj-test/ci",
        "schedulerId": "-",
        "projectId": PROJECT_ID,
        "taskGroupId": task_id,
        "dependencies": [],
        "requires": "all-completed",
        "routes": [],
        "priority": "lowest",
        "retries": 5,
        "created": "2030-01-01T00:00:00.000Z",
        "deadline": "2030-01-02T00:00:00.000Z",
        "expires": TASK_EXPIRES,
        "scopes": [],
        "payload": {},
        "metadata": {
            "name": "artifact test",
            "description": "a task whose artifacts the tests upload",
            "owner": "tester@example.com",
            "source": "https://example.com/tests",
        },
        "tags": {},
        "extra": {},
    }


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass
class StoredObject:
    """An object on the fake object service."""

    name: str
    project_id: str
    upload_id: str
    expires: str
    content_type: str = "application/octet-stream"
    blob: str | None = None
    hashes: dict[str, str] = field(default_factory=dict[str, str])
    finished: bool = False


@dataclass
class Blob:
    path: Path
    size: int = 0
    sha256: str = ""
    sha512: str = ""
    content_type: str = "application/octet-stream"


@dataclass
class Token:
    blob: str
    method: str
    # When storage stops accepting the signature: the stated expiry, or
    # earlier when the presigning credentials lapse first.
    expires: datetime
    size: int | None = None
    content_type: str | None = None


@dataclass
class Knobs:
    """How the fake misbehaves; tests set these before calling the SDK."""

    accept_inline: bool = True
    # Status codes answered to the next PUTs (after reading the body), one per PUT.
    put_statuses: list[int] = field(default_factory=list[int])
    # For the next PUTs: read this many bytes, then drop the connection.
    put_drops: list[int] = field(default_factory=list[int])
    # For the next GETs: send this many body bytes, then drop the connection.
    get_drops: list[int] = field(default_factory=list[int])
    # Status codes answered to the next storage GETs, one per GET.
    get_statuses: list[int] = field(default_factory=list[int])
    # The next startDownload answers carry an already-expired URL.
    expired_download_urls: int = 0
    # startDownload reports this sha256 instead of the real one.
    wrong_sha256: str | None = None
    # Storage ignores Range and always answers 200 with the whole body.
    ignore_range: bool = False
    # Storage GETs answer `Content-Encoding: gzip` (whole body, Range ignored).
    gzip_downloads: bool = False
    # createUpload names only Content-Type in the putUrl headers (the client
    # must still send Content-Length: storage refuses chunked bodies).
    put_headers_without_length: bool = False
    # Seconds a putUrl stays valid.
    put_url_lifetime: float = 3600.0
    # Seconds storage waits before answering each PUT or GET.
    storage_delay: float = 0.0
    # The next signed storage URLs (put, get, s3) are refused as expired by
    # storage at once, though their stated `expires` is in the future: the
    # presigning credentials expired early, or the clocks disagree.
    early_expiring_urls: int = 0
    # How storage words that refusal: real S3 (403 AccessDenied "Request has
    # expired") or GCS (400 ExpiredToken).
    expired_answer: str = "s3"
    # Status codes answered to the next finishArtifact calls, before anything
    # is recorded (a queue that fails transiently).
    finish_statuses: list[int] = field(default_factory=list[int])


class FakeTaskcluster:
    """The state behind the fake services; use `running()` to serve it."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.base_url = ""
        self.knobs = Knobs()
        self.lock = threading.Lock()
        self.calls: list[str] = []
        # (call, JSON body) of every API call, in order.
        self.requests: list[tuple[str, Any]] = []
        self.storage_requests: list[tuple[str, str, dict[str, str]]] = []
        self.tasks: dict[str, dict[str, Any]] = {}
        # How many runs each task has (runs are claimed: artifacts may be created).
        self.runs: dict[str, int] = {}
        self.artifacts: dict[tuple[str, int, str], dict[str, Any]] = {}
        self.objects: dict[str, StoredObject] = {}
        self.blobs: dict[str, Blob] = {}
        self.tokens: dict[str, Token] = {}
        self.temporary_clients: dict[str, str] = {}
        # Hawk keys: the permanent test client and every temporary client handed out.
        self.access_tokens: dict[str, str] = dict(CLIENTS)
        # Off for hand-made stand-in clients, which do not sign.
        self.verify_hawk = True

    @property
    def root_url(self) -> str:
        return self.base_url

    def add_task(self, task_id: str | None = None, *, runs: int = 1) -> str:
        task_id = task_id or slugid()
        self.tasks[task_id] = task_definition(task_id)
        self.runs[task_id] = runs
        return task_id

    def bodies(self, prefix: str) -> list[Any]:
        """The JSON bodies of the API calls starting with `prefix`."""
        return [body for call, body in self.requests if call.startswith(prefix)]

    def add_s3_artifact(self, task_id: str, run_id: int, name: str, data: bytes) -> None:
        key = self._new_blob_from_bytes(data)
        self.artifacts[(task_id, run_id, name)] = {
            "storageType": "s3",
            "blob": key,
            "present": True,
        }

    def object_content(self, task_id: str, run_id: int, name: str) -> bytes:
        artifact = self.artifacts[(task_id, run_id, name)]
        stored = self.objects[artifact["object"]]
        assert stored.blob is not None
        return self.blobs[stored.blob].path.read_bytes()

    def api_calls(self, prefix: str = "") -> list[str]:
        return [call for call in self.calls if call.startswith(prefix)]

    # -- storage helpers ---------------------------------------------------------

    def _new_blob(self) -> tuple[str, Blob]:
        key = secrets.token_hex(8)
        blob = Blob(self.directory / f"blob-{key}")
        self.blobs[key] = blob
        return key, blob

    def _new_blob_from_bytes(self, data: bytes, content_type: str = "") -> str:
        key, blob = self._new_blob()
        blob.path.write_bytes(data)
        blob.size = len(data)
        blob.sha256 = hashlib.sha256(data).hexdigest()
        blob.sha512 = hashlib.sha512(data).hexdigest()
        blob.content_type = content_type or blob.content_type
        return key

    def storage_url(self, key: str, method: str, lifetime: float, **extra: Any) -> tuple[str, str]:
        """A signed URL for `key` and its stated expiry (see `Knobs.early_expiring_urls`)."""
        token = secrets.token_urlsafe(12)
        now = datetime.now(timezone.utc)
        expires = now + timedelta(seconds=lifetime)
        lapses = expires
        if self.knobs.early_expiring_urls:
            self.knobs.early_expiring_urls -= 1
            lapses = now - timedelta(seconds=1)
        self.tokens[token] = Token(key, method, lapses, **extra)
        return f"{self.base_url}/storage/{key}?token={token}", timestamp(expires)


# -- request handling ----------------------------------------------------------

_QUEUE = "/api/queue/v1"
_OBJECT = "/api/object/v1"
_HAWK_ID = re.compile(r'id="([^"]*)"')


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FakeServer

    def log_message(self, format: str, *args: Any) -> None:
        pass

    @property
    def fake(self) -> FakeTaskcluster:
        return self.server.fake

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _dispatch(self, method: str) -> None:
        url = urlsplit(self.path)
        segments = [unquote(part) for part in url.path.split("/")]
        try:
            if url.path.startswith("/storage/"):
                self._storage(method, segments[2], parse_qs(url.query))
                return
            raw = self._read_body()
            client_id = self._authenticate(method, raw)
            body = json.loads(raw) if raw else None
            if url.path.startswith(_QUEUE + "/"):
                with self.fake.lock:
                    call = f"queue.{method} /{'/'.join(segments[4:])}"
                    self.fake.calls.append(call)
                    self.fake.requests.append((call, body))
                    answer = queue_api(self.fake, method, segments[4:], body, client_id)
            elif url.path.startswith(_OBJECT + "/"):
                with self.fake.lock:
                    call = f"object.{method} /{'/'.join(segments[4:])}"
                    self.fake.calls.append(call)
                    self.fake.requests.append((call, body))
                    answer = object_api(self.fake, method, segments[4:], body, client_id)
            else:
                raise ApiError(404, "ResourceNotFound", f"no route {url.path}")
        except ApiError as error:
            self._json(error.status, {"code": error.code, "message": error.message})
            return
        if answer is None:
            self.send_response(204)
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._json(200, answer)

    def _authenticate(self, method: str, body: bytes) -> str | None:
        """The Hawk client id, its MAC (and payload hash) checked with mohawk."""
        header = self.headers.get("Authorization")
        if header is None:
            return None
        match = _HAWK_ID.search(header)
        client_id = match.group(1) if match else None
        if not self.fake.verify_hawk:
            return client_id
        keys = self.fake.access_tokens

        def credentials_map(client_id: str) -> dict[str, str]:
            if client_id not in keys:
                raise ApiError(401, "AuthenticationFailed", f"unknown client {client_id!r}")
            return {"id": client_id, "key": keys[client_id], "algorithm": "sha256"}

        try:
            mohawk.Receiver(
                credentials_map,
                header,
                f"http://{self.headers['Host']}{self.path}",
                method,
                content=body,
                content_type=self.headers.get("Content-Type", ""),
            )
        except HawkFail as error:
            raise ApiError(401, "AuthenticationFailed", f"Hawk: {error}") from None
        return client_id

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _json(self, status: int, value: Any) -> None:
        data = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _plain(self, status: int, text: str) -> None:
        data = text.encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _expired(self) -> None:
        """Storage's answer to a signature past its expiry, as real storage words it."""
        now = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
        if self.fake.knobs.expired_answer == "gcs":
            # GCS (XML API) answers an expired signed URL with 400 ExpiredToken.
            status, body = (
                400,
                (
                    "<?xml version='1.0' encoding='UTF-8'?><Error><Code>ExpiredToken</Code>"
                    "<Message>Invalid argument.</Message>"
                    f"<Details>Request signature expired at: {now}</Details></Error>"
                ),
            )
        else:
            # S3 answers a presigned URL past its expiry (or past its presigning
            # credentials') with 403 AccessDenied "Request has expired".
            status, body = (
                403,
                (
                    '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
                    "<Message>Request has expired</Message><X-Amz-Expires>120</X-Amz-Expires>"
                    f"<Expires>{now}</Expires><ServerTime>{now}</ServerTime>"
                    "<RequestId>BF97CB31633F3C94</RequestId><HostId>fake</HostId></Error>"
                ),
            )
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        self.close_connection = True
        self.wfile.flush()
        self.connection.shutdown(socket.SHUT_RDWR)

    # -- storage -----------------------------------------------------------------

    def _storage(self, method: str, key: str, query: dict[str, list[str]]) -> None:
        fake = self.fake
        with fake.lock:
            fake.storage_requests.append((method, key, dict(self.headers.items())))
            token = fake.tokens.get((query.get("token") or [""])[0])
            blob = fake.blobs.get(key)
        if method not in ("PUT", "GET"):
            self._plain(405, "method not allowed")
            return
        if fake.knobs.storage_delay:
            time.sleep(fake.knobs.storage_delay)
        if token is None or token.blob != key or token.method != method or blob is None:
            self._discard_body()
            self._plain(403, "bad signature")
            return
        if token.expires <= datetime.now(timezone.utc):
            self._discard_body()
            self._expired()
            return
        if method == "PUT":
            self._storage_put(blob, token)
        else:
            self._storage_get(blob)

    def _discard_body(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        while length > 0:
            length -= len(self.rfile.read(min(length, CHUNK)))
        if self.headers.get("Transfer-Encoding"):
            self.close_connection = True

    def _storage_put(self, blob: Blob, token: Token) -> None:
        fake = self.fake
        if self.headers.get("Content-Length") is None:
            self.close_connection = True
            self._plain(411, "Content-Length required")
            return
        length = int(self.headers["Content-Length"])
        if token.size is not None and length != token.size:
            self._discard_body()
            self._plain(400, f"Content-Length {length} does not match the signed {token.size}")
            return
        if (
            token.content_type is not None
            and self.headers.get("Content-Type") != token.content_type
        ):
            self._discard_body()
            self._plain(400, "Content-Type does not match the signed one")
            return
        with fake.lock:
            drop = fake.knobs.put_drops.pop(0) if fake.knobs.put_drops else None
            status = fake.knobs.put_statuses.pop(0) if fake.knobs.put_statuses else 200
        sha256, sha512 = hashlib.sha256(), hashlib.sha512()
        received = 0
        limit = length if drop is None else min(drop, length)
        partial = blob.path.with_suffix(".uploading")
        with partial.open("wb") as file:
            while received < limit:
                chunk = self.rfile.read(min(limit - received, CHUNK))
                if not chunk:
                    return
                file.write(chunk)
                sha256.update(chunk)
                sha512.update(chunk)
                received += len(chunk)
        if drop is not None:
            self._drop()
            return
        if status != 200:
            self._plain(status, "storage failure")
            return
        partial.replace(blob.path)
        blob.size = received
        blob.sha256 = sha256.hexdigest()
        blob.sha512 = sha512.hexdigest()
        blob.content_type = self.headers.get("Content-Type", blob.content_type)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _storage_get(self, blob: Blob) -> None:
        fake = self.fake
        with fake.lock:
            drop = fake.knobs.get_drops.pop(0) if fake.knobs.get_drops else None
            status = fake.knobs.get_statuses.pop(0) if fake.knobs.get_statuses else 200
        if status != 200:
            self._plain(status, "storage failure")
            return
        if fake.knobs.gzip_downloads:
            self._gzip_get(blob, drop)
            return
        start = 0
        requested = self.headers.get("Range")
        if requested and not fake.knobs.ignore_range:
            match = re.fullmatch(r"bytes=(\d+)-", requested)
            if match is None or int(match.group(1)) >= blob.size:
                self._plain(416, "range not satisfiable")
                return
            start = int(match.group(1))
        self.send_response(206 if start else 200)
        self.send_header("Content-Type", blob.content_type)
        self.send_header("Content-Length", str(blob.size - start))
        if start:
            self.send_header("Content-Range", f"bytes {start}-{blob.size - 1}/{blob.size}")
        self.end_headers()
        sent = 0
        with blob.path.open("rb") as file:
            file.seek(start)
            while chunk := file.read(CHUNK):
                if drop is not None and sent + len(chunk) > drop:
                    self.wfile.write(chunk[: drop - sent])
                    self._drop()
                    return
                self.wfile.write(chunk)
                sent += len(chunk)

    def _gzip_get(self, blob: Blob, drop: int | None) -> None:
        body = gzip.compress(blob.path.read_bytes())
        self.send_response(200)
        self.send_header("Content-Type", blob.content_type)
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if drop is not None:
            self.wfile.write(body[:drop])
            self._drop()
            return
        self.wfile.write(body)


# -- queue ----------------------------------------------------------------------


def _require(body: Any, *keys: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise ApiError(400, "InputValidationError", "body must be a JSON object")
    missing = [key for key in keys if key not in body]
    if missing:
        raise ApiError(400, "InputValidationError", f"missing {missing}")
    return body  # pyright: ignore[reportUnknownVariableType]


def queue_api(
    fake: FakeTaskcluster, method: str, path: list[str], body: Any, client_id: str | None = None
) -> Any:
    if path[0] != "task" or len(path) < 2:
        raise ApiError(404, "ResourceNotFound", f"no queue route {'/'.join(path)}")
    task_id = path[1]
    if len(path) == 6 and path[2] == "runs" and path[4] == "artifacts":
        run_id, name = int(path[3]), path[5]
        if method == "POST":
            return create_artifact(fake, task_id, run_id, name, body)
        if method == "PUT":
            return finish_artifact(fake, task_id, run_id, name, body)
    if task_id not in fake.tasks:
        raise ApiError(404, "ResourceNotFound", f"Task {task_id} not found")
    if method == "GET" and len(path) == 2:
        if client_id in CANNOT_READ_TASKS:
            raise ApiError(
                403,
                "InsufficientScopes",
                f"Client ID {client_id} does not have sufficient scopes and is missing the "
                f"following scopes:\n\n```\nqueue:get-task:{task_id}\n```",
            )
        return fake.tasks[task_id]
    if method == "GET" and len(path) == 6 and path[2] == "runs" and path[4] == "artifact-content":
        return artifact_content(fake, task_id, int(path[3]), path[5])
    if method == "GET" and len(path) == 4 and path[2] == "artifact-content":
        # The latest run is the task's last run, whether or not it has the
        # artifact (artifacts.js getLatestRunId): no fall-back to earlier runs.
        return artifact_content(fake, task_id, fake.runs[task_id] - 1, path[3])
    raise ApiError(404, "ResourceNotFound", f"no queue route {method} {'/'.join(path)}")


# Properties each storage type's createArtifact request may hold
# (post-artifact-request.yml, `additionalProperties: false`).
_REQUEST_PROPERTIES = {
    "s3": {"storageType", "expires", "contentType", "contentLength"},
    "object": {"storageType", "expires", "contentType", "contentLength"},
    "reference": {"storageType", "expires", "contentType", "url"},
    "link": {"storageType", "expires", "contentType", "artifact"},
    "error": {"storageType", "expires", "reason", "message"},
}


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def create_artifact(
    fake: FakeTaskcluster, task_id: str, run_id: int, name: str, body: Any
) -> dict[str, Any]:
    """createArtifact, its checks in the order of v106 artifacts.js."""
    request = _require(body, "storageType", "expires")
    kind = request["storageType"]
    allowed = _REQUEST_PROPERTIES.get(kind)
    if allowed is None or set(request) - allowed:
        raise ApiError(400, "InputValidationError", f"Schema Validation Failed: {request!r}")
    expires = _parse_time(request["expires"])
    if expires < datetime.now(timezone.utc) - timedelta(minutes=15):
        raise ApiError(400, "InputError", "Expires must be in the future")
    task = fake.tasks.get(task_id)
    if task is None:
        raise ApiError(400, "InputError", "Task not found")
    if run_id >= fake.runs[task_id]:
        raise ApiError(400, "InputError", "Run not found")
    task_expires = _parse_time(task["expires"])
    if expires > task_expires:
        # The message v106 sends (observed on the real deployment; the
        # template is in artifacts.js), a request trailer after it.
        raise ApiError(
            400,
            "InputError",
            f"Artifact expires ({timestamp(expires)}) after the task expiration "
            f"{timestamp(task_expires)} (task.expires < expires) - this is not allowed, "
            "artifacts may not expire after the task they belong to expires\n\n---\n\n"
            "* method:     createArtifact\n* errorCode:  InputError\n* statusCode: 400",
        )
    content_type = request.get("contentType", "application/binary")
    original = fake.artifacts.get((task_id, run_id, name))
    details = {key: value for key, value in request.items() if key in ("url", "artifact")}
    if original is not None:
        _check_compatible(original, kind, content_type, request["expires"], details)
    if kind == "object":
        object_name = f"t/{task_id}/{run_id}/{name}"
        upload_id = slugid()
        client_id = f"temp/{secrets.token_hex(4)}"
        fake.objects[object_name] = StoredObject(
            object_name, PROJECT_ID, upload_id, request["expires"], content_type
        )
        fake.artifacts[(task_id, run_id, name)] = {
            "storageType": "object",
            "object": object_name,
            "uploadId": upload_id,
            "contentType": content_type,
            "expires": request["expires"],
            "contentLength": request.get("contentLength"),
            "present": False,
        }
        return {
            "storageType": "object",
            "name": object_name,
            "projectId": PROJECT_ID,
            "uploadId": upload_id,
            "expires": timestamp(expires),
            "credentials": _credentials(fake, client_id, object_name),
        }
    if kind in ("reference", "link", "error"):
        if kind == "reference":
            _require(request, "url", "contentType")
        elif kind == "link":
            _require(request, "artifact")
        else:
            _require(request, "reason", "message")
        fake.artifacts[(task_id, run_id, name)] = {
            **request,
            "contentType": content_type,
            "present": True,
        }
        # Reference, link and error answers are just the storage type
        # (recorded: queue.createArtifact.{reference,link,error}.json).
        return {"storageType": kind}
    raise ApiError(400, "InputValidationError", f"storageType {kind!r} not supported")


def _check_compatible(
    original: dict[str, Any], kind: str, content_type: str, expires: str, details: dict[str, Any]
) -> None:
    """artifacts.js createArtifactCallsCompatible: what may re-create an existing artifact."""
    if not _compatible(original, kind, content_type, expires, details):
        raise ApiError(
            409,
            "RequestConflict",
            "Artifact already exists with different properties, and none of the allowed "
            "exceptions apply",
        )


def _compatible(
    original: dict[str, Any], kind: str, content_type: str, expires: str, details: dict[str, Any]
) -> bool:
    # The content type never changes (links have none); expiry may grow, not shrink.
    if kind != "link" and original.get("contentType") != content_type:
        return False
    if _parse_time(original["expires"]) > _parse_time(expires):
        return False
    if original["storageType"] != kind:
        # Only a link may replace a reference.
        return original["storageType"] == "reference" and kind == "link"
    if kind == "object":
        return False  # its details are its uploadId: a new upload never matches
    before = {key: value for key, value in original.items() if key in ("url", "artifact")}
    return kind == "reference" or before == details


def _credentials(fake: FakeTaskcluster, client_id: str, object_name: str) -> dict[str, str]:
    """Temporary credentials for one object (the fake trusts them by client id and key)."""
    access_token = secrets.token_urlsafe(16)
    fake.temporary_clients[client_id] = object_name
    fake.access_tokens[client_id] = access_token
    certificate = {"version": 1, "scopes": ["object:*"], "start": 0, "expiry": 0, "seed": "x"}
    return {
        "clientId": client_id,
        "accessToken": access_token,
        "certificate": json.dumps(certificate),
    }


def finish_artifact(fake: FakeTaskcluster, task_id: str, run_id: int, name: str, body: Any) -> None:
    """finishArtifact as v106 does it: present first, then the artifact-created message."""
    request = _require(body, "uploadId")
    if fake.knobs.finish_statuses:
        status = fake.knobs.finish_statuses.pop(0)
        raise ApiError(status, "InternalServerError", "Internal Server Error, incidentId fake")
    artifact = fake.artifacts.get((task_id, run_id, name))
    if artifact is None:
        raise ApiError(404, "ResourceNotFound", f"Artifact {name} not found")
    if artifact["storageType"] != "object":
        raise ApiError(400, "InputError", "Only object artifacts can be finished")
    if not artifact["present"]:
        if artifact["uploadId"] != request["uploadId"]:
            raise ApiError(400, "InputError", "given uploadId does not match that for the artifact")
        if not fake.objects[artifact["object"]].finished:
            raise ApiError(400, "InputError", "Object storing artifact data does not exist")
        artifact["present"] = True
    # Every call (a repeated one too) publishes artifact-created. v106 copies a
    # contentLength given to createArtifact into that message, whose schema
    # forbids it: the publish fails and the call answers 500, though the
    # artifact is present (recorded: queue.finishArtifact.content-length-500.json
    # and content-length-500-retry.json).
    if artifact.get("contentLength") is not None:
        raise ApiError(
            500,
            "InternalServerError",
            "Internal Server Error, incidentId fake. Error (not shown in production):\n"
            "Error: Message validation failed. \nSchema Validation Failed!\nRejecting Schema: "
            "/schemas/queue/v1/artifact-created-message.json#\nErrors:\n"
            '  * data/artifact must NOT have additional properties: "contentLength"',
        )


def artifact_content(
    fake: FakeTaskcluster, task_id: str, run_id: int, name: str, hops: int = 0
) -> dict[str, Any]:
    artifact = fake.artifacts.get((task_id, run_id, name))
    if artifact is None or not artifact["present"]:
        raise ApiError(404, "ResourceNotFound", f"no artifact {name}")
    kind = artifact["storageType"]
    if kind == "object":
        client_id = f"temp/{secrets.token_hex(4)}"
        return {
            "storageType": "object",
            "name": artifact["object"],
            "credentials": _credentials(fake, client_id, artifact["object"]),
        }
    if kind == "s3":
        url, _ = fake.storage_url(artifact["blob"], "GET", 3600)
        return {"storageType": "s3", "url": url}
    if kind == "reference":
        return {"storageType": "reference", "url": artifact["url"]}
    if kind == "error":
        return {
            "storageType": "error",
            "reason": artifact["reason"],
            "message": artifact["message"],
        }
    if hops > 10:
        raise ApiError(400, "InputValidationError", "link cycle")
    return artifact_content(fake, task_id, run_id, artifact["artifact"], hops + 1)


# -- object service --------------------------------------------------------------


def object_api(
    fake: FakeTaskcluster, method: str, path: list[str], body: Any, client_id: str | None
) -> Any:
    if len(path) != 2:
        raise ApiError(404, "ResourceNotFound", f"no object route {'/'.join(path)}")
    operation, name = path
    if client_id is None or fake.temporary_clients.get(client_id) != name:
        raise ApiError(
            403, "InsufficientScopes", f"client {client_id!r} holds no credentials for {name!r}"
        )
    stored = fake.objects.get(name)
    if stored is None:
        raise ApiError(404, "ResourceNotFound", f"no object {name}")
    if method == "PUT" and operation == "upload":
        return create_upload(fake, stored, body)
    if method == "POST" and operation == "finish-upload":
        return finish_upload(fake, stored, body)
    if method == "PUT" and operation == "start-download":
        return start_download(fake, stored, body)
    raise ApiError(404, "ResourceNotFound", f"no object route {method} {operation}")


def create_upload(fake: FakeTaskcluster, stored: StoredObject, body: Any) -> dict[str, Any]:
    request = _require(body, "projectId", "uploadId", "expires", "proposedUploadMethods")
    for key, have in (
        ("projectId", stored.project_id),
        ("uploadId", stored.upload_id),
        ("expires", stored.expires),
    ):
        if request[key] != have:
            raise ApiError(409, "RequestConflict", f"{key} differs from the first createUpload")
    if stored.finished:
        raise ApiError(409, "RequestConflict", "upload already finished")
    proposed: dict[str, Any] = request["proposedUploadMethods"]
    answer = {
        "projectId": stored.project_id,
        "uploadId": stored.upload_id,
        "expires": stored.expires,
    }
    inline = proposed.get("dataInline")
    if inline is not None and fake.knobs.accept_inline:
        data = base64.b64decode(inline["objectData"])
        if len(data) > 8192:
            raise ApiError(400, "InputValidationError", "dataInline is limited to 8 KiB")
        stored.blob = fake._new_blob_from_bytes(data, inline["contentType"])  # pyright: ignore[reportPrivateUsage]
        return {**answer, "uploadMethod": {"dataInline": True}}
    put = proposed.get("putUrl")
    if put is None:
        return {**answer, "uploadMethod": {}}
    if stored.blob is None:
        stored.blob, _ = fake._new_blob()  # pyright: ignore[reportPrivateUsage]
    url, expires = fake.storage_url(
        stored.blob,
        "PUT",
        fake.knobs.put_url_lifetime,
        size=put["contentLength"],
        content_type=put["contentType"],
    )
    headers = {"Content-Type": put["contentType"]}
    if not fake.knobs.put_headers_without_length:
        headers["Content-Length"] = str(put["contentLength"])
    return {
        **answer,
        "uploadMethod": {"putUrl": {"url": url, "expires": expires, "headers": headers}},
    }


def finish_upload(fake: FakeTaskcluster, stored: StoredObject, body: Any) -> None:
    request = _require(body, "projectId", "uploadId")
    if request["uploadId"] != stored.upload_id or request["projectId"] != stored.project_id:
        raise ApiError(409, "RequestConflict", "uploadId or projectId differs")
    blob = fake.blobs.get(stored.blob or "")
    if blob is None or not blob.sha256:
        raise ApiError(400, "InputValidationError", "no data was uploaded")
    hashes: dict[str, str] = request.get("hashes") or {}
    if hashes.get("sha256") != blob.sha256 or hashes.get("sha512") != blob.sha512:
        raise ApiError(400, "InputValidationError", "hashes do not match the uploaded data")
    stored.hashes = dict(hashes)
    stored.finished = True


def start_download(fake: FakeTaskcluster, stored: StoredObject, body: Any) -> dict[str, Any]:
    request = _require(body, "acceptDownloadMethods")
    if request["acceptDownloadMethods"].get("getUrl") is not True:
        raise ApiError(406, "NoMatchingMethod", "only getUrl is supported")
    if not stored.finished or stored.blob is None:
        raise ApiError(404, "ResourceNotFound", "object is not finished")
    lifetime = 3600.0
    if fake.knobs.expired_download_urls:
        fake.knobs.expired_download_urls -= 1
        lifetime = -60.0
    url, expires = fake.storage_url(stored.blob, "GET", lifetime)
    hashes = dict(stored.hashes)
    if fake.knobs.wrong_sha256 is not None:
        hashes["sha256"] = fake.knobs.wrong_sha256
    return {"method": "getUrl", "url": url, "expires": expires, "hashes": hashes}


# -- serving ----------------------------------------------------------------------


class FakeServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, fake: FakeTaskcluster) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.fake = fake


@contextmanager
def running(directory: Path) -> Iterator[FakeTaskcluster]:
    """Serve a fresh fake on a free loopback port for the duration of the block."""
    blobs = directory / "fake-storage"
    blobs.mkdir()
    fake = FakeTaskcluster(blobs)
    server = FakeServer(fake)
    host, port = server.server_address[:2]
    fake.base_url = f"http://{host!s}:{port}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
        shutil.rmtree(blobs, ignore_errors=True)


# -- stand-in clients ---------------------------------------------------------------


class StandInError(Exception):
    """An error answer from the fake, as a stand-in client sees it."""

    def __init__(self, status: int, body: Any) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body


def _path(*parts: str | int) -> str:
    return "/".join(quote(str(part), safe="") for part in parts)


class StandInQueue:
    """A hand-made queue client with the generated method signatures (no Hawk)."""

    def __init__(self, root_url: str) -> None:
        self._http = httpx.Client(base_url=f"{root_url}/api/queue/v1")

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, payload: Any = None) -> Any:
        response = self._http.request(method, "/" + path, json=payload)
        if response.status_code >= 400:
            raise StandInError(response.status_code, response.json())
        return None if response.status_code == 204 else response.json()

    def task(self, taskId: str) -> Any:
        return self._call("GET", _path("task", taskId))

    def createArtifact(self, taskId: str, runId: int | str, name: str, payload: Any) -> Any:
        return self._call("POST", _path("task", taskId, "runs", runId, "artifacts", name), payload)

    def finishArtifact(self, taskId: str, runId: int | str, name: str, payload: Any) -> None:
        self._call("PUT", _path("task", taskId, "runs", runId, "artifacts", name), payload)

    def artifact(self, taskId: str, runId: int | str, name: str) -> Any:
        return self._call("GET", _path("task", taskId, "runs", runId, "artifact-content", name))

    def latestArtifact(self, taskId: str, name: str) -> Any:
        return self._call("GET", _path("task", taskId, "artifact-content", name))


class StandInObject:
    """A hand-made object service client; identifies itself by client id like Hawk does."""

    def __init__(self, root_url: str, client_id: str) -> None:
        self._http = httpx.Client(
            base_url=f"{root_url}/api/object/v1",
            headers={"Authorization": f'Hawk id="{client_id}", mac="unchecked"'},
        )
        self.closed = False

    def close(self) -> None:
        self._http.close()
        self.closed = True

    def _call(self, method: str, path: str, payload: Any) -> Any:
        response = self._http.request(method, "/" + path, json=payload)
        if response.status_code >= 400:
            raise StandInError(response.status_code, response.json())
        return None if response.status_code == 204 else response.json()

    def createUpload(self, name: str, payload: Any) -> Any:
        return self._call("PUT", _path("upload", name), payload)

    def finishUpload(self, name: str, payload: Any) -> None:
        self._call("POST", _path("finish-upload", name), payload)

    def startDownload(self, name: str, payload: Any) -> Any:
        return self._call("PUT", _path("start-download", name), payload)


class AsyncStandInQueue:
    """`StandInQueue`, async."""

    def __init__(self, root_url: str) -> None:
        self._http = httpx.AsyncClient(base_url=f"{root_url}/api/queue/v1")

    async def close(self) -> None:
        await self._http.aclose()

    async def _call(self, method: str, path: str, payload: Any = None) -> Any:
        response = await self._http.request(method, "/" + path, json=payload)
        if response.status_code >= 400:
            raise StandInError(response.status_code, response.json())
        return None if response.status_code == 204 else response.json()

    async def task(self, taskId: str) -> Any:
        return await self._call("GET", _path("task", taskId))

    async def createArtifact(self, taskId: str, runId: int | str, name: str, payload: Any) -> Any:
        path = _path("task", taskId, "runs", runId, "artifacts", name)
        return await self._call("POST", path, payload)

    async def finishArtifact(self, taskId: str, runId: int | str, name: str, payload: Any) -> None:
        await self._call("PUT", _path("task", taskId, "runs", runId, "artifacts", name), payload)

    async def artifact(self, taskId: str, runId: int | str, name: str) -> Any:
        path = _path("task", taskId, "runs", runId, "artifact-content", name)
        return await self._call("GET", path)

    async def latestArtifact(self, taskId: str, name: str) -> Any:
        return await self._call("GET", _path("task", taskId, "artifact-content", name))


class AsyncStandInObject:
    """`StandInObject`, async."""

    def __init__(self, root_url: str, client_id: str) -> None:
        self._http = httpx.AsyncClient(
            base_url=f"{root_url}/api/object/v1",
            headers={"Authorization": f'Hawk id="{client_id}", mac="unchecked"'},
        )
        self.closed = False

    async def close(self) -> None:
        await self._http.aclose()
        self.closed = True

    async def _call(self, method: str, path: str, payload: Any) -> Any:
        response = await self._http.request(method, "/" + path, json=payload)
        if response.status_code >= 400:
            raise StandInError(response.status_code, response.json())
        return None if response.status_code == 204 else response.json()

    async def createUpload(self, name: str, payload: Any) -> Any:
        return await self._call("PUT", _path("upload", name), payload)

    async def finishUpload(self, name: str, payload: Any) -> None:
        await self._call("POST", _path("finish-upload", name), payload)

    async def startDownload(self, name: str, payload: Any) -> Any:
        return await self._call("PUT", _path("start-download", name), payload)
