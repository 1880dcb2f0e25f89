"""Renaming classes in generated source, token by token."""

from __future__ import annotations

import ast
import io
import tokenize
from collections.abc import Mapping

from codegen.models.generator import GeneratedModule


def apply_renames(
    modules: Mapping[str, GeneratedModule], renames: Mapping[str, Mapping[str, str]]
) -> dict[str, GeneratedModule]:
    """Rename classes where they are defined and where other modules use them.

    datamodel-code-generator refers to a class of another module as
    `<module alias>.<Class>` (`from . import task as task_1`); inside its
    own module a class is a bare name. Only identifier tokens change, so
    descriptions and field names that happen to read the same do not.
    """
    renamed: dict[str, GeneratedModule] = {}
    for key, module in modules.items():
        own = renames.get(key, {})
        imported = {
            alias: renames[target]
            for alias, target in module_aliases(key, module.text).items()
            if target in renames
        }
        if not own and not imported:
            renamed[key] = module
            continue
        text = _rename_tokens(module.text, own, imported)
        renamed[key] = GeneratedModule(
            text,
            frozenset(own.get(name, name) for name in module.classes),
            frozenset(own.get(name, name) for name in module.aliases),
        )
    return renamed


def module_aliases(key: str, text: str) -> dict[str, str]:
    """Local names bound to sibling model modules: `task_1` -> `queue.task`."""
    package = key.split(".")[0]
    aliases: dict[str, str] = {}
    for node in ast.parse(text).body:
        if not isinstance(node, ast.ImportFrom) or node.level == 0:
            continue
        if node.level == 1 and node.module is None:
            owner = package
        elif node.level == 2 and node.module is not None:
            owner = node.module
        else:
            continue
        for name in node.names:
            aliases[name.asname or name.name] = f"{owner}.{name.name}"
    return aliases


def _rename_tokens(
    text: str, own: Mapping[str, str], imported: Mapping[str, Mapping[str, str]]
) -> str:
    lines = text.splitlines(keepends=True)
    tokens = [
        t for t in tokenize.generate_tokens(io.StringIO(text).readline) if t.type not in _TRIVIA
    ]
    edits: list[tuple[int, int, int, str]] = []  # line, start column, end column, replacement
    for position, token in enumerate(tokens):
        previous = [t.string for t in tokens[max(position - 2, 0) : position]]
        after = tokens[position + 1] if position + 1 < len(tokens) else None
        new: str | None = None
        if token.type == tokenize.NAME and previous[-1:] == ["."]:
            owner = previous[0] if len(previous) == 2 else ""
            new = imported.get(owner, {}).get(token.string)
        elif token.type == tokenize.NAME and not _is_field_name(token, after):
            new = own.get(token.string)
        elif token.type == tokenize.STRING and previous == ["TypeAliasType", "("]:
            # TypeAliasType("Name", ...) repeats the alias name as a string
            renamed = own.get(token.string[1:-1])
            new = f'"{renamed}"' if renamed else None
        if new is not None:
            edits.append((token.start[0] - 1, token.start[1], token.end[1], new))
    for line, start, end, new in sorted(edits, reverse=True):
        lines[line] = lines[line][:start] + new + lines[line][end:]
    return "".join(lines)


_TRIVIA = frozenset(
    {tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.COMMENT}
)


def _is_field_name(token: tokenize.TokenInfo, after: tokenize.TokenInfo | None) -> bool:
    """`Name: ...` / `Name=...` inside a class or call: a field or keyword, not the class."""
    return token.start[1] > 0 and after is not None and after.string in (":", "=")
