"""One TLS context per process, its CA bundle loaded by the first TLS handshake.

httpx builds a context for every client it makes, loading certifi's CA
bundle each time (~50 ms of CPU, as much as the rest of making a client). A
script calling an `http://` root URL (the taskcluster-proxy in a task,
`http://taskcluster`) never makes a TLS connection, so it should not pay
for one; a process making several clients (the artifact helpers make two
per transfer) should pay once. Contexts are safe to share between threads
and event loops.

The CA locations are httpx's: `SSL_CERT_FILE` or `SSL_CERT_DIR` when set,
else certifi's bundle, with `ssl.create_default_context`'s settings.
"""

from __future__ import annotations

import functools
import os
import ssl
import sys
import threading
from typing import Any

__all__ = ["shared_tls_context"]

_LOAD_LOCK = threading.Lock()


class _DeferredCAContext(ssl.SSLContext):
    """A verifying client context that loads its CAs before its first handshake.

    Every TLS connection starts in `wrap_socket` (sync httpx) or `wrap_bio`
    (asyncio and anyio streams): both load the CAs first. Until then no
    certificate is trusted, so a context used some other way fails closed.
    """

    _tc_loaded = False

    def _tc_load(self) -> None:
        with _LOAD_LOCK:
            if self._tc_loaded:
                return
            cafile = os.environ.get("SSL_CERT_FILE")
            capath = None if cafile else os.environ.get("SSL_CERT_DIR")
            if not cafile and not capath:
                import certifi  # noqa: PLC0415  # with the first handshake, see the docstring

                cafile = certifi.where()
            self.load_verify_locations(cafile=cafile, capath=capath)
            self._tc_loaded = True

    def wrap_socket(self, *args: Any, **kwargs: Any) -> ssl.SSLSocket:
        if not self._tc_loaded:
            self._tc_load()
        return super().wrap_socket(*args, **kwargs)

    def wrap_bio(self, *args: Any, **kwargs: Any) -> ssl.SSLObject:
        if not self._tc_loaded:
            self._tc_load()
        return super().wrap_bio(*args, **kwargs)


@functools.cache
def shared_tls_context() -> ssl.SSLContext:
    """The TLS context of every HTTP client the SDK makes itself (not of clients you pass)."""
    context = _DeferredCAContext(ssl.PROTOCOL_TLS_CLIENT)
    # What ssl.create_default_context sets beyond PROTOCOL_TLS_CLIENT's defaults
    # (which already verify certificates and host names).
    context.verify_mode = ssl.CERT_REQUIRED
    context.check_hostname = True
    if sys.version_info >= (3, 13):
        context.verify_flags |= ssl.VERIFY_X509_PARTIAL_CHAIN | ssl.VERIFY_X509_STRICT
    keylog = os.environ.get("SSLKEYLOGFILE")
    if keylog:
        context.keylog_filename = keylog
    return context
