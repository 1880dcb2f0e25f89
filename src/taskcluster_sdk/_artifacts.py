"""The artifact protocol without I/O: payloads, response parsing, hashing.

Uploading an `object` artifact takes five calls: `queue.createArtifact`
(which hands out temporary credentials for the object service),
`object.createUpload` (negotiating `dataInline` or `putUrl`), the PUT to
storage, `object.finishUpload` (with the content hashes) and
`queue.finishArtifact`. Downloading resolves the storage type with
`queue.artifact` / `latestArtifact` and, for `object` artifacts, asks the
object service for a `getUrl` download. The sync and async drivers
(`_artifacts_sync`, `_artifacts_async`) share everything in this module and
differ only in how they wait for I/O.
"""

from __future__ import annotations

import base64
import hashlib
import mimetypes
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Literal, TypeAlias

from ._artifacts_errors import (
    ArtifactUnavailableError,
    HashMismatchError,
    ReferenceNotAllowedError,
    UnknownStorageTypeError,
)

# The object service accepts `dataInline` bodies of at most 8 KiB.
DATA_INLINE_MAX_SIZE = 8192
# Large enough to keep per-chunk overhead negligible, small enough that
# memory stays flat however large the artifact is.
CHUNK_SIZE = 1024 * 1024
DEFAULT_CONTENT_TYPE = "application/octet-stream"
# Download hashes this SDK verifies; the object service may report others.
VERIFIED_HASHES = ("sha256", "sha512")

ProgressCallback: TypeAlias = Callable[[int, int | None], None]
"""Called with (bytes done, total bytes or None when unknown) as data moves.

A retried transfer starts over, so `bytes done` can go back down.
"""

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


# -- expiry and content type ---------------------------------------------------


def format_timestamp(moment: datetime) -> str:
    """Taskcluster's timestamp format: UTC, millisecond precision, `Z`."""
    utc = moment.astimezone(timezone.utc)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def parse_timestamp(text: str) -> datetime:
    """A Taskcluster timestamp as an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def resolve_expires(expires: datetime | timedelta, *, now: datetime | None = None) -> str:
    """An explicit expiry (a moment, or a delay from now) in wire format."""
    if isinstance(expires, timedelta):
        if expires <= timedelta(0):
            raise ValueError(f"expires must be a positive delay, got {expires}")
        return format_timestamp((now or datetime.now(timezone.utc)) + expires)
    if expires.tzinfo is None:
        raise ValueError(f"expires must be timezone-aware, got naive {expires.isoformat()}")
    return format_timestamp(expires)


def normalize_timestamp(text: str) -> str:
    """A timestamp from a response (maybe re-serialised by pydantic) in wire format.

    The object service requires the `expires` of `createUpload` to equal the
    one `createArtifact` answered, so it is passed on in one canonical form.
    """
    return format_timestamp(parse_timestamp(text))


def task_expires(task: object) -> str:
    """The `expires` of a task definition, the default expiry of its artifacts."""
    value = _field(as_mapping(task, "queue.task"), "expires", "task definition")
    return normalize_timestamp(str(value))


def guess_content_type(*names: str | None) -> str:
    """The content type guessed from the first name that has a known extension."""
    for name in names:
        if not name:
            continue
        content_type, encoding = mimetypes.guess_type(name, strict=False)
        if encoding == "gzip":
            return "application/gzip"
        if encoding is not None:
            return f"application/x-{encoding}"
        if content_type is not None:
            return content_type
    return DEFAULT_CONTENT_TYPE


# -- hashing -------------------------------------------------------------------


class ContentHasher:
    """sha256 and sha512 of a byte stream, computed as it passes."""

    def __init__(self) -> None:
        self._sha256 = hashlib.sha256()
        self._sha512 = hashlib.sha512()
        self.size = 0

    def update(self, chunk: bytes) -> None:
        self._sha256.update(chunk)
        self._sha512.update(chunk)
        self.size += len(chunk)

    def hexdigests(self) -> dict[str, str]:
        return {"sha256": self._sha256.hexdigest(), "sha512": self._sha512.hexdigest()}


def verify_hashes(name: str, expected: Mapping[str, Any], actual: Mapping[str, str]) -> None:
    """Check every known hash the object service reported; at least one must be known."""
    checked = 0
    for algorithm in VERIFIED_HASHES:
        want = expected.get(algorithm)
        if want is None:
            continue
        if want != actual[algorithm]:
            raise HashMismatchError(name, algorithm, str(want), actual[algorithm])
        checked += 1
    if checked == 0:
        raise HashMismatchError(
            name, "/".join(VERIFIED_HASHES), "at least one known hash", f"{dict(expected)!r}"
        )


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


def object_artifact_request(content_type: str, expires: str, size: int) -> dict[str, Any]:
    return {
        "storageType": "object",
        "contentType": content_type,
        "expires": expires,
        "contentLength": size,
    }


def reference_artifact_request(url: str, content_type: str, expires: str) -> dict[str, Any]:
    return {"storageType": "reference", "url": url, "contentType": content_type, "expires": expires}


def link_artifact_request(target: str, content_type: str | None, expires: str) -> dict[str, Any]:
    request: dict[str, Any] = {"storageType": "link", "artifact": target, "expires": expires}
    if content_type is not None:
        request["contentType"] = content_type
    return request


def check_error_reason(reason: str) -> None:
    if reason not in ERROR_REASONS:
        raise ValueError(f"reason must be one of {', '.join(ERROR_REASONS)}; got {reason!r}")


def error_artifact_request(reason: str, message: str, expires: str) -> dict[str, Any]:
    check_error_reason(reason)
    return {"storageType": "error", "reason": reason, "message": message, "expires": expires}


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
        return UrlDownload(_str_field(data, "url", what))
    if storage_type == "reference":
        url = _str_field(data, "url", what)
        if not allow_reference:
            raise ReferenceNotAllowedError(name, url)
        return UrlDownload(url)
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
