"""The smallest Hawk header a Taskcluster server accepts: the raw floor's signer.

No payload hash, no `ext`: only what a GET with plain credentials needs, so the
floor measures HTTP plus one HMAC and nothing else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import time


def hawk_header(
    client_id: str,
    access_token: bytes,
    method: str,
    resource: str,
    host: str,
    port: int,
    *,
    ts: int | None = None,
    nonce: str | None = None,
) -> str:
    """Sign one request; `resource` is the path with its query string."""
    stamp = str(int(time.time()) if ts is None else ts)
    nonce = os.urandom(6).hex() if nonce is None else nonce
    normalized = f"hawk.1.header\n{stamp}\n{nonce}\n{method}\n{resource}\n{host}\n{port}\n\n\n"
    digest = hmac.new(access_token, normalized.encode(), hashlib.sha256).digest()
    mac = base64.b64encode(digest).decode()
    return f'Hawk id="{client_id}", ts="{stamp}", nonce="{nonce}", mac="{mac}"'
