"""A fake Taskcluster service on 127.0.0.1 that checks Hawk the way the real one does.

Signatures are verified with `mohawk` (an independent Hawk implementation),
including the payload hash; temporary credentials are checked by Taskcluster's
certificate rules (signature over the certificate text, key derived from the
seed). Errors come back in Taskcluster's shape. Tests can script faults
(status sequences, dropped connections, slow answers) before normal handling.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import mohawk
from mohawk.bewit import check_bewit
from mohawk.exc import HawkFail

# Permanent clients the server knows: clientId -> accessToken.
CLIENTS = {"tester": "no-secret", "issuer": "issuer-secret"}

TASK_GROUP_SIZE = 7  # items in the fake task group (pages of `limit`)


@dataclass
class Seen:
    """What the server saw of one request (after authentication)."""

    method: str
    raw_path: str
    headers: dict[str, str]
    body: bytes
    client_id: str | None = None
    ext: dict[str, Any] | None = None
    nonce: str | None = None
    ts: str | None = None


@dataclass
class Fault:
    """A scripted answer: `status` (+ optional body), `drop` the connection, or `delay`."""

    status: int | None = None
    body: bytes | None = None
    content_type: str = "application/json"
    drop: bool = False
    delay: float = 0.0


@dataclass
class ServerState:
    faults: list[Fault] = field(default_factory=list[Fault])
    seen: list[Seen] = field(default_factory=list[Seen])
    hits: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_fault(self) -> Fault | None:
        with self.lock:
            self.hits += 1
            return self.faults.pop(0) if self.faults else None


class AuthFailedError(Exception):
    pass


def _b64url_nopad(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def resolve_key(client_id: str, ext: dict[str, Any] | None) -> str:
    """The accessToken `client_id` signs with, applying the certificate rules."""
    certificate = (ext or {}).get("certificate")
    if certificate is None:
        if client_id not in CLIENTS:
            raise AuthFailedError(f"unknown client {client_id}")
        return CLIENTS[client_id]
    if isinstance(certificate, str):
        certificate = json.loads(certificate)
    issuer = certificate.get("issuer", client_id)
    if issuer not in CLIENTS:
        raise AuthFailedError(f"unknown issuer {issuer}")
    if "issuer" in certificate and certificate["issuer"] == client_id:
        raise AuthFailedError("named temporary credentials must not use the issuer's clientId")
    now_ms = time.time() * 1000
    if not certificate["start"] - 15 * 60_000 <= now_ms <= certificate["expiry"] + 15 * 60_000:
        raise AuthFailedError("certificate not valid now")
    if certificate["expiry"] - certificate["start"] > 31 * 24 * 3600 * 1000:
        raise AuthFailedError("certificate lifetime over 31 days")
    lines = ["version:1"]
    if "issuer" in certificate:
        lines += [f"clientId:{client_id}", f"issuer:{issuer}"]
    lines += [
        f"seed:{certificate['seed']}",
        f"start:{certificate['start']}",
        f"expiry:{certificate['expiry']}",
        "scopes:",
        *certificate["scopes"],
    ]
    issuer_key = CLIENTS[issuer].encode()
    expected = base64.b64encode(
        hmac.new(issuer_key, "\n".join(lines).encode(), hashlib.sha256).digest()
    ).decode()
    if expected != certificate["signature"]:
        raise AuthFailedError("certificate signature mismatch")
    return _b64url_nopad(
        hmac.new(issuer_key, certificate["seed"].encode(), hashlib.sha256).digest()
    )


def mohawk_bewit_url(url: str) -> str:
    """`url` with its bewit re-encoded the way mohawk's `check_bewit` decodes it.

    Hawk (the JS library Taskcluster uses, and DESIGN.md's vector) sends the
    bewit as URL-safe base64 without padding; mohawk decodes it with the
    standard alphabet and needs padding. Only the base64 spelling changes:
    mohawk still checks the MAC, the expiry and the resource.
    """
    prefix, found, rest = url.partition("bewit=")
    if not found:
        return url
    value, amp, tail = rest.partition("&")
    raw = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    return f"{prefix}bewit={base64.b64encode(raw).decode()}{amp}{tail}"


def _parse_ext(header: str) -> dict[str, Any] | None:
    parsed = mohawk.util.parse_authorization_header(header)
    ext = parsed.get("ext")
    if not ext:
        return None
    return json.loads(base64.b64decode(ext))


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: TaskclusterServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_PUT(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def _send(
        self,
        status: int,
        body: bytes = b"",
        content_type: str = "application/json",
        headers: dict[str, str] | None = None,
    ) -> None:
        self.send_response(status)
        self.send_header("x-for-request-id", "req-1234")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if status != 204:
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 204:
            self.wfile.write(body)

    def _error(self, status: int, code: str, message: str) -> None:
        body = {
            "code": code,
            "message": message,
            "requestInfo": {
                "method": self.command,
                "params": {},
                "payload": {},
                "time": "2020-01-01T00:00:00.000Z",
            },
        }
        self._send(status, json.dumps(body).encode())

    def _handle(self) -> None:
        state = self.server.state
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        fault = state.next_fault()
        if fault is not None:
            if fault.delay:
                time.sleep(fault.delay)
            if fault.drop:
                self.close_connection = True
                self.connection.shutdown(2)
                return
            if fault.status is not None:
                self._send(
                    fault.status,
                    fault.body
                    if fault.body is not None
                    else json.dumps(
                        {"code": "InternalServerError", "message": f"scripted {fault.status}"}
                    ).encode(),
                    fault.content_type,
                )
                return
        url = f"http://{self.headers['Host']}{self.path}"
        seen = Seen(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body)
        try:
            self._authenticate(seen, url, body)
        except (AuthFailedError, HawkFail) as exc:
            state.seen.append(seen)
            self._error(401, "AuthenticationFailed", f"{type(exc).__name__}: {exc}")
            return
        state.seen.append(seen)
        self._route(seen, body)

    def _authenticate(self, seen: Seen, url: str, body: bytes) -> None:
        if "bewit=" in self.path:

            def lookup(client_id: str) -> dict[str, str]:
                return {"id": client_id, "key": resolve_key(client_id, None), "algorithm": "sha256"}

            check_bewit(mohawk_bewit_url(url), lookup)
            return
        header = self.headers.get("Authorization")
        if header is None:
            return  # anonymous: routes decide
        ext = _parse_ext(header)
        parsed = mohawk.util.parse_authorization_header(header)

        def credentials_map(client_id: str) -> dict[str, str]:
            return {"id": client_id, "key": resolve_key(client_id, ext), "algorithm": "sha256"}

        content_type = self.headers.get("Content-Type", "")
        mohawk.Receiver(
            credentials_map,
            header,
            url,
            self.command,
            content=body,
            content_type=content_type,
            seen_nonce=self.server.seen_nonce,
        )
        seen.client_id = parsed["id"]
        seen.ext = ext
        seen.nonce = parsed["nonce"]
        seen.ts = parsed["ts"]

    def _route(self, seen: Seen, body: bytes) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        query = parse_qs(parts.query)
        segments = path.split("/")
        if path.startswith("/api/queue/v1/task-group/") and path.endswith("/list"):
            self._list_task_group(segments[5], query)
        elif path == "/api/queue/v1/ping":
            self._send(204)
        elif path.startswith("/api/queue/v1/task/") and "/artifacts/" in path:
            name = unquote(path.split("/artifacts/", 1)[1])
            location = f"http://storage.example/{name}"
            self._send(
                303,
                json.dumps({"storageType": "s3", "url": location}).encode(),
                headers={"Location": location},
            )
        elif path.startswith("/api/queue/v1/task/") and self.command == "PUT":
            payload = json.loads(body)
            self._send(
                200,
                json.dumps(
                    {
                        "status": {
                            "taskId": unquote(segments[5]),
                            "state": "pending",
                            "received": payload,
                        }
                    }
                ).encode(),
            )
        elif path.startswith("/api/queue/v1/task/"):
            self._send(
                200,
                json.dumps(
                    {"taskId": unquote(segments[5]), "provisionerId": "prov", "futureField": 1}
                ).encode(),
            )
        elif path.startswith("/api/queue/v1/error/"):
            status = int(segments[5])
            if "html" in query:
                self._send(
                    status, b"<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"
                )
            else:
                code = query.get("code", ["SomeError"])[0]
                self._error(status, code, f"failing with {status}")
        elif path == "/api/queue/v1/garbage":
            self._send(200, b"not json at all", "text/plain")
        else:
            self._error(404, "ResourceNotFound", f"no route {path}")

    def _list_task_group(self, task_group_id: str, query: dict[str, list[str]]) -> None:
        limit = int(query.get("limit", ["3"])[0])
        start = int(query.get("continuationToken", ["0"])[0])
        end = min(start + limit, TASK_GROUP_SIZE)
        page: dict[str, Any] = {
            "taskGroupId": task_group_id,
            "tasks": [{"taskId": f"task-{i}"} for i in range(start, end)],
        }
        if end < TASK_GROUP_SIZE:
            page["continuationToken"] = str(end)
        self._send(200, json.dumps(page).encode())


class TaskclusterServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # 50 clients connect at once in the concurrency tests

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.state = ServerState()
        self._nonces: set[tuple[str, str, str]] = set()

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up (timeouts, fault tests) are expected: stay quiet."""

    def seen_nonce(self, sender_id: str, nonce: str, timestamp: str) -> bool:
        """Replay protection: a nonce may be used only once (so re-signing is required)."""
        key = (sender_id, nonce, timestamp)
        if key in self._nonces:
            return True
        self._nonces.add(key)
        return False

    @property
    def root_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


@contextmanager
def running_server() -> Iterator[TaskclusterServer]:
    """A fake Taskcluster deployment for the duration of the block."""
    server = TaskclusterServer()
    thread = threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join()
