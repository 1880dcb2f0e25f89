"""`FakeTaskcluster`: a whole fake deployment, on loopback or in process.

Every request, whichever edge it came through (the loopback server, the
in-process httpx transport), goes through `FakeTaskcluster.answer`:
route -> (Hawk) -> typed call record -> (scopes) -> programmed answer, the
stateful queue's, or 501.
"""

from __future__ import annotations

import json
import os
import threading
import traceback
from collections.abc import Generator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .._credentials import Credentials
from ._core import FakeMethod, FakeService, NoAnswerError, dump_output
from ._http import FakeAPIError, ReceivedRequest, Reply, error_reply, json_reply
from ._params import check_url_parameters
from .legacy import SERVICE_NAMES as LEGACY_SERVICE_NAMES
from .legacy import FakeLegacyServices
from .services import SERVICE_NAMES, FakeServices

if TYPE_CHECKING:
    import httpx
    from typing_extensions import Self

    from ._auth import HawkChecker
    from ._pulse import FakePulse
    from ._queue import QueueState
    from ._server import LoopbackServer

__all__ = ["FakeTaskcluster", "UnansweredCallError"]

# Without a server there is no address; `.invalid` never resolves (RFC 2606),
# so a request that escapes the in-process transport fails loudly.
IN_PROCESS_ROOT_URL = "http://taskcluster.fake.invalid"

# The 2014 services answer under `<root_url>/legacy-2014/<service>/<version>`:
# the first path segment never starts a current-platform route (`/api/...`)
# nor the stateful storage (`/_fake/...`).
LEGACY_PREFIX = "legacy-2014"


class UnansweredCallError(AssertionError):
    """The code under test called methods the fake had no answer for (they answered 501)."""


class FakeTaskcluster(FakeServices):
    """A fake Taskcluster deployment for tests: typed, programmable, optionally stateful.

    * `with FakeTaskcluster() as tc:` serves it on 127.0.0.1 (`tc.root_url`;
      `tc.environ()` gives the `TASKCLUSTER_*` variables for `from_env()`).
      Without starting it, `tc.http_client()` / `tc.async_http_client()` are
      httpx clients answered in process, to inject as `http_client=`.
    * `tc.queue.task.returns(Task(...))`, `tc.queue.createTask.handle(fn)`,
      `tc.auth.currentScopes.raises(403)`: one typed `FakeMethod` per API
      method of every service; `.calls` records what was sent.
    * `stateful=True` adds a small in-memory queue and object service
      (tasks, runs, claims, artifacts, task groups): see `tc.state`.
    * `check_auth=True` verifies Hawk as the services do (signatures, payload
      hashes, temporary credentials, authorizedScopes, method scopes) against
      the clients made with `tc.add_client(...)`.
    * `tc.legacy.queue.createTask.returns(...)`: the 2014 platform's fakes
      (Auth, Queue, Scheduler), served at `tc.legacy_base_url("queue")`
      for `taskcluster_sdk.legacy.Queue(base_url=...)`; never stateful.
    * `pulse_url` lets `tc.pulse.publish(binding, message)` send messages,
      and the stateful queue publish its task events, to that AMQP broker
      (under `queue_exchange_prefix`, by default the real
      `exchange/taskcluster-queue/v1/`; listen with
      `QueueEvents(exchange_prefix=...)` for another).

    Programmed answers win over the stateful queue's; a method with neither
    answers 501 (code `NotImplemented`, naming the method) and is listed in
    `tc.unanswered`; `check()` raises `UnansweredCallError` for those.
    """

    def __init__(
        self,
        *,
        stateful: bool = False,
        check_auth: bool = False,
        anonymous_scopes: Sequence[str] = (),
        pulse_url: str | None = None,
        queue_exchange_prefix: str | None = None,
        port: int = 0,
    ) -> None:
        super().__init__()
        self._lock = threading.Lock()
        self._port = port
        self._server: LoopbackServer | None = None
        self._requests: list[ReceivedRequest] = []
        self._unanswered: list[str] = []
        self._errors: list[str] = []
        self._auth: HawkChecker | None = None
        self._state: QueueState | None = None
        self._pulse: FakePulse | None = None
        self._pulse_url = pulse_url
        self._queue_exchange_prefix = queue_exchange_prefix
        self._legacy = FakeLegacyServices()
        if check_auth:
            from ._auth import HawkChecker  # noqa: PLC0415 -- needs the `testing` extra (mohawk)

            self._auth = HawkChecker(anonymous_scopes)
        if stateful:
            from ._queue import QueueState  # noqa: PLC0415

            self._state = QueueState(self)

    # -- lifecycle ------------------------------------------------------------

    def start(self) -> Self:
        """Serve on 127.0.0.1 (idempotent); `root_url` then names the server."""
        if self._server is None:
            from ._server import LoopbackServer  # noqa: PLC0415

            self._server = LoopbackServer(self.answer, self._port)
            if self._pulse_url is not None:
                self.pulse.declare_queue_exchanges()
        return self

    def stop(self) -> None:
        """Stop the server and the Pulse publisher (state and programming stay)."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
        if self._pulse is not None:
            self._pulse.close()
            self._pulse = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def root_url(self) -> str:
        """The loopback server's URL once started; a never-resolving name in process."""
        return self._server.url if self._server is not None else IN_PROCESS_ROOT_URL

    def environ(self, credentials: Credentials | None = None) -> dict[str, str]:
        """The `TASKCLUSTER_*` variables that point `from_env()` clients here.

        Without `credentials` the client id, access token and certificate are
        set empty (so a developer's own credentials never reach a test).
        """
        return {
            "TASKCLUSTER_ROOT_URL": self.root_url,
            "TASKCLUSTER_CLIENT_ID": credentials.client_id if credentials else "",
            "TASKCLUSTER_ACCESS_TOKEN": credentials.access_token if credentials else "",
            "TASKCLUSTER_CERTIFICATE": _certificate_text(credentials),
            "TASKCLUSTER_PROXY_URL": "",
        }

    @property
    def legacy(self) -> FakeLegacyServices:
        """The 2014 platform's fakes: `tc.legacy.queue.createTask.returns(...)`.

        Point a 2014 client at one with `base_url=tc.legacy_base_url("queue")`.
        """
        return self._legacy

    def legacy_base_url(self, service: str) -> str:
        """The `base_url` that points a `taskcluster_sdk.legacy` client at this fake.

        `legacy.Queue(base_url=tc.legacy_base_url("queue"))`; in process,
        add `http_client=tc.http_client()`. `UnknownServiceError` for a name
        other than `auth`, `queue`, `scheduler`.
        """
        fake = self._legacy.service(service)
        return f"{self.root_url}/{LEGACY_PREFIX}/{fake.service_name}/{fake.api_version}"

    @contextmanager
    def patched_environ(
        self, credentials: Credentials | None = None
    ) -> Generator[None, None, None]:
        """Set `environ()` in `os.environ` for the duration (restored after)."""
        saved = {name: os.environ.get(name) for name in self.environ()}
        os.environ.update(self.environ(credentials))
        try:
            yield
        finally:
            for name, value in saved.items():
                if value is None:
                    os.environ.pop(name, None)
                else:
                    os.environ[name] = value

    # -- in-process transport -------------------------------------------------

    def http_client(self) -> httpx.Client:
        """An `httpx.Client` answered in process: `Queue(root_url=tc.root_url, http_client=...)`."""
        from ._inprocess import sync_client  # noqa: PLC0415

        return sync_client(self)

    def async_http_client(self) -> httpx.AsyncClient:
        """An `httpx.AsyncClient` answered in process (for `AsyncQueue(..., http_client=...)`)."""
        from ._inprocess import async_client  # noqa: PLC0415

        return async_client(self)

    # -- auth, state, pulse ---------------------------------------------------

    def add_client(
        self, client_id: str, scopes: Sequence[str] = (), access_token: str | None = None
    ) -> Credentials:
        """Register a permanent client for `check_auth`; returns its credentials."""
        if self._auth is None:
            raise RuntimeError("add_client needs FakeTaskcluster(check_auth=True)")
        return self._auth.add_client(client_id, scopes, access_token)

    @property
    def state(self) -> QueueState:
        """The stateful queue and object service (`FakeTaskcluster(stateful=True)`)."""
        if self._state is None:
            raise RuntimeError("the stateful queue needs FakeTaskcluster(stateful=True)")
        return self._state

    @property
    def pulse(self) -> FakePulse:
        """Publishing typed Pulse messages to the broker at `pulse_url`."""
        with self._lock:
            if self._pulse is None:
                from ._pulse import FakePulse  # noqa: PLC0415

                self._pulse = FakePulse(self._pulse_url, self._queue_exchange_prefix)
            return self._pulse

    @property
    def publishes(self) -> bool:
        """Whether the stateful queue publishes its events (a `pulse_url` was given)."""
        return self._pulse_url is not None

    @property
    def auth_checker(self) -> HawkChecker | None:
        return self._auth

    # -- what happened --------------------------------------------------------

    @property
    def requests(self) -> list[ReceivedRequest]:
        """Every request received, in order (API calls and storage transfers)."""
        with self._lock:
            return list(self._requests)

    @property
    def unanswered(self) -> list[str]:
        """Methods called without an answer (`queue.createTask`), in call order."""
        with self._lock:
            return list(self._unanswered)

    def check(self) -> None:
        """Raise `UnansweredCallError` if a method answered 501, or a handler failed."""
        with self._lock:
            problems = [
                *(
                    f"{name} was called but has no answer"
                    for name in dict.fromkeys(self._unanswered)
                ),
                *self._errors,
            ]
        if problems:
            raise UnansweredCallError("; ".join(problems))

    def reset(self) -> None:
        """Forget programmed answers, call records and requests (the stateful data stays)."""
        with self._lock:
            self._requests.clear()
            self._unanswered.clear()
            self._errors.clear()
        for fake in (*self.built(), *self._legacy.built()):
            fake.reset()

    def _service_created(self, fake: FakeService) -> None:
        if self._state is not None:
            self._state.install(fake)

    # -- the dispatcher -------------------------------------------------------

    def answer(self, request: ReceivedRequest) -> Reply:
        """Answer one HTTP request (what both the server and the transport call)."""
        with self._lock:
            self._requests.append(request)
        if self._state is not None and request.path.startswith(self._state.storage_prefix):
            return self._state.storage(request)
        found = self._route(request)
        if found is None:
            return _not_found(request.path)
        fake, method, params = found
        name = method.spec.name
        try:
            identity = None
            if self._auth is not None:
                identity = self._auth.authenticate(request)
                client_id = identity.client_id
            else:
                client_id = _hawk_id(request.headers.get("authorization"))
            if fake.platform == "current":
                # v106's patterns; the 2014 services' are not known.
                check_url_parameters(fake.service_name, params)
            call, payload = method.make_call(request, client_id, params)
            if self._auth is not None and identity is not None:
                self._auth.authorize(method.spec, params, payload, identity)
            method.record(call)
            result = method.answer(call)
        except FakeAPIError as error:
            return error_reply(
                error.status, error.code, error.message, name, params, _payload_echo(request)
            )
        except NoAnswerError:
            with self._lock:
                self._unanswered.append(method.name)
            return error_reply(
                501,
                "NotImplemented",
                f"FakeTaskcluster: {method.name} has no answer; program it with "
                f"tc.{fake.label.replace('-', '_')}.{name}.returns(...), "
                ".handle(fn) or .raises(...)",
                name,
                params,
            )
        except Exception as error:  # a bug in a test's handler: answer 500, report in check()
            text = "".join(traceback.format_exception_only(type(error), error)).strip()
            with self._lock:
                self._errors.append(f"the handler of {method.name} raised {text}")
            return error_reply(500, "InternalServerError", f"handler raised {text}", name, params)
        if isinstance(result, Reply):
            return result
        if result is None:
            return Reply(204, {"x-for-request-id": "fake"})
        return json_reply(200, dump_output(result))

    def _route(
        self, request: ReceivedRequest
    ) -> tuple[FakeService, FakeMethod[Any, Any], dict[str, str]] | None:
        """The fake and method a path is for: `/api/<svc>/<v>/...` or `/legacy-2014/<svc>/<v>/...`."""
        parts = request.path.split("/", 4)
        if len(parts) < 4:
            return None
        if parts[1] == "api" and parts[2] in SERVICE_NAMES:
            fake = self.service(parts[2])
        elif parts[1] == LEGACY_PREFIX and parts[2] in LEGACY_SERVICE_NAMES:
            fake = self._legacy.service(parts[2])
            # A 2014 base URL names its version; another version is another service.
            if parts[3] != fake.api_version:
                return None
        else:
            return None
        found = fake.route(request.method, "/" + (parts[4] if len(parts) > 4 else ""))
        return None if found is None else (fake, *found)


def _not_found(path: str) -> Reply:
    return error_reply(404, "ResourceNotFound", f"No such API method or service: {path}", "")


def _payload_echo(request: ReceivedRequest) -> Any:
    try:
        return json.loads(request.body) if request.body else {}
    except ValueError:
        return {}


def _hawk_id(header: str | None) -> str | None:
    """The `id` attribute of a Hawk header (unverified)."""
    if not header or not header.startswith("Hawk "):
        return None
    start = header.find('id="')
    if start < 0:
        return None
    end = header.find('"', start + 4)
    return header[start + 4 : end] if end > 0 else None


def _certificate_text(credentials: Credentials | None) -> str:
    if credentials is None or credentials.certificate is None:
        return ""
    if isinstance(credentials.certificate, str):
        return credentials.certificate
    return json.dumps(dict(credentials.certificate), separators=(",", ":"))
