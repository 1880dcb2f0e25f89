"""Settings the artifact helpers take from the queue client they are given.

The object service is reached with the temporary credentials the queue
hands out, at the queue's root URL (which may be the taskcluster-proxy, as
in Taskcluster's own clients), with the queue's retry and timeout settings.
"""

from __future__ import annotations

import httpx

from ._artifacts import ObjectCredentials
from ._artifacts_clients import (
    AsyncObjectClient,
    AsyncObjectClientFactory,
    ObjectClient,
    ObjectClientFactory,
)
from ._artifacts_transfer import RetryBudget
from ._client import AsyncClient, SyncClient
from ._config import DEFAULT_MAX_RETRIES, DEFAULT_TIMEOUT, ClientConfig
from ._credentials import Credentials


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


def _object_settings(queue: object) -> ClientConfig:
    config = client_config(queue)
    if config is None or config.root_url is None:
        raise ValueError(
            "cannot reach the object service: the queue client has no root URL "
            "(pass object_client_factory=... to build the object service client yourself)"
        )
    return config


def _temporary(credentials: ObjectCredentials) -> Credentials:
    return Credentials(credentials.client_id, credentials.access_token, credentials.certificate)


def default_object_factory(queue: object) -> ObjectClientFactory:
    """Builds `taskcluster_sdk.Object` clients beside `queue`."""
    config = _object_settings(queue)

    def build(credentials: ObjectCredentials) -> ObjectClient:
        from .services.object import Object  # noqa: PLC0415 -- generated, loaded on use

        return Object(
            root_url=config.root_url,
            credentials=_temporary(credentials),
            max_retries=config.max_retries,
            timeout=config.timeout,
            deadline=config.deadline,
        )

    return build


def default_async_object_factory(queue: object) -> AsyncObjectClientFactory:
    """Builds `taskcluster_sdk.AsyncObject` clients beside `queue`."""
    config = _object_settings(queue)

    def build(credentials: ObjectCredentials) -> AsyncObjectClient:
        from .services.object import AsyncObject  # noqa: PLC0415 -- generated, loaded on use

        return AsyncObject(
            root_url=config.root_url,
            credentials=_temporary(credentials),
            max_retries=config.max_retries,
            timeout=config.timeout,
            deadline=config.deadline,
        )

    return build
