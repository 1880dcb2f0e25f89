"""A correct synchronous program: pyright strict must accept it as it is."""

from __future__ import annotations

from typing_extensions import assert_type

from taskcluster_sdk import Credentials, Queue, QueueEvents
from taskcluster_sdk.models.queue import (
    ListTaskGroupResponse,
    ReferenceArtifactContent,
    Task,
    TaskDefinedMessage,
    TaskStatusResponse,
)


def use_queue() -> None:
    with Queue(
        root_url="https://tc.example.com",
        credentials=Credentials("client", "token"),
    ) as queue:
        task = queue.task("fN1SbArXTPSVFNUvaOlinQ")
        assert_type(task, Task)
        assert_type(task.metadata.name, str)

        status = queue.status("fN1SbArXTPSVFNUvaOlinQ")
        assert_type(status, TaskStatusResponse)

        page = queue.listTaskGroup("fN1SbArXTPSVFNUvaOlinQ", limit=10)
        assert_type(page, ListTaskGroupResponse)
        assert_type(page.continuationToken, str | None)

        for page in queue.pages.listTaskGroup("fN1SbArXTPSVFNUvaOlinQ").pages():
            assert_type(page, ListTaskGroupResponse)

        assert_type(queue.ping(), None)
        assert_type(queue.urls.task("fN1SbArXTPSVFNUvaOlinQ"), str)
        assert_type(queue.signed_urls.task("fN1SbArXTPSVFNUvaOlinQ", expires_in=60), str)
        content = queue.artifact("fN1SbArXTPSVFNUvaOlinQ", 0, "public/logs/live.log")
        if isinstance(content, ReferenceArtifactContent):
            assert_type(content.url, str)


def use_bindings() -> None:
    binding = QueueEvents().taskDefined(taskId="fN1SbArXTPSVFNUvaOlinQ")
    assert_type(binding.message_model, type[TaskDefinedMessage])
    assert_type(binding.routing_key_pattern, str)
