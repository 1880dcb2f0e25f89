"""Checks on imported and checked-in API definitions, before anything uses them.

The importer runs these before it writes a file and the loader runs them
again before it builds the model, so a broken reference is reported once,
early, as a `GeneratorError` naming the file and the JSON path, instead of
surfacing later as a confusing failure in model generation or rendering.

Documents are passed around as `Documents`: parsed JSON keyed by their path
relative to the project root (`references/queue/v1/api.json`), each with the
origin to name in error messages (a file, a bundle entry or a URL).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urljoin

import jsonschema
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT6

from codegen.errors import GeneratorError, json_path

LEGACY = "legacy-2014"
API_META_SCHEMA = "/schemas/common/api-reference-v0.json#"
EXCHANGES_META_SCHEMA = "/schemas/common/exchanges-reference-v0.json#"

# 2014 schema ids: http://schemas.taskcluster.net/<service>/<version>/<name>.json[#]
_LEGACY_ID = re.compile(
    r"^https?://schemas\.taskcluster\.net/([a-z][a-z0-9-]*)/(v[0-9]+)/([A-Za-z0-9_.-]+\.json)#?$"
)
_LEGACY_BASE_URL = re.compile(r"^https?://([a-z][a-z0-9-]*)\.[A-Za-z0-9.:-]+/(v[0-9]+)/?$")
_LEGACY_PREFIX = re.compile(r"^([a-z][a-z0-9-]*)/(v[0-9]+)/$")
_CLASS_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")
_ROUTE_ARG = re.compile(r"<([^<>]+)>")
_HTTP_METHODS = frozenset({"get", "post", "put", "head", "delete", "patch", "options"})
# Keywords whose values are data, not subschemas: a "$ref" key in there is not a reference.
DATA_KEYWORDS = frozenset({"enum", "const", "default", "examples", "example"})
# Meta-schemas of the JSON-schema drafts: schemas may $ref them, jsonschema knows them.
_DRAFTS = frozenset(
    f"{scheme}://json-schema.org/draft-{draft}/schema"
    for scheme in ("http", "https")
    for draft in ("04", "06", "07")
)
# jsonschema's messages quote the whole failing instance; keep errors readable.
_MAX_MESSAGE = 300


@dataclass(frozen=True)
class Document:
    """One parsed JSON document and where it came from (for error messages)."""

    content: Any
    origin: str


Documents = Mapping[str, Document]


def parse_json(text: str | bytes, origin: str) -> Any:
    """Parse JSON text, turning syntax errors into a `GeneratorError` naming `origin`."""
    try:
        return json.loads(text)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise GeneratorError(f"invalid JSON: {error}", file=origin) from None


def normalise_legacy_id(raw: str) -> str | None:
    """`http://schemas.taskcluster.net/queue/v1/task.json[#]` -> `/schemas/queue/v1/task.json#`.

    Returns None when `raw` is not a 2014 schema id.
    """
    match = _LEGACY_ID.match(raw)
    if match is None:
        return None
    service, version, name = match.groups()
    return f"/schemas/{service}/{version}/{name}#"


def legacy_base_url_parts(base_url: str) -> tuple[str, str] | None:
    """(service, api version) of a 2014 baseUrl: `https://queue.taskcluster.net/v1` -> (queue, v1)."""
    match = _LEGACY_BASE_URL.match(base_url)
    return (match.group(1), match.group(2)) if match else None


def legacy_prefix_parts(prefix: str) -> tuple[str, str] | None:
    """(service, api version) of a 2014 exchangePrefix: `queue/v1/` -> (queue, v1)."""
    match = _LEGACY_PREFIX.match(prefix)
    return (match.group(1), match.group(2)) if match else None


def schema_path(schema_id: str) -> str:
    """The project-relative file of a normalised schema id (`schemas/queue/v1/task.json`)."""
    return schema_id.split("#", 1)[0].lstrip("/")


# --------------------------------------------------------------------------
# current platform


def validate_current(documents: Documents) -> None:
    """Check the current platform's references and schemas (everything outside legacy-2014)."""
    schemas = _current_schemas(documents)
    registry = _meta_registry(schemas)
    for path in sorted(documents):
        if not path.startswith("references/"):
            continue
        document = documents[path]
        if path.endswith("/api.json"):
            _check_against(document, _meta_schema(schemas, API_META_SCHEMA, document), registry)
            _check_api_entries(document, schemas)
        elif path.endswith("/exchanges.json"):
            meta = _meta_schema(schemas, EXCHANGES_META_SCHEMA, document)
            _check_against(document, meta, registry)
            _check_exchange_entries(document, schemas)
        elif not isinstance(document.content, dict):
            raise GeneratorError(
                "a reference must be a JSON object", file=document.origin, path="$"
            )
    _check_refs(schemas, base_of=lambda document: str(document.content["$id"]), key_of=_current_key)


def _current_schemas(documents: Documents) -> dict[str, Document]:
    """Schemas by `$id`, after checking each sits at the path its `$id` names."""
    schemas: dict[str, Document] = {}
    for path in sorted(documents):
        if not path.startswith("schemas/"):
            continue
        document = documents[path]
        content = _object(document, "$")
        schema_id = content.get("$id")
        expected = f"/{path}#"
        if schema_id != expected:
            raise GeneratorError(
                f"schema $id {schema_id!r} does not match its location (expected {expected!r})",
                file=document.origin,
                path=json_path("$id"),
            )
        schemas[expected] = document
    return schemas


def _meta_registry(schemas: Mapping[str, Document]) -> Registry[Any]:
    """The common schemas by `$id`, so meta-schemas resolve their `$ref`s offline."""
    resources = [
        (schema_id, Resource.from_contents(document.content, default_specification=DRAFT6))
        for schema_id, document in schemas.items()
        if schema_id.startswith("/schemas/common/")
    ]
    registry: Registry[Any] = Registry()
    return registry.with_resources(resources)


def _meta_schema(schemas: Mapping[str, Document], meta_id: str, reference: Document) -> Any:
    content = _object(reference, "$")
    declared = content.get("$schema")
    if declared != meta_id:
        raise GeneratorError(
            f"$schema is {declared!r}, expected {meta_id!r}",
            file=reference.origin,
            path=json_path("$schema"),
        )
    meta = schemas.get(meta_id)
    if meta is None:
        raise GeneratorError(
            f"meta-schema {meta_id} is missing from schemas/",
            file=reference.origin,
            path=json_path("$schema"),
        )
    return meta.content


def _check_against(document: Document, meta: Any, registry: Registry[Any]) -> None:
    validator = jsonschema.Draft6Validator(meta, registry=registry)
    errors: list[ValidationError] = list(
        validator.iter_errors(document.content)  # pyright: ignore[reportUnknownMemberType]
    )
    if errors:
        # The deepest error names the most specific place (an entry, not the whole file).
        error = max(errors, key=lambda error: len(error.absolute_path))
        message = str(error.message)
        if len(message) > _MAX_MESSAGE:
            message = message[:_MAX_MESSAGE] + "..."
        raise GeneratorError(
            f"does not match its meta-schema: {message}",
            file=document.origin,
            path=json_path(*error.absolute_path),
        )


def _check_api_entries(document: Document, schemas: Mapping[str, Document]) -> None:
    content = cast(dict[str, Any], document.content)
    service = str(content["serviceName"])
    entries = cast(list[dict[str, Any]], content["entries"])
    _check_unique(document, entries, "name", "method name")
    for index, entry in enumerate(entries):
        _check_route_args(document, entry, index)
        for key in ("input", "output"):
            value = entry.get(key)
            if isinstance(value, str) and not (key == "output" and value == "blob"):
                _check_schema_exists(document, schemas, service, value, ("entries", index, key))


def _check_exchange_entries(document: Document, schemas: Mapping[str, Document]) -> None:
    content = cast(dict[str, Any], document.content)
    service = str(content["serviceName"])
    entries = cast(list[dict[str, Any]], content["entries"])
    _check_unique(document, entries, "name", "exchange name")
    _check_unique(document, entries, "exchange", "exchange")
    for index, entry in enumerate(entries):
        _check_schema_exists(
            document, schemas, service, entry["schema"], ("entries", index, "schema")
        )


def current_schema_id(service: str, value: str) -> str:
    """Resolve an entry's schema reference against `/schemas/<service>/` (absolute ids stay)."""
    resolved = urljoin(f"/schemas/{service}/", value)
    return resolved if "#" in resolved else resolved + "#"


def _check_schema_exists(
    document: Document,
    schemas: Mapping[str, Document],
    service: str,
    value: str,
    where: tuple[str | int, ...],
) -> None:
    schema_id = current_schema_id(service, value)
    if schema_id not in schemas:
        raise GeneratorError(
            f"schema {value!r} ({schema_id}) has no file in schemas/",
            file=document.origin,
            path=json_path(*where),
        )


# --------------------------------------------------------------------------
# checks shared by both platforms


def _check_unique(document: Document, entries: list[dict[str, Any]], key: str, what: str) -> None:
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        value = entry.get(key)
        if not isinstance(value, str):
            continue
        if value in seen:
            raise GeneratorError(
                f"duplicate {what} {value!r} (also at {json_path('entries', seen[value], key)})",
                file=document.origin,
                path=json_path("entries", index, key),
            )
        seen[value] = index


def _check_route_args(document: Document, entry: dict[str, Any], index: int) -> None:
    in_route = _ROUTE_ARG.findall(str(entry["route"]))
    args = list(cast(list[str], entry["args"]))
    if in_route != args:
        raise GeneratorError(
            f"args {args} do not match the arguments of route {entry['route']!r} "
            f"({in_route}, same names in the same order)",
            file=document.origin,
            path=json_path("entries", index, "args"),
        )


def _current_key(address: str) -> str:
    return address + "#"


def _legacy_key(address: str) -> str:
    # 2014 schemas refer to each other by absolute URL: look those up by normalised id.
    return normalise_legacy_id(address) or address + "#"


def _check_refs(
    schemas: Mapping[str, Document],
    base_of: Callable[[Document], str],
    key_of: Callable[[str], str],
) -> None:
    """Every `$ref` in every schema resolves to a schema here (and to a node in it)."""
    for schema_id in sorted(schemas):
        document = schemas[schema_id]
        base = base_of(document)
        for ref, where in _refs(document.content, ()):
            target_id, target = _resolve_ref(schemas, key_of, base, ref)
            if target_id is None:
                continue  # a JSON-schema draft meta-schema, known to jsonschema
            if target is None:
                raise GeneratorError(
                    f"$ref {ref!r} does not resolve ({target_id})",
                    file=document.origin,
                    path=json_path(*where),
                )


def _resolve_ref(
    schemas: Mapping[str, Document], key_of: Callable[[str], str], base: str, ref: str
) -> tuple[str | None, Any]:
    """(resolved uri, target node or None); (None, None) for the drafts' meta-schemas."""
    resolved = urljoin(base, ref)
    address, _, fragment = resolved.partition("#")
    if address in _DRAFTS:
        return None, None
    target = schemas.get(key_of(address))
    if target is None:
        return resolved, None
    if not fragment:
        return resolved, target.content
    if not fragment.startswith("/"):
        return resolved, None
    node: Any = target.content
    for token in fragment[1:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if isinstance(node, dict) and token in node:
            node = cast(dict[str, Any], node)[token]
        elif isinstance(node, list) and token.isdigit() and int(token) < len(cast(list[Any], node)):
            node = cast(list[Any], node)[int(token)]
        else:
            return resolved, None
    return resolved, node


def _refs(node: Any, where: tuple[str | int, ...]) -> Iterator[tuple[str, tuple[str | int, ...]]]:
    if isinstance(node, dict):
        for key, value in cast(dict[str, Any], node).items():
            if key == "$ref" and isinstance(value, str):
                yield value, (*where, key)
            elif key not in DATA_KEYWORDS:
                yield from _refs(value, (*where, key))
    elif isinstance(node, list):
        for index, value in enumerate(cast(list[Any], node)):
            yield from _refs(value, (*where, index))


def as_object(value: Any) -> dict[str, Any] | None:
    """`value` typed as a JSON object, or None when it is something else."""
    return cast(dict[str, Any], value) if isinstance(value, dict) else None


def _object(document: Document, path: str) -> dict[str, Any]:
    content = as_object(document.content)
    if content is None:
        raise GeneratorError("expected a JSON object", file=document.origin, path=path)
    return content


# --------------------------------------------------------------------------
# 2014 platform


def validate_legacy(documents: Documents) -> None:
    """Check the 2014 references and schemas (`references/legacy-2014`, `schemas/legacy-2014`).

    The 2014 format has no meta-schema, so its shape is checked by hand.
    """
    schemas = _legacy_schemas(documents)
    prefix = f"references/{LEGACY}/"
    for path in sorted(documents):
        if path.startswith(prefix):
            _check_legacy_reference(documents[path], path[len(prefix) : -len(".json")], schemas)
    _check_refs(schemas, base_of=lambda document: str(document.content["id"]), key_of=_legacy_key)


def _legacy_schemas(documents: Documents) -> dict[str, Document]:
    """2014 schemas by normalised id, after checking each sits where its `id` says."""
    schemas: dict[str, Document] = {}
    prefix = f"schemas/{LEGACY}/"
    for path in sorted(documents):
        if not path.startswith(prefix):
            continue
        document = documents[path]
        raw: object = _object(document, "$").get("id")
        normalised = normalise_legacy_id(raw) if isinstance(raw, str) else None
        expected = f"/schemas/{path[len(prefix) :]}#"
        if normalised != expected:
            raise GeneratorError(
                f"schema id {raw!r} does not match its location "
                f"(expected http://schemas.taskcluster.net/{path[len(prefix) :]}#)",
                file=document.origin,
                path=json_path("id"),
            )
        schemas[expected] = document
    return schemas


class _Shape:
    """Hand-written type checks that raise with the file and JSON path."""

    def __init__(self, document: Document):
        self.document = document

    def fail(self, message: str, *where: str | int) -> GeneratorError:
        return GeneratorError(message, file=self.document.origin, path=json_path(*where))

    def get(self, node: dict[str, Any], key: str, kind: type, *where: str | int) -> Any:
        if key not in node:
            raise self.fail(f"missing required key {key!r}", *where)
        return self.optional(node, key, kind, *where)

    def optional(self, node: dict[str, Any], key: str, kind: type, *where: str | int) -> Any:
        value = node.get(key)
        if value is not None and (
            not isinstance(value, kind) or (kind is int and isinstance(value, bool))
        ):
            raise self.fail(f"{key!r} must be a {_JSON_NAMES[kind]}", *where, key)
        return value

    def strings(self, node: dict[str, Any], key: str, *where: str | int, required: bool) -> None:
        values = self.get(node, key, list, *where) if required else node.get(key)
        if values is None:
            return
        if not isinstance(values, list):
            raise self.fail(f"{key!r} must be an array", *where, key)
        for index, value in enumerate(cast(list[Any], values)):
            if not isinstance(value, str):
                raise self.fail("must be a string", *where, key, index)


_JSON_NAMES: dict[type, str] = {
    str: "string",
    list: "array",
    dict: "object",
    bool: "boolean",
    int: "integer",
}


def _check_legacy_reference(document: Document, name: str, schemas: Mapping[str, Document]) -> None:
    shape = _Shape(document)
    top = _object(document, "$")
    if top.get("name") != name:
        raise shape.fail(f"name {top.get('name')!r} does not match the file name {name!r}", "name")
    if not _CLASS_NAME.match(name):
        raise shape.fail(f"name {name!r} is not a PascalCase class name", "name")
    shape.get(top, "referenceUrl", str)
    reference = cast(dict[str, Any], shape.get(top, "reference", dict))
    where = ("reference",)
    for key in ("version", "title", "description"):
        shape.get(reference, key, str, *where)
    base_url = shape.optional(reference, "baseUrl", str, *where)
    prefix = shape.optional(reference, "exchangePrefix", str, *where)
    if base_url is not None and legacy_base_url_parts(base_url) is None:
        raise shape.fail(
            f"baseUrl {base_url!r} is not https://<service>.<domain>/<version>", *where, "baseUrl"
        )
    if prefix is not None and legacy_prefix_parts(prefix) is None:
        raise shape.fail(
            f"exchangePrefix {prefix!r} is not <service>/<version>/", *where, "exchangePrefix"
        )
    if (base_url is None) == (prefix is None):
        raise shape.fail(
            "needs exactly one of 'baseUrl' (API) or 'exchangePrefix' (exchanges)", *where
        )
    expected_type = "function" if base_url is not None else "topic-exchange"
    entries = cast(list[Any], shape.get(reference, "entries", list, *where))
    for index, entry in enumerate(entries):
        at = (*where, "entries", index)
        if not isinstance(entry, dict):
            raise shape.fail("an entry must be an object", *at)
        entry = cast(dict[str, Any], entry)
        if entry.get("type") != expected_type:
            raise shape.fail(f"type {entry.get('type')!r}, expected {expected_type!r}", *at, "type")
        if expected_type == "function":
            _check_legacy_function(shape, entry, at, schemas)
        else:
            _check_legacy_exchange(shape, entry, at, schemas)
    checked = Document(reference, document.origin)
    typed_entries = cast(list[dict[str, Any]], entries)
    if expected_type == "function":
        _check_unique(checked, typed_entries, "name", "method name")
        for index, entry in enumerate(typed_entries):
            _check_route_args(checked, entry, index)
    else:
        _check_unique(checked, typed_entries, "name", "exchange name")
        _check_unique(checked, typed_entries, "exchange", "exchange")


def _check_legacy_function(
    shape: _Shape, entry: dict[str, Any], at: tuple[str | int, ...], schemas: Mapping[str, Document]
) -> None:
    for key in ("route", "name", "title", "description"):
        shape.get(entry, key, str, *at)
    method = shape.get(entry, "method", str, *at)
    if method.lower() not in _HTTP_METHODS:
        raise shape.fail(f"unknown HTTP method {method!r}", *at, "method")
    shape.strings(entry, "args", *at, required=True)
    shape.strings(entry, "query", *at, required=False)
    scopes = shape.optional(entry, "scopes", list, *at)
    for index, alternative in enumerate(cast(list[Any], scopes or [])):
        if not isinstance(alternative, list) or not all(
            isinstance(scope, str) for scope in cast(list[Any], alternative)
        ):
            raise shape.fail("scopes must be a list of lists of strings", *at, "scopes", index)
    for key in ("input", "output"):
        value = shape.optional(entry, key, str, *at)
        if value is not None:
            _check_legacy_schema_exists(shape, schemas, value, (*at, key))


def _check_legacy_exchange(
    shape: _Shape, entry: dict[str, Any], at: tuple[str | int, ...], schemas: Mapping[str, Document]
) -> None:
    for key in ("exchange", "name", "title", "description"):
        shape.get(entry, key, str, *at)
    schema = shape.get(entry, "schema", str, *at)
    _check_legacy_schema_exists(shape, schemas, schema, (*at, "schema"))
    fields = cast(list[Any], shape.get(entry, "routingKey", list, *at))
    for index, field in enumerate(fields):
        field_at = (*at, "routingKey", index)
        if not isinstance(field, dict):
            raise shape.fail("a routing key field must be an object", *field_at)
        field = cast(dict[str, Any], field)
        shape.get(field, "name", str, *field_at)
        shape.get(field, "summary", str, *field_at)
        shape.get(field, "required", bool, *field_at)
        shape.get(field, "multipleWords", bool, *field_at)
        shape.optional(field, "constant", str, *field_at)
        shape.optional(field, "maxSize", int, *field_at)


def _check_legacy_schema_exists(
    shape: _Shape, schemas: Mapping[str, Document], value: str, where: tuple[str | int, ...]
) -> None:
    normalised = normalise_legacy_id(value)
    if normalised is None:
        raise shape.fail(f"{value!r} is not a http://schemas.taskcluster.net/ schema id", *where)
    if normalised not in schemas:
        raise shape.fail(
            f"schema {value!r} has no file in schemas/{LEGACY}/ ({schema_path(normalised)})", *where
        )
