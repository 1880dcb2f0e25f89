"""A missing broker or Node.js is one clear line; `npm ci` shows its progress and has a limit."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests._prerequisites import (
    AMQP_URL,
    AMQP_URL_VARIABLE,
    HAWK_NODE_DIR,
    PrerequisiteError,
    amqp_url,
    check_broker,
    hawk_installed,
    install_hawk,
    node_tools,
    redacted,
)

PROJECT = Path(__file__).resolve().parent.parent
# Loopback, but not "this machine" to .ci/ensure-rabbitmq, which then never
# tries to start a broker of its own; nothing listens on port 1.
CLOSED_BROKER = "amqp://guest:secret@127.0.0.2:1/"


def _pytest(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _environment(**changes: str) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST_")}
    env.update(changes)
    return env


def _assert_one_line_failure(result: subprocess.CompletedProcess[str], needle: str) -> str:
    output = result.stdout + result.stderr
    assert result.returncode == pytest.ExitCode.USAGE_ERROR, output
    assert "Traceback" not in output and "passed" not in output, output
    [line] = [line for line in output.splitlines() if needle in line]
    assert len(output.splitlines()) < 12, output
    return line


# --------------------------------------------------------------------------
# the session-level checks, as a run sees them


def test_a_missing_broker_stops_the_run_with_one_line() -> None:
    result = _pytest(
        "tests/test_listener.py", env=_environment(**{AMQP_URL_VARIABLE: CLOSED_BROKER})
    )
    line = _assert_one_line_failure(result, "RabbitMQ is not reachable")
    assert "amqp://guest:***@127.0.0.2:1/" in line and "secret" not in line
    assert AMQP_URL_VARIABLE in line and "apt-get install rabbitmq-server" in line


def test_tests_that_need_no_broker_run_without_one() -> None:
    result = _pytest(
        "tests/test_bindings.py", "-q", env=_environment(**{AMQP_URL_VARIABLE: CLOSED_BROKER})
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_missing_node_stops_the_run_with_one_line(tmp_path: Path) -> None:
    empty = tmp_path / "bin"
    empty.mkdir()
    result = _pytest("tests/test_hawk_node.py", env=_environment(PATH=str(empty)))
    line = _assert_one_line_failure(result, "not found on PATH")
    assert "node and npm" in line and "Node.js 18+" in line


def test_node_tools_names_what_is_missing(tmp_path: Path) -> None:
    with pytest.raises(PrerequisiteError, match=r"^node and npm not found on PATH"):
        node_tools(path=str(tmp_path))


# --------------------------------------------------------------------------
# npm ci


@pytest.fixture
def black_hole() -> Iterator[str]:
    """A registry that accepts connections and never answers (what offline can look like)."""
    with socket.create_server(("127.0.0.1", 0), backlog=64) as server:
        yield f"http://127.0.0.1:{server.getsockname()[1]}/"


@pytest.mark.node
def test_npm_ci_gives_up_after_its_limit_and_says_so(tmp_path: Path, black_hole: str) -> None:
    _node, npm = node_tools()
    project = tmp_path / "hawk_node"
    project.mkdir()
    for name in ("package.json", "package-lock.json"):
        shutil.copy2(HAWK_NODE_DIR / name, project / name)
    env = _environment(npm_config_registry=black_hole, npm_config_cache=str(tmp_path / "cache"))
    said: list[str] = []

    with pytest.raises(PrerequisiteError) as raised:
        install_hawk(npm, said.append, directory=project, timeout=5, env=env)

    assert said[0].startswith(f"tests: `npm ci` in {project}")
    assert "gives up after 5 s" in said[0]
    assert str(raised.value).startswith(f"`npm ci` in {project} gave up after 5 s")
    assert "\n" not in str(raised.value)
    assert not hawk_installed(project)


@pytest.mark.node
def test_npm_ci_is_not_run_when_hawk_is_installed(tmp_path: Path) -> None:
    installed = tmp_path / "node_modules" / "hawk"
    installed.mkdir(parents=True)
    (installed / "package.json").write_text("{}")
    said: list[str] = []
    install_hawk("/nonexistent/npm", said.append, directory=tmp_path)
    assert said == []


# --------------------------------------------------------------------------
# the broker address: one variable, honoured by the tests and .ci/ensure-rabbitmq


def test_amqp_url_with_a_vhost_keeps_the_rest() -> None:
    url = urlsplit(amqp_url("test vhost"))
    assert (url.scheme, url.netloc) == urlsplit(AMQP_URL)[:2]
    assert url.path == "/test%20vhost"
    assert amqp_url() == AMQP_URL


def test_redacted_hides_the_password() -> None:
    assert redacted("amqp://user:p%40ss@host:5672/v") == "amqp://user:***@host:5672/v"
    assert redacted("amqp://host/") == "amqp://host/"


def test_a_non_amqp_url_is_refused() -> None:
    with pytest.raises(PrerequisiteError, match=f"^{AMQP_URL_VARIABLE}="):
        check_broker("http://127.0.0.1:5672/")


@pytest.mark.rabbitmq
def test_broker_check_names_a_refused_login() -> None:
    parts = urlsplit(AMQP_URL)
    user = parts.username or "guest"
    wrong = parts._replace(netloc=f"{user}:wrong-password@{parts.hostname}:{parts.port or 5672}")
    with pytest.raises(PrerequisiteError, match="wrong user or password") as raised:
        check_broker(wrong.geturl())
    assert "wrong-password" not in str(raised.value)


@pytest.mark.rabbitmq
def test_broker_check_names_a_missing_vhost() -> None:
    with pytest.raises(PrerequisiteError, match="virtual host 'no-such-vhost'"):
        check_broker(amqp_url("no-such-vhost"))


@pytest.mark.rabbitmq
def test_ensure_rabbitmq_uses_the_variable() -> None:
    ready = subprocess.run(
        ["bash", ".ci/ensure-rabbitmq"],
        cwd=PROJECT,
        env=_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert ready.returncode == 0, ready.stderr
    closed = subprocess.run(
        ["bash", ".ci/ensure-rabbitmq"],
        cwd=PROJECT,
        env=_environment(**{AMQP_URL_VARIABLE: CLOSED_BROKER}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert closed.returncode == 1
    assert "127.0.0.2:1" in closed.stderr and "starting" not in closed.stdout
