"""Running datamodel-code-generator and reading what it wrote."""

from __future__ import annotations

import ast
import json
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from datamodel_code_generator import generate
from datamodel_code_generator.config import GenerateConfig

from codegen.errors import GeneratorError

RUNTIME_MODULE = "taskcluster_sdk._model"


# The options, with why where it is not obvious. Pinned in pyproject
# (datamodel-code-generator==0.89.0); re-check the output on upgrade.
_OPTIONS: dict[str, Any] = {
    "input_file_type": "jsonschema",
    "output_model_type": "pydantic_v2.BaseModel",
    "target_python_version": "3.10",
    "base_class": f"{RUNTIME_MODULE}.TaskclusterModel",
    "use_annotated": True,
    "field_constraints": True,
    "use_union_operator": True,
    "use_standard_collections": True,
    "strict_nullable": True,
    "use_double_quotes": True,
    "disable_timestamp": True,  # byte-identical output across runs
    "use_schema_description": True,
    # plain str: no email-validator, and a URI stays a str
    "type_mappings": ["email=string", "uri=string"],
    # one-value enums are union tags (`storageType: "s3"`): Literal keeps
    # the discriminated unions working
    "enum_field_as_literal": "all",
    "use_attribute_docstrings": True,
    "use_field_description": True,
    "use_tag_as_union_variant_name": True,
    "reuse_model": True,
    # a field whose schema is a `$ref` to a string/number property of
    # another schema gets that plain type, not a RootModel wrapper (.root)
    "collapse_root_models": True,
    "use_type_alias": True,  # constrained strings etc. are aliases, not classes
    "formatters": ["builtin"],
    "allow_remote_refs": False,
    # Taskcluster's timestamp format on serialisation
    "import_overrides": {"AwareDatetime": RUNTIME_MODULE},
}


def run_generator(schemas: Path, output: Path) -> list[dict[str, Any]]:
    """Run datamodel-code-generator over `schemas` into `output`; return its model metadata."""
    if output.exists():
        shutil.rmtree(output)
    metadata = output.parent / f"{output.name}-metadata.json"
    config = GenerateConfig.model_validate(
        {**_OPTIONS, "output": output, "emit_model_metadata": metadata}
    )
    try:
        generate(schemas, config=config)
    except Exception as error:  # the generator reports bad schemas with many error types
        raise GeneratorError(f"datamodel-code-generator failed: {error}") from error
    content = json.loads(metadata.read_text(encoding="utf-8"))
    return cast(list[dict[str, Any]], content["models"])


@dataclass(frozen=True)
class GeneratedModule:
    """One generated module and the top-level names it defines."""

    text: str
    classes: frozenset[str]  # class statements
    aliases: frozenset[str]  # TypeAliasType assignments


def read_modules(output: Path) -> dict[str, GeneratedModule]:
    """Generated modules by `<package>.<module>`, with what each defines."""
    modules: dict[str, GeneratedModule] = {}
    for path in sorted(output.rglob("*.py")):
        if path.name == "__init__.py":
            continue
        text = path.read_text(encoding="utf-8")
        tree = ast.parse(text)
        classes = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
        aliases = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and isinstance(node.value.func, ast.Name)
            and node.value.func.id == "TypeAliasType"
            for target in node.targets
            if isinstance(target, ast.Name)
        }
        name = ".".join(path.relative_to(output).with_suffix("").parts)
        modules[name] = GeneratedModule(text, frozenset(classes), frozenset(aliases))
    return modules
