"""The schema documents as datamodel-code-generator reads them.

Each schema is written to `<package>/<module>.json`, so the generator's
output modules already have their final names; `$ref`s are rewritten to that
layout and the root `title` is the chosen class name (datamodel-code-generator
names root classes from titles).
"""

from __future__ import annotations

import copy
import json
import posixpath
from pathlib import Path
from typing import Any, cast
from urllib.parse import urljoin

from codegen.errors import GeneratorError, json_path
from codegen.models.plan import Plan


def stage_schemas(plans: list[Plan], directory: Path) -> None:
    """Write every schema where datamodel-code-generator expects it, refs rewritten."""
    by_id = {plan.schema.id: plan for plan in plans}
    for plan in plans:
        document = copy.deepcopy(plan.schema.document)
        # The staged layout is the only base for refs; ids and meta-schema
        # pointers would make the generator resolve against the original one.
        document.pop("$id", None)
        document.pop("id", None)
        document.pop("$schema", None)
        document["title"] = plan.root_name
        _rewrite_refs(document, plan, by_id, ())
        document = lenient(document)
        target = directory / plan.stage_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(document, indent=1, sort_keys=True), encoding="utf-8")


def _rewrite_refs(
    node: object, plan: Plan, by_id: dict[str, Plan], at: tuple[str | int, ...]
) -> None:
    if isinstance(node, dict):
        mapping = cast(dict[str, Any], node)
        for key, value in mapping.items():
            if key == "$ref" and isinstance(value, str):
                mapping[key] = _staged_ref(value, plan, by_id, (*at, key))
            else:
                _rewrite_refs(value, plan, by_id, (*at, key))
    elif isinstance(node, list):
        for position, value in enumerate(cast(list[Any], node)):
            _rewrite_refs(value, plan, by_id, (*at, position))


def _staged_ref(ref: str, plan: Plan, by_id: dict[str, Plan], at: tuple[str | int, ...]) -> str:
    if ref.startswith("#"):
        return ref
    address, _, fragment = urljoin(plan.schema.id, ref).partition("#")
    target = by_id.get(f"{address}#")
    if target is None:
        raise GeneratorError(
            f"$ref {ref!r} points to {address}, which is not a known schema",
            file=plan.schema.source,
            path=json_path(*at),
        )
    relative = posixpath.relpath(target.stage_path, posixpath.dirname(plan.stage_path))
    return f"{relative}#{fragment}"


# Keywords that constrain values without changing their Python type. Models
# only parse (the JSON schema itself checks requests, see `_payload`), so
# they leave these out: a response never fails on a pattern or a length.
CONSTRAINTS = frozenset(
    {
        "pattern",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "multipleOf",
        "minItems",
        "maxItems",
        "uniqueItems",
        "minProperties",
        "maxProperties",
        "propertyNames",
        "dependencies",
        "not",
        "if",
        "then",
        "else",
    }
)
# The one format that changes the Python type; the others stay plain strings.
TYPED_FORMATS = frozenset({"date-time"})
_SCHEMA_MAPS = ("properties", "patternProperties", "definitions", "$defs")
_SCHEMA_LISTS = ("oneOf", "anyOf", "allOf")
_SCHEMA_VALUES = ("additionalProperties", "items", "additionalItems", "contains")


def lenient(node: Any) -> Any:
    """A copy of a schema without value constraints, for the parsing models.

    Walks schema positions only (`properties` maps names to schemas; a
    property called `pattern` is not a keyword). `additionalProperties:
    false` goes too: models keep unknown fields.
    """
    if not isinstance(node, dict):
        return node
    schema = cast(dict[str, Any], node)
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key in CONSTRAINTS or (key == "format" and value not in TYPED_FORMATS):
            continue
        if key == "additionalProperties" and value is False:
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: lenient(sub) for name, sub in cast(dict[str, Any], value).items()}
        elif (key in _SCHEMA_LISTS and isinstance(value, list)) or (
            key in _SCHEMA_VALUES and isinstance(value, list)
        ):
            out[key] = [lenient(sub) for sub in cast(list[Any], value)]
        elif key in _SCHEMA_VALUES:
            out[key] = lenient(value)
        else:
            out[key] = value
    return out
