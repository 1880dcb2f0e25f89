"""A loopback Queue that answers `task(taskId)` as cheaply as possible.

The server is a bare asyncio `Protocol` speaking just enough HTTP/1.1 with
keep-alive: responses are prebuilt bytes, so the client under test is what
gets measured. It runs in its own process (`python -m benchmarks.loopback`)
so it does not compete for the client's GIL.

It does not verify Hawk signatures (that would dominate the cost), but it
refuses requests without a `Hawk` authorization header, so every client has
to sign.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import subprocess
import sys
from pathlib import Path
from types import TracebackType

from benchmarks.fixtures import task_definition_body

TASK_ROUTE = b"/api/queue/v1/task/"
_HEADER_END = b"\r\n\r\n"
_ROOT = Path(__file__).resolve().parent.parent


def _response(status: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        f"Content-Length: {len(body)}\r\n"
        "Connection: keep-alive\r\n\r\n"
    )
    return head.encode() + body


def _error(status: str, code: str, message: str) -> bytes:
    body: dict[str, object] = {"code": code, "message": message, "requestInfo": {}}
    return _response(status, json.dumps(body).encode())


TASK_RESPONSE = _response("200 OK", task_definition_body())
UNAUTHORIZED = _error("401 Unauthorized", "AuthenticationFailed", "no Hawk authorization header")
NOT_FOUND = _error("404 Not Found", "ResourceNotFound", "only GET /api/queue/v1/task/<taskId>")
BAD_REQUEST = _error("400 Bad Request", "MalformedRequest", "could not parse the request")


def respond(head: bytes) -> tuple[bytes, bool]:
    """The response to one request head, and whether to close afterwards."""
    request_line, _, headers = head.partition(b"\r\n")
    parts = request_line.split(b" ")
    if len(parts) != 3:
        return BAD_REQUEST, True
    method, target, version = parts
    lowered = headers.lower()
    close = b"connection: close" in lowered or version == b"HTTP/1.0"
    if method != b"GET" or not target.startswith(TASK_ROUTE) or b"/" in target[len(TASK_ROUTE) :]:
        return NOT_FOUND, close
    if b"authorization: hawk " not in lowered:
        return UNAUTHORIZED, close
    return TASK_RESPONSE, close


def _content_length(head: bytes) -> int:
    for line in head.lower().split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip() == b"content-length":
            return int(value.strip())
    return 0


class HTTPProtocol(asyncio.Protocol):
    """One keep-alive connection; handles pipelined requests in order."""

    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._buffer = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport

    def data_received(self, data: bytes) -> None:
        transport = self._transport
        assert transport is not None
        buffer = self._buffer + data if self._buffer else data
        replies: list[bytes] = []
        close = False
        while not close:
            end = buffer.find(_HEADER_END)
            if end < 0:
                break
            head = buffer[:end]
            # Requests with a body (never sent by the benchmarks) are skipped whole.
            length = _content_length(head) if b"content-length" in head.lower() else 0
            if len(buffer) < end + 4 + length:
                break
            buffer = buffer[end + 4 + length :]
            reply, close = respond(head)
            replies.append(reply)
        self._buffer = buffer
        if replies:
            transport.write(b"".join(replies))
        if close:
            transport.close()


async def serve(host: str, port: int) -> None:
    """Serve forever, printing the bound port on the first line of stdout."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(HTTPProtocol, host, port, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    print(f"listening {bound}", flush=True)
    async with server:
        await server.serve_forever()


class LoopbackServer:
    """Runs the loopback Queue in a child process for the duration of a `with`."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = 0
        self._process: subprocess.Popen[str] | None = None

    @property
    def root_url(self) -> str:
        """The Taskcluster root URL clients should use."""
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> LoopbackServer:
        command = [sys.executable, "-m", "benchmarks.loopback", "--host", self.host]
        process = subprocess.Popen(command, cwd=_ROOT, stdout=subprocess.PIPE, text=True)
        self._process = process
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line.startswith("listening "):
            process.kill()
            process.wait()
            raise RuntimeError(f"loopback server did not start (said {line!r})")
        self.port = int(line.split()[1])
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        process = self._process
        if process is None:
            return
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if process.stdout is not None:
            process.stdout.close()
        self._process = None


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.loopback")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
