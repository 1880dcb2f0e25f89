"""Session-level checks: a missing broker or Node.js stops the run with one line.

Only the prerequisites of the tests this run selected are checked (`-m "not
rabbitmq"` runs without a broker). The run fails, it never skips: CI
(`.ci/run`) must not turn green without the tests that need them.
"""

from __future__ import annotations

import pytest

from tests._prerequisites import (
    PrerequisiteError,
    check_broker,
    hawk_installed,
    install_hawk,
    node_tools,
)


def _selected(session: pytest.Session, marker: str) -> bool:
    return any(item.get_closest_marker(marker) is not None for item in session.items)


def pytest_collection_finish(session: pytest.Session) -> None:
    config = session.config
    if config.option.collectonly:
        return
    reporter = config.pluginmanager.get_plugin("terminalreporter")

    def say(line: str) -> None:
        if reporter is not None:
            reporter.write_line(line)

    problems: list[str] = []
    if _selected(session, "rabbitmq"):
        try:
            check_broker()
        except PrerequisiteError as error:
            problems.append(str(error))
    if _selected(session, "node"):
        try:
            _node, npm = node_tools()
            if not hawk_installed():
                install_hawk(npm, say)
        except PrerequisiteError as error:
            problems.append(str(error))
    if problems:
        pytest.exit("\n".join(problems), returncode=pytest.ExitCode.USAGE_ERROR)
