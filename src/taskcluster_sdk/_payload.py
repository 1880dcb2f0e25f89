"""Request payloads: checked against their JSON schema, then encoded as JSON.

The one place that decides what a payload may be and what goes on the wire;
the engines only send the bytes this module returns.

Taskcluster validates every request body with ajv against the method's input
schema (draft-06, formats from ajv-formats, no type coercion) and answers 400
`InputValidationError` otherwise. The same check runs here, before anything
is sent, with jsonschema-rs (measured against fastjsonschema and jsonschema:
docs/architecture.md, "Request validation"):

* a mapping is sent as given (a `datetime` inside it is written in
  Taskcluster's `2026-01-02T03:04:05.678Z` form, tuples as arrays, models
  inside it as their JSON);
* a model is dumped with `exclude_unset=True` (what the caller set, nothing
  the model filled in) and checked the same way;
* a payload that breaks its schema raises `PayloadValidationError` naming
  every failing field path and what is wrong with it, never the values (a
  payload can hold secrets).

The schemas come from `models/_input_schemas.json`, written by the
generator; validators are compiled on first use, one per input schema.
"""

from __future__ import annotations

import functools
import json
import math
import threading
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from importlib import resources
from typing import TYPE_CHECKING, Any, cast

from ._endpoint import Endpoint
from ._errors import PayloadValidationError
from ._utils import stringify_date

if TYPE_CHECKING:
    import jsonschema_rs
    import pydantic

__all__ = ["encode_payload", "validate_payload"]

# Any absolute base works: Taskcluster's ids are `/schemas/...` under the
# deployment's root URL, and relative `$ref`s resolve against them.
_BASE = "https://schemas.taskcluster-sdk.invalid"
_BUNDLE = "_input_schemas.json"


def encode_payload(
    endpoint: Endpoint, payload: Any, input_model: type[pydantic.BaseModel] | None
) -> bytes:
    """The JSON body of `payload`; raises `PayloadValidationError` before anything is sent.

    `input_model` is the generated root class of the method's input schema;
    its `__schema__` says which schema (see `TaskclusterModel`). Without an
    input model the payload is encoded as it is.
    """
    value = _to_json(payload, input_model, endpoint)
    if input_model is not None:
        validate_payload(value, input_model)
    return json.dumps(value, separators=(",", ":"), allow_nan=False).encode()


def validate_payload(value: Any, input_model: type[pydantic.BaseModel]) -> None:
    """Check a JSON value against the input schema of `input_model`, as the server would."""
    schema = cast("tuple[str, str] | None", getattr(input_model, "__schema__", None))
    if schema is None:
        _validate_with_model(value, input_model)
        return
    validator = _validator(*schema)
    problems = [_problem(error) for error in validator.iter_errors(value)]
    if problems:
        raise PayloadValidationError(input_model.__name__, sorted(set(problems)))


def _validate_with_model(value: Any, input_model: type[pydantic.BaseModel]) -> None:
    """A hand-written input model without a JSON schema: pydantic is the check."""
    import pydantic  # noqa: PLC0415 -- only for models without a schema

    try:
        input_model.model_validate(value)
    except pydantic.ValidationError as exc:
        problems = [
            (".".join(str(part) for part in error["loc"]), error["msg"]) for error in exc.errors()
        ]
        # `from None`: pydantic's error repeats the input values.
        raise PayloadValidationError(input_model.__name__, problems) from None


def _to_json(payload: Any, input_model: type[pydantic.BaseModel] | None, endpoint: Endpoint) -> Any:
    problems: list[tuple[str, str]] = []
    value = _jsonable(payload, (), problems)
    if problems:
        name = input_model.__name__ if input_model is not None else f"the {endpoint.name} payload"
        raise PayloadValidationError(name, problems)
    return value


def _jsonable(value: Any, path: tuple[str | int, ...], problems: list[tuple[str, str]]) -> Any:
    """`value` as plain JSON data (dict, list, str, int, float, bool, None).

    Collects what cannot be JSON into `problems` instead of guessing (bytes
    are not text; a set has no order; NaN is not JSON).
    """
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            problems.append((_dotted(path), "is not a finite number (JSON has no NaN or infinity)"))
        return value
    if isinstance(value, Mapping):
        out: dict[str, Any] = {}
        for key, item in cast(Mapping[Any, Any], value).items():
            if not isinstance(key, str):
                problems.append((_dotted(path), f"has a key of type {type(key).__name__}, not str"))
                continue
            out[key] = _jsonable(item, (*path, key), problems)
        return out
    if isinstance(value, (list, tuple)):
        items = cast(Sequence[Any], value)
        return [_jsonable(item, (*path, index), problems) for index, item in enumerate(items)]
    if isinstance(value, datetime):
        return stringify_date(value)
    if isinstance(value, date):
        return value.isoformat()
    kind: type[object] = type(cast(object, value))
    if hasattr(kind, "__pydantic_validator__") and hasattr(value, "model_dump"):
        # A pydantic model: what the caller set (exclude_unset), as JSON.
        model = cast("pydantic.BaseModel", value)
        return model.model_dump(mode="json", exclude_unset=True, by_alias=True)
    if isinstance(value, (bytes, bytearray, memoryview)):
        problems.append((_dotted(path), "is bytes; JSON needs text (decode it to str)"))
        return None
    problems.append((_dotted(path), f"is a {type(value).__name__}, which is not JSON"))
    return None


def _dotted(path: Sequence[str | int]) -> str:
    return ".".join(str(part) for part in path)


# --- validators ----------------------------------------------------------------

_LOCK = threading.Lock()


@functools.cache
def _registry(package: str) -> jsonschema_rs.Registry:
    import jsonschema_rs  # noqa: PLC0415 -- loaded with the first payload, not with the client

    text = resources.files(package).joinpath(_BUNDLE).read_text(encoding="utf-8")
    schemas: dict[str, dict[str, Any]] = json.loads(text)
    return jsonschema_rs.Registry(
        [
            (_BASE + schema_id, {**schema, "$id": _BASE + schema_id})
            for schema_id, schema in schemas.items()
        ]
    )


@functools.cache
def _validator(package: str, schema_id: str) -> jsonschema_rs.Draft6Validator:
    import jsonschema_rs  # noqa: PLC0415 -- see _registry

    from ._jsonformats import FORMATS  # noqa: PLC0415 -- its regexes compile on first use

    with _LOCK:  # one registry per package even when threads race to the first call
        registry = _registry(package)
    return jsonschema_rs.Draft6Validator(
        {"$ref": _BASE + schema_id},
        registry=registry,
        validate_formats=True,
        formats=FORMATS,
    )


def _problem(error: jsonschema_rs.ValidationError) -> tuple[str, str]:
    """(field path, what is wrong), from the error's kind: never the value itself."""
    path = _dotted(error.instance_path)
    kind = error.kind
    name = type(kind).__name__
    details = kind.as_dict()
    if name == "Required":
        prop = str(details["property"])
        return (f"{path}.{prop}" if path else prop, "is required")
    if name == "AdditionalProperties":
        unexpected = cast(list[object], details["unexpected"])
        names = ", ".join(repr(str(key)) for key in unexpected)
        return (path, f"has fields the schema does not allow: {names}")
    if name == "Type":
        types = [_JSON_TYPES.get(str(t), str(t)) for t in cast(list[object], details["types"])]
        return (path, "must be " + " or ".join(types))
    if name == "Enum":
        options = cast(list[object], details["options"])
        return (path, "must be one of " + ", ".join(json.dumps(option) for option in options))
    if name == "Constant":
        return (path, f"must be {json.dumps(details['expected_value'])}")
    if name == "Format":
        return (path, f"is not a valid {details.get('format', 'value for its format')}")
    template = _MESSAGES.get(name, "does not match the schema")
    try:
        return (path, template.format_map(details))
    except (KeyError, ValueError):
        return (path, "does not match the schema")


_JSON_TYPES = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "null": "null",
}

# Keyed by jsonschema-rs error kind; `{...}` are that kind's details (limits
# from the schema, never the value that failed).
_MESSAGES = {
    "Pattern": "does not match the pattern {pattern}",
    "MinLength": "is shorter than {limit} characters",
    "MaxLength": "is longer than {limit} characters",
    "MinItems": "has fewer than {limit} items",
    "MaxItems": "has more than {limit} items",
    "UniqueItems": "has duplicate items",
    "MinProperties": "has fewer than {limit} fields",
    "MaxProperties": "has more than {limit} fields",
    "Minimum": "must be at least {limit}",
    "Maximum": "must be at most {limit}",
    "ExclusiveMinimum": "must be more than {limit}",
    "ExclusiveMaximum": "must be less than {limit}",
    "MultipleOf": "must be a multiple of {multiple_of}",
    "OneOfNotValid": "matches none of the shapes the schema allows",
    "OneOfMultipleValid": "matches more than one of the shapes the schema allows",
    "AnyOf": "matches none of the shapes the schema allows",
    "Not": "matches a shape the schema forbids",
    "FalseSchema": "is not allowed here",
}
