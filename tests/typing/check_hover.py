"""Prove the schema descriptions reach the IDE: hover through pyright's language server.

VS Code's Pylance and other editors show what pyright's language server
answers to `textDocument/hover`. This starts `pyright-langserver --stdio`
(the pyright package of the typecheck group), opens a small program that
uses the SDK, hovers over a model field, a model class, an API method and a
deprecated one, and checks each answer carries the text of the schema or
reference it came from (read here from schemas/ and references/, not from
the generated code). Run by `nox -s typecheck`; exits non-zero naming each
hover that lacks its text.
"""

from __future__ import annotations

import json
import os
import queue
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any, cast

ROOT = Path(__file__).resolve().parent.parent.parent
# Not a file on disk: the server analyses the text it is sent (as an editor's unsaved buffer).
PROGRAM_PATH = ROOT / "tests" / "typing" / "_hover_probe.py"
PROGRAM = """\
from taskcluster_sdk import Queue
from taskcluster_sdk.models.queue import Task


def probe(queue: Queue, task: Task) -> None:
    print(task.deadline)
    queue.createTask("t", task)  # type: ignore[arg-type]
    queue.claimTask("t", 0, {"workerGroup": "g", "workerId": "w"})
"""
STARTUP_SECONDS = 60.0
REQUEST_SECONDS = 120.0  # the first hover waits for the SDK's modules to be analysed


def _first_sentence(text: str) -> str:
    """The first line of a description, as it appears in a docstring (whitespace collapsed)."""
    return " ".join(text.strip().splitlines()[0].split())


def _schema(path: str) -> dict[str, Any]:
    return cast(dict[str, Any], json.loads((ROOT / "schemas" / path).read_text(encoding="utf-8")))


def _entry(service: str, name: str) -> dict[str, Any]:
    reference = json.loads(
        (ROOT / "references" / service / "v1" / "api.json").read_text(encoding="utf-8")
    )
    return next(e for e in reference["entries"] if e["name"] == name)


def _expectations() -> list[tuple[str, str, int, list[str]]]:
    """(what, the word hovered, its line in PROGRAM, texts the hover must show)."""
    task = _schema("queue/v1/task.json")
    create = _entry("queue", "createTask")
    claim = _entry("queue", "claimTask")
    return [
        (
            "model field Task.deadline",
            "deadline",
            5,
            [_first_sentence(task["properties"]["deadline"]["description"])],
        ),
        ("model class Task", "Task", 4, [_first_sentence(task["description"])]),
        (
            "method Queue.createTask",
            "createTask",
            6,
            [create["title"], "Args:", "taskId:", "queue:create-task:"],
        ),
        ("deprecated method Queue.claimTask", "claimTask", 7, [claim["title"], "Deprecated"]),
    ]


class LanguageServer:
    """A JSON-RPC client over the server's stdin/stdout (LSP base protocol)."""

    def __init__(self, command: list[str]) -> None:
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            cwd=ROOT,
            env={
                **os.environ,
                "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            },
        )
        self.messages: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.next_id = 0
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        stream = self.process.stdout
        assert stream is not None
        while True:
            length = None
            while True:
                line = stream.readline()
                if not line:
                    self.messages.put(None)
                    return
                if line in (b"\r\n", b"\n"):
                    break
                name, _, value = line.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value.strip())
            if length is not None:
                self.messages.put(json.loads(stream.read(length)))

    def send(self, message: dict[str, Any]) -> None:
        body = json.dumps({"jsonrpc": "2.0", **message}).encode()
        stream = self.process.stdin
        assert stream is not None
        stream.write(b"Content-Length: %d\r\n\r\n" % len(body) + body)
        stream.flush()

    def notify(self, method: str, params: dict[str, Any]) -> None:
        self.send({"method": method, "params": params})

    def request(self, method: str, params: dict[str, Any], timeout: float) -> Any:
        self.next_id += 1
        wanted = self.next_id
        self.send({"id": wanted, "method": method, "params": params})
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no answer to {method} within {timeout:.0f} s")
            try:
                message = self.messages.get(timeout=left)
            except queue.Empty:
                continue
            if message is None:
                stderr = self.process.stderr.read().decode() if self.process.stderr else ""
                raise RuntimeError(f"the language server exited during {method}: {stderr[-2000:]}")
            if "method" in message and "id" in message:
                self._answer_server(message)
            elif message.get("id") == wanted:
                if "error" in message:
                    raise RuntimeError(f"{method} failed: {message['error']}")
                return message.get("result")

    def _answer_server(self, message: dict[str, Any]) -> None:
        """Requests from the server: its settings (the interpreter with the SDK), registrations."""
        if message["method"] == "workspace/configuration":
            items = message["params"]["items"]
            result = [
                {"pythonPath": sys.executable} if item.get("section") == "python" else {}
                for item in items
            ]
        else:
            result = None
        self.send({"id": message["id"], "result": result})

    def close(self) -> None:
        try:
            self.request("shutdown", {}, 10)
            self.notify("exit", {})
            self.process.wait(timeout=10)
        except (TimeoutError, RuntimeError, OSError, subprocess.TimeoutExpired):
            self.process.kill()
            self.process.wait()


def _hover_text(result: Any) -> str:
    if not result:
        return ""
    contents = result["contents"]
    if isinstance(contents, dict):
        return str(cast(dict[str, Any], contents)["value"])
    if isinstance(contents, list):
        parts: list[Any] = cast(list[Any], contents)
        return "\n".join(
            str(cast(dict[str, Any], part)["value"]) if isinstance(part, dict) else str(part)
            for part in parts
        )
    return str(contents)


def _normal(text: str) -> str:
    # Markdown hovers escape some characters and wrap lines; compare words.
    return " ".join(text.replace("\\", "").split())


def main() -> int:
    server_command = shutil.which("pyright-langserver")
    if server_command is None:
        print(
            "pyright-langserver is not on PATH (the typecheck group installs it)", file=sys.stderr
        )
        return 1
    server = LanguageServer([server_command, "--stdio"])
    failures = 0
    try:
        server.request(
            "initialize",
            {
                "processId": os.getpid(),
                "rootUri": ROOT.as_uri(),
                "workspaceFolders": [{"uri": ROOT.as_uri(), "name": "taskcluster-sdk"}],
                "capabilities": {
                    "textDocument": {"hover": {"contentFormat": ["markdown", "plaintext"]}},
                    "workspace": {"configuration": True},
                },
            },
            STARTUP_SECONDS,
        )
        server.notify("initialized", {})
        uri = PROGRAM_PATH.as_uri()
        server.notify(
            "textDocument/didOpen",
            {"textDocument": {"uri": uri, "languageId": "python", "version": 1, "text": PROGRAM}},
        )
        lines = PROGRAM.splitlines()
        for what, word, line, wanted in _expectations():
            column = lines[line].find(word)
            assert column >= 0, f"{word!r} is not on line {line} of the probe"
            result = server.request(
                "textDocument/hover",
                {"textDocument": {"uri": uri}, "position": {"line": line, "character": column + 1}},
                REQUEST_SECONDS,
            )
            text = _normal(_hover_text(result))
            missing = [piece for piece in wanted if _normal(piece) not in text]
            if missing:
                failures += 1
                print(f"hover over {what}: missing {missing}; the hover said: {text[:600]!r}")
            else:
                print(f"hover over {what}: ok ({len(text)} characters)")
    except (TimeoutError, RuntimeError) as error:
        print(f"pyright-langserver: {error}", file=sys.stderr)
        return 1
    finally:
        server.close()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
