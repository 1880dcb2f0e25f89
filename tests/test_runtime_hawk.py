"""Hawk signing: DESIGN.md's verified vectors and the public httpx.Auth."""

from __future__ import annotations

import base64
import json

import httpx
import pytest
from servers.taskcluster import running_server

from taskcluster_sdk import _hawk
from taskcluster_sdk._credentials import Credentials
from taskcluster_sdk.auth import HawkAuth

RESOURCE = "/api/auth/v1/test-authenticate-get/"


def test_empty_payload_hash_vector() -> None:
    assert _hawk.EMPTY_PAYLOAD_HASH == "B0weSUXsMcb5UhL41FZbrUJCAotzSI3HawE1NPLRUz8="


def test_header_vector() -> None:
    value = _hawk.header(
        "tester",
        b"no-secret",
        "GET",
        RESOURCE,
        "tc.example.com",
        443,
        _hawk.EMPTY_PAYLOAD_HASH,
        "e30=",
        ts=1600000000,
        nonce="abcdef",
    )
    assert value == (
        'Hawk id="tester", ts="1600000000", nonce="abcdef", '
        'hash="B0weSUXsMcb5UhL41FZbrUJCAotzSI3HawE1NPLRUz8=", ext="e30=", '
        'mac="TX5M5uDRAhPSt98PhYzalu153/F9e6wPiFOUCnKTJiA="'
    )


def test_bewit_vector() -> None:
    value = _hawk.bewit("tester", b"no-secret", RESOURCE, "tc.example.com", 443, 1600000900, "e30=")
    assert value == (
        "dGVzdGVyXDE2MDAwMDA5MDBcTHJVeG5FVU9GMHZnNlhRQjZlUTE1UDUrbFQ4RHcxQ1Z3VmIwZWllaFdRYz1cZTMwPQ"
    )


def test_header_without_ext_omits_it_and_fresh_nonces() -> None:
    args = ("tester", b"k", "GET", "/", "h", 80, _hawk.EMPTY_PAYLOAD_HASH, "")
    first, second = _hawk.header(*args), _hawk.header(*args)
    assert "ext=" not in first
    assert first != second  # a new nonce every time


def test_payload_hash_ignores_content_type_parameters() -> None:
    assert _hawk.payload_hash("application/json; charset=utf-8", b"{}") == _hawk.payload_hash(
        "application/json", b"{}"
    )


def test_ext_contents() -> None:
    creds = Credentials("c", "t", '{"version":1,"seed":"s"}')
    ext = json.loads(base64.b64decode(_hawk.hawk_ext(creds, ["a"])))
    assert ext == {"certificate": {"version": 1, "seed": "s"}, "authorizedScopes": ["a"]}
    assert _hawk.hawk_ext(Credentials("c", "t"), None) == ""
    assert json.loads(base64.b64decode(_hawk.hawk_ext(Credentials("c", "t"), []))) == {
        "authorizedScopes": []
    }


def test_hawk_auth_is_accepted_by_mohawk() -> None:
    with running_server() as server:
        auth = HawkAuth({"clientId": "tester", "accessToken": "no-secret"}, authorized_scopes=["x"])
        with httpx.Client(auth=auth) as http:
            response = http.put(f"{server.root_url}/api/queue/v1/task/a%2Fb?x=1", json={"a": 1})
            assert response.status_code == 200, response.text
            response = http.get(f"{server.root_url}/api/queue/v1/task/abc")
            assert response.status_code == 200, response.text
        assert [seen.client_id for seen in server.state.seen] == ["tester", "tester"]
        assert server.state.seen[0].ext == {"authorizedScopes": ["x"]}
    assert "no-secret" not in repr(auth)


def test_hawk_auth_needs_credentials() -> None:
    with pytest.raises(ValueError, match="needs credentials"):
        HawkAuth(None)  # type: ignore[arg-type]


@pytest.mark.parametrize("key_length", [1, 32, 63, 64, 65, 100, 200])
def test_header_signer_matches_hmac_for_any_key_length(key_length: int) -> None:
    # The signer builds HMAC-SHA256 from pre-keyed states; keys longer than
    # the block size are hashed first (RFC 2104), as hmac.new does.
    key = bytes(range(256))[:key_length]
    signer = _hawk.HeaderSigner("tester", key, "tc.example.com", 443, "e30=")
    value = signer.header("GET", "/api/queue/v1/task/x", "abc=", ts=1600000000, nonce="n1")
    expected = _hawk.header(
        "tester",
        key,
        "GET",
        "/api/queue/v1/task/x",
        "tc.example.com",
        443,
        "abc=",
        "e30=",
        ts=1600000000,
        nonce="n1",
    )
    assert value == expected


def test_header_signer_reproduces_the_known_vector() -> None:
    signer = _hawk.HeaderSigner("tester", b"no-secret", "tc.example.com", 443, "e30=")
    value = signer.header(
        "GET",
        "/api/auth/v1/test-authenticate-get/",
        "B0weSUXsMcb5UhL41FZbrUJCAotzSI3HawE1NPLRUz8=",
        ts=1600000000,
        nonce="abcdef",
    )
    assert 'mac="TX5M5uDRAhPSt98PhYzalu153/F9e6wPiFOUCnKTJiA="' in value


def test_client_config_with_signer_pickles_and_copies() -> None:
    import copy
    import dataclasses
    import pickle

    from taskcluster_sdk import Queue

    config = Queue(
        root_url="https://tc.example.com", credentials=Credentials("tester", "no-secret")
    ).config
    for clone in (
        pickle.loads(pickle.dumps(config)),
        copy.deepcopy(config),
        dataclasses.replace(config),
    ):
        assert clone == config
        assert clone.signer is not None and config.signer is not None
        args = ("GET", "/api/queue/v1/task/x", "abc=")
        assert clone.signer.header(*args, ts=1, nonce="n") == config.signer.header(
            *args, ts=1, nonce="n"
        )
