"""Names and Python type spellings chosen by the generator."""

from __future__ import annotations

import re

# Route arguments whose values are naturally integers; every other route
# argument is a string (so passing an int for a taskId is a type error).
INT_OR_STR_ARGS = frozenset({"runId"})

# Query arguments carry no type in the references; these are the ones whose
# values are not free-form strings.
QUERY_TYPES: dict[str, str] = {
    "limit": "int",
    "quarantined": "bool",
    "includeArchived": "bool",
}


def constant_name(name: str) -> str:
    """`createTask` -> `_CREATE_TASK` (module-level endpoint constant)."""
    snake = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return "_" + re.sub(r"[^A-Za-z0-9]+", "_", snake).upper()


def pascal(name: str) -> str:
    """`task-defined` / `taskDefined` -> `TaskDefined`."""
    parts = re.split(r"[^A-Za-z0-9]+", name)
    return "".join(part[:1].upper() + part[1:] for part in parts if part)


def arg_type(name: str) -> str:
    return "int | str" if name in INT_OR_STR_ARGS else "str"


def query_type(name: str) -> str:
    return QUERY_TYPES.get(name, "str")
