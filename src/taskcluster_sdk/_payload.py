"""Request payloads: validated against their input schema, then encoded as JSON.

The one place that decides what a payload may be and what goes on the wire;
the engines only send the bytes this module returns.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

import pydantic

from ._endpoint import Endpoint
from ._errors import PayloadValidationError
from ._model import strict_validation
from ._utils import stringify_date

__all__ = ["encode_payload"]


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime):
        return stringify_date(value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json", exclude_unset=True)
    raise TypeError(f"payload value of type {type(value).__name__} is not JSON serialisable")


def encode_payload(
    endpoint: Endpoint, payload: Any, input_model: type[pydantic.BaseModel] | None
) -> bytes:
    """The JSON body of `payload`; raises `PayloadValidationError` before anything is sent."""
    if input_model is None:
        return json.dumps(payload, separators=(",", ":"), default=_json_default).encode()
    if isinstance(payload, input_model):
        model = payload
    elif isinstance(payload, Mapping):
        try:
            with strict_validation():
                model = input_model.model_validate(payload)
        except pydantic.ValidationError as exc:
            problems = [
                (".".join(str(part) for part in error["loc"]), error["msg"])
                for error in exc.errors()
            ]
            # `from None`: pydantic's error repeats the input values, and
            # payloads can hold secrets (secrets.set, auth.createClient).
            raise PayloadValidationError(input_model.__name__, problems) from None
    else:
        raise TypeError(
            f"{endpoint.name} payload must be {input_model.__name__} or a mapping, "
            f"not {type(payload).__name__}"
        )
    return model.model_dump_json(exclude_unset=True, by_alias=True).encode()
