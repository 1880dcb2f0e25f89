"""URL building and bewit-signed URLs (checked with mohawk)."""

from __future__ import annotations

import base64
import time
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from mohawk.bewit import check_bewit
from mohawk.exc import TokenExpired
from servers.fake_queue import Queue
from servers.taskcluster import mohawk_bewit_url, running_server

from taskcluster_sdk._credentials import Credentials
from taskcluster_sdk._endpoint import Endpoint
from taskcluster_sdk._tempcreds import create_temporary_credentials
from taskcluster_sdk._urls import build_path, encode_query

TESTER = Credentials("tester", "no-secret")
AWKWARD = "public/build/a b!'()*~é.zip"


def lookup(client_id: str) -> dict[str, str]:
    assert client_id == "tester"
    return {"id": "tester", "key": "no-secret", "algorithm": "sha256"}


def test_path_escaping() -> None:
    endpoint = Endpoint(
        "getArtifact",
        "GET",
        "/task/<taskId>/runs/<runId>/artifacts/<name>",
        ("taskId", "runId", "name"),
    )
    assert build_path(endpoint, ("abc", 0, AWKWARD)) == (
        "/task/abc/runs/0/artifacts/public%2Fbuild%2Fa%20b%21%27%28%29%2A~%C3%A9.zip"
    )


@pytest.mark.parametrize(
    ("args", "error", "message"),
    [
        (("abc",), TypeError, r"takes 3 path argument\(s\) \(taskId, runId, name\), got 1"),
        (("abc", 0, ""), ValueError, "name must not be empty"),
        (("abc", 1.5, "x"), TypeError, "runId must be str or int"),
    ],
)
def test_path_argument_errors(
    args: tuple[object, ...], error: type[Exception], message: str
) -> None:
    endpoint = Endpoint(
        "getArtifact",
        "GET",
        "/task/<taskId>/runs/<runId>/artifacts/<name>",
        ("taskId", "runId", "name"),
    )
    with pytest.raises(error, match=message):
        build_path(endpoint, args)  # type: ignore[arg-type]


def test_query_encoding() -> None:
    assert encode_query(None) == ""
    assert encode_query({"a": None}) == ""
    assert encode_query({"continuationToken": "a b&c=/", "limit": 5, "x": None, "flag": True}) == (
        "?continuationToken=a+b%26c%3D%2F&limit=5&flag=true"
    )
    with pytest.raises(TypeError, match="query argument limit"):
        encode_query({"limit": [1]})


def test_urls() -> None:
    queue = Queue(root_url="https://tc.example.com", credentials=TESTER)
    assert queue.urls.task("abc") == "https://tc.example.com/api/queue/v1/task/abc"
    assert (
        queue.urls.listTaskGroup("g", limit=3)
        == "https://tc.example.com/api/queue/v1/task-group/g/list?limit=3"
    )
    assert queue.urls.getArtifact("t", 0, "a/b").endswith("/artifacts/a%2Fb")


def test_signed_url_passes_mohawk_bewit_check() -> None:
    queue = Queue(root_url="https://tc.example.com", credentials=TESTER)
    for task_id in (
        "abc",
        "a/b c",
        "x" * 30,
    ):  # several bewits: varied base64 alphabets and lengths
        url = queue.signed_urls.task(task_id)
        assert "=" not in url.split("bewit=")[1]  # Hawk's URL-safe base64 without padding
        assert check_bewit(mohawk_bewit_url(url), lookup)
    url_with_query = queue.signed_urls.listTaskGroup("g", limit=3)
    assert "?limit=3&bewit=" in url_with_query
    assert check_bewit(mohawk_bewit_url(url_with_query), lookup)


def test_signed_url_lifetime() -> None:
    queue = Queue(root_url="https://tc.example.com", credentials=TESTER)
    bewit_exp = _exp(queue.signed_urls.task("abc"))
    assert 15 * 60 - 5 <= bewit_exp - time.time() <= 15 * 60 + 1
    short = queue.signed_urls.task("abc", expires_in=60)
    assert _exp(short) - time.time() <= 61
    with pytest.raises(TokenExpired):
        check_bewit(mohawk_bewit_url(short), lookup, now=time.time() + 120)


def _exp(url: str) -> int:
    value = parse_qs(urlsplit(url).query)["bewit"][0]
    decoded = base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    return int(decoded.split("\\")[1])


def test_signed_url_works_against_the_server() -> None:
    with running_server() as server:
        queue = Queue(root_url=server.root_url, credentials=TESTER)
        response = httpx.get(queue.signed_urls.task("abc"))
        assert response.status_code == 200
        assert response.json()["taskId"] == "abc"


def test_signed_url_errors() -> None:
    with pytest.raises(ValueError, match="only GET URLs can be signed"):
        Queue(root_url="https://a", credentials=TESTER).signed_urls.createTask("t")
    with pytest.raises(ValueError, match="signed URLs need credentials"):
        Queue(root_url="https://a").signed_urls.task("t")
    signed = Queue(root_url="https://a", credentials=TESTER).signed_urls
    for bad in (float("nan"), float("inf"), "60", True):
        with pytest.raises(ValueError, match="expires_in must be a finite number"):
            signed.task("t", expires_in=bad)  # type: ignore[arg-type]


@pytest.mark.parametrize("expires_in", [-1, -600])
def test_an_already_expired_signed_url_can_be_built(expires_in: int) -> None:
    """Servers' tests need one (the official JS client's tests sign with expiration -600)."""
    with running_server() as server:
        queue = Queue(root_url=server.root_url, credentials=TESTER)
        url = queue.signed_urls.task("abc", expires_in=expires_in)
        assert _exp(url) <= time.time()
        with pytest.raises(TokenExpired):
            check_bewit(mohawk_bewit_url(url), lookup)
        assert httpx.get(url).status_code == 401


def test_temporary_credentials_sign_urls_with_certificate() -> None:
    now = datetime.now(timezone.utc)
    temp = create_temporary_credentials(
        "tester", "no-secret", now - timedelta(minutes=1), now + timedelta(hours=1), ["q"]
    )
    with running_server() as server:
        queue = Queue(root_url=server.root_url, credentials=temp)
        # The fake server resolves bewits for permanent clients only; the
        # certificate travels in ext, which mohawk checks as part of the MAC.
        url = queue.signed_urls.task("abc")
        assert "bewit=" in url
        assert check_bewit(
            mohawk_bewit_url(url),
            lambda _: {"id": "tester", "key": temp.access_token, "algorithm": "sha256"},
        )
