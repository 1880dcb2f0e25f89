"""Settings the artifact helpers take from the queue client they are given.

Shared by the sync and async helpers (`sync_clients` / `async_clients` build
the object service client from `object_client_settings`).

The object service is reached with the temporary credentials the queue
hands out, at the queue's root URL (which may be the taskcluster-proxy, as
in Taskcluster's own clients), with the queue's retry and timeout settings.
"""

from __future__ import annotations

import ssl
from typing import Any

import httpx

from .._client import AsyncClient, SyncClient
from .._config import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, ClientConfig
from .._credentials import Credentials
from .._transport.tls import shared_tls_context
from .protocol import ObjectCredentials
from .transfer import RetryBudget

__all__ = [
    "client_config",
    "object_client_settings",
    "retry_budget",
    "storage_timeout",
    "storage_tls",
]


def client_config(queue: object) -> ClientConfig | None:
    """The queue's resolved configuration, or None for a stand-in client."""
    if isinstance(queue, (SyncClient, AsyncClient)):
        return queue.config
    return None


def retry_budget(queue: object, max_retries: int | None) -> RetryBudget:
    """The queue's retry count for storage transfers.

    The queue's `deadline` bounds API calls; a large transfer may rightly
    take longer, so it does not apply here.
    """
    config = client_config(queue)
    if max_retries is None:
        max_retries = DEFAULT_MAX_RETRIES if config is None else config.max_retries
    return RetryBudget(max_retries)


def storage_timeout(queue: object) -> httpx.Timeout:
    """Per read/write inactivity limit for storage transfers (not for the whole body)."""
    config = client_config(queue)
    return httpx.Timeout(DEFAULT_TIMEOUT if config is None else config.timeout)


def storage_tls() -> ssl.SSLContext:
    """The TLS settings of storage clients: the process's one context, see `_transport.tls`.

    httpx would otherwise build a context per client, loading the CA bundle
    each time: about 70 ms of CPU for every upload and download.
    """
    return shared_tls_context()


def injected_http_client(queue: object) -> Any:
    """The `http_client` the queue client was made with, or None when it made its own.

    The helpers send through it too (object service calls, and storage
    transfers when it is an httpx client): a client given for proxies, TLS,
    a mock transport or the in-process fake applies to the whole upload or
    download, not only to the queue's calls.
    """
    return getattr(queue, "_http_client", None)


def _object_settings(queue: object) -> ClientConfig:
    config = client_config(queue)
    if config is None or config.root_url is None:
        raise ValueError(
            "cannot reach the object service: the queue client has no root URL "
            "(pass object_client_factory=... to build the object service client yourself)"
        )
    return config


def object_client_settings(queue: object, credentials: ObjectCredentials) -> dict[str, Any]:
    """Constructor keywords of an object service client beside `queue`, signing with `credentials`."""
    config = _object_settings(queue)
    return {
        "root_url": config.root_url,
        "credentials": Credentials(
            credentials.client_id, credentials.access_token, credentials.certificate
        ),
        "max_retries": config.max_retries,
        "timeout": config.timeout,
        "deadline": config.deadline,
    }
