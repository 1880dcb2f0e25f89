"""Writing the model package: modules and service `__init__`s."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from codegen.models.generator import GeneratedModule
from codegen.models.rewrite import HEADER


def write_package(
    directory: Path,
    modules: Mapping[str, GeneratedModule],
    exports: Mapping[str, list[tuple[str, str]]],
    dict_exports: Mapping[str, list[tuple[str, str]]] | None = None,
) -> None:
    directory.mkdir(parents=True)
    (directory / "__init__.py").write_text(
        HEADER + '"""Pydantic models of every schema, one package per service."""\n',
        encoding="utf-8",
    )
    packages = sorted({key.split(".")[0] for key in modules})
    for service in packages:
        (directory / service).mkdir()
    for key, module in sorted(modules.items()):
        service, name = key.split(".")
        (directory / service / f"{name}.py").write_text(module.text, encoding="utf-8")
    for service in packages:
        (directory / service / "__init__.py").write_text(
            _service_init(
                service,
                sorted(set(exports.get(service, []))),
                sorted(set((dict_exports or {}).get(service, []))),
            ),
            encoding="utf-8",
        )


def _service_init(
    service: str, exported: list[tuple[str, str]], dicts: list[tuple[str, str]]
) -> str:
    lines = [
        HEADER,
        f'"""Models of the {service} schemas: root classes, list items, union variants, enums.',
        "",
        "The `...Dict` TypedDicts of request bodies are for type checkers; they are",
        "imported from `dicts/` on first use, so importing this package does not load them.",
        '"""',
        "",
    ]
    if dicts:
        lines += ["from importlib import import_module", "from typing import TYPE_CHECKING", ""]
    for module, name in exported:
        lines.append(f"from .{module} import {name} as {name}")
    if dicts:
        lines += ["", "if TYPE_CHECKING:"]
        lines += [f"    from .dicts.{module} import {name} as {name}" for module, name in dicts]
        lines += ["", "_DICTS = {"]
        lines += [f'    "{name}": "{module}",' for module, name in dicts]
        lines += [
            "}",
            "",
            "",
            "def __getattr__(name: str) -> object:",
            "    module = _DICTS.get(name)",
            "    if module is None:",
            '        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")',
            '    return getattr(import_module(f".dicts.{module}", __name__), name)',
        ]
    lines += ["", "", "__all__ = ["]
    lines += [f'    "{name}",' for name in sorted(name for _, name in [*exported, *dicts])]
    lines += ["]", ""]
    return "\n".join(lines)
