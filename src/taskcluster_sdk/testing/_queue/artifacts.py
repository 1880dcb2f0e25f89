"""The queue's artifacts: creation of every storage type, finishing, links, downloads."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from ..._utils import slugid
from .._http import FakeAPIError, Reply, taskcluster_time
from .records import (
    StoredArtifact,
    StoredObject,
    TaskRecord,
    body_of,
    normal_time,
    page_of,
    parse_time,
    temporary_credentials,
    utc_now,
)
from .store import Store

__all__ = ["QueueArtifacts"]


class QueueArtifacts(Store):
    """`createArtifact` .. `artifactInfo`, as v106 answers them."""

    # -- artifacts ----------------------------------------------------------------

    def _create_artifact(self, call: Any) -> dict[str, Any]:
        body: dict[str, Any] = call.request.json() or {}
        storage_type = body["storageType"]
        with self._lock:
            task = self._get(call.taskId)
            run_id: int = call.runId
            if run_id >= len(task.runs) or task.runs[run_id]["state"] != "running":
                raise FakeAPIError(
                    409,
                    "RequestConflict",
                    "Artifacts cannot be created for a task after it is resolved, unless it is resolved 'exception', and even in this case only up to 25 min past resolution.This to ensure that artifacts have been uploaded before a task is 'completed' and output is consumed by a dependent task\n\nTask status: "
                    + json.dumps(task.status(), indent=2),
                )
            run = task.runs[run_id]
            artifacts = task.artifacts.setdefault(run_id, {})
            existing = artifacts.get(call.name)
            if (
                existing is not None
                and existing.request != body
                and not (
                    existing.storage_type == "reference" and storage_type in ("reference", "link")
                )
            ):
                raise FakeAPIError(
                    409,
                    "RequestConflict",
                    f"Artifact `{call.name}` already exists with other properties",
                )
            content_type = body.get("contentType", "application/binary")
            artifact = StoredArtifact(
                storage_type,
                call.name,
                content_type,
                normal_time(body["expires"]),
                body,
                present=storage_type != "object",
            )
            answer: dict[str, Any] = {"storageType": storage_type}
            if storage_type == "object":
                object_name = f"t/{task.task_id}/{run_id}/{call.name}"
                upload_id = (
                    existing.upload_id if existing is not None and existing.upload_id else slugid()
                )
                artifact.object_name, artifact.upload_id = object_name, upload_id
                if object_name not in self._objects:
                    self._objects[object_name] = StoredObject(
                        object_name,
                        task.definition["projectId"],
                        upload_id,
                        artifact.expires,
                        content_type,
                    )
                worker = f"{run['workerGroup']}/{run['workerId']}"
                answer.update(
                    name=object_name,
                    projectId=task.definition["projectId"],
                    uploadId=upload_id,
                    expires=artifact.expires,
                    credentials=temporary_credentials(
                        self.issuer,
                        f"artifact-upload/{task.task_id}/{run_id}/on/{worker}",
                        [f"object:upload:{task.definition['projectId']}:{object_name}"],
                        min(parse_time(artifact.expires), utc_now() + timedelta(days=1)),
                    ),
                )
            elif storage_type == "s3":
                key = f"s3/{task.task_id}/{run_id}/{call.name}"
                artifact.url = key
                self._objects.setdefault(
                    key,
                    StoredObject(
                        key, task.definition["projectId"], "", artifact.expires, content_type
                    ),
                )
                expires = utc_now() + timedelta(minutes=45)
                answer.update(
                    contentType=content_type,
                    expires=taskcluster_time(expires),
                    putUrl=self._storage_url(key),
                )
            elif storage_type == "reference":
                artifact.url = body["url"]
            elif storage_type == "link":
                artifact.target = body["artifact"]
            elif storage_type == "error":
                artifact.reason, artifact.message = body["reason"], body["message"]
            artifacts[call.name] = artifact
            if artifact.present and storage_type != "s3":
                self._artifact_created(task, run_id, artifact)
            return answer

    def _artifact_created(self, task: TaskRecord, run_id: int, artifact: StoredArtifact) -> None:
        run = task.runs[run_id]
        self._publish(
            "artifact-created",
            {
                "status": task.status(),
                "artifact": {
                    "storageType": artifact.storage_type,
                    "name": artifact.name,
                    "expires": artifact.expires,
                    "contentType": artifact.content_type,
                },
                "runId": run_id,
                "workerGroup": run.get("workerGroup"),
                "workerId": run.get("workerId"),
                "version": 1,
            },
            task,
            run_id,
        )

    def _finish_artifact(self, call: Any) -> None:
        upload_id = body_of(call).get("uploadId")
        with self._lock:
            task = self._get(call.taskId)
            artifact = task.artifacts.get(call.runId, {}).get(call.name)
            if artifact is None:
                raise FakeAPIError(404, "ResourceNotFound", f"Artifact `{call.name}` not found")
            if artifact.storage_type != "object":
                raise FakeAPIError(400, "InputError", "Only object artifacts can be finished")
            if artifact.upload_id != upload_id:
                raise FakeAPIError(409, "RequestConflict", "uploadId does not match the artifact's")
            stored = self._objects.get(artifact.object_name or "")
            if stored is None or not stored.finished:
                raise FakeAPIError(
                    409,
                    "RequestConflict",
                    f"The object of artifact `{call.name}` was not finished (object.finishUpload)",
                )
            if self.v106_content_length_bug and "contentLength" in artifact.request:
                raise FakeAPIError(
                    500,
                    "InternalServerError",
                    "Internal Server Error. Error (as v106 answers it):\n```\n"
                    "Error: Message validation failed. \nSchema Validation Failed!\n"
                    "Rejecting Schema: /schemas/queue/v1/artifact-created-message.json#\n"
                    'Errors:\n  * data/artifact must NOT have additional properties: "contentLength"\n```',
                )
            if not artifact.present:
                artifact.present = True
                self._artifact_created(task, call.runId, artifact)
        return None

    def _find_artifact(
        self, task_id: str, run_id: int, name: str, depth: int = 0
    ) -> tuple[TaskRecord, StoredArtifact]:
        task = self._get(task_id)
        artifact = task.artifacts.get(run_id, {}).get(name)
        if artifact is None or not artifact.present:
            raise FakeAPIError(404, "ResourceNotFound", "Artifact not found")
        if artifact.storage_type == "link" and artifact.target is not None:
            if depth > 10:
                raise FakeAPIError(400, "InputError", "Artifact links form a cycle or are too deep")
            return self._find_artifact(task_id, run_id, artifact.target, depth + 1)
        return task, artifact

    def _artifact_content(self, task_id: str, run_id: int, name: str) -> dict[str, Any]:
        with self._lock:
            _, artifact = self._find_artifact(task_id, run_id, name)
            kind = artifact.storage_type
            if kind == "object":
                object_name = artifact.object_name or ""
                return {
                    "storageType": "object",
                    "name": object_name,
                    "credentials": temporary_credentials(
                        self.issuer,
                        f"artifact-download/{object_name}",
                        [f"object:download:{object_name}"],
                        utc_now() + timedelta(hours=1),
                    ),
                }
            if kind == "s3":
                return {"storageType": "s3", "url": self._storage_url(artifact.url or "")}
            if kind == "reference":
                return {"storageType": "reference", "url": artifact.url}
            return {"storageType": "error", "reason": artifact.reason, "message": artifact.message}

    def _get_artifact(self, task_id: str, run_id: int, name: str) -> Reply:
        from .._http import json_reply  # noqa: PLC0415

        with self._lock:
            _, artifact = self._find_artifact(task_id, run_id, name)
            if artifact.storage_type == "error":
                return json_reply(424, {"reason": artifact.reason, "message": artifact.message})
            if artifact.storage_type == "reference":
                url = artifact.url or ""
            else:
                url = self._storage_url(artifact.object_name or artifact.url or "")
        return json_reply(
            303,
            {"storageType": artifact.storage_type, "url": url},
            {"location": url, "x-taskcluster-artifact-storage-type": artifact.storage_type},
        )

    def _list_artifacts(self, call: Any, run_id: int) -> dict[str, Any]:
        with self._lock:
            task = self._get(call.taskId)
            items = [
                {
                    "storageType": a.storage_type,
                    "name": a.name,
                    "expires": a.expires,
                    "contentType": a.content_type,
                }
                for a in task.artifacts.get(run_id, {}).values()
                if a.present
            ]
        page, token = page_of(items, call.limit, call.continuationToken)
        answer: dict[str, Any] = {"artifacts": page}
        if token:
            answer["continuationToken"] = token
        return answer

    def _artifact_info(self, task_id: str, run_id: int, name: str) -> dict[str, Any]:
        with self._lock:
            task = self._get(task_id)
            artifact = task.artifacts.get(run_id, {}).get(name)
            if artifact is None or not artifact.present:
                raise FakeAPIError(404, "ResourceNotFound", "Artifact not found")
            return {
                "storageType": artifact.storage_type,
                "name": artifact.name,
                "expires": artifact.expires,
                "contentType": artifact.content_type,
            }
