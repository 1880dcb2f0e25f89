"""Hawk request signing (header and bewit), as Taskcluster's servers check it.

Computed with hmac/hashlib directly: this runs on every request, and the
strings are short and fixed in shape (see DESIGN.md "Hawk" for the format).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import time
from collections.abc import Sequence
from typing import Any

from ._credentials import Credentials

__all__ = [
    "EMPTY_PAYLOAD_HASH",
    "bewit",
    "hawk_ext",
    "header",
    "payload_hash",
]


def payload_hash(content_type: str, body: bytes) -> str:
    """Hawk's payload hash: sha256 over the media type (no parameters) and body."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    digest = hashlib.sha256(b"hawk.1.payload\n" + media_type.encode() + b"\n" + body + b"\n")
    return base64.b64encode(digest.digest()).decode("ascii")


# Requests without a body hash an empty body with an empty content type,
# as Taskcluster's own clients do.
EMPTY_PAYLOAD_HASH = payload_hash("", b"")


def hawk_ext(credentials: Credentials | None, authorized_scopes: Sequence[str] | None) -> str:
    """The `ext` value: base64 JSON with the certificate and/or authorizedScopes.

    Empty string when neither applies (then no `ext` is sent).
    """
    ext: dict[str, Any] = {}
    certificate = credentials.certificate_object() if credentials is not None else None
    if certificate is not None:
        ext["certificate"] = certificate
    if authorized_scopes is not None:
        ext["authorizedScopes"] = list(authorized_scopes)
    if not ext:
        return ""
    compact = json.dumps(ext, separators=(",", ":"))
    return base64.b64encode(compact.encode()).decode("ascii")


def _mac(key: bytes, normalized: str) -> str:
    digest = hmac.new(key, normalized.encode(), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def header(
    client_id: str,
    key: bytes,
    method: str,
    resource: str,
    host: str,
    port: int,
    content_hash: str,
    ext: str,
    *,
    ts: int | None = None,
    nonce: str | None = None,
) -> str:
    """The `Authorization: Hawk ...` header value for one request attempt.

    `resource` is the path and query exactly as sent; `host` lower case.
    A fresh `ts` and `nonce` are taken unless given (tests pin them).
    """
    if ts is None:
        ts = int(time.time())
    if nonce is None:
        nonce = base64.urlsafe_b64encode(os.urandom(6)).decode("ascii")
    normalized = (
        f"hawk.1.header\n{ts}\n{nonce}\n{method}\n{resource}\n{host}\n{port}\n"
        f"{content_hash}\n{ext}\n"
    )
    mac = _mac(key, normalized)
    ext_part = f', ext="{ext}"' if ext else ""
    return f'Hawk id="{client_id}", ts="{ts}", nonce="{nonce}", hash="{content_hash}"{ext_part}, mac="{mac}"'


def bewit(
    client_id: str, key: bytes, resource: str, host: str, port: int, exp: int, ext: str
) -> str:
    """The `bewit` query value that signs a GET URL until epoch second `exp`."""
    normalized = f"hawk.1.bewit\n{exp}\n\nGET\n{resource}\n{host}\n{port}\n\n{ext}\n"
    mac = _mac(key, normalized)
    raw = f"{client_id}\\{exp}\\{mac}\\{ext}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
