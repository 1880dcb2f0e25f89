"""Read the checked-in references/ and schemas/ into `codegen.model.Platform`.

Both API generations end up in the same model; the differences between the
2014 format and the current one (schema ids, scope format, service naming)
are handled here and nowhere else. Everything is validated first
(`codegen.validate`), so bad input fails with a `GeneratorError` naming the
file and JSON path before any model is built.
"""

from __future__ import annotations

import copy
import posixpath
import re
from pathlib import Path
from typing import Any, cast
from urllib.parse import urljoin

from codegen.errors import GeneratorError
from codegen.model import (
    Exchange,
    ExchangeService,
    Method,
    Platform,
    RoutingKeyField,
    Schema,
    Service,
)
from codegen.validate import (
    DATA_KEYWORDS,
    LEGACY,
    Document,
    current_schema_id,
    legacy_base_url_parts,
    legacy_prefix_parts,
    normalise_legacy_id,
    parse_json,
    schema_path,
    validate_current,
    validate_legacy,
)

DRAFT_04 = "http://json-schema.org/draft-04/schema#"


def load_current(root: Path) -> Platform:
    """The current platform: `references/<svc>/v1/{api,exchanges}.json` and `schemas/`."""
    documents = _read_trees(root, legacy=False)
    validate_current(documents)
    services: list[Service] = []
    exchange_services: list[ExchangeService] = []
    for path, document in sorted(documents.items()):
        if not path.startswith("references/"):
            continue
        if path.endswith("/api.json"):
            services.append(_current_service(root / path, document.content))
        elif path.endswith("/exchanges.json"):
            exchange_services.append(_current_exchange_service(root / path, document.content))
    schemas: dict[str, Schema] = {}
    for path, document in sorted(documents.items()):
        if path.startswith("schemas/"):
            schema_id = f"/{path}#"
            service = path.split("/")[1]
            schemas[schema_id] = Schema(schema_id, service, document.content, root / path)
    return Platform("current", tuple(services), tuple(exchange_services), schemas)


def load_legacy(root: Path) -> Platform:
    """The 2014 platform: `references/legacy-2014/<Name>.json` and `schemas/legacy-2014/`.

    Schema ids (`http://schemas.taskcluster.net/queue/v1/task.json#`) become
    `/schemas/queue/v1/task.json#`, like the current platform's; see
    `rewrite_legacy_schema` for what happens to the schema documents.
    """
    documents = _read_trees(root, legacy=True)
    validate_legacy(documents)
    services: list[Service] = []
    exchange_services: list[ExchangeService] = []
    for path, document in sorted(documents.items()):
        if not path.startswith("references/"):
            continue
        content = cast(dict[str, Any], document.content)
        reference = cast(dict[str, Any], content["reference"])
        if "baseUrl" in reference:
            services.append(_legacy_service(root / path, content["name"], reference))
        else:
            exchange_services.append(
                _legacy_exchange_service(root / path, content["name"], reference)
            )
    schemas: dict[str, Schema] = {}
    prefix = f"schemas/{LEGACY}/"
    for path, document in sorted(documents.items()):
        if path.startswith(prefix):
            schema_id = f"/schemas/{path[len(prefix) :]}#"
            rewritten = rewrite_legacy_schema(cast(dict[str, Any], document.content), schema_id)
            service = schema_id.split("/")[2]
            schemas[schema_id] = Schema(schema_id, service, rewritten, root / path)
    return Platform("legacy", tuple(services), tuple(exchange_services), schemas)


# --------------------------------------------------------------------------
# reading


def _read_trees(root: Path, *, legacy: bool) -> dict[str, Document]:
    """Every JSON file of one platform, keyed by project-relative path."""
    documents: dict[str, Document] = {}
    for tree in ("references", "schemas"):
        base = root / tree
        if not base.is_dir():
            raise GeneratorError(f"missing {tree}/ (run `python -m codegen import`)", file=base)
        top = base / LEGACY if legacy else base
        if not top.is_dir():
            raise GeneratorError(f"missing {tree}/{LEGACY}/", file=top)
        for file in top.rglob("*.json"):
            relative = file.relative_to(root).as_posix()
            if not legacy and relative.startswith(f"{tree}/{LEGACY}/"):
                continue
            documents[relative] = Document(parse_json(_read_bytes(file), str(file)), str(file))
    if not any(path.startswith("references/") for path in documents):
        what = "no 2014 references" if legacy else "no references"
        raise GeneratorError(f"{what} to load", file=root / "references")
    return documents


def _read_bytes(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as error:
        raise GeneratorError(f"cannot read: {error.strerror}", file=file) from None


# --------------------------------------------------------------------------
# current platform


def class_name(service_name: str) -> str:
    """`purge-cache` -> `PurgeCache`, `github` -> `Github`."""
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[-_]", service_name) if part)


def _current_service(source: Path, content: Any) -> Service:
    reference = cast(dict[str, Any], content)
    service = str(reference["serviceName"])
    methods = tuple(
        _current_method(service, cast(dict[str, Any], entry)) for entry in reference["entries"]
    )
    return Service(
        name=service,
        class_name=class_name(service),
        api_version=reference["apiVersion"],
        title=reference["title"],
        description=reference["description"],
        base_url=None,
        methods=methods,
        source=source,
    )


def _current_method(service: str, entry: dict[str, Any]) -> Method:
    return Method(
        name=entry["name"],
        title=entry["title"],
        description=entry["description"],
        method=str(entry["method"]).upper(),
        route=entry["route"],
        args=tuple(entry["args"]),
        query=tuple(entry.get("query", ())),
        input=_current_schema(service, entry.get("input")),
        output=_current_schema(service, entry.get("output")),
        scopes=render_scopes(entry["scopes"]) if "scopes" in entry else None,
        stability=entry["stability"],
        category=entry.get("category"),
        scope_expression=entry.get("scopes"),
    )


def _current_schema(service: str, value: str | None) -> str | None:
    # `output: blob` means a non-JSON body: there is no schema to parse it with.
    if value is None or value == "blob":
        return None
    return current_schema_id(service, value)


def _current_exchange_service(source: Path, content: Any) -> ExchangeService:
    reference = cast(dict[str, Any], content)
    service = str(reference["serviceName"])
    exchanges = tuple(
        _exchange(cast(dict[str, Any], entry), current_schema_id(service, entry["schema"]))
        for entry in reference["entries"]
    )
    return ExchangeService(
        name=service,
        class_name=class_name(service) + "Events",
        api_version=reference["apiVersion"],
        title=reference["title"],
        description=reference["description"],
        exchange_prefix=reference["exchangePrefix"],
        exchanges=exchanges,
        source=source,
    )


def _exchange(entry: dict[str, Any], schema: str) -> Exchange:
    fields = tuple(
        RoutingKeyField(
            name=field["name"],
            summary=field["summary"],
            constant=field.get("constant"),
            required=field["required"],
            multiple_words=field["multipleWords"],
            max_size=field.get("maxSize"),
        )
        for field in cast(list[dict[str, Any]], entry["routingKey"])
    )
    return Exchange(
        name=entry["name"],
        exchange=entry["exchange"],
        title=entry["title"],
        description=entry["description"],
        routing_key=fields,
        schema=schema,
    )


# --------------------------------------------------------------------------
# scope expressions


def render_scopes(expression: Any) -> str:
    """A Taskcluster scope expression as indented, docstring-ready text.

    Strings stand for themselves; `AllOf`/`AnyOf` become bulleted lists,
    `if`/`then`/`else` and `for`/`in`/`each` are spelt out:

        All of:
          - queue:scheduler-id:<schedulerId>
          - For each route in routes:
              queue:route:<route>
    """
    return "\n".join(_scope_lines(expression))


def legacy_scope_expression(alternatives: list[list[str]]) -> Any:
    """2014 scopes (a list of alternatives, each a list of scopes that are all required)
    as the current platform's expression: `AnyOf` the alternatives, each `AllOf` its scopes.

    `None` when there are no alternatives; one-item lists collapse to their item.
    """
    options: list[Any] = [
        scopes[0] if len(scopes) == 1 else {"AllOf": scopes} for scopes in alternatives
    ]
    if not options:
        return None
    return options[0] if len(options) == 1 else {"AnyOf": options}


def render_legacy_scopes(alternatives: list[list[str]]) -> str | None:
    """2014 scopes as docstring text (see `legacy_scope_expression`)."""
    expression = legacy_scope_expression(alternatives)
    return None if expression is None else render_scopes(expression)


def _scope_lines(expression: Any) -> list[str]:
    if isinstance(expression, str):
        return [expression]
    node = cast(dict[str, Any], expression)
    if "AllOf" in node or "AnyOf" in node:
        heading = "All of:" if "AllOf" in node else "Any of:"
        items = cast(list[Any], node.get("AllOf", node.get("AnyOf")))
        if not items:
            return [heading + " (nothing)"]
        lines = [heading]
        for item in items:
            first, *rest = _scope_lines(item)
            lines.append("  - " + first)
            lines.extend("    " + line for line in rest)
        return lines
    if "if" in node:
        lines = [f"If {node['if']}:", *_indented(node["then"])]
        if "else" in node:
            lines += ["Otherwise:", *_indented(node["else"])]
        return lines
    return [f"For each {node['for']} in {node['in']}:", f"  {node['each']}"]


def _indented(expression: Any) -> list[str]:
    return ["  " + line for line in _scope_lines(expression)]


# --------------------------------------------------------------------------
# 2014 platform


def _legacy_service(source: Path, name: str, reference: dict[str, Any]) -> Service:
    service, version = cast(tuple[str, str], legacy_base_url_parts(reference["baseUrl"]))
    methods = tuple(_legacy_method(cast(dict[str, Any], entry)) for entry in reference["entries"])
    return Service(
        name=service,
        class_name=name,
        api_version=version,
        title=reference["title"],
        description=reference["description"],
        base_url=reference["baseUrl"],
        methods=methods,
        source=source,
    )


def _legacy_method(entry: dict[str, Any]) -> Method:
    scopes = entry.get("scopes")
    return Method(
        name=entry["name"],
        title=entry["title"],
        description=entry["description"],
        method=str(entry["method"]).upper(),
        route=entry["route"],
        args=tuple(entry["args"]),
        query=tuple(entry.get("query", ())),
        input=_legacy_schema(entry.get("input")),
        output=_legacy_schema(entry.get("output")),
        scopes=render_legacy_scopes(scopes) if scopes is not None else None,
        stability="stable",  # the 2014 format has no stability levels
        category=None,
        # In the current form, so the fakes check both platforms with one evaluator.
        scope_expression=legacy_scope_expression(scopes) if scopes is not None else None,
    )


def _legacy_schema(value: str | None) -> str | None:
    return None if value is None else normalise_legacy_id(value)


def _legacy_exchange_service(source: Path, name: str, reference: dict[str, Any]) -> ExchangeService:
    prefix = str(reference["exchangePrefix"])
    service, version = cast(tuple[str, str], legacy_prefix_parts(prefix))
    exchanges = tuple(
        _exchange(entry, cast(str, normalise_legacy_id(entry["schema"])))
        for entry in cast(list[dict[str, Any]], reference["entries"])
    )
    return ExchangeService(
        name=service,
        class_name=name,
        api_version=version,
        title=reference["title"],
        description=reference["description"],
        exchange_prefix=prefix,
        exchanges=exchanges,
        source=source,
    )


def rewrite_legacy_schema(document: dict[str, Any], schema_id: str) -> dict[str, Any]:
    """A 2014 schema in the current platform's terms.

    * draft-04 `id` becomes `$id` with the normalised id
      (`/schemas/queue/v1/task.json#`);
    * `$schema` is the plain draft-04 URI (upstream has a stray `"` in some);
    * absolute `$ref`s become relative to the schema's own place, as they
      would be written next to each other on disk: `task-status.json#` in the
      same service, `../../queue/v1/create-task-request.json#` across
      services. These resolve the same way against the file layout
      `<dir>/<service>/v1/<name>.json` and against the `$id`.
    """
    original = str(document["id"])
    rewritten = copy.deepcopy(document)
    del rewritten["id"]
    rewritten["$id"] = schema_id
    if str(rewritten.get("$schema", "")).startswith("http://json-schema.org/draft-04/schema"):
        rewritten["$schema"] = DRAFT_04
    own_directory = posixpath.dirname(schema_path(schema_id))
    _rewrite_refs(rewritten, original, own_directory)
    return rewritten


def _rewrite_refs(node: Any, base: str, own_directory: str) -> None:
    if isinstance(node, dict):
        mapping = cast(dict[str, Any], node)
        for key, value in mapping.items():
            if key == "$ref" and isinstance(value, str) and not value.startswith("#"):
                address, _, fragment = urljoin(base, value).partition("#")
                target = normalise_legacy_id(address)
                if target is not None:
                    relative = posixpath.relpath(schema_path(target), own_directory)
                    mapping[key] = f"{relative}#{fragment}"
            elif key not in DATA_KEYWORDS:
                _rewrite_refs(value, base, own_directory)
    elif isinstance(node, list):
        for value in cast(list[Any], node):
            _rewrite_refs(value, base, own_directory)
