"""Client configuration: keywords, the environment, proxies, and secrecy."""

from __future__ import annotations

import logging

import pytest
from servers.fake_queue import AsyncQueue, LegacyQueue, Queue
from servers.taskcluster import running_server

from taskcluster_sdk._config import resolve_config
from taskcluster_sdk._credentials import Credentials, InvalidCredentialsError, coerce_credentials
from taskcluster_sdk._endpoint import ServiceInfo
from taskcluster_sdk.errors import TaskclusterError

QUEUE = ServiceInfo("queue", "v1")
ENV_VARS = (
    "TASKCLUSTER_ROOT_URL",
    "TASKCLUSTER_CLIENT_ID",
    "TASKCLUSTER_ACCESS_TOKEN",
    "TASKCLUSTER_CERTIFICATE",
    "TASKCLUSTER_PROXY_URL",
)


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ENV_VARS:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_explicit_keywords() -> None:
    queue = Queue(
        root_url="https://tc.example.com/", credentials=Credentials("c", "secret"), max_retries=2
    )
    config = queue._config
    assert config.api_prefix == "https://tc.example.com/api/queue/v1"
    assert (config.host, config.port, config.path_prefix) == (
        "tc.example.com",
        443,
        "/api/queue/v1",
    )
    assert config.max_retries == 2
    assert queue.root_url == "https://tc.example.com"


def test_no_arguments_reads_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TASKCLUSTER_ROOT_URL", "http://tc.example.com:8080")
    clean_env.setenv("TASKCLUSTER_CLIENT_ID", "env-client")
    clean_env.setenv("TASKCLUSTER_ACCESS_TOKEN", "env-secret")
    clean_env.setenv("TASKCLUSTER_CERTIFICATE", '{"version":1}')
    for queue in (Queue(), Queue.from_env()):
        config = queue._config
        assert config.api_prefix == "http://tc.example.com:8080/api/queue/v1"
        assert config.port == 8080
        assert config.credentials == Credentials("env-client", "env-secret", '{"version":1}')


def test_explicit_root_url_does_not_read_environment_credentials(
    clean_env: pytest.MonkeyPatch,
) -> None:
    clean_env.setenv("TASKCLUSTER_CLIENT_ID", "env-client")
    clean_env.setenv("TASKCLUSTER_ACCESS_TOKEN", "env-secret")
    assert Queue(root_url="https://tc.example.com")._config.credentials is None


def test_explicit_credentials_win_over_environment(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TASKCLUSTER_ROOT_URL", "https://tc.example.com")
    clean_env.setenv("TASKCLUSTER_CLIENT_ID", "env-client")
    clean_env.setenv("TASKCLUSTER_ACCESS_TOKEN", "env-secret")
    queue = Queue(credentials={"clientId": "mine", "accessToken": "t"})
    assert queue._config.credentials == Credentials("mine", "t")


def test_missing_root_url_names_the_variable() -> None:
    with pytest.raises(ValueError, match="TASKCLUSTER_ROOT_URL"):
        Queue()
    with pytest.raises(ValueError, match="TASKCLUSTER_ROOT_URL"):
        AsyncQueue.from_env()


def test_half_set_credentials_are_an_error(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TASKCLUSTER_ROOT_URL", "https://tc.example.com")
    clean_env.setenv("TASKCLUSTER_CLIENT_ID", "env-client")
    with pytest.raises(ValueError, match="TASKCLUSTER_ACCESS_TOKEN is not set"):
        Queue.from_env()


def test_proxy_url_means_unsigned_requests_to_the_proxy(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TASKCLUSTER_ROOT_URL", "https://tc.example.com")
    clean_env.setenv("TASKCLUSTER_CLIENT_ID", "env-client")
    clean_env.setenv("TASKCLUSTER_ACCESS_TOKEN", "env-secret")
    with running_server() as server:
        clean_env.setenv("TASKCLUSTER_PROXY_URL", server.root_url)
        with Queue.from_env() as queue:
            assert queue._config.credentials is None
            queue.task("abc")
        seen = server.state.seen[-1]
        assert seen.raw_path == "/api/queue/v1/task/abc"
        assert "authorization" not in seen.headers


def test_legacy_client_defaults_to_reference_base_url(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("TASKCLUSTER_ROOT_URL", "https://tc.example.com")
    assert LegacyQueue()._config.api_prefix == "https://queue.taskcluster.net/v1"
    assert (
        LegacyQueue(base_url="http://localhost:1234/v1/")._config.api_prefix
        == "http://localhost:1234/v1"
    )
    clean_env.setenv("TASKCLUSTER_PROXY_URL", "http://taskcluster")
    assert LegacyQueue()._config.api_prefix == "http://taskcluster/api/queue/v1"


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"root_url": "tc.example.com"}, "must be an http"),
        ({"root_url": "https://a", "base_url": "https://b"}, "either root_url or base_url"),
        ({"root_url": "https://a", "max_retries": -1}, "max_retries"),
        ({"root_url": "https://a", "max_retries": True}, "max_retries"),
        ({"root_url": "https://a", "timeout": 0}, "timeout"),
        ({"root_url": "https://a", "deadline": -1}, "deadline"),
    ],
)
def test_bad_options(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        resolve_config(QUEUE, **kwargs)  # type: ignore[arg-type]


def test_authorized_scopes_must_be_a_list() -> None:
    with pytest.raises(TypeError, match="not a single str"):
        Queue(root_url="https://a", authorized_scopes="queue:*")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ({"clientId": "c"}, "lacks accessToken"),
        ({"clientId": "c", "accessToken": "t", "extra": 1}, "unknown keys"),
        (("c", "t"), "must be taskcluster_sdk.Credentials, a mapping or an object with clientId"),
    ],
)
def test_bad_credentials(value: object, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        coerce_credentials(value)  # type: ignore[arg-type]


def test_an_answers_credentials_are_taken_as_they_are() -> None:
    from taskcluster_sdk.models.queue import TaskCredentials

    temporary = TaskCredentials(clientId="c", accessToken="t", certificate='{"version": 1}')
    assert coerce_credentials(temporary) == Credentials("c", "t", '{"version": 1}')
    permanent = TaskCredentials(clientId="c", accessToken="t", certificate="")
    assert coerce_credentials(permanent) == Credentials("c", "t")
    with pytest.raises(InvalidCredentialsError, match="TaskCredentials lacks accessToken"):
        coerce_credentials(TaskCredentials(clientId="c", accessToken="", certificate=""))


def test_official_dict_form_including_bytes() -> None:
    creds = coerce_credentials({"clientId": b"c", "accessToken": b"t", "certificate": None})
    assert creds == Credentials("c", "t")


def test_secrets_never_in_repr_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    creds = Credentials("visible-client", "SUPER-SECRET", '{"signature":"CERT-SECRET"}')
    with caplog.at_level(logging.DEBUG):
        queue = Queue(root_url="https://tc.example.com", credentials=creds)
        texts = [repr(creds), str(creds), repr(queue), repr(queue._config)]
    texts += [record.getMessage() for record in caplog.records]
    assert "visible-client" in repr(queue)
    for text in texts:
        assert "SUPER-SECRET" not in text
        assert "CERT-SECRET" not in text


def test_bad_certificate_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="certificate is not valid JSON"):
        Queue(root_url="https://a", credentials=Credentials("c", "t", "{nope"))


# --------------------------------------------------------------------------
# credentials that could never be sent fail when they are made

TOKEN = "A-very-secret-token-0123456789"


@pytest.mark.parametrize(
    ("client_id", "access_token", "field", "what"),
    [
        ("tester\n", TOKEN, "client_id", "U+000A, a control character"),
        ("t\u00e9ster", TOKEN, "client_id", "U+00E9, not ASCII"),
        ("\U0001f4a9", TOKEN, "client_id", "not ASCII"),
        ("tester", TOKEN + "\n", "access_token", "U+000A, a control character"),
        ("tester", TOKEN + "\r", "access_token", "a control character"),
        ("tester", "\U0001f4a9" + TOKEN, "access_token", "not ASCII"),
        ("tester", TOKEN + "\x00", "access_token", "a control character"),
    ],
)
def test_unsendable_credentials_fail_at_construction(
    client_id: str, access_token: str, field: str, what: str
) -> None:
    with pytest.raises(InvalidCredentialsError, match=rf"^Credentials\.{field}") as raised:
        Credentials(client_id, access_token)
    message = str(raised.value)
    assert what in message
    assert TOKEN not in message and "secret" not in message
    assert isinstance(raised.value, TaskclusterError) and isinstance(raised.value, ValueError)


def test_a_client_id_hawk_cannot_quote_is_refused() -> None:
    for client_id in ('a"b', "a\\b"):
        with pytest.raises(InvalidCredentialsError, match="Hawk's header cannot carry"):
            Credentials(client_id, TOKEN)


def test_unsendable_certificates_fail_at_construction() -> None:
    for certificate in ('{"scopes": ["a\\nb"]}', '{"seed": "\\u00e9"}', "[1]", "{nope"):
        with pytest.raises(InvalidCredentialsError, match=r"^Credentials\.certificate") as raised:
            Credentials("tester", TOKEN, certificate)
        assert certificate not in str(raised.value)
    with pytest.raises(InvalidCredentialsError, match=r"^Credentials\.certificate"):
        Credentials("tester", TOKEN, {"scopes": ["\u00e9"]})
    # JSON whitespace between tokens is re-serialised away: harmless.
    assert Credentials("tester", TOKEN, '{\n  "version": 1\n}').certificate_object() == {
        "version": 1
    }


def test_unsendable_credentials_from_the_environment_and_the_dict_form(
    clean_env: pytest.MonkeyPatch,
) -> None:
    clean_env.setenv("TASKCLUSTER_ROOT_URL", "https://tc.example.com")
    clean_env.setenv("TASKCLUSTER_CLIENT_ID", "tester")
    # A token file with its trailing newline, as secret stores often hand them out.
    clean_env.setenv("TASKCLUSTER_ACCESS_TOKEN", TOKEN + "\n")
    with pytest.raises(InvalidCredentialsError, match=r"Credentials\.access_token") as raised:
        Queue()
    assert TOKEN not in str(raised.value)
    with pytest.raises(InvalidCredentialsError, match=r"Credentials\.client_id"):
        Queue(root_url="https://a", credentials={"clientId": "t\u00e9", "accessToken": TOKEN})


def test_printable_ascii_credentials_still_sign_requests() -> None:
    creds = Credentials("static/taskcluster/root!@:.+|_-", "x-_" + TOKEN)
    with running_server() as server:
        queue = Queue(root_url=server.root_url, credentials=creds)
        assert queue._config.signer is not None
