"""Temporary credentials: DESIGN.md vectors and Taskcluster's certificate rules."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from taskcluster_sdk._credentials import Credentials, InvalidCredentialsError
from taskcluster_sdk._tempcreds import create_temporary_credentials

SEED = "A" * 22 + "B" * 22
START = datetime(2020, 1, 1, tzinfo=timezone.utc)
EXPIRY = datetime(2020, 1, 2, tzinfo=timezone.utc)


def test_unnamed_vector() -> None:
    creds = create_temporary_credentials(
        "tester", "no-secret", START, EXPIRY, ["test:a", "test:b"], _seed=SEED
    )
    assert creds.client_id == "tester"
    assert creds.access_token == "x5qV0ncwJTJ-xyplZhotUHgfyd-AOsOq2oO-jD2Z1v8"
    cert = creds.certificate_object()
    assert cert == {
        "version": 1,
        "scopes": ["test:a", "test:b"],
        "start": 1577836800000,
        "expiry": 1577923200000,
        "seed": SEED,
        "signature": "Y0yOuQN0YxgptxDRpkolTCW/ljoIyuRMFEdYfa+84PQ=",
    }


def test_named_vector() -> None:
    creds = create_temporary_credentials(
        "tester", "no-secret", START, EXPIRY, ["test:a"], name="credName", _seed=SEED
    )
    assert creds.client_id == "credName"
    cert = creds.certificate_object()
    assert cert is not None
    assert cert["issuer"] == "tester"
    assert cert["signature"] == "aVP067LWyTkjv1RinA7tnyhbF5eJAcFEiW3UfeXWqnw="


def test_naive_datetimes_are_utc_and_certificate_is_json_text() -> None:
    naive = create_temporary_credentials(
        "tester",
        "no-secret",
        START.replace(tzinfo=None),
        EXPIRY.replace(tzinfo=None),
        ["a"],
        _seed=SEED,
    )
    aware = create_temporary_credentials("tester", "no-secret", START, EXPIRY, ["a"], _seed=SEED)
    assert naive == aware
    assert isinstance(aware.certificate, str)
    assert json.loads(aware.certificate)["start"] == 1577836800000


def test_fresh_seed_each_time() -> None:
    first = create_temporary_credentials("tester", "no-secret", START, EXPIRY, ["a"])
    second = create_temporary_credentials("tester", "no-secret", START, EXPIRY, ["a"])
    assert first.access_token != second.access_token
    cert = first.certificate_object()
    assert cert is not None and len(cert["seed"]) == 44


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"expiry": START + timedelta(days=31, seconds=1)}, ValueError, "at most 31 days"),
        ({"expiry": START}, ValueError, "expiry must be after start"),
        ({"scopes": "test:a"}, TypeError, "not a single str"),
        ({"scopes": ["ok", 3]}, TypeError, "every scope must be a str"),
        ({"start": "2020-01-01"}, TypeError, "start must be a datetime"),
        ({"name": "tester"}, ValueError, "different from the issuer"),
    ],
)
def test_bad_input(kwargs: dict[str, object], error: type[Exception], message: str) -> None:
    arguments: dict[str, object] = {
        "client_id": "tester",
        "access_token": "no-secret",
        "start": START,
        "expiry": EXPIRY,
        "scopes": ["a"],
    }
    arguments.update(kwargs)
    with pytest.raises(error, match=message):
        create_temporary_credentials(**arguments)  # type: ignore[arg-type]


def test_exactly_31_days_is_allowed() -> None:
    creds = create_temporary_credentials(
        "tester", "no-secret", START, START + timedelta(days=31), []
    )
    assert creds.certificate_object() is not None


# --------------------------------------------------------------------------
# text that would change what the certificate signature covers


def _make(**kwargs: object) -> object:
    arguments: dict[str, object] = {
        "client_id": "tester",
        "access_token": "no-secret",
        "start": START,
        "expiry": EXPIRY,
        "scopes": ["a"],
        "_seed": SEED,
    }
    arguments.update(kwargs)
    return create_temporary_credentials(**arguments)  # type: ignore[arg-type]


def test_a_scope_with_a_newline_is_refused_and_cannot_sign_like_two_scopes() -> None:
    # Taskcluster signs the scopes one per line: "a\nb" would sign exactly like ["a", "b"].
    two = _make(scopes=["a", "b"])
    with pytest.raises(InvalidCredentialsError, match=r"scopes\[0\] 'a\\nb' has a character"):
        _make(scopes=["a\nb"])
    assert isinstance(two, Credentials)


@pytest.mark.parametrize("scope", ["a\rb", "tab\there", "nul\0", "é", "\x7f"])
def test_scopes_must_be_printable_ascii_as_the_auth_service_requires(scope: str) -> None:
    with pytest.raises(InvalidCredentialsError, match=r"scopes\[1\]"):
        _make(scopes=["fine", scope])


def test_a_name_cannot_inject_a_line_into_the_certificate() -> None:
    with pytest.raises(InvalidCredentialsError, match=r"^name 'x\\nissuer:evil' has a character"):
        _make(name="x\nissuer:evil")
    with pytest.raises(InvalidCredentialsError, match="name"):
        _make(name='quote"d')


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"client_id": "test\ner"}, "client_id"),
        ({"access_token": "no-secr\u00e9t"}, "access_token"),
        ({"access_token": ""}, "access_token"),
        ({"client_id": ""}, "client_id"),
    ],
)
def test_unusable_issuer_credentials_name_the_field(kwargs: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidCredentialsError, match=f"^{field} ") as raised:
        _make(**kwargs)
    assert "no-secr" not in str(raised.value)


def test_empty_scopes_and_scope_sets_stay_allowed() -> None:
    # The auth service accepts an empty scope (printable ASCII, length 0) and no scopes.
    assert isinstance(_make(scopes=[""]), Credentials)
    assert isinstance(_make(scopes=[]), Credentials)
