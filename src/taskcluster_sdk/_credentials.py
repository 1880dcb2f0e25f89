"""Taskcluster credentials: a client id, its access token and maybe a certificate."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Credentials", "CredentialsLike", "coerce_credentials"]


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
        for name in ("client_id", "access_token"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value:
                raise ValueError(f"Credentials.{name} must be a non-empty str")
        if self.certificate is not None and not isinstance(self.certificate, (str, Mapping)):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError("Credentials.certificate must be a JSON str, a mapping or None")

    def certificate_object(self) -> dict[str, Any] | None:
        """The certificate parsed into a dict (what travels in Hawk's `ext`)."""
        cert = self.certificate
        if cert is None or cert == "":
            return None
        if isinstance(cert, str):
            try:
                parsed: Any = json.loads(cert)
            except ValueError:
                raise ValueError("Credentials.certificate is not valid JSON") from None
            if not isinstance(parsed, dict):
                raise ValueError("Credentials.certificate must be a JSON object")
            return parsed  # pyright: ignore[reportUnknownVariableType]
        return dict(cert)


CredentialsLike = Credentials | Mapping[str, Any]


def coerce_credentials(value: CredentialsLike | None) -> Credentials | None:
    """Accept `Credentials` or the official client's dict form.

    The dict form is `{"clientId": ..., "accessToken": ..., "certificate": ...}`.
    """
    if value is None or isinstance(value, Credentials):
        return value
    if isinstance(value, Mapping):  # pyright: ignore[reportUnnecessaryIsInstance]
        unknown = set(value) - {"clientId", "accessToken", "certificate"}
        if unknown:
            raise ValueError(
                f"credentials mapping has unknown keys {sorted(unknown)}; "
                "expected clientId, accessToken and optionally certificate"
            )
        missing = [key for key in ("clientId", "accessToken") if not value.get(key)]
        if missing:
            raise ValueError(f"credentials mapping lacks {' and '.join(missing)}")
        # The official client stores these as bytes after use; accept both.
        return Credentials(
            _text(value["clientId"]), _text(value["accessToken"]), _text(value.get("certificate"))
        )
    raise TypeError(
        f"credentials must be taskcluster_sdk.Credentials or a mapping, not {type(value).__name__}"
    )


def _text(value: Any) -> Any:
    return value.decode("utf-8") if isinstance(value, bytes) else value
