"""The JSON schemas the runtime checks request payloads against.

`taskcluster_sdk._payload` validates every payload with the schema the
server itself validates it with (Taskcluster uses ajv). This step writes
those schemas, and every schema they reference, into one JSON file per
platform (`models/_input_schemas.json`), keyed by normalised id
(`/schemas/queue/v1/create-task-request.json#`), `$schema` and `$id` left
out (the runtime sets the ids; the meta-schema is draft-06 for all of them).
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast
from urllib.parse import urljoin

from codegen.errors import GeneratorError
from codegen.model import Platform

BUNDLE_NAME = "_input_schemas.json"


def input_schema_ids(platform: Platform) -> set[str]:
    """The input schema of every method of the platform."""
    return {
        method.input for service in platform.services for method in service.methods if method.input
    }


def write_input_schemas(platform: Platform, package_dir: Path) -> Path:
    """Write the bundle of input schemas (and what they reference) into `package_dir`."""
    wanted = sorted(input_schema_ids(platform))
    bundle: dict[str, Any] = {}
    while wanted:
        schema_id = wanted.pop()
        if schema_id in bundle:
            continue
        schema = platform.schemas.get(schema_id)
        if schema is None:
            raise GeneratorError(f"input schema {schema_id} is not among the schemas")
        document = copy.deepcopy(schema.document)
        for key in ("$schema", "$id", "id"):
            document.pop(key, None)
        bundle[schema_id] = document
        for ref in _refs(document):
            address = urljoin(schema_id, ref).partition("#")[0] + "#"
            if address not in platform.schemas:
                raise GeneratorError(
                    f"$ref {ref!r} of {schema_id} points to {address}, which is not a known schema",
                    file=schema.source,
                )
            if address not in bundle:
                wanted.append(address)
    path = package_dir / BUNDLE_NAME
    path.write_text(
        json.dumps(bundle, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "\n",
        encoding="utf-8",
    )
    return path


def _refs(node: object) -> Iterator[str]:
    if isinstance(node, dict):
        mapping = cast(dict[str, Any], node)
        ref = mapping.get("$ref")
        if isinstance(ref, str) and not ref.startswith("#"):
            yield ref
        for key, value in mapping.items():
            if key not in ("enum", "const", "default", "examples"):
                yield from _refs(value)
    elif isinstance(node, list):
        for value in cast(list[Any], node):
            yield from _refs(value)
