"""Hawk request signing (header and bewit), as Taskcluster's servers check it.

Computed with hmac/hashlib directly: this runs on every request, and the
strings are short and fixed in shape (see DESIGN.md "Hawk" for the format).
"""

from __future__ import annotations

import base64
import binascii
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
    "HeaderSigner",
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
    return binascii.b2a_base64(digest, newline=False).decode("ascii")


_SHA256_BLOCK = 64
_IPAD = bytes(byte ^ 0x36 for byte in range(256))
_OPAD = bytes(byte ^ 0x5C for byte in range(256))


class HeaderSigner:
    """Signs request attempts for one client id, key, host and `ext`.

    Made once per client: the HMAC key schedule is computed here and copied
    for each request, and the parts of the normalized string and header
    that never change are joined once.
    """

    __slots__ = (
        "_args",
        "_ext_part",
        "_host_port_line",
        "_id_part",
        "_inner",
        "_outer",
        "_trailer",
    )

    def __init__(self, client_id: str, key: bytes, host: str, port: int, ext: str) -> None:
        self._args = (client_id, key, host, port, ext)
        # HMAC-SHA256 (RFC 2104) from two pre-keyed sha256 states: copying
        # those costs about half of `hmac.HMAC.copy()`, whose wrapper is Python.
        if len(key) > _SHA256_BLOCK:
            key = hashlib.sha256(key).digest()
        key = key.ljust(_SHA256_BLOCK, b"\0")
        self._inner = hashlib.sha256(key.translate(_IPAD))
        self._outer = hashlib.sha256(key.translate(_OPAD))
        self._host_port_line = f"\n{host}\n{port}\n"
        self._trailer = f"\n{ext}\n"
        self._id_part = f'Hawk id="{client_id}", ts="'
        self._ext_part = f'", ext="{ext}' if ext else ""

    def __reduce__(self) -> tuple[type[HeaderSigner], tuple[str, bytes, str, int, str]]:
        # hashlib states do not pickle or deep-copy; a `ClientConfig` holding
        # this signer still should, so rebuild from the arguments.
        return (HeaderSigner, self._args)

    def __repr__(self) -> str:
        return f"HeaderSigner(client_id={self._args[0]!r})"

    def header(
        self,
        method: str,
        resource: str,
        content_hash: str,
        *,
        ts: int | None = None,
        nonce: str | None = None,
    ) -> str:
        """The `Authorization` value; a fresh `ts` and `nonce` unless given."""
        if ts is None:
            ts = int(time.time())
        if nonce is None:
            # Any string the peer has not seen with this ts; 48 random bits.
            nonce = os.urandom(6).hex()
        normalized = (
            f"hawk.1.header\n{ts}\n{nonce}\n{method}\n{resource}"
            f"{self._host_port_line}{content_hash}{self._trailer}"
        )
        inner = self._inner.copy()
        inner.update(normalized.encode())
        outer = self._outer.copy()
        outer.update(inner.digest())
        mac = binascii.b2a_base64(outer.digest(), newline=False).decode("ascii")
        return (
            f'{self._id_part}{ts}", nonce="{nonce}", hash="{content_hash}'
            f'{self._ext_part}", mac="{mac}"'
        )


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
    Clients sign through a `HeaderSigner` made once instead.
    """
    signer = HeaderSigner(client_id, key, host, port, ext)
    return signer.header(method, resource, content_hash, ts=ts, nonce=nonce)


def bewit(
    client_id: str, key: bytes, resource: str, host: str, port: int, exp: int, ext: str
) -> str:
    """The `bewit` query value that signs a GET URL until epoch second `exp`."""
    normalized = f"hawk.1.bewit\n{exp}\n\nGET\n{resource}\n{host}\n{port}\n\n{ext}\n"
    mac = _mac(key, normalized)
    raw = f"{client_id}\\{exp}\\{mac}\\{ext}".encode()
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")
