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
    # Lazy (PEP 562): a one-call script that uses `Task` loads `task.py`, not
    # the service's ~60 modules (about 130 ms of a cold start); type checkers
    # read the TYPE_CHECKING imports.
    lines = [
        HEADER,
        f'"""Models of the {service} schemas: root classes, list items, union variants, enums.',
        "",
        "Each name is imported from its module on first use, so importing this",
        "package (or one of its modules) loads nothing else; the `...Dict`",
        "TypedDicts of request bodies, for type checkers, live in `dicts/`.",
        '"""',
        "",
        "from importlib import import_module",
        "from typing import TYPE_CHECKING",
        "",
        "if TYPE_CHECKING:",
    ]
    lines += [f"    from .{module} import {name} as {name}" for module, name in exported]
    lines += [f"    from .dicts.{module} import {name} as {name}" for module, name in dicts]
    lines += ["", "_MODULES = {"]
    lines += [f'    "{name}": "{module}",' for module, name in exported]
    lines += [f'    "{name}": "dicts.{module}",' for module, name in dicts]
    lines += [
        "}",
        "",
        "",
        "def __getattr__(name: str) -> object:",
        "    module = _MODULES.get(name)",
        "    if module is None:",
        '        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")',
        '    value = getattr(import_module(f".{module}", __name__), name)',
        "    globals()[name] = value",
        "    return value",
        "",
        "",
        "def __dir__() -> list[str]:",
        "    return sorted({*globals(), *__all__})",
    ]
    lines += ["", "", "__all__ = ["]
    lines += [f'    "{name}",' for name in sorted(name for _, name in [*exported, *dicts])]
    lines += ["]", ""]
    return "\n".join(lines)
