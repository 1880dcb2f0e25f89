"""What the test suite needs besides Python, checked once per run with one clear line each.

* RabbitMQ for the Pulse listener tests (marker `rabbitmq`): the broker at
  `TASKCLUSTER_SDK_TEST_AMQP_URL`, default `amqp://guest:guest@127.0.0.1:5672/`.
  Every test and `.ci/ensure-rabbitmq` take the address from here.
* Node.js 18+ with npm for the Hawk cross-check (marker `node`): `npm ci` in
  `tests/hawk_node` on first use, with its progress shown and a time limit.

`tests/conftest.py` runs these checks for the tests a run selects and stops
the run with the message when one fails (CI fails, it never skips). The
module imports only the standard library: `.ci/ensure-rabbitmq` runs it with
the system Python (`python3 tests/_prerequisites.py broker-login`).
"""

from __future__ import annotations

import os
import shutil
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

AMQP_URL_VARIABLE = "TASKCLUSTER_SDK_TEST_AMQP_URL"
DEFAULT_AMQP_URL = "amqp://guest:guest@127.0.0.1:5672/"
AMQP_URL = os.environ.get(AMQP_URL_VARIABLE) or DEFAULT_AMQP_URL

HAWK_NODE_DIR = Path(__file__).resolve().parent / "hawk_node"
NODE_MAJOR = 18  # tests/hawk_node/package.json "engines"
# `npm ci` fetches one small package tree; offline, npm's own retries would
# take minutes before it reports anything.
NPM_TIMEOUT = 120.0
_NPM_FETCH = ["--fetch-retries=1", "--fetch-timeout=30000", "--fetch-retry-maxtimeout=10000"]

BROKER_HELP = (
    f"start it (`bash .ci/ensure-rabbitmq`; Debian: `apt-get install rabbitmq-server` then "
    f"`rabbitmq-server -detached`) or point {AMQP_URL_VARIABLE} at another broker"
)


class PrerequisiteError(Exception):
    """A prerequisite of the selected tests is missing; the message is one line."""


def amqp_url(vhost: str = "") -> str:
    """The test broker's URL, with `vhost` instead of its own virtual host when given."""
    if not vhost:
        return AMQP_URL
    parts = urlsplit(AMQP_URL)
    return parts._replace(path="/" + quote(vhost, safe="")).geturl()


def redacted(url: str) -> str:
    """`url` without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return parts._replace(netloc=netloc).geturl()


# --------------------------------------------------------------------------
# RabbitMQ


@dataclass(frozen=True)
class Broker:
    host: str
    port: int
    tls: bool
    user: str
    password: str
    vhost: str

    @classmethod
    def from_url(cls, url: str) -> Broker:
        parts = urlsplit(url)
        if parts.scheme not in ("amqp", "amqps") or not parts.hostname:
            raise PrerequisiteError(
                f"{AMQP_URL_VARIABLE}={redacted(url)!r} is not an amqp:// or amqps:// URL"
            )
        tls = parts.scheme == "amqps"
        vhost = unquote(parts.path[1:]) if len(parts.path) > 1 else "/"
        return cls(
            host=parts.hostname,
            port=parts.port or (5671 if tls else 5672),
            tls=tls,
            user=unquote(parts.username or "guest"),
            password=unquote(parts.password or "guest"),
            vhost=vhost,
        )


def _frame(sock: socket.socket) -> tuple[int, bytes]:
    def exactly(size: int) -> bytes:
        data = b""
        while len(data) < size:
            chunk = sock.recv(size - len(data))
            if not chunk:
                raise OSError("the broker closed the connection")
            data += chunk
        return data

    kind, _channel, size = struct.unpack(">BHI", exactly(7))
    return kind, exactly(size + 1)[:size]


def _method(class_id: int, method_id: int, arguments: bytes) -> bytes:
    payload = struct.pack(">HH", class_id, method_id) + arguments
    return struct.pack(">BHI", 1, 0, len(payload)) + payload + b"\xce"


def _shortstr(text: str) -> bytes:
    data = text.encode()
    return bytes([len(data)]) + data


def _longstr(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data


def _expect(sock: socket.socket, class_id: int, method_id: int, what: str) -> bytes:
    kind, body = _frame(sock)
    if kind == 1 and body[:4] == struct.pack(">HH", 10, 50):  # connection.close
        code = struct.unpack(">H", body[4:6])[0]
        text = body[7 : 7 + body[6]].decode(errors="replace")
        raise PrerequisiteError(f"the broker refused {what}: {code} {text}")
    if kind != 1 or body[:4] != struct.pack(">HH", class_id, method_id):
        raise PrerequisiteError(f"unexpected answer to {what} (not an AMQP 0-9-1 broker?)")
    return body[4:]


def check_broker(url: str = AMQP_URL, timeout: float = 5.0) -> None:
    """Log in and open the virtual host, as the listener tests will; raise if that fails."""
    broker = Broker.from_url(url)
    try:
        raw = socket.create_connection((broker.host, broker.port), timeout=timeout)
    except OSError as error:
        raise PrerequisiteError(
            f"RabbitMQ is not reachable at {redacted(url)} ({error.strerror or error}): "
            f"the Pulse listener tests need it; {BROKER_HELP}"
        ) from None
    stage = "the AMQP handshake"
    try:
        with raw:
            sock = raw
            if broker.tls:
                sock = ssl.create_default_context().wrap_socket(raw, server_hostname=broker.host)
            sock.sendall(b"AMQP\x00\x00\x09\x01")
            _expect(sock, 10, 10, stage)
            stage = f"the login as {broker.user!r} (wrong user or password?)"
            response = f"\0{broker.user}\0{broker.password}".encode()
            start_ok = _longstr(b"") + _shortstr("PLAIN") + _longstr(response) + _shortstr("en_US")
            sock.sendall(_method(10, 11, start_ok))
            tune = _expect(sock, 10, 30, stage)
            channel_max, frame_max, _heartbeat = struct.unpack(">HIH", tune[:8])
            sock.sendall(_method(10, 31, struct.pack(">HIH", channel_max, frame_max, 0)))
            stage = f"virtual host {broker.vhost!r}"
            sock.sendall(_method(10, 40, _shortstr(broker.vhost) + _shortstr("") + b"\x00"))
            _expect(sock, 10, 41, stage)
            sock.sendall(_method(10, 50, struct.pack(">H", 200) + _shortstr("") + b"\0" * 4))
    except (PrerequisiteError, OSError) as error:
        reason = str(error) if isinstance(error, PrerequisiteError) else f"{stage} failed: {error}"
        raise PrerequisiteError(
            f"RabbitMQ at {redacted(url)}: {reason}; the Pulse listener tests need a broker "
            f"they can log in to; {BROKER_HELP}"
        ) from None


# --------------------------------------------------------------------------
# Node.js and the hawk npm library


def node_tools(path: str | None = None) -> tuple[str, str]:
    """`node` and `npm`, checked: on PATH and Node.js new enough."""
    found = {tool: shutil.which(tool, path=path) for tool in ("node", "npm")}
    missing = [tool for tool, where in found.items() if where is None]
    if missing:
        raise PrerequisiteError(
            f"{' and '.join(missing)} not found on PATH: the Hawk cross-check tests "
            f"(tests/test_hawk_node.py) need Node.js {NODE_MAJOR}+ with npm "
            "(Debian: `apt-get install nodejs npm`)"
        )
    node, npm = found["node"], found["npm"]
    assert node is not None and npm is not None
    version = subprocess.run(
        [node, "--version"], capture_output=True, text=True, timeout=30, check=False
    ).stdout.strip()
    major = version.lstrip("v").split(".", 1)[0]
    if not major.isdigit() or int(major) < NODE_MAJOR:
        raise PrerequisiteError(
            f"{node} is Node.js {version or '(unknown version)'}: the Hawk cross-check tests "
            f"need Node.js {NODE_MAJOR}+"
        )
    return node, npm


def hawk_installed(directory: Path = HAWK_NODE_DIR) -> bool:
    return (directory / "node_modules" / "hawk" / "package.json").is_file()


def install_hawk(
    npm: str,
    say: Callable[[str], None],
    *,
    directory: Path = HAWK_NODE_DIR,
    timeout: float = NPM_TIMEOUT,
    env: Mapping[str, str] | None = None,
) -> None:
    """`npm ci` from the checked-in lock file, npm's progress passed to `say` line by line."""
    if hawk_installed(directory):
        return
    say(
        f"tests: `npm ci` in {directory} (first run: hawk from the npm registry; "
        f"gives up after {timeout:.0f} s)"
    )
    command = [npm, "ci", "--no-audit", "--no-fund", "--loglevel=http", *_NPM_FETCH]
    process = subprocess.Popen(
        command,
        cwd=directory,
        env=dict(env) if env is not None else None,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert process.stdout is not None
    lines: list[str] = []

    def relay() -> None:
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line.rstrip())
            say(f"  npm: {line.rstrip()}")

    reader = threading.Thread(target=relay, daemon=True)
    reader.start()
    started = time.monotonic()
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        raise PrerequisiteError(
            f"`npm ci` in {directory} gave up after {timeout:.0f} s without finishing "
            "(offline? the Hawk cross-check tests need the npm registry once; "
            "or copy node_modules/ there from another clone)"
        ) from None
    finally:
        reader.join(timeout=5)
        process.stdout.close()
    if code != 0 or not hawk_installed(directory):
        last = next((line for line in reversed(lines) if line.strip()), "no output")
        raise PrerequisiteError(
            f"`npm ci` in {directory} failed (exit {code}, {time.monotonic() - started:.0f} s): "
            f"{last}"
        )


# --------------------------------------------------------------------------
# command line, for .ci/ensure-rabbitmq


def main(argv: list[str]) -> int:
    """`broker-address`: print `host port`; `broker-login`: exit 0 when a login works."""
    try:
        if argv == ["broker-address"]:
            broker = Broker.from_url(AMQP_URL)
            print(broker.host, broker.port)
            return 0
        if argv == ["broker-login"]:
            check_broker()
            return 0
    except PrerequisiteError as error:
        print(error, file=sys.stderr)
        return 1
    print("usage: python3 tests/_prerequisites.py broker-address|broker-login", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
