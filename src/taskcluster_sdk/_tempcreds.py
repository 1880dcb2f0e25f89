"""Temporary credentials, signed locally from permanent ones."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone

from ._credentials import Credentials, InvalidCredentialsError, check_client_id, check_printable
from ._utils import slugid

__all__ = ["MAX_TEMPORARY_CREDENTIALS_LIFETIME", "create_temporary_credentials"]

MAX_TEMPORARY_CREDENTIALS_LIFETIME = timedelta(days=31)


def create_temporary_credentials(
    client_id: str,
    access_token: str,
    start: datetime,
    expiry: datetime,
    scopes: Iterable[str],
    name: str | None = None,
    *,
    _seed: str | None = None,
) -> Credentials:
    """Make temporary credentials valid from `start` to `expiry` with `scopes`.

    `client_id` / `access_token` are the issuer's permanent credentials.
    Without `name` the result signs as `client_id` ("unnamed"); with `name`
    it signs as `name` and the certificate names the issuer, who must hold
    `auth:create-client:<name>`. The lifetime is at most 31 days. Naive
    datetimes are taken as UTC. Allow a few minutes of clock skew by
    starting a little in the past (e.g. `from_now("-5 minutes")`).

    The certificate is signed over lines of text, so every scope and the name
    must be printable ASCII (what the auth service accepts for scopes and
    client ids): `["a\\nb"]` would otherwise sign like `["a", "b"]`, and a
    name with a newline would add a line of its own. Anything else raises
    `InvalidCredentialsError`, as do unusable issuer credentials.
    """
    check_client_id(client_id, "client_id")
    check_printable(access_token, "access_token", secret=True)
    if name is not None:
        check_client_id(name, "name")
        if name == client_id:
            raise InvalidCredentialsError(
                "name must be a clientId different from the issuer's (leave it out for "
                "unnamed temporary credentials)"
            )
    scope_list = _scope_list(scopes)
    start_ms, expiry_ms = _epoch_ms(start, "start"), _epoch_ms(expiry, "expiry")
    if expiry_ms <= start_ms:
        raise InvalidCredentialsError("expiry must be after start")
    if expiry_ms - start_ms > MAX_TEMPORARY_CREDENTIALS_LIFETIME / timedelta(milliseconds=1):
        raise InvalidCredentialsError(
            "temporary credentials may live at most 31 days (expiry - start)"
        )

    seed = _seed if _seed is not None else slugid() + slugid()
    lines = ["version:1"]
    if name is not None:
        lines += [f"clientId:{name}", f"issuer:{client_id}"]
    lines += [f"seed:{seed}", f"start:{start_ms}", f"expiry:{expiry_ms}", "scopes:", *scope_list]
    key = access_token.encode()
    signature = hmac.new(key, "\n".join(lines).encode(), hashlib.sha256).digest()
    temp_token = hmac.new(key, seed.encode(), hashlib.sha256).digest()

    certificate: dict[str, object] = {
        "version": 1,
        "scopes": scope_list,
        "start": start_ms,
        "expiry": expiry_ms,
        "seed": seed,
        "signature": base64.b64encode(signature).decode("ascii"),
    }
    if name is not None:
        certificate["issuer"] = client_id
    return Credentials(
        client_id=name if name is not None else client_id,
        access_token=base64.urlsafe_b64encode(temp_token).decode("ascii").rstrip("="),
        certificate=json.dumps(certificate, separators=(",", ":")),
    )


def _scope_list(scopes: Iterable[str]) -> list[str]:
    if isinstance(scopes, str):
        raise TypeError("scopes must be a list of scope strings, not a single str")
    scope_list = list(scopes)
    for index, scope in enumerate(scope_list):
        if not isinstance(scope, str):  # pyright: ignore[reportUnnecessaryIsInstance]
            raise TypeError(f"every scope must be a str, got {type(scope).__name__}")
        # Empty scopes are valid (if useless) for the auth service.
        if scope:
            check_printable(scope, f"scopes[{index}]", secret=False)
    return scope_list


def _epoch_ms(value: datetime, what: str) -> int:
    if not isinstance(value, datetime):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f"{what} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return (value - _EPOCH) // timedelta(milliseconds=1)


_EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
