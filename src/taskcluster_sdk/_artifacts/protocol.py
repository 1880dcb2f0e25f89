"""The artifact protocol without I/O: request payloads and the answers' meaning.

Uploading an `object` artifact takes five calls: `queue.createArtifact`
(which hands out temporary credentials for the object service),
`object.createUpload` (negotiating `dataInline` or `putUrl`), the PUT to
storage, `object.finishUpload` (with the content hashes) and
`queue.finishArtifact`. Downloading resolves the storage type with
`queue.artifact` / `latestArtifact` and, for `object` artifacts, asks the
object service for a `getUrl` download. The drivers (`async_upload`,
`async_download` and their generated twins) call these functions and do the I/O.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, Literal, TypeAlias

from .content import normalize_timestamp, parse_timestamp
from .errors import (
    ArtifactUnavailableError,
    ReferenceNotAllowedError,
    UnknownStorageTypeError,
)

__all__ = [
    "ERROR_REASONS",
    "START_DOWNLOAD_REQUEST",
    "ErrorReason",
    "GetUrl",
    "ObjectCredentials",
    "ObjectDownload",
    "ObjectUploadGrant",
    "PutUrl",
    "UploadedArtifact",
    "UrlDownload",
    "as_mapping",
    "check_error_reason",
    "create_upload_request",
    "error_artifact_request",
    "finish_artifact_request",
    "finish_upload_request",
    "link_artifact_request",
    "object_artifact_request",
    "parse_artifact_content",
    "parse_credentials",
    "parse_start_download",
    "parse_upload_grant",
    "parse_upload_method",
    "reference_artifact_request",
]

ErrorReason: TypeAlias = Literal[
    "file-missing-on-worker",
    "invalid-resource-on-worker",
    "too-large-file-on-worker",
    "file-not-readable-on-worker",
]
"""The reasons the queue accepts for an `error` artifact."""

ERROR_REASONS: tuple[ErrorReason, ...] = (
    "file-missing-on-worker",
    "invalid-resource-on-worker",
    "too-large-file-on-worker",
    "file-not-readable-on-worker",
)


def as_mapping(value: object, what: str) -> Mapping[str, Any]:
    """A client response as plain JSON data, whether it is a pydantic model or a mapping."""
    dump = getattr(value, "model_dump", None)
    if callable(dump):
        value = dump(mode="json", by_alias=True, exclude_none=True)
    if isinstance(value, Mapping):
        return value  # pyright: ignore[reportUnknownVariableType]
    raise TypeError(f"{what} returned {type(value).__name__}, expected a JSON object")


def _field(data: Mapping[str, Any], key: str, what: str) -> Any:
    try:
        return data[key]
    except KeyError:
        raise UnknownStorageTypeError(f"{what} has no {key!r}: {dict(data)!r}") from None


def _str_field(data: Mapping[str, Any], key: str, what: str) -> str:
    value = _field(data, key, what)
    if not isinstance(value, str):
        raise UnknownStorageTypeError(f"{what} field {key!r} is not a string: {value!r}")
    return value


# -- upload --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ObjectCredentials:
    """Temporary credentials the queue hands out for one object service operation."""

    client_id: str
    access_token: str
    certificate: str


def parse_credentials(data: Mapping[str, Any], what: str) -> ObjectCredentials:
    credentials = _field(data, "credentials", what)
    if not isinstance(credentials, Mapping):
        raise UnknownStorageTypeError(f"{what} credentials are not an object: {credentials!r}")
    return ObjectCredentials(
        client_id=_str_field(credentials, "clientId", what),  # pyright: ignore[reportUnknownArgumentType]
        access_token=_str_field(credentials, "accessToken", what),  # pyright: ignore[reportUnknownArgumentType]
        certificate=_str_field(credentials, "certificate", what),  # pyright: ignore[reportUnknownArgumentType]
    )


@dataclass(frozen=True, slots=True)
class ObjectUploadGrant:
    """What `createArtifact` answers for `storageType: object`."""

    object_name: str
    project_id: str
    upload_id: str
    expires: str
    credentials: ObjectCredentials


@dataclass(frozen=True, slots=True)
class UploadedArtifact:
    """The result of a finished upload."""

    name: str
    """The artifact name on the task run."""
    content_type: str
    size: int
    sha256: str
    sha512: str
    expires: str
    """When the artifact expires, in Taskcluster's timestamp format."""
    upload_method: Literal["dataInline", "putUrl"]
    """How the object service accepted the content."""


def object_artifact_request(content_type: str) -> dict[str, Any]:
    """`createArtifact` for an object artifact, without `expires` (see `expiry`).

    The optional `contentLength` is left out: v106 copies it into its
    artifact-created message, whose schema forbids it, so `finishArtifact`
    answers 500 on every call (recorded:
    `queue.finishArtifact.content-length-500*.json`). The size is informational
    only; the object service gets it with `createUpload`'s `putUrl`.
    """
    return {"storageType": "object", "contentType": content_type}


def reference_artifact_request(url: str, content_type: str) -> dict[str, Any]:
    return {"storageType": "reference", "url": url, "contentType": content_type}


def link_artifact_request(target: str, content_type: str | None) -> dict[str, Any]:
    request: dict[str, Any] = {"storageType": "link", "artifact": target}
    if content_type is not None:
        request["contentType"] = content_type
    return request


def check_error_reason(reason: str) -> None:
    if reason not in ERROR_REASONS:
        raise ValueError(f"reason must be one of {', '.join(ERROR_REASONS)}; got {reason!r}")


def error_artifact_request(reason: str, message: str) -> dict[str, Any]:
    check_error_reason(reason)
    return {"storageType": "error", "reason": reason, "message": message}


def parse_upload_grant(response: object) -> ObjectUploadGrant:
    data = as_mapping(response, "queue.createArtifact")
    what = "createArtifact response"
    storage_type = _field(data, "storageType", what)
    if storage_type != "object":
        raise UnknownStorageTypeError(
            f"createArtifact answered storageType {storage_type!r} to an object artifact request"
        )
    return ObjectUploadGrant(
        object_name=_str_field(data, "name", what),
        project_id=_str_field(data, "projectId", what),
        upload_id=_str_field(data, "uploadId", what),
        expires=normalize_timestamp(_str_field(data, "expires", what)),
        credentials=parse_credentials(data, what),
    )


def create_upload_request(
    grant: ObjectUploadGrant, content_type: str, size: int, inline_data: bytes | None
) -> dict[str, Any]:
    """Propose `putUrl`, and `dataInline` too when the whole body is at hand."""
    methods: dict[str, Any] = {"putUrl": {"contentType": content_type, "contentLength": size}}
    if inline_data is not None:
        methods["dataInline"] = {
            "contentType": content_type,
            "objectData": base64.b64encode(inline_data).decode("ascii"),
        }
    return {
        "projectId": grant.project_id,
        "uploadId": grant.upload_id,
        "expires": grant.expires,
        "proposedUploadMethods": methods,
    }


@dataclass(frozen=True, slots=True)
class PutUrl:
    """Where and how to PUT the body, as the object service chose."""

    url: str
    expires: datetime
    headers: dict[str, str]

    def expired(self, now: datetime | None = None) -> bool:
        return (now or datetime.now(timezone.utc)) >= self.expires

    def request_headers(self, size: int) -> dict[str, str]:
        """The headers the service named, plus a Content-Length (storage rejects chunked bodies)."""
        headers = dict(self.headers)
        if not any(key.lower() == "content-length" for key in headers):
            headers["Content-Length"] = str(size)
        return headers


def parse_upload_method(response: object) -> PutUrl | Literal["dataInline"]:
    data = as_mapping(response, "object.createUpload")
    method = _field(data, "uploadMethod", "createUpload response")
    if not isinstance(method, Mapping):
        raise UnknownStorageTypeError(f"createUpload uploadMethod is not an object: {method!r}")
    if "dataInline" in method:
        return "dataInline"
    put_url = method.get("putUrl")  # pyright: ignore[reportUnknownMemberType, reportUnknownVariableType]
    if isinstance(put_url, Mapping):
        what = "createUpload putUrl"
        headers = _field(put_url, "headers", what)  # pyright: ignore[reportUnknownArgumentType]
        return PutUrl(
            url=_str_field(put_url, "url", what),  # pyright: ignore[reportUnknownArgumentType]
            expires=parse_timestamp(_str_field(put_url, "expires", what)),  # pyright: ignore[reportUnknownArgumentType]
            headers={str(key): str(value) for key, value in dict(headers).items()},
        )
    raise UnknownStorageTypeError(
        f"the object service accepted none of the proposed upload methods: {dict(method)!r}"  # pyright: ignore[reportUnknownArgumentType]
    )


def finish_upload_request(grant: ObjectUploadGrant, hashes: Mapping[str, str]) -> dict[str, Any]:
    return {"projectId": grant.project_id, "uploadId": grant.upload_id, "hashes": dict(hashes)}


def finish_artifact_request(grant: ObjectUploadGrant) -> dict[str, Any]:
    return {"uploadId": grant.upload_id}


# -- download ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ObjectDownload:
    """An `object` artifact: fetch it through the object service."""

    object_name: str
    credentials: ObjectCredentials


@dataclass(frozen=True, slots=True)
class UrlDownload:
    """An `s3` or allowed `reference` artifact: a plain GET, nothing to verify."""

    url: str
    renewable: bool
    """Whether asking the queue again signs a fresh URL (`s3`; a `reference` is fixed)."""


START_DOWNLOAD_REQUEST: Mapping[str, Any] = {"acceptDownloadMethods": {"getUrl": True}}


def parse_artifact_content(
    name: str, response: object, *, allow_reference: bool
) -> ObjectDownload | UrlDownload:
    """Turn `queue.artifact` / `latestArtifact` into a download plan, or raise for `error`."""
    data = as_mapping(response, "queue.artifact")
    what = "artifact response"
    storage_type = _field(data, "storageType", what)
    if storage_type == "object":
        return ObjectDownload(_str_field(data, "name", what), parse_credentials(data, what))
    if storage_type == "s3":
        return UrlDownload(_str_field(data, "url", what), renewable=True)
    if storage_type == "reference":
        url = _str_field(data, "url", what)
        if not allow_reference:
            raise ReferenceNotAllowedError(name, url)
        return UrlDownload(url, renewable=False)
    if storage_type == "error":
        raise ArtifactUnavailableError(
            name, str(data.get("reason", "")), str(data.get("message", ""))
        )
    raise UnknownStorageTypeError(f"artifact {name!r} has unknown storageType {storage_type!r}")


@dataclass(frozen=True, slots=True)
class GetUrl:
    """A `getUrl` download: a URL valid until `expires`, and the hashes to verify."""

    url: str
    expires: datetime
    hashes: Mapping[str, Any]

    def expired(self, now: datetime | None = None) -> bool:
        return (now or datetime.now(timezone.utc)) >= self.expires


def parse_start_download(response: object) -> GetUrl:
    data = as_mapping(response, "object.startDownload")
    what = "startDownload response"
    method = _field(data, "method", what)
    if method != "getUrl":
        raise UnknownStorageTypeError(f"startDownload chose unknown download method {method!r}")
    hashes = _field(data, "hashes", what)
    if not isinstance(hashes, Mapping):
        raise UnknownStorageTypeError(f"startDownload hashes are not an object: {hashes!r}")
    return GetUrl(
        url=_str_field(data, "url", what),
        expires=parse_timestamp(_str_field(data, "expires", what)),
        hashes=dict(hashes),  # pyright: ignore[reportUnknownArgumentType]
    )
