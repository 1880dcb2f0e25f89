"""Hawk checking for the fake deployment, the way Taskcluster's services check it.

Signatures, timestamps (15 minutes of skew) and payload hashes are verified
with `mohawk`, an independent Hawk implementation (the `testing` extra),
over the Content-Type the request *arrived* with (a body-less request hashes
an empty body with an empty type), as libraries/api does. On top of Hawk,
Taskcluster's rules: temporary credentials (the certificate's signature,
key derivation, validity, its scopes within the issuer's), `authorizedScopes`
within the credentials' scopes (401 otherwise), and the method's scope
expression against what is left (403 `InsufficientScopes`). Every request
also has the `anonymous_scopes` (the anonymous role's, as in Taskcluster).
Other roles are not expanded: give a client the scopes its roles would grant.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import importlib
import json
import re
import secrets
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

try:
    # mohawk ships no type information: used through `Any`.
    mohawk: Any = importlib.import_module("mohawk")
    _exc: Any = importlib.import_module("mohawk.exc")
    _bewit: Any = importlib.import_module("mohawk.bewit")
    _util: Any = importlib.import_module("mohawk.util")
except ImportError as error:  # pragma: no cover -- depends on the environment
    raise ImportError(
        "FakeTaskcluster(check_auth=True) needs mohawk: pip install 'taskcluster-sdk[testing]'"
    ) from error

from .._credentials import Credentials
from ._core import MethodSpec
from ._http import FakeAPIError, ReceivedRequest

__all__ = ["HawkChecker", "Identity", "satisfies"]

_SKEW = 15 * 60
_PRIORITIES = ("highest", "very-high", "high", "medium", "low", "very-low", "lowest")


@dataclass(frozen=True, slots=True)
class Identity:
    """Who made a request: the client id (`None` when anonymous) and its effective scopes."""

    client_id: str | None
    scopes: tuple[str, ...]


def _fail(message: str) -> FakeAPIError:
    return FakeAPIError(401, "AuthenticationFailed", message)


def scope_matches(have: str, need: str) -> bool:
    return have == need or (have.endswith("*") and need.startswith(have[:-1]))


def satisfies(scopes: Sequence[str], expression: Any) -> bool:
    """Whether `scopes` satisfy an expanded scope expression (strings, AllOf, AnyOf)."""
    if isinstance(expression, str):
        return any(scope_matches(have, expression) for have in scopes)
    if isinstance(expression, Mapping):
        expr = cast("Mapping[str, Any]", expression)
        if "AllOf" in expr:
            return all(satisfies(scopes, item) for item in expr["AllOf"])
        if "AnyOf" in expr:
            return any(satisfies(scopes, item) for item in expr["AnyOf"])
    raise ValueError(f"not a scope expression: {expression!r}")


class _UnknownParameterError(Exception):
    """The expression names a parameter the fake cannot know."""


def _fill(template: str, params: Mapping[str, Any]) -> str:
    def value(found: re.Match[str]) -> str:
        name = found.group(1)
        if name not in params or not isinstance(params[name], (str, int)):
            raise _UnknownParameterError(name)
        return str(params[name])

    return re.sub(r"<([^>]+)>", value, template)


def expand(expression: Any, params: Mapping[str, Any]) -> Any:
    """Fill `<param>` templates, `for`/`in`/`each` loops and `if`/`then`/`else`.

    `None` means nothing is required (an `if` without `else` that is false);
    `_UnknownParameterError` when a parameter is missing.
    """
    if isinstance(expression, str):
        return _fill(expression, params)
    expr = cast("Mapping[str, Any]", expression)
    for key in ("AllOf", "AnyOf"):
        if key in expr:
            items: list[Any] = []
            for item in expr[key]:
                if isinstance(item, Mapping) and "for" in item:
                    items.extend(_loop(cast("Mapping[str, Any]", item), params))
                else:
                    expanded = expand(item, params)
                    if expanded is not None:
                        items.append(expanded)
            return {key: items}
    if "for" in expr:
        return {"AllOf": _loop(expr, params)}
    if "if" in expr:
        condition = params.get(expr["if"])
        if not isinstance(condition, bool):
            raise _UnknownParameterError(expr["if"])
        branch = expr.get("then") if condition else expr.get("else")
        return None if branch is None else expand(branch, params)
    raise ValueError(f"not a scope expression: {expression!r}")


def _loop(item: Mapping[str, Any], params: Mapping[str, Any]) -> list[Any]:
    values = params.get(item["in"])
    if not isinstance(values, list):
        raise _UnknownParameterError(item["in"])
    return [
        expand(item["each"], {**params, item["for"]: value}) for value in cast("list[Any]", values)
    ]


def _params(spec: MethodSpec, path: Mapping[str, str], payload: Any) -> dict[str, Any]:
    """The parameters the services hand to `req.authorize`, as far as the fake can tell."""
    params: dict[str, Any] = {}
    if isinstance(payload, Mapping):
        params.update(cast("Mapping[str, Any]", payload))
    params.update(path)
    if "name" in path:
        params.setdefault("names", [path["name"]])
    if spec.name == "createTask" and isinstance(payload, Mapping):
        body = cast("Mapping[str, Any]", payload)
        queue = str(
            body.get("taskQueueId") or f"{body.get('provisionerId')}/{body.get('workerType')}"
        )
        provisioner, _, worker_type = queue.partition("/")
        priority = body.get("priority", "lowest")
        level = _PRIORITIES.index(priority) if priority in _PRIORITIES else len(_PRIORITIES) - 1
        params.update(
            scopes=list(body.get("scopes", [])),
            routes=list(body.get("routes", [])),
            projectId=body.get("projectId", "none"),
            schedulerId=body.get("schedulerId", "-"),
            provisionerId=provisioner,
            workerType=worker_type,
            priorities=list(_PRIORITIES[: level + 1]),
        )
    return params


@dataclass
class _Client:
    access_token: str
    scopes: tuple[str, ...]


class HawkChecker:
    """Known clients and the checks of one fake deployment."""

    def __init__(
        self, anonymous_scopes: Sequence[str] = (), clock: Callable[[], float] = time.time
    ) -> None:
        self._clock = clock  # tests pin it to check published vectors
        self._clients: dict[str, _Client] = {}
        self._lock = threading.Lock()
        self.anonymous_scopes: tuple[str, ...] = tuple(anonymous_scopes)

    def add_client(
        self, client_id: str, scopes: Sequence[str], access_token: str | None = None
    ) -> Credentials:
        credentials = Credentials(client_id, access_token or secrets.token_urlsafe(33))
        with self._lock:
            self._clients[client_id] = _Client(credentials.access_token, tuple(scopes))
        return credentials

    def _client(self, client_id: str) -> _Client:
        with self._lock:
            client = self._clients.get(client_id)
        if client is None:
            raise _fail(f"Client with clientId '{client_id}' not found")
        return client

    def _key_and_scopes(
        self, client_id: str, ext: Mapping[str, Any]
    ) -> tuple[str, tuple[str, ...]]:
        certificate = ext.get("certificate")
        if certificate is None:
            client = self._client(client_id)
            return client.access_token, client.scopes
        if isinstance(certificate, str):
            try:
                certificate = json.loads(certificate)
            except ValueError:
                raise _fail("ext.certificate is not valid JSON") from None
        if not isinstance(certificate, Mapping):
            raise _fail("ext.certificate must be a JSON object")
        cert = cast("Mapping[str, Any]", certificate)
        if cert.get("version") != 1:
            raise _fail("ext.certificate.version must be 1")
        issuer_id = str(cert.get("issuer", client_id))
        if "issuer" in cert and issuer_id == client_id:
            raise _fail("ext.certificate.issuer must differ from the supplied clientId")
        issuer = self._client(issuer_id)
        now = self._clock() * 1000
        if cert["start"] > now + _SKEW * 1000:
            raise _fail("ext.certificate.start > now")
        if cert["expiry"] < now - _SKEW * 1000:
            raise _fail("ext.certificate.expiry < now")
        if cert["expiry"] - cert["start"] > 31 * 24 * 3600 * 1000:
            raise _fail("ext.certificate cannot last longer than 31 days!")
        lines = ["version:1"]
        if "issuer" in cert:
            lines += [f"clientId:{client_id}", f"issuer:{issuer_id}"]
        lines += [
            f"seed:{cert['seed']}",
            f"start:{cert['start']}",
            f"expiry:{cert['expiry']}",
            "scopes:",
            *cert["scopes"],
        ]
        key = issuer.access_token.encode()
        signature = base64.b64encode(
            hmac.new(key, "\n".join(lines).encode(), hashlib.sha256).digest()
        ).decode()
        if not hmac.compare_digest(signature, str(cert.get("signature"))):
            raise _fail("ext.certificate.signature is not valid")
        scopes = tuple(str(scope) for scope in cert["scopes"])
        if not all(satisfies(issuer.scopes, scope) for scope in scopes):
            raise _fail(f"ext.certificate issuer `{issuer_id}` doesn't have sufficient scopes")
        if "issuer" in cert and not satisfies(issuer.scopes, f"auth:create-client:{client_id}"):
            raise _fail(
                f"ext.certificate issuer `{issuer_id}` doesn't have `auth:create-client:{client_id}` for supplied clientId."
            )
        token = hmac.new(key, str(cert["seed"]).encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(token).decode().rstrip("="), scopes

    def authenticate(self, request: ReceivedRequest) -> Identity:
        """Verify the request's Hawk header or bewit; `FakeAPIError(401)` when it fails."""
        header = request.headers.get("authorization")
        bewit = request.query.get("bewit")
        if header is None and bewit is None:
            return Identity(None, self.anonymous_scopes)
        url = f"http://{request.host}:{request.port}{request.target or request.path}"
        resolved: dict[str, tuple[str, ...]] = {}

        def lookup(ext: Mapping[str, Any]) -> Any:
            def credentials_map(client_id: str) -> dict[str, str]:
                key, scopes = self._key_and_scopes(client_id, ext)
                resolved[client_id] = scopes
                return {"id": client_id, "key": key, "algorithm": "sha256"}

            return credentials_map

        try:
            if bewit is not None:
                raw = base64.urlsafe_b64decode(bewit + "=" * (-len(bewit) % 4)).decode()
                client_id, _, rest = raw.partition("\\")
                ext = _decode_ext(rest.split("\\", 2)[-1] if rest.count("\\") >= 2 else "")
                # mohawk decodes bewits with the standard alphabet and padding.
                _bewit.check_bewit(_mohawk_bewit(url, raw), lookup(ext), now=int(self._clock()))
            else:
                assert header is not None
                parsed = _util.parse_authorization_header(header)
                client_id = str(parsed["id"])
                ext = _decode_ext(str(parsed.get("ext", "")))
                mohawk.Receiver(
                    lookup(ext),
                    header,
                    url,
                    request.method,
                    content=request.body,
                    content_type=request.headers.get("content-type", ""),
                    timestamp_skew_in_seconds=_SKEW,
                    # Taskcluster does not track nonces; this only silences mohawk's warning.
                    seen_nonce=_no_replay_check,
                    localtime_offset_in_seconds=self._clock() - time.time(),
                )
        except FakeAPIError:
            raise
        except _exc.MacMismatch:
            raise _fail("Unauthorized: Bad mac") from None
        except _exc.MisComputedContentHash:
            raise _fail("Invalid payload hash: {{hash}}") from None
        except _exc.TokenExpired:
            raise _fail("Unauthorized: Stale timestamp") from None
        except (_exc.HawkFail, ValueError, KeyError) as error:
            raise _fail(f"Unauthorized: {error}") from None
        # Every request has the anonymous role's scopes too, as in Taskcluster.
        scopes = (*resolved.get(client_id, ()), *self.anonymous_scopes)
        authorized = ext.get("authorizedScopes")
        if authorized is not None:
            if not isinstance(authorized, list) or not all(
                satisfies(scopes, str(scope)) for scope in cast("list[Any]", authorized)
            ):
                listing = "\n".join(scopes)
                raise _fail(
                    "Supplied credentials do not satisfy authorizedScopes; credentials have "
                    f"scopes:\n\n```\n{listing}\n```\n\nauthorizedScopes:\n\n```\n"
                    f"{json.dumps(authorized)}\n```"
                )
            scopes = tuple(str(scope) for scope in cast("list[Any]", authorized))
        return Identity(client_id, scopes)

    def authorize(
        self, spec: MethodSpec, path: Mapping[str, str], payload: Any, identity: Identity
    ) -> None:
        """403 `InsufficientScopes` unless the identity satisfies the method's scopes.

        Methods whose expression needs parameters the service computes from
        its own data (not the path or payload) are not checked.
        """
        if spec.scopes is None:
            return
        try:
            needed = expand(spec.scopes, _params(spec, path, payload))
        except _UnknownParameterError:
            return
        if needed is None or satisfies(identity.scopes, needed):
            return
        text = json.dumps(needed, indent=2)
        if identity.client_id is None:
            message = (
                "This request requires Taskcluster credentials that satisfy the following "
                f"scope expression:\n\n```\n{text}\n```"
            )
        else:
            message = (
                f"Client ID {identity.client_id} does not have sufficient scopes and is missing "
                f"the following scopes:\n\n```\n{text}\n```"
            )
        raise FakeAPIError(403, "InsufficientScopes", message)


def _no_replay_check(*_: object) -> bool:
    return False


def _decode_ext(ext: str) -> dict[str, Any]:
    if not ext:
        return {}
    try:
        value = json.loads(base64.b64decode(ext))
    except ValueError:
        raise _fail("Failed to parse ext") from None
    if not isinstance(value, dict):
        raise _fail("ext must be a JSON object")
    return cast("dict[str, Any]", value)


def _mohawk_bewit(url: str, raw: str) -> str:
    prefix, _, rest = url.partition("bewit=")
    _, amp, tail = rest.partition("&")
    return f"{prefix}bewit={base64.b64encode(raw.encode()).decode()}{amp}{tail}"
