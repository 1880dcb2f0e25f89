"""The loopback HTTP server in front of a fake deployment (the I/O edge).

A `ThreadingHTTPServer` on 127.0.0.1: each connection gets a thread, so
sync and async clients, several at once, all work; the fake's state is
guarded by its own locks.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, cast
from urllib.parse import parse_qsl, urlsplit

from ._http import ReceivedRequest, Reply

__all__ = ["LoopbackServer"]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: tests read `FakeTaskcluster.requests` instead."""

    def _body(self) -> bytes:
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            chunks: list[bytes] = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("content-length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self) -> None:
        body = self._body()
        split = urlsplit(self.path)
        host, _, port = (self.headers.get("host") or "127.0.0.1").partition(":")
        headers = {key.lower(): value for key, value in self.headers.items()}
        request = ReceivedRequest(
            method=self.command,
            path=split.path,
            query=dict(parse_qsl(split.query, keep_blank_values=True)),
            headers=headers,
            body=body,
            target=self.path,
            host=host.lower(),
            port=int(port) if port else 80,
        )
        reply = cast("_Server", self.server).answer(request)
        self.send_response(reply.status)
        headers = {key.lower(): value for key, value in reply.headers.items()}
        if reply.status != 204 and self.command != "HEAD":
            headers.setdefault("content-length", str(len(reply.body)))
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
        if reply.status != 204 and self.command != "HEAD":
            self.wfile.write(reply.body)

    # http.server's names for the handlers of each method.
    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle  # noqa: N815


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    answer: Callable[[ReceivedRequest], Reply]


class LoopbackServer:
    """Serves `answer(request)` on 127.0.0.1 (an ephemeral port unless given)."""

    def __init__(self, answer: Callable[[ReceivedRequest], Reply], port: int = 0) -> None:
        self._server = _Server(("127.0.0.1", port), _Handler)
        self._server.answer = answer
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="taskcluster-fake",
            daemon=True,
        )
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
