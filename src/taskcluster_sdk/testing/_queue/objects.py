"""The object service (uploads, downloads) and the storage behind its signed URLs."""

from __future__ import annotations

import base64
import hashlib
from datetime import timedelta
from typing import Any, cast
from urllib.parse import unquote

from .._http import FakeAPIError, ReceivedRequest, Reply, taskcluster_time
from .records import STORAGE_PREFIX, StoredObject, body_of, normal_time, utc_now
from .store import Store

__all__ = ["ObjectService"]


class ObjectService(Store):
    """`createUpload`, `finishUpload`, `startDownload`, `object`, `download`, and storage."""

    # -- the object service and its storage ---------------------------------------------

    def _stored(self, name: str) -> StoredObject:
        stored = self._objects.get(name)
        if stored is None:
            raise FakeAPIError(404, "ResourceNotFound", f'Object "{name}" not found')
        return stored

    def _create_upload(self, call: Any) -> dict[str, Any]:
        body: dict[str, Any] = call.request.json() or {}
        with self._lock:
            stored = self._objects.get(call.name)
            if stored is None:
                stored = self._objects[call.name] = StoredObject(
                    call.name, body["projectId"], body["uploadId"], normal_time(body["expires"])
                )
            elif stored.upload_id != body["uploadId"] or stored.finished:
                raise FakeAPIError(409, "RequestConflict", "Object already exists")
            stored.hashes.update(body.get("hashes") or {})
            methods: dict[str, Any] = body.get("proposedUploadMethods") or {}
            answer: dict[str, Any] = {
                "projectId": stored.project_id,
                "uploadId": stored.upload_id,
                "expires": stored.expires,
            }
            if "dataInline" in methods:
                inline = methods["dataInline"]
                stored.data = base64.b64decode(inline["objectData"])
                stored.content_type = inline["contentType"]
                answer["uploadMethod"] = {"dataInline": True}
            elif "putUrl" in methods:
                put = methods["putUrl"]
                stored.content_type = put["contentType"]
                answer["uploadMethod"] = {
                    "putUrl": {
                        "url": self._storage_url(call.name),
                        "expires": taskcluster_time(utc_now() + timedelta(minutes=45)),
                        "headers": {
                            "Content-Type": put["contentType"],
                            "Content-Length": str(put["contentLength"]),
                            "Content-Encoding": "identity",
                        },
                    }
                }
            else:
                answer["uploadMethod"] = {}
            return answer

    def _finish_upload(self, call: Any) -> dict[str, Any]:
        body: dict[str, Any] = call.request.json() or {}
        with self._lock:
            stored = self._stored(call.name)
            if stored.upload_id != body["uploadId"]:
                raise FakeAPIError(409, "RequestConflict", "uploadId does not match the object's")
            hashes = cast("dict[str, str]", body.get("hashes") or {})
            for algorithm, value in hashes.items():
                if stored.hashes.get(algorithm, value) != value:
                    raise FakeAPIError(
                        409,
                        "RequestConflict",
                        f"Object hash {algorithm} conflicts with the hash given before",
                    )
                stored.hashes[algorithm] = value
            stored.finished = True
        return {}

    def _start_download(self, call: Any) -> dict[str, Any]:
        accepted: dict[str, Any] = body_of(call).get("acceptDownloadMethods") or {}
        with self._lock:
            stored = self._stored(call.name)
            if not stored.finished:
                raise FakeAPIError(404, "ResourceNotFound", f'Object "{call.name}" not found')
            url = self._storage_url(call.name)
            if accepted.get("getUrl"):
                return {
                    "method": "getUrl",
                    "url": url,
                    "expires": taskcluster_time(utc_now() + timedelta(seconds=60)),
                    "hashes": dict(stored.hashes),
                }
            if accepted.get("simple"):
                return {"method": "simple", "url": url}
        raise FakeAPIError(406, "NoMatchingMethod", "Object supports methods simple, getUrl")

    def _object(self, call: Any) -> dict[str, Any]:
        with self._lock:
            stored = self._stored(call.name)
            return {
                "projectId": stored.project_id,
                "expires": stored.expires,
                "hashes": dict(stored.hashes),
            }

    def _download(self, call: Any) -> Reply:
        with self._lock:
            self._stored(call.name)
        url = self._storage_url(call.name)
        return Reply(
            303,
            {"location": url, "content-type": "text/plain; charset=utf-8"},
            f"See Other. Redirecting to {url}".encode(),
        )

    def storage(self, request: ReceivedRequest) -> Reply:
        """The storage behind pre-signed URLs: PUT stores the bytes, GET (with Range) reads them."""
        key = unquote(request.path[len(STORAGE_PREFIX) :])
        with self._lock:
            stored = self._objects.get(key)
            if request.method == "PUT":
                if stored is None:
                    return Reply(
                        403,
                        {"content-type": "application/xml"},
                        b"<Error><Code>AccessDenied</Code></Error>",
                    )
                length = request.headers.get("content-length")
                if length is None:
                    return Reply(
                        411,
                        {"content-type": "application/xml"},
                        b"<Error><Code>MissingContentLength</Code></Error>",
                    )
                stored.data = request.body
                return Reply(200, {"etag": f'"{hashlib.md5(request.body).hexdigest()}"'})
            if request.method not in ("GET", "HEAD") or stored is None or stored.data is None:
                return Reply(
                    404,
                    {"content-type": "application/xml"},
                    b"<Error><Code>NoSuchKey</Code></Error>",
                )
            data = stored.data
        headers = {"content-type": stored.content_type, "accept-ranges": "bytes"}
        spec = request.headers.get("range", "")
        if spec.startswith("bytes=") and spec.endswith("-") and spec[6:-1].isdigit():
            start = int(spec[6:-1])
            if start >= len(data):
                return Reply(416, {"content-range": f"bytes */{len(data)}"})
            headers["content-range"] = f"bytes {start}-{len(data) - 1}/{len(data)}"
            return Reply(206, headers, data[start:])
        return Reply(200, headers, data)
