"""A live client takes new credentials: `client.credentials = ...` signs the calls that follow.

Checked against the fake deployment with Hawk and scope checking on (mohawk
and Taskcluster's certificate rules, independent of our signer): a worker
keeps one client across reclaims, switching to the temporary credentials
each `reclaimTask` answers with.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from taskcluster_sdk import AsyncQueue, Credentials, Queue, from_now, slugid
from taskcluster_sdk.errors import (
    AuthenticationError,
    InsufficientScopesError,
    InvalidCredentialsError,
)
from taskcluster_sdk.models.queue import ClaimWorkResponseTasks
from taskcluster_sdk.testing import FakeTaskcluster

TASK_QUEUE = "proj-rotation/ci"


@pytest.fixture
def tc() -> Iterator[FakeTaskcluster]:
    with FakeTaskcluster(stateful=True, check_auth=True) as fake:
        yield fake


def _task() -> dict[str, Any]:
    return {
        "taskQueueId": TASK_QUEUE,
        "schedulerId": "-",
        "taskGroupId": slugid(),
        "created": from_now("0 seconds"),
        "deadline": from_now("1 hour"),
        "expires": from_now("2 days"),
        "payload": {},
        "metadata": {
            "name": "n",
            "description": "d",
            "owner": "o@example.com",
            "source": "https://example.com/ci",
        },
    }


def _claim(tc: FakeTaskcluster, root: Credentials) -> ClaimWorkResponseTasks:
    with Queue(root_url=tc.root_url, credentials=root) as queue:
        queue.createTask(slugid(), _task())
        work = {"tasks": 1, "workerGroup": "wg", "workerId": "w1"}
        return queue.claimWork(TASK_QUEUE, work).tasks[0]


def _last_ext(tc: FakeTaskcluster) -> dict[str, Any]:
    """The Hawk `ext` of the last request the fake received, decoded."""
    header = tc.requests[-1].headers["authorization"]
    match = re.search(r'ext="([^"]*)"', header)
    assert match is not None, header
    return json.loads(base64.b64decode(match.group(1)))


def _last_certificate(tc: FakeTaskcluster) -> dict[str, Any]:
    return _last_ext(tc)["certificate"]


def test_a_worker_keeps_one_client_across_reclaims(tc: FakeTaskcluster) -> None:
    root = tc.add_client("root", ["*"])
    claim = _claim(tc, root)
    task_id = claim.status.taskId
    # An answer's credentials go in as they are (no Credentials(...) by hand).
    with Queue(root_url=tc.root_url, credentials=claim.credentials) as worker:
        engine = worker._engine  # pyright: ignore[reportPrivateUsage]
        first = worker.credentials
        assert first is not None and first.client_id == claim.credentials.clientId
        reclaimed = worker.reclaimTask(task_id, 0)
        assert reclaimed.credentials.certificate != claim.credentials.certificate
        worker.credentials = reclaimed.credentials
        worker.reportCompleted(task_id, 0)
        sent = _last_certificate(tc)
        assert sent == json.loads(reclaimed.credentials.certificate)
        assert worker._engine is engine  # same connections  # pyright: ignore[reportPrivateUsage]
    assert tc.state.status(task_id).state == "completed"


def test_switching_to_bad_or_no_credentials_and_back(tc: FakeTaskcluster) -> None:
    root = tc.add_client("root", ["*"])
    claim = _claim(tc, root)
    task_id = claim.status.taskId
    with Queue(root_url=tc.root_url, credentials=root) as queue:
        queue.credentials = Credentials("root", "not-the-token")
        with pytest.raises(AuthenticationError, match="Bad mac"):
            queue.reclaimTask(task_id, 0)
        queue.credentials = None
        assert queue.credentials is None
        with pytest.raises(InsufficientScopesError, match="requires Taskcluster credentials"):
            queue.reclaimTask(task_id, 0)
        assert "authorization" not in tc.requests[-1].headers
        queue.credentials = {"clientId": "root", "accessToken": root.access_token}
        assert queue.reclaimTask(task_id, 0).status.taskId == task_id


def test_credentials_that_cannot_be_sent_are_refused_and_nothing_changes(
    tc: FakeTaskcluster,
) -> None:
    root = tc.add_client("root", ["*"])
    with Queue(root_url=tc.root_url, credentials=root) as queue:
        with pytest.raises(InvalidCredentialsError, match="lacks accessToken"):
            queue.credentials = {"clientId": "root"}
        with pytest.raises(InvalidCredentialsError, match="access_token"):
            queue.credentials = Credentials("root", "bad\ntoken")
        with pytest.raises(TypeError, match="clientId and accessToken"):
            queue.credentials = 42  # type: ignore[assignment]  # pyright: ignore[reportAttributeAccessIssue]
        assert queue.credentials == root


def test_authorized_scopes_stay_with_new_credentials(tc: FakeTaskcluster) -> None:
    root = tc.add_client("root", ["*"])
    other = tc.add_client("other", ["*"])
    claim = _claim(tc, root)
    scopes = ["queue:status:*"]
    with Queue(root_url=tc.root_url, credentials=root, authorized_scopes=scopes) as queue:
        queue.credentials = other
        assert queue.status(claim.status.taskId).status.state == "running"
        header = tc.requests[-1].headers["authorization"]
        assert header.startswith('Hawk id="other"'), header
        assert _last_ext(tc)["authorizedScopes"] == scopes
        with pytest.raises(InsufficientScopesError):
            queue.reclaimTask(claim.status.taskId, 0)


async def test_async_clients_take_new_credentials_too(tc: FakeTaskcluster) -> None:
    root = tc.add_client("root", ["*"])
    claim = _claim(tc, root)
    task_id = claim.status.taskId
    async with AsyncQueue(root_url=tc.root_url, credentials=claim.credentials) as worker:
        reclaimed = await worker.reclaimTask(task_id, 0)
        worker.credentials = reclaimed.credentials
        await worker.reportCompleted(task_id, 0)
        assert _last_certificate(tc) == json.loads(reclaimed.credentials.certificate)
    assert tc.state.status(task_id).state == "completed"
