"""The shape of every generated model: lenient parsing, typed construction.

datamodel-code-generator writes the classes; this pass rewrites each class
body from its syntax tree so that the rules of docs/architecture.md
("Models") hold everywhere:

* enums are named `Literal` aliases (`TaskPriority`) that validate as their
  base JSON type at run time (`OpenStr`), so new server values still parse;
* a required field the server leaves out reads as `[]`, `{}`, an empty
  model or `None`, and stays out of `model_fields_set`; the default sits
  inside `Annotated[..., Field(...)]`, where type checkers do not see it, so
  constructors still require the field;
* a field with a schema default has that default and is not `None`-able;
* descriptions and titles become attribute docstrings (what IDEs show);
* free-form objects (`{"type": "object"}` with no properties) are
  `dict[str, Any]`, or a composition alias where a worker payload or a
  provider config is expected (`composition`);
* tagged unions (`storageType: "s3" | "object" | ...`) get a fallback
  variant for tags this SDK does not know;
* root classes of input schemas say which schema checks them (`__schema__`).
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

from codegen.errors import GeneratorError
from codegen.models.generator import RUNTIME_MODULE, GeneratedModule
from codegen.models.plan import ENUM_NAMES, pascal_case
from codegen.models.rename import module_aliases

BASE = "TaskclusterModel"
ROOT_BASE = "TaskclusterRootModel"
LIST_BASE = "TaskclusterListModel"
UNKNOWN_TAG = "__unknown__"


@dataclass
class ClassInfo:
    key: str  # module key (`queue.task`)
    node: ast.ClassDef

    @property
    def name(self) -> str:
        return self.node.name

    def fields(self) -> dict[str, ast.AnnAssign]:
        return {
            s.target.id: s
            for s in self.node.body
            if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)
        }

    @property
    def is_model(self) -> bool:
        bases = [ast.unparse(b) for b in self.node.bases]
        return bool(bases) and not any(b.startswith((ROOT_BASE, "RootModel")) for b in bases)

    @property
    def is_free_form(self) -> bool:
        """A class with no fields of its own, derived from the base only: `{"type": "object"}`."""
        bases = [ast.unparse(b) for b in self.node.bases]
        return bases == [BASE] and not self.fields()


@dataclass
class Context:
    """Everything the rewrite of one module needs to know about the others."""

    classes: dict[tuple[str, str], ClassInfo]
    aliases: dict[str, dict[str, str]]  # module key -> local alias -> module key
    free_form: set[tuple[str, str]]
    literal_names: dict[tuple[str, tuple[str, ...]], str]  # (service, values) -> alias name
    literal_docs: dict[tuple[str, tuple[str, ...]], str]
    union_variants: set[tuple[str, str]]
    schema_ids: Mapping[tuple[str, str], tuple[str, str]]
    # the entries of COMPOSITIONS whose modules this platform has
    compositions: Mapping[tuple[str, str], tuple[str, str, tuple[tuple[str, str], ...]]] = field(
        default_factory=dict[tuple[str, str], tuple[str, str, tuple[tuple[str, str], ...]]]
    )
    roots: set[tuple[str, str]] = field(default_factory=set[tuple[str, str]])
    alias_nodes: dict[str, list[ast.Assign]] = field(
        default_factory=lambda: defaultdict[str, list[ast.Assign]](list)
    )

    def resolve(self, key: str, node: ast.expr) -> tuple[str, str] | None:
        """The (module key, class) a `Name` or `module.Name` annotation refers to."""
        if isinstance(node, ast.Name):
            return (key, node.id) if (key, node.id) in self.classes else None
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
            target = self.aliases[key].get(node.value.id)
            if target is not None and (target, node.attr) in self.classes:
                return (target, node.attr)
        return None


# --- analysis over all modules -----------------------------------------------


def analyse(
    modules: Mapping[str, GeneratedModule],
    schema_ids: Mapping[tuple[str, str], tuple[str, str]],
    roots: set[tuple[str, str]] | None = None,
) -> Context:
    classes: dict[tuple[str, str], ClassInfo] = {}
    aliases: dict[str, dict[str, str]] = {}
    trees: dict[str, ast.Module] = {}
    for key, module in modules.items():
        tree = ast.parse(module.text)
        trees[key] = tree
        aliases[key] = module_aliases(key, module.text)
        for node in tree.body:
            if isinstance(node, ast.ClassDef):
                classes[(key, node.name)] = ClassInfo(key, node)
    # A schema's root class stays a class even when free-form: it is public.
    free_form = {
        ref for ref, info in classes.items() if info.is_free_form and ref not in (roots or set())
    }
    compositions = {
        target: value
        for target, value in COMPOSITIONS.items()
        if target in classes and all(member in classes for member in value[2])
    }
    context = Context(classes, aliases, free_form, {}, {}, set(), schema_ids, compositions)
    context.roots = set(roots or set())
    for key, tree in trees.items():
        for node in tree.body:
            if isinstance(node, ast.Assign) and _is_type_alias(node):
                context.alias_nodes[key].append(node)
                variants = _tagged_union(context, key, _alias_value(node))
                if variants is not None:
                    context.union_variants.update(ref for ref, _ in variants[1])
    _name_literals(context)
    return context


def _is_type_alias(node: ast.Assign) -> bool:
    return (
        isinstance(node.value, ast.Call)
        and isinstance(node.value.func, ast.Name)
        and node.value.func.id == "TypeAliasType"
    )


def _alias_value(node: ast.Assign) -> ast.expr:
    value = cast(ast.Call, node.value).args[1]
    return _unannotate(value)[0]


def _unannotate(node: ast.expr) -> tuple[ast.expr, list[ast.expr]]:
    """`Annotated[T, m1, m2]` -> (T, [m1, m2]); anything else -> (node, [])."""
    if isinstance(node, ast.Subscript) and ast.unparse(node.value) == "Annotated":
        elements = cast(ast.Tuple, node.slice).elts
        return elements[0], list(elements[1:])
    return node, []


def _union_members(node: ast.expr) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _union_members(node.left) + _union_members(node.right)
    return [node]


def _string_literal(node: ast.expr) -> tuple[str, ...] | None:
    """The values of `Literal["a", "b"]`, if that is what `node` is (strings only)."""
    if not (isinstance(node, ast.Subscript) and ast.unparse(node.value) == "Literal"):
        return None
    elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    values: list[str] = []
    for element in elements:
        if not (isinstance(element, ast.Constant) and isinstance(element.value, str)):
            return None
        values.append(element.value)
    return tuple(values)


def _tagged_union(
    context: Context, key: str, value: ast.expr
) -> tuple[str, list[tuple[tuple[str, str], str]]] | None:
    """(tag field, [(variant class, tag value)]) when `value` is a union told apart by a tag."""
    members = _union_members(value)
    if len(members) < 2:
        return None
    refs = [context.resolve(key, member) for member in members]
    if any(ref is None for ref in refs):
        return None
    tags: dict[str, list[str]] = defaultdict(list)
    for ref in cast(list[tuple[str, str]], refs):
        for name, statement in context.classes[ref].fields().items():
            values = _string_literal(_unannotate(statement.annotation)[0])
            if values is not None and len(values) == 1:
                tags[name].append(values[0])
    for name, values in sorted(tags.items()):
        if len(values) == len(members) and len(set(values)) == len(values):
            return name, list(zip(cast(list[tuple[str, str]], refs), values, strict=True))
    return None


# Free-form properties that carry a document of another schema: request
# models type them as the union of those models and any dict (issue 10.1).
# (module key, free-form class) -> (alias, doc, [(module key, class)]).
COMPOSITIONS: dict[tuple[str, str], tuple[str, str, tuple[tuple[str, str], ...]]] = {
    ("queue.task", "Payload"): (
        "TaskPayload",
        "A task's `payload`: a docker-worker or generic-worker payload model, or any dict.\n\n"
        "The queue does not check it (the worker does); the models give you typed fields.",
        (
            ("docker_worker.payload", "DockerWorkerPayload"),
            ("generic_worker.insecure_posix", "InsecurePosixPayload"),
            ("generic_worker.multiuser_posix", "MultiuserPosixPayload"),
            ("generic_worker.multiuser_windows", "MultiuserWindowsPayload"),
        ),
    ),
    ("worker_manager.worker_pool_full", "Config"): (
        "WorkerPoolConfig",
        "A worker pool's provider `config`: the model of its provider type, or any dict.",
        (
            ("worker_manager.config_aws", "AwsProviderConfig"),
            ("worker_manager.config_azure", "AzureProviderConfig"),
            ("worker_manager.config_google", "GoogleProviderConfig"),
            ("worker_manager.config_static", "StaticProviderConfig"),
        ),
    ),
}

COMPOSED_ALIASES = frozenset(alias for alias, _, _ in COMPOSITIONS.values())

# Classes named poorly that no rule above catches: (module key) -> {old: new}.
EXTRA_RENAMES = {
    "hooks.trigger_hook_response": {"TriggerHookResponseTriggerHookResponse": "TriggeredTask"},
    "generic_worker.insecure_posix": {
        "GenericWorkerPayload": "InsecurePosixPayload",
        "Artifact": "InsecurePosixPayloadArtifact",
    },
    "generic_worker.multiuser_posix": {
        "GenericWorkerPayload": "MultiuserPosixPayload",
        "Artifact": "MultiuserPosixPayloadArtifact",
    },
}

# Members of a root's union (a root class `X(TaskclusterRootModel[XValue])`
# over `A | B`) that their package does not export, and why. Every other
# member defined in the root's module is exported, with the item classes of
# its array fields, as a root would be: users build the variants by hand.
# `tests/test_generated_surface.py` checks that each member is one or the other.
UNEXPORTED_VARIANTS: dict[tuple[str, str], str] = {
    # None today. Generic-worker's inline copies of docker-worker's payload,
    # the case this was made for, are `$ref`s to the original instead
    # (`stage.SHARED_COPIES`): its members are then another package's class.
}


# Union roots and the stem their variants are named with: `PostArtifactRequest`
# told apart by `storageType: "object"` -> `ObjectArtifactRequest`, and the
# fallback for tags this SDK does not know -> `UnknownArtifactRequest`.
# The stem also names the union itself (`ArtifactRequest`, what `createArtifact`
# takes besides the root class).
UNION_STEMS = {
    "ArtifactContentResponseValue": "ArtifactContent",
    "PostArtifactRequestValue": "ArtifactRequest",
    "PostArtifactResponseValue": "CreateArtifactResponse",
    "AuthenticateHawkResponseValue": "HawkResponse",
    "DownloadObjectResponseValue": "DownloadMethod",
}


def union_renames(context: Context) -> dict[str, dict[str, str]]:
    """Names of tagged-union variants: `<Tag><stem>` (`S3ArtifactContent`)."""
    renames: dict[str, dict[str, str]] = defaultdict(dict)
    for key, nodes in sorted(context.alias_nodes.items()):
        for node in nodes:
            alias = cast(ast.Name, node.targets[0]).id
            tagged = _tagged_union(context, key, _alias_value(node))
            if tagged is None:
                continue
            stem = UNION_STEMS.get(alias)
            if stem is None:
                raise GeneratorError(
                    f"tagged union {key}.{alias}: add the stem of its variant names to UNION_STEMS"
                )
            for (module, name), tag in tagged[1]:
                renames[module][name] = pascal_case(tag) + stem
            renames[key][alias] = stem
    return renames


def _model_or_dict(context: Context, key: str, value: ast.expr) -> ast.expr | None:
    """The model of a `Model | dict[str, Any]` union, else None."""
    members = _union_members(value)
    if len(members) != 2 or ast.unparse(members[1]) != "dict[str, Any]":
        return None
    ref = context.resolve(key, members[0])
    return members[0] if ref is not None and context.classes[ref].is_model else None


def fallback_name(alias: str) -> str:
    return "Unknown" + alias


@dataclass(frozen=True)
class UnionRoot:
    """A root class whose value is a tagged union: what the renderer needs."""

    alias: str  # the union type (`ArtifactContent`)
    variants: tuple[str, ...]  # variant classes, fallback last
    module: str  # module key of the root


def union_roots(context: Context) -> dict[tuple[str, str], UnionRoot]:
    """Root classes (`ArtifactContentResponse`) over tagged unions, by (module key, class)."""
    found: dict[tuple[str, str], UnionRoot] = {}
    for (key, name), info in context.classes.items():
        if info.is_model or not info.node.bases:
            continue
        base = info.node.bases[0]
        if not (isinstance(base, ast.Subscript) and isinstance(base.slice, ast.Name)):
            continue
        alias = base.slice.id
        for node in context.alias_nodes.get(key, []):
            if cast(ast.Name, node.targets[0]).id != alias:
                continue
            tagged = _tagged_union(context, key, _alias_value(node))
            single = _model_or_dict(context, key, _alias_value(node))
            if tagged is not None:
                variants = tuple(variant for (_, variant), _ in tagged[1])
                found[(key, name)] = UnionRoot(alias, (*variants, fallback_name(alias)), key)
            elif single is not None:
                model = ast.unparse(single).split(".")[-1]
                found[(key, name)] = UnionRoot(model, (model,), key)
    return found


def _service(key: str) -> str:
    return key.split(".")[0]


def _name_literals(context: Context) -> None:
    """One alias name per distinct enum of a service, from the schema's meaning."""
    candidates: dict[tuple[str, tuple[str, ...]], list[tuple[int, str, str]]] = defaultdict(list)
    used: set[tuple[str, str, str]] = set()
    where: dict[tuple[str, tuple[str, ...]], str] = {}
    for (key, class_name), info in sorted(context.classes.items()):
        for name, statement in info.fields().items():
            inner, metadata = _unannotate(statement.annotation)
            title = _keyword(metadata, "title")
            doc = _docstring_after(info.node, statement)
            for values in _literals_in(inner):
                # without a description, say where the enum is used
                where.setdefault((_service(key), values), f"The values of `{class_name}.{name}`.")
                nested = (key, class_name) not in context.roots
                options = _literal_candidates(class_name, name, title, nested=nested)
                for rank, candidate in enumerate(options):
                    candidates[(_service(key), values)].append((rank, candidate, doc or ""))
                chosen = ENUM_NAMES.get((key, class_name, name))
                if chosen is not None:
                    candidates[(_service(key), values)].append((-1, chosen, doc or ""))
                    used.add((key, class_name, name))
    for key, nodes in context.alias_nodes.items():
        for node in nodes:
            alias_name = cast(ast.Name, node.targets[0]).id.removesuffix("Value")
            for values in _literals_in(cast(ast.Call, node.value).args[1]):
                candidates[(_service(key), values)].append((5, alias_name + "Kind", ""))
    modules = {key for key, _ in context.classes}
    if stale := sorted(ref for ref in set(ENUM_NAMES) - used if ref[0] in modules):
        raise GeneratorError(f"plan.ENUM_NAMES names fields that have no enum: {stale}")
    taken: dict[str, set[str]] = defaultdict(set)
    for (service, _), _names in candidates.items():
        taken[service].update(name for (key, name) in context.classes if _service(key) == service)
    for (service, values), options in sorted(candidates.items(), key=lambda item: item[0]):
        chosen = None
        chosen_doc = ""
        for _, candidate, doc in sorted(options, key=lambda option: (option[0], len(option[1]))):
            if candidate not in taken[service]:
                chosen, chosen_doc = candidate, doc
                break
        if chosen is None:
            raise GeneratorError(f"no free name for the enum {values} of {service}")
        taken[service].add(chosen)
        context.literal_names[(service, values)] = chosen
        context.literal_docs[(service, values)] = chosen_doc or next(
            (doc for _, _, doc in options if doc), where.get((service, values), "")
        )


_WORD = re.compile(r"[A-Z][a-z0-9]*|[a-z0-9]+")


def _literal_candidates(
    class_name: str, field_name: str, title: str | None, *, nested: bool
) -> list[str]:
    """Names for an enum, best first: owner + field (`TaskStatus` + `state` -> `TaskState`).

    A schema's root class names by its subject, its first word (`TaskStatus`
    -> `Task`); a nested class by its last word (`TaskStatusRun` -> `Run`:
    `RunState`, not a second `TaskState`).
    """
    field_words = [w.capitalize() for w in _WORD.findall(field_name)]
    owner_words = _WORD.findall(class_name)
    # `CreateThingRequest` is about a `Thing`: verbs and message kinds say nothing of it.
    while len(owner_words) > 1 and owner_words[0] in _VERBS:
        owner_words = owner_words[1:]
    while len(owner_words) > 1 and owner_words[-1] in _KINDS | _CONTAINERS:
        owner_words = owner_words[:-1]
    subjects: list[list[str]] = [owner_words[-1:]] if nested and len(owner_words) > 1 else []
    for length in range(1, len(owner_words) + 1):
        subjects.append(owner_words[:length])
    names: list[str] = []
    for subject in subjects:
        words = _dedupe([*subject, *field_words])
        names.append("".join(words))
    if title and 2 <= len(title.split()) <= 4:
        names.append(pascal_case(title.title().replace("-", " ")))
    # last resort: the whole owner name (`ListArtifactsResponseArtifact` + `StorageType`)
    names.append("".join(_dedupe([*_WORD.findall(class_name), *field_words])))
    return names


_VERBS = frozenset({"Create", "Update", "Get", "List", "Post", "Set", "Put", "Delete", "Change"})
_KINDS = frozenset({"Request", "Response", "Message"})
# Words that name a group of things, not the thing an enum describes
# (`ReleaseEvents.action` is a release's action, not an `EventsAction`).
_CONTAINERS = frozenset({"Events", "Options", "Settings", "Setting", "Permissions", "Entry"})


def _dedupe(words: list[str]) -> list[str]:
    """`Task` + `Task` + `Id` -> `Task`, `Id`: no word twice in a row."""
    out: list[str] = []
    for word in words:
        if not out or out[-1].lower() != word.lower():
            out.append(word)
    return out


def _int_literal(node: ast.expr) -> bool:
    """`Literal[1]` (a message `version`): open too, a version 2 must still parse."""
    if not (isinstance(node, ast.Subscript) and ast.unparse(node.value) == "Literal"):
        return False
    elements = node.slice.elts if isinstance(node.slice, ast.Tuple) else [node.slice]
    return all(isinstance(e, ast.Constant) and type(e.value) is int for e in elements)


def _literals_in(node: ast.expr) -> list[tuple[str, ...]]:
    """Every multi-value string `Literal` inside an annotation."""
    found: list[tuple[str, ...]] = []
    for child in ast.walk(node):
        if isinstance(child, ast.Subscript):
            values = _string_literal(child)
            if values is not None and len(values) >= 2:
                found.append(values)
    return found


def _keyword(metadata: list[ast.expr], name: str) -> str | None:
    for item in metadata:
        if isinstance(item, ast.Call) and ast.unparse(item.func) == "Field":
            for keyword in item.keywords:
                if keyword.arg == name and isinstance(keyword.value, ast.Constant):
                    return str(keyword.value.value)
    return None


def _docstring_after(node: ast.ClassDef, statement: ast.stmt) -> str | None:
    position = node.body.index(statement)
    if position + 1 < len(node.body):
        following = node.body[position + 1]
        if (
            isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            return following.value.value
    return None


# --- rewriting one module ---------------------------------------------------


def reshape(key: str, module: GeneratedModule, context: Context) -> GeneratedModule:
    """Rewrite the classes of one module (see the module docstring)."""
    tree = ast.parse(module.text)
    lines = module.text.split("\n")
    edits: list[tuple[int, int, str]] = []  # first line, last line (inclusive, 0-based), new text
    used_literals: dict[str, tuple[str, ...]] = {}
    extra_classes: list[str] = []
    removed: set[str] = set()
    for node in tree.body:
        start = (
            node.decorator_list[0].lineno
            if isinstance(node, ast.ClassDef) and node.decorator_list
            else node.lineno
        ) - 1
        end = cast(int, node.end_lineno) - 1
        if isinstance(node, ast.ClassDef):
            info = context.classes[(key, node.name)]
            if (key, node.name) in context.free_form:
                composition = context.compositions.get((key, node.name))
                edits.append((start, end, _composition(key, composition) if composition else ""))
                removed.add(node.name)
                continue
            if not info.is_model:
                edits.append((start, end, _root_class(key, node, context)))
                continue
            edits.append((start, end, _model_class(key, info, context, used_literals)))
        elif isinstance(node, ast.Assign) and _is_type_alias(node):
            last = _end_with_docstring(tree, node, end)
            doc = _clean("\n".join(lines[end + 1 : last + 1]).strip().strip('"'))
            text, fallback = _alias(key, node, context, used_literals, doc)
            if fallback:
                # before the alias: its value is evaluated at import time
                text = f"{fallback}\n\n\n{text}"
                extra_classes.append(fallback)
            if text is not None:
                edits.append((start, last, text))
    for first, last, text in sorted(edits, reverse=True):
        lines[first : last + 1] = [text]
    body = "\n".join(lines)
    definitions = [
        _literal_alias(name, values, context.literal_docs.get((_service(key), values), ""))
        for name, values in sorted(used_literals.items())
    ]
    body = _insert_after_imports(body, "\n\n".join(definitions))
    body = _add_imports(body)
    classes = (module.classes - removed) | {_class_name(text) for text in extra_classes}
    return GeneratedModule(body, frozenset(classes), module.aliases)


def _end_with_docstring(tree: ast.Module, node: ast.stmt, end: int) -> int:
    position = tree.body.index(node)
    if position + 1 < len(tree.body):
        following = tree.body[position + 1]
        if isinstance(following, ast.Expr) and isinstance(following.value, ast.Constant):
            return cast(int, following.end_lineno) - 1
    return end


def _class_name(text: str) -> str:
    match = re.search(r"^class (\w+)", text, re.M)
    assert match is not None
    return match.group(1)


def _model_class(
    key: str, info: ClassInfo, context: Context, used: dict[str, tuple[str, ...]]
) -> str:
    node = info.node
    bases = ", ".join(ast.unparse(base) for base in node.bases)
    out = [f"class {node.name}({bases}):"]
    doc = ast.get_docstring(node, clean=True)
    out.append(_docstring(doc or f"The `{node.name}` object.", 4))
    schema = context.schema_ids.get((key, node.name))
    if schema is not None:
        out.append("")
        out.append(f"    __schema__: ClassVar[tuple[str, str] | None] = {schema!r}")
    tag_class = (key, node.name) in context.union_variants
    fields: list[str] = []
    raising: list[str] = []
    for name, statement in info.fields().items():
        fields += ["", _field(key, name, statement, info, context, used, tag_class, raising)]
    if raising:
        # read as MissingFieldError when an answer leaves them out (_model.TaskclusterModel)
        out += ["", f"    __required_values__: ClassVar[tuple[str, ...]] = {tuple(raising)!r}"]
    return "\n".join(out + fields)


def _field(
    key: str,
    name: str,
    statement: ast.AnnAssign,
    info: ClassInfo,
    context: Context,
    used: dict[str, tuple[str, ...]],
    tag_class: bool,
    raising: list[str],
) -> str:
    inner, metadata = _unannotate(statement.annotation)
    title = _keyword(metadata, "title")
    keep: list[ast.keyword] = []
    for item in metadata:
        if isinstance(item, ast.Call) and ast.unparse(item.func) == "Field":
            keep += [k for k in item.keywords if k.arg not in ("title", "description")]
        else:
            raise GeneratorError(
                f"unexpected annotation metadata in {info.name}.{name}: {ast.unparse(item)}"
            )
    default = statement.value
    annotation = _type(
        key, inner, context, used, open_tags=not tag_class, owner=(key, info.name, name)
    )
    if default is not None and not (isinstance(default, ast.Constant) and default.value is None):
        annotation = _drop_none(annotation)
    field_keywords = [f"{k.arg}={ast.unparse(k.value)}" for k in keep]
    value = ""
    tag_value = _string_literal(inner) if tag_class else None
    if default is None and tag_value is not None and len(tag_value) == 1:
        field_keywords.append(f"default={tag_value[0]!r}")
    elif default is None:
        missing = _missing_default(key, annotation, context)
        field_keywords.append(missing)
        if missing == "default=None" and "None" not in _members_text(annotation):
            raising.append(name)
    else:
        value = f" = {ast.unparse(default)}"
    if field_keywords:
        text = f"    {name}: Annotated[{annotation}, Field({', '.join(field_keywords)})]{value}"
    else:
        text = f"    {name}: {annotation}{value}"
    doc = _docstring_after(info.node, statement)
    summary = _field_doc(title, doc, name)
    if summary:
        text += "\n" + _docstring(summary, 4)
    return text


def _field_doc(title: str | None, doc: str | None, name: str) -> str:
    description = _clean(doc or "")
    if (
        title
        and title.lower().replace(" ", "") != name.lower()
        and not description.startswith(title)
    ):
        return f"{title}.\n\n{description}" if description else f"{title}."
    return description


def _clean(text: str) -> str:
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents) if indents else 0
    return "\n".join(line[cut:] for line in lines).strip()


def _missing_default(key: str, annotation: str, context: Context) -> str:
    """What a required field reads as when the server leaves it out."""
    if annotation.startswith("list["):
        return "default_factory=empty_list"
    if annotation.startswith("dict[") or annotation.split(".")[-1] in COMPOSED_ALIASES:
        return "default_factory=empty_dict"
    node = ast.parse(annotation, mode="eval").body
    ref = context.resolve(key, node)
    if ref is not None and context.classes[ref].is_model:
        return f"default_factory=lambda: {annotation}.model_construct()"
    return "default=None"


def _members_text(annotation: str) -> list[str]:
    return [ast.unparse(m) for m in _union_members(ast.parse(annotation, mode="eval").body)]


def _drop_none(annotation: str) -> str:
    members = [ast.unparse(m) for m in _union_members(ast.parse(annotation, mode="eval").body)]
    kept = [m for m in members if m != "None"]
    return " | ".join(kept) if kept else annotation


def _type(
    key: str,
    node: ast.expr,
    context: Context,
    used: dict[str, tuple[str, ...]],
    *,
    open_tags: bool,
    owner: tuple[str, str, str] | None = None,
) -> str:
    """The annotation text of `node` with enums named and free-form objects as dicts."""
    members = _union_members(node)
    if len(members) > 1:
        return " | ".join(
            _type(key, m, context, used, open_tags=open_tags, owner=owner) for m in members
        )
    values = _string_literal(node)
    if values is not None:
        if len(values) >= 2:
            name = context.literal_names[(_service(key), values)]
            used[name] = values
            return name
        if open_tags:
            return f"Annotated[{ast.unparse(node)}, OpenStr]"
        return ast.unparse(node)
    if open_tags and _int_literal(node):
        return f"Annotated[{ast.unparse(node)}, OpenInt]"
    ref = context.resolve(key, node)
    if ref is not None and ref in context.free_form:
        composition = context.compositions.get(ref)
        if composition is not None:
            prefix = ast.unparse(node.value) + "." if isinstance(node, ast.Attribute) else ""
            return prefix + composition[0]
        return "dict[str, Any]"
    if isinstance(node, ast.Subscript):
        inner = node.slice
        if isinstance(inner, ast.Tuple):
            parts = ", ".join(_type(key, e, context, used, open_tags=open_tags) for e in inner.elts)
        else:
            parts = _type(key, inner, context, used, open_tags=open_tags)
        return f"{ast.unparse(node.value)}[{parts}]"
    return ast.unparse(node)


def _alias(
    key: str, node: ast.Assign, context: Context, used: dict[str, tuple[str, ...]], docs: str
) -> tuple[str | None, str | None]:
    """A `TypeAliasType` statement, rewritten; and the fallback class of a tagged union."""
    name = cast(ast.Name, node.targets[0]).id
    value = cast(ast.Call, node.value).args[1]
    inner, _ = _unannotate(value)
    tagged = _tagged_union(context, key, inner)
    if tagged is not None:
        tag, variants = tagged
        fallback = fallback_name(name)
        known = tuple(value for _, value in variants)
        members = [
            f"Annotated[{ast.unparse(member)}, Tag({tag_value!r})]"
            for member, (_, tag_value) in zip(_union_members(inner), variants, strict=True)
        ]
        members.append(f"Annotated[{fallback}, Tag({UNKNOWN_TAG!r})]")
        text = (
            f"{name} = TypeAliasType(\n    {name!r},\n    Annotated[\n        "
            + " | ".join(members)
            + f",\n        open_discriminator({tag!r}, {known!r}),\n    ],\n)\n"
            + _docstring(
                (docs + "\n\n" if docs else "")
                + f"Told apart by `{tag}`; a `{tag}` this SDK does not know parses as `{fallback}`.",
                0,
            )
        )
        fallback_class = (
            f"class {fallback}({BASE}):\n"
            + _docstring(
                f"A variant whose `{tag}` this SDK does not know (added to Taskcluster later).\n\n"
                f"Every field the server sent is kept (`model_extra`); `{tag}` says which kind it is.",
                4,
            )
            + f"\n\n    {tag}: str\n"
            + _docstring(f"The `{tag}` value as the server sent it.", 4)
        )
        return text, fallback_class
    single = _model_or_dict(context, key, inner)
    if single is not None:
        # `X | {}` (triggerHook): a lenient X parses `{}` too, and one type
        # needs no `isinstance` to reach its fields.
        inner = single
    annotation = _type(key, inner, context, used, open_tags=True)
    text = f"{name} = TypeAliasType({name!r}, {annotation})"
    if docs:
        text += "\n" + _docstring(docs, 0)
    return text, None


def _composition(key: str, composition: tuple[str, str, tuple[tuple[str, str], ...]]) -> str:
    """The alias of a composed free-form property: models for type checkers, `FreeForm` at run time."""
    alias, doc, members = composition
    service = _service(key)
    imports: list[str] = []
    names: list[str] = []
    dicts: list[str] = []
    for member_key, name in members:
        member_service, module = member_key.split(".")
        base = "." if member_service == service else f"..{member_service}."
        imports.append(f"    from {base}{module} import {name}")
        imports.append(f"    from {base}dicts.{module} import {name}Dict")
        names.append(name)
        dicts.append(f"{name}Dict")
    return "\n".join(
        [
            "if TYPE_CHECKING:",
            *imports,
            "",
            f"    {alias}: TypeAlias = {' | '.join([*names, 'dict[str, Any]'])}",
            _docstring(doc, 4),
            f"    {alias}Dict: TypeAlias = {' | '.join([*dicts, 'dict[str, Any]'])}",
            _docstring(f"The dict form of `{alias}`.", 4),
            "else:",
            f"    {alias}: TypeAlias = FreeForm",
        ]
    )


def _root_class(key: str, node: ast.ClassDef, context: Context) -> str:
    """Root classes: a list root iterates its items; input roots name their schema."""
    bases = ", ".join(ast.unparse(base) for base in node.bases)
    doc = ast.get_docstring(node, clean=True) or ""
    base = node.bases[0] if node.bases else None
    if isinstance(base, ast.Subscript) and isinstance(base.slice, ast.Name):
        for alias in context.alias_nodes.get(key, []):
            if cast(ast.Name, alias.targets[0]).id != base.slice.id:
                continue
            value = _alias_value(alias)
            if isinstance(value, ast.Subscript) and ast.unparse(value.value) == "list":
                item = _type(key, value.slice, context, {}, open_tags=True)
                bases = f"{LIST_BASE}[{item}]"
                doc = f"A list of `{item.split('.')[-1]}`: iterate, index or `len()` it (`.root` is the list)."
            else:
                doc = f"The `{base.slice.id}` schema as a root model; the value is in `.root`."
    schema = context.schema_ids.get((key, node.name))
    body = [f"class {node.name}({bases}):", _docstring(doc, 4)]
    if schema is not None:
        body += ["", f"    __schema__: ClassVar[tuple[str, str] | None] = {schema!r}"]
    return "\n".join(body)


def _literal_alias(name: str, values: tuple[str, ...], doc: str) -> str:
    literal = "Literal[" + ", ".join(repr(v) for v in values) + "]"
    text = f"{name}: TypeAlias = Annotated[{literal}, OpenStr]"
    summary = _clean(doc) or f"The values of `{name}`."
    summary += (
        "\n\nType checkers see the `Literal`; at run time any string parses"
        " (a value added to Taskcluster later), and requests are checked"
        " against the schema's values before they are sent."
    )
    return text + "\n" + _docstring(summary, 0)


def _docstring(text: str, indent: int) -> str:
    pad = " " * indent
    body = _clean(text).replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
    lines = body.splitlines() or [""]
    if len(lines) == 1:
        closing = " " if lines[0].endswith('"') else ""
        return f'{pad}"""{lines[0]}{closing}"""'
    rest = "\n".join((pad + line) if line else "" for line in lines[1:])
    return f'{pad}"""{lines[0]}\n{rest}\n{pad}"""'


def _insert_after_imports(text: str, block: str) -> str:
    if not block:
        return text
    tree = ast.parse(text)
    last = 0
    for node in tree.body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            last = cast(int, node.end_lineno)
        elif isinstance(node, ast.Expr) and last == 0:
            continue
        else:
            break
    lines = text.split("\n")
    return "\n".join([*lines[:last], "", "", block, "", "", *lines[last:]])


def _add_imports(text: str) -> str:
    """Every name the rewrite may use; ruff drops the unused ones (F401)."""
    future = "from __future__ import annotations\n"
    imports = (
        "from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal\n"
        "from pydantic import Field, Tag\n"
        "from typing_extensions import TypeAlias, TypeAliasType\n"
        f"from {RUNTIME_MODULE} import FreeForm, OpenInt, OpenStr, {LIST_BASE}, open_discriminator\n"
        f"from {RUNTIME_MODULE} import empty_dict, empty_list\n"
    )
    if future not in text:
        raise GeneratorError("generated module without `from __future__ import annotations`")
    return text.replace(future, future + "\n" + imports, 1)


def add_exports(
    exports: dict[str, list[tuple[str, str]]],
    context: Context,
    modules: Mapping[str, GeneratedModule],
) -> None:
    """What service packages export besides root classes: variants, fallbacks, enums."""
    for key, module in sorted(modules.items()):
        service, name = key.split(".")
        tree = ast.parse(module.text)
        for node in tree.body:
            if isinstance(node, ast.ClassDef) and (
                (key, node.name) in context.union_variants or node.name.startswith("Unknown")
            ):
                exports[service].append((name, node.name))
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                exports[service].append((name, node.target.id))
            elif isinstance(node, ast.Assign) and _is_type_alias(node):
                alias = cast(ast.Name, node.targets[0]).id
                if alias in UNION_STEMS.values():
                    exports[service].append((name, alias))
                value = cast(ast.Call, node.value).args[1]
                if isinstance(value, ast.Name) and (key, value.id) in context.classes:
                    exports[service].append((name, value.id))  # `X | {}` became X
    for key, name in root_variants(context, modules):
        if (key, name) not in UNEXPORTED_VARIANTS:
            service, module_name = key.split(".")
            exports[service].append((module_name, name))
            exports[service].extend(
                (module_name, item) for item in _array_item_classes(context, key, name)
            )
    for _, _, members in context.compositions.values():
        for key, member in members:
            service, module_name = key.split(".")
            exports[service].extend(
                (module_name, name) for name in _reachable(context, key, member)
            )
    for (key, _), (alias, _, _) in context.compositions.items():
        if key in modules:
            service, name = key.split(".")
            exports[service].append((name, alias))
    literal_aliases = set(context.literal_names.values())
    for service, names in exports.items():
        first: dict[str, str] = {}
        for module, name in sorted(set(names)):
            owner = first.setdefault(name, module)
            if owner != module and name not in literal_aliases:
                raise GeneratorError(
                    f"models of {service}: {owner}.{name} and {module}.{name} would both be"
                    f" exported as {name}"
                )
        exports[service] = sorted({(module, name) for name, module in first.items()})


def root_variants(
    context: Context, modules: Mapping[str, GeneratedModule]
) -> list[tuple[str, str]]:
    """(module key, class) of each union member defined next to the root over that union.

    Tagged or not: generic-worker's `InsecurePosix` is `InsecurePosixPayload |
    DockerWorkerPayload` (no tag), and users write an `InsecurePosixPayload`.
    """
    found: list[tuple[str, str]] = []
    for key, module in sorted(modules.items()):
        tree = ast.parse(module.text)
        aliases = {
            cast(ast.Name, node.targets[0]).id: _alias_value(node)
            for node in tree.body
            if isinstance(node, ast.Assign) and _is_type_alias(node)
        }
        for node in tree.body:
            if not (isinstance(node, ast.ClassDef) and node.bases):
                continue
            base = node.bases[0]
            if not (
                isinstance(base, ast.Subscript)
                and ast.unparse(base.value) == ROOT_BASE
                and isinstance(base.slice, ast.Name)
                and base.slice.id in aliases
            ):
                continue
            members = _union_members(aliases[base.slice.id])
            if len(members) < 2:
                continue
            found.extend(
                (key, member.id)
                for member in members
                if isinstance(member, ast.Name) and (key, member.id) in context.classes
            )
    return found


def _array_item_classes(context: Context, key: str, name: str) -> list[str]:
    """Classes of this module that are the items of `name`'s array fields (`list[X]`)."""
    items: list[str] = []
    for statement in context.classes[(key, name)].fields().values():
        annotation = _unannotate(statement.annotation)[0]
        for member in _union_members(annotation):
            if (
                isinstance(member, ast.Subscript)
                and ast.unparse(member.value) == "list"
                and isinstance(member.slice, ast.Name)
                and (key, member.slice.id) in context.classes
            ):
                items.append(member.slice.id)
    return items


def _reachable(context: Context, key: str, name: str) -> list[str]:
    """Classes of module `key` that `name`'s fields use, directly or through each other."""
    seen: list[str] = []
    pending = [name]
    while pending:
        info = context.classes[(key, pending.pop())]
        # bases too: a subclass's fields include theirs (Azure's launch configs)
        nodes = [*info.node.bases, *(s.annotation for s in info.fields().values())]
        for annotation in nodes:
            for node in ast.walk(annotation):
                ref = context.resolve(key, node) if isinstance(node, ast.Name) else None
                if ref is not None and ref[1] != name and ref[1] not in seen:
                    seen.append(ref[1])
                    pending.append(ref[1])
    return seen


def member_renames(context: Context) -> dict[str, dict[str, str]]:
    """Names of the classes inside a worker payload or provider config: `<Member><Class>`.

    Users build these by hand (`mounts=[InsecurePosixPayloadFileMount(...)]`),
    so their package exports them; the three generic-worker payloads each
    have a `FileMount` of their own (not the same fields), and a bare
    `Artifact` or `Features` says nothing of what it belongs to.
    """
    renames: dict[str, dict[str, str]] = defaultdict(dict)
    for _, _, members in context.compositions.values():
        for key, member in members:
            for name in _reachable(context, key, member):
                if (key, name) not in context.free_form and not name.startswith(member):
                    renames[key][name] = member + name
    return renames
