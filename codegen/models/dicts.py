"""TypedDicts for request payloads, derived from the finished request models.

Every model class reachable from an input schema's root class gets a
`TypedDict` twin named `<Class>Dict`, in `<svc>/dicts/<module>.py` beside
the model's module: required keys where the schema requires them,
`NotRequired` elsewhere, `str | datetime` for date-times, the model
module's `Literal` aliases for enums, `dict[str, Any]` for free-form
objects. They exist for type checkers only: generated clients import them
under `TYPE_CHECKING`, and the service packages export them lazily, so no
runtime import pays for them.

Why not datamodel-code-generator's TypedDict output: tried (0.89.0), it
types date-times as plain `str`, makes free-form `$ref`s empty TypedDicts,
names classes on its own (the model renames would have to be applied a
second time) and adds 5 s to generation. Deriving the dicts from the final
model source gives the same names, aliases and docstrings by construction.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from codegen.models.generator import GeneratedModule
from codegen.models.naming import child as _child
from codegen.models.naming import node_at as _node
from codegen.models.plan import Plan
from codegen.models.rename import module_aliases
from codegen.models.rewrite import HEADER

SUFFIX = "Dict"
# Aliases of composed free-form properties (`shape.COMPOSITIONS`): their dict
# form is `<alias>Dict`, defined beside them.
COMPOSED = frozenset({"TaskPayload", "WorkerPoolConfig"})
PACKAGE = "dicts"


@dataclass(frozen=True)
class _Class:
    key: str
    node: ast.ClassDef


def dict_name(name: str) -> str:
    return name + SUFFIX


Field = tuple[str, str, str]  # (module key, class, field)


def nullable_fields(plans: Iterable[Plan], metadata: Iterable[Mapping[str, Any]]) -> set[Field]:
    """The properties whose schema allows `null` (`"type": ["string", "null"]`, `oneOf` a null).

    The model source cannot tell them apart (an optional field is `X | None
    = None` either way), and a TypedDict must: an optional key that is not
    nullable may be left out but not sent as null, or the schema check
    (and the server) would refuse what the type checker accepted.
    """
    documents = {plan.source_ref: plan.schema.document for plan in plans}
    found: set[Field] = set()
    for model in metadata:
        document = documents.get(str(model["source_ref"]).partition("#")[0] + "#")
        if document is None:
            continue
        node = _node(document, [str(step) for step in model["source_path"]])
        names = {
            str(field["original_name"]): str(field["name"]) for field in model.get("fields", [])
        }
        for prop, schema in _properties(document, node).items():
            if prop in names and _allows_null(document, schema):
                found.add((str(model["module"]), str(model["class_name"]), names[prop]))
    return found


def renamed_fields(fields: set[Field], renames: Mapping[str, Mapping[str, str]]) -> set[Field]:
    return {(key, renames.get(key, {}).get(name, name), field) for key, name, field in fields}


def _local(document: object, node: object) -> object:
    """`node`, or what its local `$ref` points at."""
    ref = _child(node, "$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        return _node(cast(Mapping[str, Any], document), ref[2:].split("/"))
    return node


def _properties(document: object, node: object) -> dict[str, object]:
    node = _local(document, node)
    found: dict[str, object] = {}
    for part in cast(list[object], _child(node, "allOf") or []):
        found.update(_properties(document, part))
    own = _child(node, "properties")
    if isinstance(own, dict):
        found.update(cast(dict[str, object], own))
    return found


def _keys(node: object) -> set[str]:
    return set(cast(dict[str, object], node)) if isinstance(node, dict) else set()


def _allows_null(document: object, schema: object) -> bool:
    schema = _local(document, schema)
    kind = _child(schema, "type")
    if kind == "null" or (isinstance(kind, list) and "null" in kind):
        return True
    enum = _child(schema, "enum")
    if isinstance(enum, list) and None in enum:
        return True
    if "const" in _keys(schema) and _child(schema, "const") is None:
        return True
    return any(
        _allows_null(document, option)
        for keyword in ("oneOf", "anyOf")
        for option in cast(list[object], _child(schema, keyword) or [])
    )


def build_dicts(
    modules: Mapping[str, GeneratedModule],
    roots: Iterable[tuple[str, str]],
    nullable: set[Field] | None = None,
) -> dict[str, str]:
    """TypedDict modules (`queue.dicts.create_task_request` -> text) for `roots` and what they reach.

    `roots` are (module key, class) of the input schemas' root classes and
    of the variants of input unions; `nullable` the fields whose schema
    allows null (`nullable_fields`).
    """
    trees = {key: ast.parse(module.text) for key, module in modules.items()}
    classes = {
        (key, node.name): _Class(key, node)
        for key, tree in trees.items()
        for node in tree.body
        if isinstance(node, ast.ClassDef)
    }
    aliases = {key: module_aliases(key, module.text) for key, module in modules.items()}
    literal_aliases = {
        key: {
            node.target.id
            for node in tree.body
            if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
        }
        for key, tree in trees.items()
    }

    def resolve(key: str, node: ast.expr) -> tuple[str, str] | None:
        if isinstance(node, ast.Name) and (key, node.id) in classes:
            return (key, node.id)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            target = aliases[key].get(node.value.id)
            if target is not None and (target, node.attr) in classes:
                return (target, node.attr)
        return None

    wanted = [ref for ref in roots if ref in classes]
    reached: set[tuple[str, str]] = set()
    while wanted:
        ref = wanted.pop()
        if ref in reached:
            continue
        reached.add(ref)
        info = classes[ref]
        for statement in info.node.body:
            if isinstance(statement, ast.AnnAssign):
                for child in ast.walk(statement.annotation):
                    if isinstance(child, (ast.Name, ast.Attribute)):
                        target = resolve(ref[0], child)
                        if target is not None and _is_model(classes[target].node):
                            wanted.append(target)
        for base in info.node.bases:
            target = resolve(ref[0], base)
            if target is not None:
                wanted.append(target)

    by_module: dict[str, list[ast.ClassDef]] = {}
    for key, name in sorted(reached):
        node = classes[(key, name)].node
        if _is_model(node) and not _is_free_form(node):
            by_module.setdefault(key, []).append(node)
    out: dict[str, str] = {}
    for key, nodes in by_module.items():
        writer = _Writer(key, resolve, classes, literal_aliases[key], nullable or set())
        order = {
            node.name: position
            for position, node in enumerate(trees[key].body)
            if isinstance(node, ast.ClassDef)
        }
        body = [writer.typed_dict(node) for node in sorted(nodes, key=lambda n: order[n.name])]
        service, module = key.split(".")
        out[f"{service}.{PACKAGE}.{module}"] = writer.module(body)
    return out


def _is_free_form(node: ast.ClassDef) -> bool:
    """No fields, no model bases: a free-form object, whose dict form is any mapping."""
    fields = [
        s
        for s in node.body
        if isinstance(s, ast.AnnAssign) and not ast.unparse(s.annotation).startswith("ClassVar")
    ]
    return not fields and [ast.unparse(base) for base in node.bases] == ["TaskclusterModel"]


def _is_model(node: ast.ClassDef) -> bool:
    bases = [ast.unparse(base) for base in node.bases]
    return bool(bases) and not any("RootModel" in base or "ListModel" in base for base in bases)


class _Writer:
    def __init__(
        self,
        key: str,
        resolve: Callable[[str, ast.expr], tuple[str, str] | None],
        classes: Mapping[tuple[str, str], _Class],
        literal_aliases: set[str],
        nullable: set[Field],
    ) -> None:
        self.key = key
        self.nullable = nullable
        self.resolve = resolve
        self.classes = classes
        self.literal_aliases = literal_aliases
        self.imports: set[str] = set()  # modules of the same service package, by module name
        self.other: set[tuple[str, str]] = set()  # (service, module) of other services
        self.model_names: set[str] = set()  # names imported from the model module

    def typed_dict(self, node: ast.ClassDef) -> str:
        bases: list[str] = []
        for base in node.bases:
            target = self.resolve(self.key, base)
            if target is not None and _is_model(self.classes[target].node):
                bases.append(self._class_ref(target))
        header = f"class {dict_name(node.name)}({', '.join(bases) or 'TypedDict'}, total=False):"
        lines = [header]
        doc = ast.get_docstring(node, clean=False)
        summary = f"Dict form of `{node.name}`." + (f"\n\n{_clean(doc)}" if doc else "")
        lines.append(_docstring(summary, 4))
        fields = list(_fields(node))
        if not fields and not bases:
            lines.append("")
        for name, statement, field_doc in fields:
            inner, keywords = _unannotate(statement.annotation)
            alias = keywords.get("alias")
            if alias is not None and alias != name:
                continue  # a key that is not an identifier; rare, and none in request schemas
            required = statement.value is None
            annotation = self._type(inner)
            if required:
                annotation = f"Required[{annotation}]"
            elif (
                isinstance(statement.value, ast.Constant)
                and statement.value.value is None
                and (self.key, node.name, name) not in self.nullable
            ):
                # `X | None = None` in the model means "may be left out"; a
                # request that sends null for it breaks the schema.
                annotation = _without_none(annotation)
            lines.append("")
            lines.append(f"    {name}: {annotation}")
            if field_doc:
                lines.append(_docstring(field_doc, 4))
        return "\n".join(lines)

    def _class_ref(self, ref: tuple[str, str]) -> str:
        key, name = ref
        service, module = key.split(".")
        if key == self.key:
            return dict_name(name)
        if service == self.key.split(".")[0]:
            self.imports.add(module)
            return f"{module}.{dict_name(name)}"
        self.other.add((service, module))
        return f"{service}_{module}.{dict_name(name)}"

    def _type(self, node: ast.expr) -> str:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            return f"{self._type(node.left)} | {self._type(node.right)}"
        text = ast.unparse(node)
        if text == "AwareDatetime":
            return "str | datetime"
        if isinstance(node, ast.Subscript):
            head = ast.unparse(node.value)
            if head == "Annotated":
                return self._type(cast(ast.Tuple, node.slice).elts[0])
            if head == "Literal":
                return text
            inner = node.slice
            if isinstance(inner, ast.Tuple):
                parts = ", ".join(self._type(element) for element in inner.elts)
            else:
                parts = self._type(inner)
            return f"{head}[{parts}]"
        if isinstance(node, ast.Name) and node.id in COMPOSED:
            self.model_names.add(node.id + SUFFIX)
            return node.id + SUFFIX
        if isinstance(node, ast.Name) and node.id in self.literal_aliases:
            self.model_names.add(node.id)
            return node.id
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            target_module = node.value.id
            if text.startswith(target_module + ".") and self.resolve(self.key, node) is None:
                # an alias of another model module (an enum, a composition alias)
                self.imports.add(f"..{target_module}")
                attr = node.attr + SUFFIX if node.attr in COMPOSED else node.attr
                return f"{target_module}_models.{attr}"
        target = self.resolve(self.key, node)
        if target is not None:
            if _is_model(self.classes[target].node):
                return self._class_ref(target)
            return "Any"  # a root model inside a request: whatever its JSON is
        return text

    def module(self, body: list[str]) -> str:
        module_name = self.key.split(".")[1]
        lines = [
            HEADER.rstrip("\n"),
            "",
            f'"""TypedDicts of `{module_name}` request bodies (for type checkers; see the models module)."""',
            "",
            "from __future__ import annotations",
            "",
            "from datetime import datetime",
            "from typing import TYPE_CHECKING, Any, Literal",
            "",
            "from typing_extensions import Required, TypedDict",
            "",
        ]
        typing_only: list[str] = []
        if self.model_names:
            names = ", ".join(sorted(self.model_names))
            typing_only.append(f"    from ..{module_name} import {names}")
        for module in sorted(self.imports):
            if module.startswith(".."):
                name = module[2:]
                typing_only.append(f"    from .. import {name} as {name}_models")
            else:
                typing_only.append(f"    from . import {module}")
        for service, module in sorted(self.other):
            typing_only.append(
                f"    from ...{service}.{PACKAGE} import {module} as {service}_{module}"
            )
        if typing_only:
            lines += ["if TYPE_CHECKING:", *typing_only, ""]
        lines += ["", *("\n\n\n".join(body).split("\n")), ""]
        return "\n".join(lines)


def _without_none(annotation: str) -> str:
    """`list[X | None] | None` -> `list[X | None]`: only the top-level `None` goes."""
    members: list[ast.expr] = []
    pending = [ast.parse(annotation, mode="eval").body]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
            pending += [node.right, node.left]
        else:
            members.append(node)
    kept = [ast.unparse(m) for m in members if ast.unparse(m) != "None"]
    return " | ".join(kept) if kept else annotation


def _fields(node: ast.ClassDef) -> Iterable[tuple[str, ast.AnnAssign, str | None]]:
    body = node.body
    for position, statement in enumerate(body):
        if not (isinstance(statement, ast.AnnAssign) and isinstance(statement.target, ast.Name)):
            continue
        if ast.unparse(statement.annotation).startswith("ClassVar"):
            continue
        doc = None
        if position + 1 < len(body):
            following = body[position + 1]
            if (
                isinstance(following, ast.Expr)
                and isinstance(following.value, ast.Constant)
                and isinstance(following.value.value, str)
            ):
                doc = following.value.value
        yield statement.target.id, statement, doc


def _unannotate(node: ast.expr) -> tuple[ast.expr, dict[str, object]]:
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "Annotated":
        elements = cast(ast.Tuple, node.slice).elts
        keywords: dict[str, object] = {}
        for item in elements[1:]:
            if isinstance(item, ast.Call):
                for keyword in item.keywords:
                    if keyword.arg and isinstance(keyword.value, ast.Constant):
                        keywords[keyword.arg] = keyword.value.value
        # `Annotated[Literal["s3"], OpenStr]`: `_type` reads the Literal inside
        return elements[0], keywords
    return node, {}


def _clean(text: str) -> str:
    return inspect.cleandoc(text).strip()


def _docstring(text: str, indent: int) -> str:
    pad = " " * indent
    body = _clean(text).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    lines = body.splitlines() or [""]
    if len(lines) == 1:
        closing = " " if lines[0].endswith('"') else ""
        return f'{pad}"""{lines[0]}{closing}"""'
    rest = "\n".join((pad + line) if line else "" for line in lines[1:])
    return f'{pad}"""{lines[0]}\n{rest}\n{pad}"""'


def write_dicts(directory: Path, dicts: Mapping[str, str]) -> None:
    """Write `<svc>/dicts/<module>.py` (and the `dicts` package) under `directory`."""
    for key, text in sorted(dicts.items()):
        service, package, module = key.split(".")
        folder = directory / service / package
        if not folder.exists():
            folder.mkdir(parents=True)
            (folder / "__init__.py").write_text(
                HEADER
                + f'"""TypedDicts of the {service} request bodies, one module per model module."""\n',
                encoding="utf-8",
            )
        (folder / f"{module}.py").write_text(text, encoding="utf-8")
