"""The official Taskcluster clients' own test vectors (tests/fixtures/vectors/README.md)."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import httpx
import pytest

# The module-scoped Node server that checks Hawk with the `hawk` npm library.
from test_hawk_node import root_url  # noqa: F401  # pyright: ignore[reportUnusedImport]

from taskcluster_sdk import Credentials, Queue
from taskcluster_sdk._config import resolve_config
from taskcluster_sdk._endpoint import Endpoint, ServiceInfo
from taskcluster_sdk._hawk import hawk_ext
from taskcluster_sdk._payload import encode_payload
from taskcluster_sdk._urls import SignedURLBuilder, URLBuilder
from taskcluster_sdk._utils import _parse_offset  # pyright: ignore[reportPrivateUsage]
from taskcluster_sdk.utils import (
    InvalidCredentialsError,
    create_temporary_credentials,
    from_now,
    slugid,
    stringify_date,
)

VECTORS = Path(__file__).parent / "fixtures" / "vectors"


def _load(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / name).read_text())


def _date(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _ids(cases: list[dict[str, Any]], key: str) -> list[str]:
    return [repr(case[key]) for case in cases]


def test_every_vector_file_names_its_source() -> None:
    files = sorted(VECTORS.glob("*.json"))
    assert len(files) == 7
    for file in files:
        data = json.loads(file.read_text())
        assert data["source"] and data["note"], file


# --------------------------------------------------------------------------
# fromNow / parseTime

FROM_NOW = _load("from_now.json")


@pytest.mark.parametrize("case", FROM_NOW["parse"], ids=lambda c: f"{c['expr']}:{c['unit']}")
def test_parse_time(case: dict[str, Any]) -> None:
    sign, amounts = _parse_offset(case["expr"])
    assert sign * amounts[case["unit"]] == case["value"]


@pytest.mark.parametrize("case", FROM_NOW["from"], ids=lambda c: c["expr"])
def test_from_now_from_a_date(case: dict[str, Any]) -> None:
    result = from_now(case["expr"], _date(case["from"]))
    assert result == _date(case["result"])
    assert stringify_date(result) == case["result"]


@pytest.mark.parametrize("case", FROM_NOW["relative"], ids=lambda c: repr(c["expr"]))
def test_from_now_relative_to_now(case: dict[str, Any]) -> None:
    before = datetime.now(timezone.utc)
    result = from_now(case["expr"])
    after = datetime.now(timezone.utc)
    expected = timedelta(days=case["days"])
    assert before + expected <= result <= after + expected


# --------------------------------------------------------------------------
# stringDate, dumpJson, slugId

DATES = _load("stringify_date.json")


def _datetime(parts: list[int], tz: int | None) -> datetime:
    zone = None if tz is None else timezone(timedelta(minutes=tz))
    return datetime(*parts, tzinfo=zone)


@pytest.mark.parametrize("case", DATES["dates"], ids=lambda c: c["string"])
def test_stringify_date(case: dict[str, Any]) -> None:
    assert stringify_date(_datetime(case["date"], case["tz"])) == case["string"]


@pytest.mark.parametrize("case", DATES["json"], ids=lambda c: c["json"])
def test_dates_in_a_json_payload(case: dict[str, Any]) -> None:
    # A method without an input schema sends the payload as given, dates as strings.
    endpoint = Endpoint("x", "POST", "/x")
    payload = {"date": _datetime(case["date"], case["tz"])}
    assert encode_payload(endpoint, payload, None).decode() == case["json"]


@pytest.mark.parametrize("case", _load("slugid.json")["nice"], ids=lambda c: c["uuid"])
def test_slugid_is_nice(case: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uuid, "uuid4", lambda: uuid.UUID(case["uuid"]))
    assert slugid() == case["slug"]


# --------------------------------------------------------------------------
# temporary credentials and Hawk ext

TEMPORARY = _load("temporary_credentials.json")


@pytest.mark.parametrize("case", TEMPORARY["static"], ids=lambda c: c["description"])
def test_temporary_credentials_byte_for_byte(case: dict[str, Any]) -> None:
    permanent = case["permCreds"]
    expected = case["expectedTempCreds"]
    credentials = create_temporary_credentials(
        permanent["clientId"],
        permanent["accessToken"],
        _date(case["start"]),
        _date(case["expiry"]),
        case["tempCredsScopes"],
        name=case["tempCredsName"] or None,
        _seed=case["seed"],
    )
    assert credentials.client_id == expected["clientId"]
    assert credentials.access_token == expected["accessToken"]
    assert credentials.certificate == expected["certificate"]
    # authorizedScopes travel next to the certificate in Hawk's ext.
    ext = json.loads(base64.b64decode(hawk_ext(credentials, expected["authorizedScopes"])))
    assert ext["certificate"] == json.loads(expected["certificate"])
    assert ext.get("authorizedScopes") == expected["authorizedScopes"]


@pytest.mark.parametrize("case", TEMPORARY["refused"], ids=lambda c: c["description"])
def test_temporary_credentials_refused(case: dict[str, Any]) -> None:
    start = datetime(2020, 1, 1, tzinfo=timezone.utc)
    with pytest.raises(InvalidCredentialsError):
        create_temporary_credentials(
            case["clientId"],
            case["accessToken"],
            start,
            start + timedelta(hours=case["lifetimeHours"]),
            case["scopes"],
        )


EXT = _load("hawk_ext.json")


@pytest.mark.parametrize("case", EXT["permanent"], ids=lambda c: c["description"])
def test_hawk_ext_of_permanent_credentials(case: dict[str, Any]) -> None:
    credentials = Credentials(case["clientId"], case["accessToken"])
    assert hawk_ext(credentials, case["authorizedScopes"]) == case["ext"]


@pytest.mark.parametrize("case", EXT["temporary"], ids=lambda c: c["description"])
def test_hawk_ext_of_temporary_credentials(case: dict[str, Any]) -> None:
    credentials = create_temporary_credentials(
        case["clientId"],
        case["accessToken"],
        from_now("-1 minute"),
        from_now("1 second"),
        case["scopes"],
    )
    ext = json.loads(base64.b64decode(hawk_ext(credentials, case["authorizedScopes"])))
    assert ext["certificate"] == credentials.certificate_object()
    if case["authorizedScopes"] is None:
        assert "authorizedScopes" not in ext
    else:
        assert ext["authorizedScopes"] == case["authorizedScopes"]


# --------------------------------------------------------------------------
# URLs and signed URLs

SIGNED = _load("signed_urls.json")
FAKE = ServiceInfo("fake", "v1")
TEST_ROOT_URL = "https://tc-tests.example.com"


def _endpoint(name: str) -> Endpoint:
    entry = SIGNED["entries"][name]
    return Endpoint(name, "GET", entry["route"], tuple(entry["args"]), tuple(entry["query"]))


@pytest.mark.parametrize("case", SIGNED["urls"], ids=lambda c: c["url"])
def test_method_urls_and_signed_urls(case: dict[str, Any]) -> None:
    config = resolve_config(FAKE, root_url=TEST_ROOT_URL, credentials=Credentials("c", "t"))
    prefix = f"{TEST_ROOT_URL}/api/fake/v1"
    endpoint = _endpoint(case["entry"])
    assert URLBuilder(config)._url(endpoint, case["args"], case["query"]) == prefix + case["url"]
    signed = SignedURLBuilder(config)._signed_url(endpoint, case["args"], case["query"])
    url, _, bewit = signed.rpartition("bewit=")
    assert url == prefix + case["url"] + ("&" if "?" in case["url"] else "?")
    assert bewit


@pytest.mark.parametrize("case", SIGNED["missingArguments"], ids=lambda c: c["entry"])
def test_method_urls_need_every_argument(case: dict[str, Any]) -> None:
    config = resolve_config(FAKE, root_url=TEST_ROOT_URL)
    with pytest.raises(TypeError, match="path argument"):
        URLBuilder(config)._url(_endpoint(case["entry"]), case["args"], None)


@pytest.mark.node
@pytest.mark.parametrize("case", SIGNED["expiry"], ids=lambda c: str(c["expiresIn"]))
def test_signed_url_expiry_as_the_hawk_library_sees_it(
    root_url: str,  # noqa: F811
    case: dict[str, Any],
) -> None:
    temporary = create_temporary_credentials(
        "tester", "no-secret", from_now("-5 minutes"), from_now("1 hour"), ["queue:*"]
    )
    with Queue(root_url=root_url, credentials=temporary) as queue:
        url = queue.signed_urls.task("fN1SbArXTPSVFNUvaOlinQ", expires_in=case["expiresIn"])
    assert httpx.get(url).status_code == case["status"]


URLS = _load("urls.json")


@pytest.mark.parametrize("root", URLS["rootUrls"])
@pytest.mark.parametrize("case", URLS["api"], ids=lambda c: c["expected"])
def test_api_urls_from_root_urls(root: str, case: dict[str, Any]) -> None:
    routes = [args for args in case["argSets"] if args[2].startswith("/") and args[2][1] != "/"]
    assert routes
    for service, version, route in routes:
        config = resolve_config(ServiceInfo(service, version), root_url=root)
        assert URLBuilder(config)._url(Endpoint("x", "GET", route), (), None) == case["expected"]


@pytest.mark.parametrize("root", URLS["refusedRootUrls"])
def test_root_urls_that_are_not_urls_are_refused(root: str) -> None:
    with pytest.raises(ValueError, match="root"):
        resolve_config(ServiceInfo("auth", "v1"), root_url=root)


@pytest.mark.parametrize("case", URLS["requests"], ids=lambda c: c["rootUrl"])
def test_request_urls(case: dict[str, Any]) -> None:
    config = resolve_config(ServiceInfo(case["service"], case["version"]), root_url=case["rootUrl"])
    url = URLBuilder(config)._url(Endpoint("x", "GET", case["route"]), (), case["query"])
    assert url == case["url"]
