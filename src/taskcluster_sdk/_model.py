"""Base classes of every generated model, and the switch to strict validation.

Taskcluster adds fields and enum values to its responses and messages over
time, so parsing is lenient by default: unknown fields are kept (reachable
through `model_extra`) and unknown enum values become members of their enum
class that keep and re-serialise the value. Request payloads are different:
sending a misspelt field or a value the server rejects should fail before the
request is sent, so the runtime validates them inside `strict_validation()`.

Both rules are decided per validation by a context variable that is read
only where something unknown shows up (an extra field of a schema with
`additionalProperties: false`, an unknown enum value). Validating known data
costs the same as plain pydantic in both modes; patterns, lengths and ranges
are always enforced.
"""

from __future__ import annotations

import enum
from collections.abc import Generator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime, timezone
from typing import Annotated, Any, Generic, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, PlainSerializer, RootModel
from pydantic import AwareDatetime as _PydanticAwareDatetime
from pydantic_core import PydanticKnownError

__all__ = [
    "AwareDatetime",
    "OpenEnum",
    "TaskclusterModel",
    "TaskclusterRootModel",
    "is_strict_validation",
    "strict_validation",
]

_STRICT: ContextVar[bool] = ContextVar("taskcluster_sdk_strict_validation", default=False)


@contextmanager
def strict_validation() -> Generator[None]:
    """Validate strictly inside the block (used by the runtime for request payloads).

    Strict means: fields unknown to a schema that says
    `additionalProperties: false` are rejected (error type `extra_forbidden`)
    and enum values must be known (error type `enum`). Nests and works across
    threads and asyncio tasks (it is a `ContextVar`).
    """
    token = _STRICT.set(True)
    try:
        yield
    finally:
        _STRICT.reset(token)


def is_strict_validation() -> bool:
    """Whether the caller runs inside `strict_validation()`."""
    return _STRICT.get()


def _reject_extra_when_strict(value: Any) -> Any:
    # Runs only for fields a closed schema does not know, never for known ones.
    if _STRICT.get():
        raise PydanticKnownError("extra_forbidden")
    return value


_ClosedExtra = Annotated[Any, AfterValidator(_reject_extra_when_strict)]


class TaskclusterModel(BaseModel):
    """Base of every generated model: keeps unknown fields, builds lazily.

    Generated classes whose schema says `additionalProperties: false` are
    declared with `closed=True`; their unknown fields are still accepted,
    except inside `strict_validation()`. `defer_build` postpones building
    the validator to first use, so importing many model modules is cheap.
    """

    model_config = ConfigDict(extra="allow", defer_build=True)

    def __init_subclass__(cls, *, closed: bool = False, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # pydantic validates the values of extra fields against the type of
        # `__pydantic_extra__`; an open class states `Any` so that it does
        # not inherit the check of a closed base class (allOf inheritance).
        extra_type = dict[str, _ClosedExtra] if closed else dict[str, Any]
        cls.__annotations__["__pydantic_extra__"] = extra_type


_RootT = TypeVar("_RootT")


class TaskclusterRootModel(RootModel[_RootT], Generic[_RootT]):
    """Base of generated classes for schemas whose top level is not an object.

    The value is in `.root`. Used only for schema roots that an API method
    returns or accepts directly; nested non-object types are plain aliases.
    """

    model_config = ConfigDict(defer_build=True)


class OpenEnum(enum.Enum):
    """Enum base that accepts values it does not know.

    `Status("new-state")` (and pydantic validation of it) returns a pseudo
    member whose `value` is the given string, so a response with a state
    added after this SDK was generated still parses and serialises back
    unchanged. Inside `strict_validation()` unknown values are rejected.
    Only string enums (`class State(str, OpenEnum)`, all Taskcluster enums)
    are open. Pseudo members are not cached on the class, and compare equal
    (as strings) to anything with the same value.
    """

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if _STRICT.get() or not isinstance(value, str) or not issubclass(cls, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member


def _to_taskcluster_time(value: datetime) -> str:
    # Taskcluster writes `2020-01-02T03:04:05.678Z` (JavaScript Date.toJSON);
    # writing the same shape makes responses round-trip byte for byte.
    utc = value.astimezone(timezone.utc)
    return utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")


AwareDatetime = Annotated[
    _PydanticAwareDatetime, PlainSerializer(_to_taskcluster_time, when_used="json")
]
"""A timezone-aware datetime that serialises to JSON as UTC with a `Z` suffix."""
