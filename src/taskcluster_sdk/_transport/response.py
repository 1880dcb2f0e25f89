"""Reading an answer: parsing it into the method's model, or mapping it to an error.

`http_response(result)` gives back the `httpx.Response` a parsed result came
from; the models carry it invisibly (see `RAW_RESPONSE_ATTRIBUTE`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol, TypeVar, cast

import httpx
import pydantic

from .._errors import InvalidResponseError, excerpt

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

    A 303 that carries a JSON body (artifact methods) parses like a 200.
    """
    if response.status_code == 204:
        return None  # type: ignore[return-value]  # documented: 204 gives None
    try:
        # The validator itself: `model_validate_json` only forwards to it.
        result = output_model.__pydantic_validator__.validate_json(response.content)
    except pydantic.ValidationError as exc:
        errors = exc.errors()
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc']) or '<root>'}: {error['msg']}"
            for error in errors[:5]
        )
        # Quote the body only when it is not JSON at all: a JSON body may carry
        # secrets (auth.resetAccessToken), and the field problems suffice.
        not_json = any(error["type"] == "json_invalid" for error in errors)
        raise InvalidResponseError(
            response.status_code,
            f"response does not match {output_model.__name__}: {problems}",
            excerpt(response.content) if not_json else "",
        ) from None
    vars(result)[RAW_RESPONSE_ATTRIBUTE] = response
    return result


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
