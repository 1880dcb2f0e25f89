"""Reading an answer: parsing it into the method's model, or mapping it to an error.

`http_response(result)` gives back the `httpx.Response` a parsed result came
from; the models carry it invisibly (see `RAW_RESPONSE_ATTRIBUTE`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Protocol, TypeVar, cast

import pydantic

from .._errors import InvalidResponseError, excerpt

if TYPE_CHECKING:
    import httpx

__all__ = ["RAW_RESPONSE_ATTRIBUTE", "Answer", "http_response", "parse_output"]

M = TypeVar("M", bound=pydantic.BaseModel)

# Parsed models carry the httpx.Response they came from under this key of
# their `__dict__`: invisible to pydantic (not a field, not dumped, ignored
# by `==`), and one dict store per call.
RAW_RESPONSE_ATTRIBUTE = "_taskcluster_http_response"


class Answer(Protocol):
    """What the engines read of a response: an `httpx.Response` or an aiohttp answer."""

    @property
    def status_code(self) -> int: ...

    @property
    def content(self) -> bytes: ...

    @property
    def headers(self) -> Mapping[str, str]: ...


def parse_output(response: Answer, output_model: type[M]) -> M:
    """Parse the body into `output_model` (leniently) and attach the response.

    A redirect (artifact methods answer 303) parses like a 200 when its body
    is the JSON the reference describes; when it is not (an empty, HTML or
    text body, as proxies and some deployments send), the result is built
    from the headers instead: `url` from `Location` and `storageType` from
    `x-taskcluster-artifact-storage-type`, which is all a caller needs.
    """
    if response.status_code == 204:
        return None  # type: ignore[return-value]  # documented: 204 gives None
    validator = output_model.__pydantic_validator__
    try:
        # The validator itself: `model_validate_json` only forwards to it.
        result = validator.validate_json(response.content)
    except pydantic.ValidationError as exc:
        result = _from_redirect(response, output_model)
        if result is None:
            raise _invalid(response, output_model, exc) from None
    vars(result)[RAW_RESPONSE_ATTRIBUTE] = response
    return result


def _from_redirect(response: Answer, output_model: type[M]) -> M | None:
    headers = response.headers
    location = headers.get("location")
    if not 300 <= response.status_code < 400 or location is None:
        return None
    fields = {"url": location}
    storage_type = headers.get("x-taskcluster-artifact-storage-type")
    if storage_type is not None:
        fields["storageType"] = storage_type
    try:
        return output_model.__pydantic_validator__.validate_python(fields)
    except pydantic.ValidationError:
        return None


def _invalid(
    response: Answer, output_model: type[pydantic.BaseModel], exc: pydantic.ValidationError
) -> InvalidResponseError:
    errors = exc.errors()
    problems = "; ".join(
        f"{'.'.join(str(part) for part in error['loc']) or '<root>'}: {error['msg']}"
        for error in errors[:5]
    )
    # Quote the body only when it is no JSON at all (an HTML page from a
    # proxy): a JSON body, even a truncated one, may carry secrets
    # (auth.resetAccessToken answers with an access token).
    content = response.content
    looks_like_json = content.lstrip()[:1] in (b"{", b"[")
    not_json = any(error["type"] == "json_invalid" for error in errors)
    return InvalidResponseError(
        response.status_code,
        f"response does not match {output_model.__name__}: {problems}"
        + (f" ({len(content)} bytes of JSON, not quoted)" if looks_like_json and not_json else ""),
        excerpt(content) if not_json and not looks_like_json else "",
    )


def http_response(result: object) -> httpx.Response:
    """The `httpx.Response` an API method's return value was parsed from.

    For headers, status (e.g. 303 from artifact methods) or timing:
    `taskcluster_sdk.http_response(queue.task(task_id)).headers`.
    Raises `ValueError` for objects that did not come from an API call.
    """
    try:
        namespace = vars(result)
        raw = namespace[RAW_RESPONSE_ATTRIBUTE]
    except (TypeError, KeyError):
        raise ValueError(
            f"{type(result).__name__} object was not returned by a taskcluster_sdk API call"
        ) from None
    # The async default transport stores its answer unconverted (see
    # `aiohttp_sender.AiohttpAnswer`); convert once, on first request.
    materialize: Any = getattr(raw, "_tc_materialize", None)
    if materialize is not None:
        raw = namespace[RAW_RESPONSE_ATTRIBUTE] = materialize()
    return cast("httpx.Response", raw)
