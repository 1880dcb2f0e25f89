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
        _share_copies(document, plan, by_id)
        _rewrite_refs(document, plan, by_id, ())
        document = lenient(document)
        target = directory / plan.stage_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(document, indent=1, sort_keys=True), encoding="utf-8")


# Schemas that carry another schema inline, and where: generic-worker's posix
# payloads accept docker-worker payloads (d2g) as a second `oneOf` member, a
# copy of docker-worker's payload schema. The copy becomes a `$ref` to the
# original, so the union holds `models.docker_worker.DockerWorkerPayload`
# (the class users build) and not a second class of the same name and
# meaning that it would refuse. (schema id, JSON pointer) -> schema id.
SHARED_COPIES: dict[tuple[str, str], str] = {
    ("/schemas/generic-worker/insecure_posix.json#", "/oneOf/1"): (
        "/schemas/docker-worker/v1/payload.json#"
    ),
    ("/schemas/generic-worker/multiuser_posix.json#", "/oneOf/1"): (
        "/schemas/docker-worker/v1/payload.json#"
    ),
}
_DOCS = frozenset({"title", "description", "$id", "$schema", "definitions"})


def _share_copies(document: dict[str, Any], plan: Plan, by_id: dict[str, Plan]) -> None:
    """Replace the inline copies of `SHARED_COPIES` by `$ref`s to the schema they copy.

    Only while the copy still says what the original says (docs aside):
    a copy that drifted from it is a schema of its own and keeps its class.
    """
    for (schema_id, pointer), original_id in SHARED_COPIES.items():
        original = by_id.get(original_id)
        if schema_id != plan.schema.id or original is None:
            continue
        *parents, last = [
            int(part) if part.isdigit() else part for part in pointer.strip("/").split("/")
        ]
        container: Any = document
        for part in parents:
            container = container[part]
        copy_node = container[last]
        if _meaning(copy_node, plan.schema.document) != _meaning(
            original.schema.document, original.schema.document
        ):
            raise GeneratorError(
                f"{schema_id}{pointer} is no longer a copy of {original_id}: remove it from"
                " stage.SHARED_COPIES (it then gets a class of its own)",
                file=plan.schema.source,
            )
        address = original_id.rstrip("#")
        container[last] = {"$ref": posixpath.relpath(address, posixpath.dirname(schema_id))}
        # definitions only the copy used would become classes nothing uses
        definitions = document.get("definitions", {})
        for ref in _local_refs(copy_node) - _local_refs(document):
            definitions.pop(ref.removeprefix("#/definitions/"), None)


def _local_refs(node: object) -> set[str]:
    """Every `#...` `$ref` under `node`."""
    found: set[str] = set()
    if isinstance(node, dict):
        mapping = cast(dict[str, Any], node)
        ref = mapping.get("$ref")
        if isinstance(ref, str) and ref.startswith("#"):
            found.add(ref)
        for value in mapping.values():
            found |= _local_refs(value)
    elif isinstance(node, list):
        for value in cast(list[Any], node):
            found |= _local_refs(value)
    return found


def _meaning(node: object, document: object) -> object:
    """Schema `node` with local `$ref`s inlined and docs (titles, descriptions) left out."""
    if isinstance(node, list):
        return [_meaning(value, document) for value in cast(list[Any], node)]
    if not isinstance(node, dict):
        return node
    mapping = cast(dict[str, Any], node)
    ref = mapping.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target: Any = document
        for part in ref[2:].split("/"):
            target = target[part]
        return _meaning(target, document)
    out: dict[str, Any] = {}
    for key, value in mapping.items():
        if key in _DOCS:
            continue
        if key in _SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {
                name: _meaning(sub, document) for name, sub in cast(dict[str, Any], value).items()
            }
        elif key in _SCHEMA_LISTS or key in _SCHEMA_VALUES:
            out[key] = _meaning(value, document)
        else:
            out[key] = value  # `enum`, `default`, `required`...: values, not schemas
    return out


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
