"""`python -m codegen import`: copy upstream API definitions into references/ and schemas/.

Three kinds of source:

* a `references.json` bundle (a JSON list of `{"filename", "content"}`) as
  Taskcluster releases publish it: the current platform;
* a 2014 directory (`apis.js` + `schemas/<service>/v1/*.json`): the 2014 platform;
* a deployment's root URL: the current platform. Every deployment serves the
  bundle it was built from at `<rootUrl>/references/references.json`
  (Taskcluster's `infrastructure/references/relativize.js` writes it next to
  the per-file tree); that is read when present. Otherwise the importer
  crawls `<rootUrl>/references/manifest.json` and every reference and schema
  it leads to, turning the deployment's absolute `$id`/`$schema` URLs
  (`https://tc.example.com/schemas/...`) back into the abstract form
  (`/schemas/...`) the bundle has; schemas no reference names (the worker
  payload schemas) cannot be found that way and are left out, with a note.

Every file is written as `json.dumps(content, indent=2, sort_keys=True,
ensure_ascii=False) + "\\n"`, so re-importing the same data gives the same
bytes. Everything is read and validated before anything is written; the new
trees are staged in a temporary directory and swapped in at the end, so a
failed import leaves references/ and schemas/ as they were.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import urllib.error
import urllib.request
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Literal, cast
from urllib.parse import urljoin

from codegen.errors import GeneratorError, json_path
from codegen.validate import (
    API_META_SCHEMA,
    DATA_KEYWORDS,
    EXCHANGES_META_SCHEMA,
    LEGACY,
    Document,
    as_object,
    current_schema_id,
    normalise_legacy_id,
    parse_json,
    schema_path,
    validate_current,
    validate_legacy,
)

TREES = ("references", "schemas")
NO_SOURCES = (
    "nothing to import: pass a deployment's root URL (https://tc.example.com), "
    "a references.json bundle or a 2014 directory (apis.js + schemas/)"
)
_FETCH_TIMEOUT = 60.0
_FETCH_WORKERS = 8


@dataclass(frozen=True)
class ImportSet:
    """The complete new file set of one platform, keyed by project-relative path.

    `notes` are things the user should know about the import (printed by the
    command), e.g. what a crawl of a deployment could not reach.
    """

    platform: Literal["current", "legacy"]
    documents: dict[str, Document]
    notes: tuple[str, ...] = ()


def import_sources(sources: list[str], root: Path, notes: list[str] | None = None) -> int:
    """Import each source into `root`'s references/ and schemas/; return the files written.

    A current-platform source replaces every current-platform file; a 2014
    source replaces `references/legacy-2014` and `schemas/legacy-2014` only.
    The sources' notes are appended to `notes` when given.
    """
    if not sources:
        raise GeneratorError(NO_SOURCES)
    imports: dict[str, ImportSet] = {}
    for source in sources:
        imported = read_source(source)
        if imported.platform in imports:
            raise GeneratorError(
                f"more than one {imported.platform}-platform source given", file=source
            )
        imports[imported.platform] = imported
        if notes is not None:
            notes.extend(imported.notes)
    for imported in imports.values():
        if imported.platform == "current":
            validate_current(imported.documents)
        else:
            validate_legacy(imported.documents)
    return write_imports(root, list(imports.values()))


def read_source(source: str) -> ImportSet:
    """Read (but do not validate or write) one source."""
    if source.startswith(("http://", "https://")):
        return fetch_root_url(source)
    path = Path(source)
    if path.is_dir():
        return read_legacy_directory(path)
    if path.is_file():
        return read_bundle(path)
    raise GeneratorError(
        "no such file or directory (expected a bundle, a directory or a URL)", file=source
    )


# --------------------------------------------------------------------------
# references.json bundle


def read_bundle(path: Path) -> ImportSet:
    """The files of a `references.json` bundle."""
    return bundle_import(parse_json(_read_bytes(path), str(path)), str(path))


def bundle_import(bundle: Any, origin: str) -> ImportSet:
    """The files of a parsed bundle; `origin` names it in error messages."""
    if not isinstance(bundle, list):
        raise GeneratorError(
            "a bundle must be a JSON list of {filename, content}", file=origin, path="$"
        )
    documents: dict[str, Document] = {}
    for index, item in enumerate(cast(list[Any], bundle)):
        if not isinstance(item, dict) or set(cast(dict[str, Any], item)) != {"filename", "content"}:
            raise GeneratorError(
                "a bundle entry must be an object with exactly 'filename' and 'content'",
                file=origin,
                path=json_path(index),
            )
        entry = cast(dict[str, Any], item)
        filename = _checked_filename(entry["filename"], origin, index)
        if filename in documents:
            raise GeneratorError(
                f"duplicate filename {filename!r}", file=origin, path=json_path(index, "filename")
            )
        documents[filename] = Document(entry["content"], f"{origin}[{filename}]")
    return ImportSet("current", documents)


def _checked_filename(filename: object, bundle: str, index: int) -> str:
    where = json_path(index, "filename")
    if not isinstance(filename, str):
        raise GeneratorError("filename must be a string", file=bundle, path=where)
    parts = PurePosixPath(filename).parts
    if (
        filename.startswith("/")
        or ".." in parts
        or len(parts) < 2
        or parts[0] not in TREES
        or parts[1] == LEGACY
        or not filename.endswith(".json")
    ):
        raise GeneratorError(
            f"unexpected filename {filename!r} (expected references/... or schemas/... .json, "
            f"outside {LEGACY})",
            file=bundle,
            path=where,
        )
    return filename


# --------------------------------------------------------------------------
# 2014 directory


def read_legacy_directory(directory: Path) -> ImportSet:
    """`apis.js` entries as `references/legacy-2014/<Name>.json`, plus the schemas."""
    apis_js = directory / "apis.js"
    apis = _parse_apis_js(apis_js)
    documents: dict[str, Document] = {}
    for name, api in apis.items():
        origin = f"{apis_js}[{name}]"
        if not isinstance(api, dict):
            raise GeneratorError("expected an object", file=apis_js, path=json_path(name))
        content = {"name": name, **cast(dict[str, Any], api)}
        documents[f"references/{LEGACY}/{name}.json"] = Document(content, origin)
    schema_root = directory / "schemas"
    if not schema_root.is_dir():
        raise GeneratorError("missing schemas/ directory next to apis.js", file=directory)
    for file in sorted(schema_root.rglob("*.json")):
        relative = file.relative_to(schema_root).as_posix()
        content = parse_json(_read_bytes(file), str(file))
        raw_id: object = (
            cast(dict[str, Any], content).get("id") if isinstance(content, dict) else None
        )
        normalised = normalise_legacy_id(raw_id) if isinstance(raw_id, str) else None
        if normalised != f"/schemas/{relative}#":
            raise GeneratorError(
                f"schema id {raw_id!r} does not match the file's place ({relative})",
                file=file,
                path=json_path("id"),
            )
        documents[f"schemas/{LEGACY}/{relative}"] = Document(content, str(file))
    return ImportSet("legacy", documents)


def _parse_apis_js(path: Path) -> dict[str, Any]:
    """`module.exports = {...};` whose object literal is strict JSON (no node needed)."""
    text = _read_bytes(path).decode("utf-8", errors="replace").strip()
    prefix = "module.exports ="
    if not text.startswith(prefix):
        raise GeneratorError(f"expected the file to start with {prefix!r}", file=path)
    literal = text[len(prefix) :].strip().removesuffix(";")
    try:
        apis = json.loads(literal)
    except json.JSONDecodeError as error:
        raise GeneratorError(
            f"the exported object is not strict JSON ({error}); this importer does not run "
            "JavaScript, so quote keys and drop trailing commas and comments",
            file=path,
        ) from None
    if not isinstance(apis, dict):
        raise GeneratorError("module.exports must be an object", file=path, path="$")
    return cast(dict[str, Any], apis)


# --------------------------------------------------------------------------
# root URL of a deployment


def fetch_root_url(root_url: str) -> ImportSet:
    """The deployment's own bundle, or else what its manifest leads to."""
    base = root_url.rstrip("/")
    bundle_url = f"{base}/references/references.json"
    body = _fetch(bundle_url, missing_ok=True)
    if body is not None:
        return bundle_import(parse_json(body, bundle_url), bundle_url)
    return _crawl(base)


def _crawl(base: str) -> ImportSet:
    documents: dict[str, Document] = {}
    manifest_path = "references/manifest.json"
    manifest = _fetch_json(f"{base}/{manifest_path}")
    content = as_object(manifest.content) or {}
    # The deployment writes its own root URL into `$id`/`$schema` (and the
    # manifest's list); it may differ from the one typed (an alias, http/https).
    deployment_root = _deployment_root(content.get("$schema"))
    listed: object = content.get("references")
    if not isinstance(listed, list) or not all(
        isinstance(item, str) for item in cast(list[Any], listed)
    ):
        raise GeneratorError(
            "expected 'references': a list of paths", file=manifest.origin, path="$.references"
        )
    abstract_list = [_abstract(item, deployment_root) for item in cast(list[str], listed)]
    documents[manifest_path] = Document(
        {
            **content,
            "$schema": _abstract(content.get("$schema"), deployment_root),
            "references": abstract_list,
        },
        manifest.origin,
    )
    reference_paths = [_local_path(item, "/references/", manifest.origin) for item in abstract_list]
    references = _as_abstract(_fetch_all(base, reference_paths), deployment_root)
    documents.update(references)

    pending: set[str] = {API_META_SCHEMA, EXCHANGES_META_SCHEMA}
    for document in references.values():
        pending.update(_schemas_named_by_reference(document.content))
    fetched: set[str] = set()
    while pending:
        batch = sorted(pending - fetched)
        fetched.update(batch)
        paths = [_local_path(schema_id, "/schemas/", f"{base}{schema_id}") for schema_id in batch]
        schemas = _as_abstract(_fetch_all(base, paths), deployment_root)
        documents.update(schemas)
        pending = set()
        for path, document in schemas.items():
            pending.update(_schemas_named_by_schema(f"/{path}#", document.content))
        pending -= fetched
    note = (
        f"{base} serves no references/references.json: imported what its manifest leads to "
        f"({len(references)} references, {len(documents) - len(references) - 1} schemas). "
        "Schemas no reference names (worker payload schemas) were left out; import the "
        "release's references.json bundle to keep them."
    )
    return ImportSet("current", documents, (note,))


def _deployment_root(manifest_schema: object) -> str:
    """`https://tc.example.com` from the manifest's absolute `$schema`, '' if it is abstract."""
    if isinstance(manifest_schema, str) and "://" in manifest_schema:
        cut = manifest_schema.find("/schemas/")
        if cut > 0:
            return manifest_schema[:cut]
    return ""


def _abstract(value: Any, deployment_root: str) -> Any:
    """What Taskcluster's `References.asAbstract` does to one URI: drop the root URL."""
    if deployment_root and isinstance(value, str) and value.startswith(deployment_root + "/"):
        return value[len(deployment_root) :]
    return value


def _as_abstract(documents: dict[str, Document], deployment_root: str) -> dict[str, Document]:
    """Only `$schema` and `$id` carry the root URL; `$ref`s are served as written."""
    if not deployment_root:
        return documents
    result: dict[str, Document] = {}
    for path, document in documents.items():
        content = document.content
        if isinstance(content, dict):
            content = {
                key: _abstract(value, deployment_root) if key in ("$schema", "$id") else value
                for key, value in cast(dict[str, Any], content).items()
            }
        result[path] = Document(content, document.origin)
    return result


def _schemas_named_by_reference(content: Any) -> set[str]:
    """The meta-schema and the input/output/message schemas of a reference."""
    if not isinstance(content, dict):
        return set()
    reference = cast(dict[str, Any], content)
    found = _local_schema_ids([reference.get("$schema")], "/")
    service = reference.get("serviceName")
    entries = reference.get("entries")
    if isinstance(service, str) and isinstance(entries, list):
        for entry in cast(list[Any], entries):
            if isinstance(entry, dict):
                values = [
                    cast(dict[str, Any], entry).get(key) for key in ("input", "output", "schema")
                ]
                found |= {
                    current_schema_id(service, value)
                    for value in values
                    if isinstance(value, str) and value != "blob"
                }
    return found


def _schemas_named_by_schema(schema_id: str, content: Any) -> set[str]:
    """The schemas a schema `$ref`s, and its `$schema` when that is one of the deployment's."""
    values: list[object] = []
    _collect_refs(content, values)
    if isinstance(content, dict):
        values.append(cast(dict[str, Any], content).get("$schema"))
    return _local_schema_ids(values, schema_id)


def _local_schema_ids(values: Iterable[object], base: str) -> set[str]:
    found: set[str] = set()
    for value in values:
        if isinstance(value, str):
            address = urljoin(base, value).partition("#")[0]
            if address.startswith("/schemas/"):
                found.add(address + "#")
    return found


def _collect_refs(node: Any, into: list[object]) -> None:
    if isinstance(node, dict):
        for key, value in cast(dict[str, Any], node).items():
            if key == "$ref":
                into.append(value)
            elif key not in DATA_KEYWORDS:
                _collect_refs(value, into)
    elif isinstance(node, list):
        for value in cast(list[Any], node):
            _collect_refs(value, into)


def _local_path(address: str, tree: str, origin: str) -> str:
    """`/references/queue/v1/api.json` -> `references/queue/v1/api.json`, refusing escapes."""
    path = schema_path(address) if tree == "/schemas/" else address.lstrip("/")
    parts = PurePosixPath(path).parts
    if not address.startswith(tree) or ".." in parts or not path.endswith(".json"):
        raise GeneratorError(f"unexpected {tree.strip('/')} path {address!r}", file=origin)
    return path


def _fetch_all(base: str, paths: list[str]) -> dict[str, Document]:
    with ThreadPoolExecutor(max_workers=_FETCH_WORKERS) as pool:
        fetched = list(pool.map(_fetch_json, [f"{base}/{path}" for path in paths]))
    return dict(zip(paths, fetched, strict=True))


def _fetch_json(url: str) -> Document:
    body = _fetch(url)
    assert body is not None
    return Document(parse_json(body, url), url)


def _fetch(url: str, *, missing_ok: bool = False) -> bytes | None:
    """The body at `url`; None for a 404 when `missing_ok`."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=_FETCH_TIMEOUT) as response:
            return cast(bytes, response.read())
    except urllib.error.HTTPError as error:
        if missing_ok and error.code == 404:
            return None
        raise GeneratorError(f"HTTP {error.code} {error.reason}", file=url) from None
    except (urllib.error.URLError, OSError) as error:
        raise GeneratorError(f"cannot fetch: {error}", file=url) from None


# --------------------------------------------------------------------------
# writing


def render(content: Any) -> bytes:
    """The stable on-disk form of a JSON document."""
    return (json.dumps(content, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def write_imports(root: Path, imports: list[ImportSet]) -> int:
    """Stage the new references/ and schemas/ trees, then swap them in; return files written."""
    if not imports:
        return 0
    replaced = {imported.platform for imported in imports}
    root.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=".import-", dir=root))
    try:
        for tree in TREES:
            (stage / tree).mkdir()
            _keep_existing(root / tree, stage / tree, replaced)
        written = 0
        for imported in imports:
            for path, document in sorted(imported.documents.items()):
                target = stage / path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(render(document.content))
                written += 1
        _swap(root, stage)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    return written


def _keep_existing(current: Path, staged: Path, replaced: set[str]) -> None:
    """Copy the files of the platforms this import does not replace into the stage."""
    if not current.is_dir():
        return
    for child in current.iterdir():
        is_legacy = child.name == LEGACY
        if ("legacy" if is_legacy else "current") in replaced:
            continue
        if child.is_dir():
            shutil.copytree(child, staged / child.name)
        else:
            shutil.copy2(child, staged / child.name)


def _swap(root: Path, stage: Path) -> None:
    """Move the staged trees into place, restoring the old ones if a move fails."""
    old = stage / "old"
    old.mkdir()
    moved: list[str] = []
    try:
        for tree in TREES:
            if (root / tree).exists():
                (root / tree).rename(old / tree)
            moved.append(tree)
            (stage / tree).rename(root / tree)
    except OSError as error:
        for tree in moved:
            if (old / tree).exists():
                if (root / tree).exists():
                    shutil.rmtree(root / tree)
                (old / tree).rename(root / tree)
        raise GeneratorError(
            f"cannot move the imported files into place: {error}", file=root
        ) from None


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as error:
        raise GeneratorError(f"cannot read: {error.strerror}", file=path) from None
