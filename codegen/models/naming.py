"""Public names for classes datamodel-code-generator named poorly.

It numbers duplicates (`Owner8`) and names list items after the property
(`Task`), which collides once the service package exports them. The rules
here are deterministic and depend only on the schema itself.
"""

from __future__ import annotations

import ast
import posixpath
import re
from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any, cast

from codegen.models.generator import GeneratedModule
from codegen.models.plan import Plan, pascal_case

# A class name that datamodel-code-generator made unique by numbering it.
_NUMBERED = re.compile(r"^(?P<base>.*?[A-Za-z_])(?P<number>\d+)$")


def choose_names(
    plans: list[Plan], metadata: list[dict[str, Any]], modules: Mapping[str, GeneratedModule]
) -> dict[str, dict[str, str]]:
    """Class renames per module (`queue.task_status` -> {old: new}).

    * a schema root that is a type alias becomes `<Root>Value` (the public
      name goes to the root class that wraps it);
    * a class that is the item of a top-level array property is exported,
      so it is named `<Root><Item>` (unique in the service package);
    * a class numbered to make it unique (`Owner8`) is named from its title
      or from the property path that leads to it (`RepoOwner`).
    """
    by_module = {f"{plan.package}.{plan.module}": plan for plan in plans}
    taken: dict[str, set[str]] = {
        key: set(module.classes | module.aliases) for key, module in modules.items()
    }
    renames: dict[str, dict[str, str]] = defaultdict(dict)
    roots = {(plan.package, plan.root_name): f"{plan.package}.{plan.module}" for plan in plans}
    for model in sorted(metadata, key=lambda m: (m["module"], m["class_name"])):
        key, name, source_ref = model["module"], model["class_name"], model["source_ref"]
        plan = by_module.get(key)
        if plan is None or key not in modules or name in renames[key]:
            continue
        module = modules[key]
        path = [str(part) for part in model["source_path"]]
        numbered = _is_numbered(name, path, model.get("title"), plan.schema.document)
        stem = _strip_number(name) if numbered else name
        if source_ref == plan.source_ref:
            if name in module.aliases:
                renames[key][name] = _unique(f"{plan.root_name}Value", taken[key])
        elif roots.get((plan.package, name), key) != key:
            # the same name as another schema's root class: say whose part it is
            suffix = (
                "Item"
                if path == ["items"]
                else "".join(map(pascal_case, _path_words(path, plan.schema.document)))
            )
            renames[key][name] = _unique(plan.root_name + (suffix or name), taken[key])
        elif not source_ref.startswith(plan.stage_path + "#"):
            # merged in from another schema (allOf): name it after that schema
            if numbered:
                other = pascal_case(
                    posixpath.basename(source_ref.partition("#")[0]).removesuffix(".json")
                )
                renames[key][name] = _unique(stem + other, taken[key])
        elif len(path) == 3 and path[0] == "properties" and path[2] == "items":
            if name in module.classes and not name.startswith(plan.root_name):
                renames[key][name] = _unique(plan.root_name + stem, taken[key])
        elif numbered:
            better = _descriptive_name(stem, path, model.get("title"), plan, taken[key])
            if better is not None:
                renames[key][name] = better
    described = {(model["module"], model["class_name"]) for model in metadata}
    for key, module in sorted(modules.items()):
        plan = by_module.get(key)
        if plan is None:
            continue
        renames[key].update(
            _name_reused_classes(module, described, key, plan, renames[key], taken[key])
        )
    for mapping in renames.values():
        for old, new in mapping.items():
            mapping[old] = FINAL_NAMES.get(new, new)
    return {key: value for key, value in renames.items() if value}


# Names the rules above build that still read badly, by the name they build.
FINAL_NAMES = {
    "WorkerPoolLaunchConfigListWorkerPoolLaunchConfig": "WorkerPoolLaunchConfigEntry",
    # datamodel-code-generator singularises `stats` to `Stat`
    "WorkerPoolListStatsWorkerPoolsStat": "WorkerPoolListStatsEntry",
    "WorkerPoolStatsLaunchConfigStat": "LaunchConfigStats",
}


def _name_reused_classes(
    module: GeneratedModule,
    described: set[tuple[str, str]],
    key: str,
    plan: Plan,
    decided: Mapping[str, str],
    taken: set[str],
) -> dict[str, str]:
    """Names for numbered classes the metadata does not list.

    With `reuse_model`, a second copy of a subschema becomes
    `class Owner9(Owner): pass`; it is named after the class whose field
    uses it (`RepoOwner`). `decided` are the module's renames so far:
    names are built from the final names of the owner and base classes.
    """
    users: dict[str, list[str]] = defaultdict(list)
    tree = ast.parse(module.text)
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for statement in node.body:
                if isinstance(statement, ast.AnnAssign):
                    for used in ast.walk(statement.annotation):
                        if isinstance(used, ast.Name):
                            users[used.id].append(node.name)
    found: dict[str, str] = {}

    def final(name: str) -> str:
        return decided.get(name) or found.get(name) or name

    for node in tree.body:
        if not isinstance(node, ast.ClassDef) or (key, node.name) in described:
            continue
        match = _NUMBERED.match(node.name)
        bases = [final(ast.unparse(base)) for base in node.bases]
        if match is None or match.group("number") in " ".join(bases):
            continue
        stem = match.group("base")
        owners = [final(owner) for owner in users.get(node.name, [])]
        candidates = [owner + stem for owner in owners] + [plan.root_name + stem]
        candidates += [owner + base for owner in owners for base in bases[:1]]
        for candidate in candidates:
            if candidate not in taken and _NUMBERED.match(candidate) is None:
                taken.add(candidate)
                found[node.name] = candidate
                break
    return found


def _strip_number(name: str) -> str:
    match = _NUMBERED.match(name)
    return match.group("base") if match else name


def _unique(wanted: str, taken: set[str], current: str | None = None) -> str:
    name = wanted
    number = 2
    while name in taken and name != current:
        name = f"{wanted}{number}"
        number += 1
    taken.add(name)
    return name


def _is_numbered(
    name: str, path: list[str], title: str | None, document: Mapping[str, Any]
) -> bool:
    """Whether the trailing digits of `name` were added to make it unique.

    Digits that the schema itself spells (a title, a property name, or a
    constant such as `storageType: "s3"`) belong to the name.
    """
    match = _NUMBERED.match(name)
    if match is None:
        return False
    digits = match.group("number")
    natural = [title or ""] + [part for part in path if not part.isdigit()]
    if any(digits in text for text in natural):
        return False
    # The last word of the name, digits included (`S3` of `ArtifactContentResponseS3`).
    last_word = re.split(r"(?=[A-Z])", name)[-1].lower()
    return last_word not in {value.lower() for value in _constants(node_at(document, path))}


def node_at(document: Mapping[str, Any], path: list[str]) -> object:
    node: object = document
    for step in path:
        node = child(node, int(step) if step.isdigit() else step)
    return node


def _constants(node: object) -> list[str]:
    """String constants and enum values of a schema node and its properties."""
    found: list[str] = []
    nodes = [node]
    properties = child(node, "properties")
    if isinstance(properties, dict):
        nodes += list(cast(dict[str, object], properties).values())
    for each in nodes:
        const = child(each, "const")
        if isinstance(const, str):
            found.append(const)
        enum = child(each, "enum")
        if isinstance(enum, list):
            found += [value for value in cast(list[object], enum) if isinstance(value, str)]
    return found


def _descriptive_name(
    stem: str, path: list[str], title: str | None, plan: Plan, taken: set[str]
) -> str | None:
    """A name from the title or from the property path (`Format` under `readOnlyDirectory`)."""
    candidates: list[str] = []
    if title:
        candidates.append(pascal_case(title))
    words = list(_path_words(path, plan.schema.document))
    for start in range(len(words) - 2, -1, -1):
        candidates.append("".join(pascal_case(word) for word in words[start:-1]) + stem)
    candidates.append(plan.root_name + stem)
    for candidate in candidates:
        if candidate not in taken and _NUMBERED.match(candidate) is None:
            taken.add(candidate)
            return candidate
    return None


def _path_words(path: list[str], document: Mapping[str, Any]) -> Iterator[str]:
    """The meaningful steps of a JSON path: property and definition names, variant titles."""
    node: object = document
    position = 0
    while position < len(path):
        step = path[position]
        following = path[position + 1] if position + 1 < len(path) else ""
        if step in ("properties", "definitions", "$defs", "patternProperties"):
            node = child(child(node, step), following)
            yield following
            position += 2
        elif step in ("oneOf", "anyOf", "allOf") and following.isdigit():
            node = child(child(node, step), int(following))
            title = child(node, "title")
            if isinstance(title, str):
                yield title
            position += 2
        else:
            node = child(node, step)
            position += 1


def child(node: object, step: str | int) -> object:
    """`node[step]` of a JSON document, or None where there is no such thing."""
    if isinstance(node, dict) and isinstance(step, str):
        return cast(dict[str, object], node).get(step)
    if isinstance(node, list) and isinstance(step, int):
        items = cast(list[object], node)
        return items[step] if step < len(items) else None
    return None
