"""docs/errors.md lists every exception, and its status/code table is the SDK's mapping."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import taskcluster_sdk.artifacts
import taskcluster_sdk.errors
import taskcluster_sdk.pulse
import taskcluster_sdk.utils
from taskcluster_sdk._errors import api_error_from_response

ROOT = Path(__file__).resolve().parent.parent
DOC = (ROOT / "docs" / "errors.md").read_text(encoding="utf-8")
RECORDED = ROOT / "tests" / "fixtures" / "recorded" / "taskcluster-v106" / "http"
PUBLIC_MODULES = (
    taskcluster_sdk.errors,
    taskcluster_sdk.pulse,
    taskcluster_sdk.artifacts,
    taskcluster_sdk.utils,
)


def _exceptions() -> dict[str, type[BaseException]]:
    found: dict[str, type[BaseException]] = {}
    for module in PUBLIC_MODULES:
        for name in module.__all__:
            value = getattr(module, name)
            if isinstance(value, type) and issubclass(value, BaseException):
                found[name] = value
    return found


def _api_rows() -> list[tuple[str, int, list[str]]]:
    """(class name, status, codes) of the 'Answers from a service' table."""
    section = DOC.split("## Answers from a service", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(\w+)` \| (\d{3}) \| (.*) \|$", section, re.M)
    # Codes are the backticked words outside the parenthesised explanations.
    return [
        (name, int(status), re.findall(r"`(\w+)`", re.sub(r"\([^)]*\)", "", codes)))
        for name, status, codes in rows
    ]


def test_every_public_exception_is_on_the_page() -> None:
    exceptions = _exceptions()
    assert set(taskcluster_sdk.errors.__all__) <= set(exceptions)
    missing = sorted(name for name in exceptions if f"`{name}`" not in DOC)
    assert not missing, f"docs/errors.md does not list {missing}"


def test_every_error_code_of_the_recorded_traffic_is_on_the_page() -> None:
    codes = set()
    for file in RECORDED.glob("*.json"):
        body = json.loads(file.read_text())["response"]["body"]
        if isinstance(body, dict) and isinstance(body.get("code"), str):
            codes.add(body["code"])
    # The codes the recording's README lists.
    assert codes >= {
        "AuthenticationFailed",
        "InsufficientScopes",
        "InputValidationError",
        "MalformedPayload",
        "InvalidRequestArguments",
        "InputError",
        "ResourceNotFound",
        "RequestConflict",
        "InternalServerError",
    }
    documented = {code for _name, _status, row_codes in _api_rows() for code in row_codes}
    assert codes <= documented, sorted(codes - documented)


@pytest.mark.parametrize("row", _api_rows(), ids=lambda row: f"{row[1]}-{row[0]}")
def test_each_row_is_what_the_sdk_raises(row: tuple[str, int, list[str]]) -> None:
    name, status, codes = row
    expected = _exceptions()[name]
    for code in codes or [None]:
        body = json.dumps({"code": code, "message": "m"} if code else {"reason": "r"}).encode()
        error = api_error_from_response(status, body, {}, "GET", "https://tc.example.com/x")
        assert type(error) is expected, (status, code)
        assert error.code == code


def test_every_recorded_error_answer_raises_the_documented_class() -> None:
    by_status_and_code = {
        (status, code): name for name, status, codes in _api_rows() for code in codes or [None]
    }
    checked = 0
    for file in sorted(RECORDED.glob("*.json")):
        response = json.loads(file.read_text())["response"]
        if response["status"] < 400:
            continue
        body = response["body"]
        code = body.get("code") if isinstance(body, dict) else None
        raw = json.dumps(body).encode() if body is not None else b""
        error = api_error_from_response(response["status"], raw, response["headers"], "GET", "u")
        assert type(error).__name__ == by_status_and_code[(response["status"], code)], file.name
        assert error.request_id == response["headers"].get("x-for-request-id")
        checked += 1
    assert checked >= 30
