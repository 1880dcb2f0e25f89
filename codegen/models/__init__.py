"""Pydantic models for every schema of a platform, via datamodel-code-generator.

`generate_models(platform, package_dir, package)` is the whole step; the
modules of this package are its parts, in order:

1. `plan`: one module per schema, `<svc>/<snake_name>.py`, root class named
   from the file name (`list-lastFires-response.json` -> module
   `list_last_fires_response`, class `ListLastFiresResponse`);
2. `stage`: the schema documents in a temporary directory laid out like the
   output package, `$ref`s rewritten to that layout;
3. `generator`: one datamodel-code-generator run over that directory;
4. `naming` + `rename`: better names for numbered classes (`Owner8` ->
   `RepoOwner`) and for the array item classes the package exports;
5. `exports`: root classes for non-object schemas (datamodel-code-generator
   makes those type aliases; the alias stays as `<Name>Value`), what each
   service package exports, the `ModelIndex`;
6. `rewrite`: our header, `closed=True` instead of `extra="forbid"`, open
   enums, typed object defaults;
7. `package`: write modules and service `__init__`s, ruff them.
"""

from __future__ import annotations

import shutil
import tempfile
from dataclasses import replace
from pathlib import Path

from codegen.formatting import tidy
from codegen.model import Platform
from codegen.models.bundle import input_schema_ids, write_input_schemas
from codegen.models.dicts import (
    PACKAGE,
    build_dicts,
    dict_name,
    nullable_fields,
    renamed_fields,
    write_dicts,
)
from codegen.models.exports import build_exports
from codegen.models.generator import read_modules, run_generator
from codegen.models.index import ModelIndex, ModelRef
from codegen.models.naming import choose_names
from codegen.models.package import write_package
from codegen.models.plan import Plan, plan_modules
from codegen.models.rename import apply_renames
from codegen.models.rewrite import postprocess
from codegen.models.shape import (
    EXTRA_RENAMES,
    add_exports,
    analyse,
    member_renames,
    reshape,
    union_renames,
    union_roots,
)
from codegen.models.stage import stage_schemas

__all__ = ["ModelIndex", "ModelRef", "generate_models"]


def generate_models(platform: Platform, package_dir: Path, package: str) -> ModelIndex:
    """Write the model packages of `platform` into `package_dir` and index them.

    `package` is the dotted name of `package_dir` (`taskcluster_sdk.models`).
    Everything is generated in a temporary directory first; `package_dir` is
    replaced only when generation succeeded.
    """
    plans = plan_modules(platform)
    root_package = package  # where the runtime finds the bundle of input schemas
    with tempfile.TemporaryDirectory(prefix="tc-models-") as temp:
        work = Path(temp)
        stage_schemas(plans, work / "schemas")
        metadata = run_generator(work / "schemas", work / "out")
        modules = read_modules(work / "out")
        renames = choose_names(plans, metadata, modules)
        modules = apply_renames(modules, renames)
        for model in metadata:
            model["class_name"] = renames.get(model["module"], {}).get(
                model["class_name"], model["class_name"]
            )
        exports, index = build_exports(plans, metadata, modules, renames, package)
        schema_ids = {
            (f"{plan.package}.{plan.module}", plan.root_name): (root_package, plan.schema.id)
            for plan in plans
            if plan.schema.id in input_schema_ids(platform)
        }
        roots = {(f"{plan.package}.{plan.module}", plan.root_name) for plan in plans}
        nullable = renamed_fields(nullable_fields(plans, metadata), EXTRA_RENAMES)
        modules = apply_renames(modules, EXTRA_RENAMES)
        context = analyse(modules, schema_ids, roots)
        variant_names = union_renames(context)
        nullable = renamed_fields(nullable, variant_names)
        modules = apply_renames(modules, variant_names)
        context = analyse(modules, schema_ids, roots)
        inner_names = member_renames(context)
        nullable = renamed_fields(nullable, inner_names)
        modules = apply_renames(modules, inner_names)
        context = analyse(modules, schema_ids, roots)
        unions = union_roots(context)
        index = replace(
            index,
            unions={
                plan.schema.id: (root.alias, root.variants)
                for plan in plans
                if (root := unions.get((f"{plan.package}.{plan.module}", plan.root_name)))
            },
        )
        modules = {key: reshape(key, module, context) for key, module in modules.items()}
        add_exports(exports, context, modules)
        modules = {key: postprocess(module) for key, module in modules.items()}
        dict_roots = [
            ref
            for ref in (*schema_ids, *context.union_variants)
            if ref in schema_ids or _input_variant(ref, index, plans, platform)
        ]
        dict_roots += [
            member for _, _, members in context.compositions.values() for member in members
        ]
        dicts = build_dicts(modules, dict_roots, nullable)
        dict_exports = _dict_exports(exports, dicts)
        index = replace(
            index,
            dicts={
                plan.schema.id: dict_name(plan.root_name)
                for plan in plans
                if f"{plan.package}.{PACKAGE}.{plan.module}" in dicts
                and dict_name(plan.root_name) in dicts[f"{plan.package}.{PACKAGE}.{plan.module}"]
            },
        )
        write_package(work / "package", modules, exports, dict_exports)
        write_dicts(work / "package", dicts)
        write_input_schemas(platform, work / "package")
        tidy(work / "package")
        if package_dir.exists():
            shutil.rmtree(package_dir)
        package_dir.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(work / "package", package_dir)
    return index


def _input_variant(
    ref: tuple[str, str], index: ModelIndex, plans: list[Plan], platform: Platform
) -> bool:
    """Whether a union variant belongs to the union of an input schema."""
    inputs = input_schema_ids(platform)
    return any(
        ref[1] in variants
        for schema_id, (_, variants) in index.unions.items()
        if schema_id in inputs
    )


def _dict_exports(
    exports: dict[str, list[tuple[str, str]]], dicts: dict[str, str]
) -> dict[str, list[tuple[str, str]]]:
    """The TypedDict of every exported model class that has one: service -> (module, name)."""
    out: dict[str, list[tuple[str, str]]] = {}
    for service, names in exports.items():
        for module, name in names:
            text = dicts.get(f"{service}.{PACKAGE}.{module}")
            if text is not None and f"class {dict_name(name)}(" in text:
                out.setdefault(service, []).append((module, dict_name(name)))
    return out
