"""Taskcluster credentials: a client id, its access token and maybe a certificate.

Credentials are checked when they are made, so a value that could never be
sent fails there, naming the field, instead of deep inside a request. The
rules are what Taskcluster's auth service and the Hawk header allow: a
client id is printable ASCII without `"` or `\\` (it is quoted in the
`Authorization` header; the auth service itself only issues ids of
`[A-Za-z0-9!@/:.+|_-]`), an access token is printable ASCII (the service
issues `[A-Za-z0-9_-]{22,66}`), and a certificate is a JSON object whose
strings are printable ASCII (the service refuses any other scope).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from ._errors import InvalidCredentialsError

__all__ = [
    "Credentials",
    "CredentialsFields",
    "CredentialsLike",
    "InvalidCredentialsError",
    "check_client_id",
    "check_printable",
    "coerce_credentials",
]


def _first_unprintable(value: str) -> int | None:
    for index, character in enumerate(value):
        if not " " <= character <= "~":
            return index
    return None


def _describe(character: str) -> str:
    if ord(character) < 0x20 or ord(character) == 0x7F:
        return f"U+{ord(character):04X}, a control character"
    return f"U+{ord(character):04X}, not ASCII"


def check_printable(value: object, what: str, *, secret: bool) -> str:
    """`value` if it is a non-empty str of printable ASCII; else InvalidCredentialsError."""
    if not isinstance(value, str) or not value:
        raise InvalidCredentialsError(f"{what} must be a non-empty str")
    index = _first_unprintable(value)
    if index is not None:
        shown = "" if secret else f" {value!r}"
        raise InvalidCredentialsError(
            f"{what}{shown} has a character that cannot be sent at position {index} "
            f"({_describe(value[index])}); only printable ASCII is allowed"
        )
    return value


def check_client_id(value: object, what: str) -> str:
    """A client id that fits Hawk's `id="..."` attribute (printable ASCII, no `"` or `\\`)."""
    client_id = check_printable(value, what, secret=False)
    for quote in ('"', "\\"):
        if quote in client_id:
            raise InvalidCredentialsError(
                f"{what} {client_id!r} contains {quote!r}, which Hawk's header cannot carry"
            )
    return client_id


def _check_certificate_strings(node: Any) -> bool:
    """Whether every string (keys included) in a parsed certificate is printable ASCII."""
    if isinstance(node, str):
        return _first_unprintable(node) is None
    if isinstance(node, dict):
        return all(
            _check_certificate_strings(key) and _check_certificate_strings(value)
            for key, value in node.items()  # pyright: ignore[reportUnknownVariableType]
        )
    if isinstance(node, list):
        return all(_check_certificate_strings(item) for item in node)  # pyright: ignore[reportUnknownVariableType]
    return True


@dataclass(frozen=True, slots=True)
class Credentials:
    """Credentials to sign requests with.

    `certificate` is set for temporary credentials: the certificate JSON as
    Taskcluster hands it out (a JSON string or the parsed object).
    The access token and certificate never appear in `repr` or `str`.
    """

    client_id: str
    access_token: str = field(repr=False)
    certificate: str | Mapping[str, Any] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        check_client_id(self.client_id, "Credentials.client_id")
        check_printable(self.access_token, "Credentials.access_token", secret=True)
        if self.certificate is not None and not isinstance(self.certificate, (str, Mapping)):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError("Credentials.certificate must be a JSON str, a mapping or None")
        certificate = self.certificate_object()
        if certificate is not None and not _check_certificate_strings(certificate):
            raise InvalidCredentialsError(
                "Credentials.certificate holds a string with a character that cannot be sent "
                "(a control character or non-ASCII); only printable ASCII is allowed"
            )

    def certificate_object(self) -> dict[str, Any] | None:
        """The certificate parsed into a dict (what travels in Hawk's `ext`)."""
        cert = self.certificate
        if cert is None or cert == "":
            return None
        if isinstance(cert, str):
            try:
                parsed: Any = json.loads(cert)
            except ValueError:
                raise InvalidCredentialsError("Credentials.certificate is not valid JSON") from None
            if not isinstance(parsed, dict):
                raise InvalidCredentialsError("Credentials.certificate must be a JSON object")
            return parsed  # pyright: ignore[reportUnknownVariableType]
        return dict(cert)


class CredentialsFields(Protocol):
    """Credentials as Taskcluster's answers carry them: `clientId`, `accessToken` attributes.

    The `credentials` of `claimWork`, `reclaimTask` and `claimTask` answers,
    for instance; a `certificate` attribute, when there is one and it is not
    empty, makes them temporary credentials.
    """

    @property
    def clientId(self) -> str: ...  # noqa: N802  # Taskcluster's name
    @property
    def accessToken(self) -> str: ...  # noqa: N802


CredentialsLike = Credentials | Mapping[str, Any] | CredentialsFields


def coerce_credentials(value: CredentialsLike | None) -> Credentials | None:
    """Accept `Credentials`, the official client's dict form, or an answer's credentials.

    The dict form is `{"clientId": ..., "accessToken": ..., "certificate": ...}`;
    an answer's credentials are an object with those attributes
    (`CredentialsFields`, e.g. `reclaimTask(...).credentials`).
    """
    if value is None or isinstance(value, Credentials):
        return value
    if isinstance(value, Mapping):
        unknown = set(value) - {"clientId", "accessToken", "certificate"}
        if unknown:
            raise InvalidCredentialsError(
                f"credentials mapping has unknown keys {sorted(unknown)}; "
                "expected clientId, accessToken and optionally certificate"
            )
        return _from_fields(value, "credentials mapping")
    if hasattr(value, "clientId"):
        fields = {key: getattr(value, key, None) for key in ("clientId", "accessToken")}
        # An empty certificate is how Taskcluster writes "permanent".
        fields["certificate"] = getattr(value, "certificate", None) or None
        return _from_fields(fields, f"credentials {type(value).__name__}")
    raise TypeError(
        "credentials must be taskcluster_sdk.Credentials, a mapping or an object with "
        f"clientId and accessToken, not {type(value).__name__}"
    )


def _from_fields(fields: Mapping[str, Any], what: str) -> Credentials:
    missing = [key for key in ("clientId", "accessToken") if not fields.get(key)]
    if missing:
        raise InvalidCredentialsError(f"{what} lacks {' and '.join(missing)}")
    # The official client stores these as bytes after use; accept both.
    return Credentials(
        _text(fields["clientId"]), _text(fields["accessToken"]), _text(fields.get("certificate"))
    )


def _text(value: Any) -> Any:
    return value.decode("utf-8") if isinstance(value, bytes) else value
