"""A loopback Queue that answers `task(taskId)` and `listTaskGroup` as cheaply as possible.

The server is a bare asyncio `Protocol` speaking just enough HTTP/1.1 with
keep-alive: responses are prebuilt bytes, so the client under test is what
gets measured. It runs in its own process (`python -m benchmarks.loopback`)
so it does not compete for the client's GIL.

`GET /api/queue/v1/task-group/<taskGroupId>/list` serves pages of
`--page-tasks` tasks (`benchmarks.fixtures.task_group_page`, pretty-printed
as the real queue does, and gzipped when the client accepts it, as the real
queue does for bodies over 1 KB); the group, made by
`fixtures.pager_task_group(pages)`, says how many pages there are and each
page's `continuationToken` is the index of the next one.

It does not verify Hawk signatures (that would dominate the cost), but it
refuses requests without a `Hawk` authorization header, so every client has
to sign.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import gzip
import json
from urllib.parse import parse_qs

from benchmarks.fixtures import pages_of, task_definition_body, task_group_page
from benchmarks.processes import ServerProcess

TASK_ROUTE = b"/api/queue/v1/task/"
GROUP_ROUTE = b"/api/queue/v1/task-group/"
GROUP_LIST = b"/list"
DEFAULT_PAGE_TASKS = 1000
# Node's `compression` middleware (what the queue uses) defaults to zlib level 6.
GZIP_LEVEL = 6
_HEADER_END = b"\r\n\r\n"


def _response(status: str, body: bytes, encoding: str | None = None) -> bytes:
    coding = f"Content-Encoding: {encoding}\r\n" if encoding else ""
    head = (
        f"HTTP/1.1 {status}\r\n"
        "Content-Type: application/json; charset=utf-8\r\n"
        f"{coding}"
        f"Content-Length: {len(body)}\r\n"
        "Connection: keep-alive\r\n\r\n"
    )
    return head.encode() + body


def _error(status: str, code: str, message: str) -> bytes:
    body: dict[str, object] = {"code": code, "message": message, "requestInfo": {}}
    return _response(status, json.dumps(body).encode())


TASK_RESPONSE = _response("200 OK", task_definition_body())
UNAUTHORIZED = _error("401 Unauthorized", "AuthenticationFailed", "no Hawk authorization header")
NOT_FOUND = _error(
    "404 Not Found",
    "ResourceNotFound",
    "only GET /api/queue/v1/task/<taskId> and /api/queue/v1/task-group/<taskGroupId>/list",
)
BAD_REQUEST = _error("400 Bad Request", "MalformedRequest", "could not parse the request")


@functools.cache
def page_response(task_group_id: str, page: int, pages: int, tasks: int, gzipped: bool) -> bytes:
    """Page `page` (from 0) of `pages`, built on first request and kept."""
    token = str(page + 1) if page + 1 < pages else None
    body = task_group_page(task_group_id, tasks, token)
    if gzipped:
        return _response("200 OK", gzip.compress(body, GZIP_LEVEL, mtime=0), "gzip")
    return _response("200 OK", body)


def _group_page(target: bytes, lowered: bytes, page_tasks: int) -> bytes:
    path, _, query = target.partition(b"?")
    group = path[len(GROUP_ROUTE) : -len(GROUP_LIST)].decode()
    pages = pages_of(group)
    if pages is None:
        return NOT_FOUND
    token = parse_qs(query.decode()).get("continuationToken", ["0"])[0]
    if not token.isdigit() or int(token) >= pages:
        return BAD_REQUEST
    gzipped = b"accept-encoding:" in lowered and b"gzip" in lowered.split(b"accept-encoding:")[1]
    return page_response(group, int(token), pages, page_tasks, gzipped)


def respond(head: bytes, page_tasks: int = DEFAULT_PAGE_TASKS) -> tuple[bytes, bool]:
    """The response to one request head, and whether to close afterwards."""
    request_line, _, headers = head.partition(b"\r\n")
    parts = request_line.split(b" ")
    if len(parts) != 3:
        return BAD_REQUEST, True
    method, target, version = parts
    lowered = headers.lower()
    close = b"connection: close" in lowered or version == b"HTTP/1.0"
    is_task = target.startswith(TASK_ROUTE) and b"/" not in target[len(TASK_ROUTE) :]
    path = target.partition(b"?")[0]
    is_group = (
        path.startswith(GROUP_ROUTE)
        and path.endswith(GROUP_LIST)
        and path.count(b"/") == GROUP_ROUTE.count(b"/") + 1
    )
    if method != b"GET" or not (is_task or is_group):
        return NOT_FOUND, close
    if b"authorization: hawk " not in lowered:
        return UNAUTHORIZED, close
    if is_group:
        return _group_page(target, lowered, page_tasks), close
    return TASK_RESPONSE, close


def _content_length(head: bytes) -> int:
    for line in head.lower().split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip() == b"content-length":
            return int(value.strip())
    return 0


class HTTPProtocol(asyncio.Protocol):
    """One keep-alive connection; handles pipelined requests in order."""

    def __init__(self, page_tasks: int = DEFAULT_PAGE_TASKS) -> None:
        self._transport: asyncio.Transport | None = None
        self._buffer = b""
        self._page_tasks = page_tasks

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
            reply, close = respond(head, self._page_tasks)
            replies.append(reply)
        self._buffer = buffer
        if replies:
            transport.write(b"".join(replies))
        if close:
            transport.close()


async def serve(host: str, port: int, page_tasks: int = DEFAULT_PAGE_TASKS) -> None:
    """Serve forever, printing the bound port on the first line of stdout."""
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: HTTPProtocol(page_tasks), host, port, backlog=1024)
    bound = server.sockets[0].getsockname()[1]
    print(f"listening {bound}", flush=True)
    async with server:
        await server.serve_forever()


class LoopbackServer(ServerProcess):
    """Runs the loopback Queue in a child process for the duration of a `with`."""

    module = "benchmarks.loopback"

    def __init__(self, host: str = "127.0.0.1", page_tasks: int = DEFAULT_PAGE_TASKS) -> None:
        super().__init__(host)
        self.page_tasks = page_tasks

    def arguments(self) -> list[str]:
        return ["--page-tasks", str(self.page_tasks)]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.loopback")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--page-tasks", type=int, default=DEFAULT_PAGE_TASKS)
    args = parser.parse_args()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args.host, args.port, args.page_tasks))


if __name__ == "__main__":
    main()
