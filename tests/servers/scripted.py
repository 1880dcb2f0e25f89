"""A loopback HTTP server whose answers a test scripts: any status, headers and body, or a trickle.

It does not authenticate; it records what it received. Used to replay real
recorded answers and to play the wire conditions real servers and proxies
produce (303 with a text body, a body one byte at a time, a truncated body).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict[str, str])
    body: bytes = b""
    # Seconds between body bytes (the whole body is announced by Content-Length first).
    trickle: float | None = None


def json_reply(status: int, body: bytes, **headers: str) -> Reply:
    return Reply(status, {"content-type": "application/json; charset=utf-8", **headers}, body)


class _Handler(BaseHTTPRequestHandler):
    server: ScriptedServer
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        received = Received(self.command, self.path, dict(self.headers.items()), body)
        self.server.received.append(received)
        reply = self.server.answer(received)
        self.send_response(reply.status)
        headers = {key.lower(): value for key, value in reply.headers.items()}
        headers.setdefault("content-length", str(len(reply.body)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        try:
            if reply.trickle is None:
                self.wfile.write(reply.body)
                return
            for index in range(len(reply.body)):
                self.wfile.write(reply.body[index : index + 1])
                self.wfile.flush()
                time.sleep(reply.trickle)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True

    do_GET = do_POST = do_PUT = do_DELETE = _handle


class ScriptedServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.received: list[Received] = []
        self.answer: Callable[[Received], Reply] = lambda _: Reply(404)

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # clients that give up mid-answer are expected here

    @property
    def root_url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}"


@contextmanager
def scripted_server() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
