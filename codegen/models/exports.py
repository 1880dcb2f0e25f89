"""What each service package exports, and the index the renderer reads."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from codegen.errors import GeneratorError
from codegen.models.generator import GeneratedModule
from codegen.models.index import ModelIndex, ModelRef
from codegen.models.plan import Plan
from codegen.models.rename import module_aliases


def build_exports(
    plans: list[Plan],
    metadata: list[dict[str, Any]],
    modules: dict[str, GeneratedModule],
    renames: Mapping[str, Mapping[str, str]],
    package: str,
) -> tuple[dict[str, list[tuple[str, str]]], ModelIndex]:
    """Exports per service package and the index.

    Adds the root class of every schema whose root is a type alias to
    `modules` (in place). `metadata` has the final class names, `renames`
    maps the names its field types still use.
    """
    by_ref = {model["source_ref"]: model for model in metadata}
    exports: dict[str, list[tuple[str, str]]] = defaultdict(list)
    refs: dict[str, ModelRef] = {}
    items: dict[str, dict[str, str]] = {}
    for plan in plans:
        key = f"{plan.package}.{plan.module}"
        module = modules.get(key)
        root = by_ref.get(plan.source_ref)
        if module is None or root is None:
            continue  # a non-object schema only used inline by others: no class of its own
        root_name = root["class_name"]
        if root_name in module.aliases:
            module = _add_root_class(module, plan.root_name, root_name)
            modules[key] = module
        elif root_name != plan.root_name:
            raise GeneratorError(
                f"the root class of {plan.schema.id} came out as {root_name!r}, not {plan.root_name!r}",
                file=plan.schema.source,
            )
        exports[plan.package].append((plan.module, plan.root_name))
        refs[plan.schema.id] = ModelRef(f"{package}.{plan.package}", plan.root_name)
        arrays = _array_items(root, plan, modules, renames)
        if arrays:
            items[plan.schema.id] = {prop: expression for prop, (expression, _) in arrays.items()}
            exports[plan.package].extend(
                origin for _, origin in arrays.values() if origin is not None
            )
    for service, names in exports.items():
        _check_unique(service, names)
    return exports, ModelIndex(refs, items)


def _check_unique(service: str, exported: list[tuple[str, str]]) -> None:
    """One public name, one class: a package cannot export two classes under one name."""
    owners: dict[str, str] = {}
    for module, name in sorted(set(exported)):
        if owners.setdefault(name, module) != module:
            raise GeneratorError(
                f"models of {service}: {owners[name]}.{name} and {module}.{name} would both be"
                f" exported as {name}"
            )


def _add_root_class(module: GeneratedModule, public: str, alias: str) -> GeneratedModule:
    text = module.text.rstrip("\n") + (
        f"\n\n\nclass {public}(TaskclusterRootModel[{alias}]):\n"
        f'    """The `{public}` schema; the value is in `.root`."""\n'
    )
    return GeneratedModule(text, module.classes | {public}, module.aliases)


_LIST = re.compile(r"^list\[(?P<item>.+)\](?: \| None)?$")
_QUALIFIED = re.compile(r"^(?P<module>[a-z_][a-z0-9_]*)\.(?P<name>[A-Za-z_]\w*)$")
_BUILTIN = re.compile(r"^(str|int|float|bool|Any|dict\[str, Any\]|list\[str\])$")


def _array_items(
    root: dict[str, Any],
    plan: Plan,
    modules: Mapping[str, GeneratedModule],
    renames: Mapping[str, Mapping[str, str]],
) -> dict[str, tuple[str, tuple[str, str] | None]]:
    """Property -> (item type expression, (module, class) to export or None).

    `root` is the metadata of the root class, whose field types still use
    the names from before `apply_renames`.
    """
    found: dict[str, tuple[str, tuple[str, str] | None]] = {}
    key = f"{plan.package}.{plan.module}"
    own = modules[key]
    for model_field in root.get("fields", []):
        match = _LIST.match(str(model_field["type"]))
        if match is None:
            continue
        item = renames.get(key, {}).get(match.group("item"), match.group("item"))
        prop = str(model_field["name"])
        if _BUILTIN.match(item):
            found[prop] = (item, None)
        elif item in own.classes:
            found[prop] = (item, (plan.module, item))
        elif item in own.aliases:
            continue  # a constrained string or similar: not a class to export
        elif (qualified := _QUALIFIED.match(item)) is not None:
            found.update(_imported_item(prop, qualified, key, modules, renames))
    return found


def _imported_item(
    prop: str,
    qualified: re.Match[str],
    key: str,
    modules: Mapping[str, GeneratedModule],
    renames: Mapping[str, Mapping[str, str]],
) -> dict[str, tuple[str, tuple[str, str] | None]]:
    """An item class that lives in another module of the same service package."""
    target = module_aliases(key, modules[key].text).get(qualified.group("module"))
    if target is None or target.split(".")[0] != key.split(".")[0]:
        return {}  # another service's class: not exported by this package
    name = renames.get(target, {}).get(qualified.group("name"), qualified.group("name"))
    module = modules.get(target)
    if module is None or name not in module.classes:
        return {}
    return {prop: (name, (target.split(".")[1], name))}
