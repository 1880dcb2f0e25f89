"""Base classes and annotations of every generated model.

Models parse what Taskcluster sends, leniently, the way the official clients
read answers: unknown fields are kept (`model_extra`), enum fields accept
values added to Taskcluster later, and no pattern, length or range is
checked. A required field the server left out never fails the call: a
list, dict or object field reads as empty (`[]`, `{}`, an empty model,
whose own fields follow the same rule), any other field raises
`MissingFieldError` (also an `AttributeError`) when it is read, so a field
typed `str` never holds `None`. Either way the field stays out of
`model_fields_set` and out of `model_dump()`, which gives back what the
server sent. Requests are a different matter: before anything is sent,
the payload is checked against its JSON schema exactly as the server
checks it (`_payload`).
"""

from __future__ import annotations

from datetime import datetime
from importlib import import_module
from typing import (
    TYPE_CHECKING,
    Annotated,
    Any,
    ClassVar,
    Literal,
    cast,
)

from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler, SerializeAsAny
from pydantic import Field as _Field
from pydantic_core import CoreSchema, core_schema

from ._errors import MissingFieldError
from ._utils import to_taskcluster_time

# The root models (`_root_model`: `pydantic.root_model` and a generic
# RootModel class, which a one-call script rarely needs) are imported on
# first use.
if TYPE_CHECKING:
    from pydantic import Discriminator

    from ._root_model import TaskclusterListModel as TaskclusterListModel
    from ._root_model import TaskclusterRootModel as TaskclusterRootModel
    from ._root_model import unwrap_root as unwrap_root

__all__ = [
    "AwareDatetime",
    "FreeForm",
    "OpenInt",
    "OpenStr",
    "TaskclusterListModel",
    "TaskclusterModel",
    "TaskclusterRootModel",
    "empty_dict",
    "empty_list",
    "open_discriminator",
    "unwrap_root",
]


class TaskclusterModel(BaseModel):
    """Base of every generated model: keeps unknown fields, builds lazily.

    `defer_build` postpones building the validator to first use, so
    importing many model modules is cheap. Root classes of input schemas
    name their schema in `__schema__` (package of the schema bundle, id).

    A required field that is not a list, dict or object is listed in
    `__required_values__`: when an answer leaves it out, it is removed
    after validation (it is not in `__dict__`), and reading it raises
    `MissingFieldError` naming the model and the field instead of giving
    a `None` the field's type does not allow.
    """

    model_config: ClassVar[ConfigDict] = ConfigDict(extra="allow", defer_build=True)
    __schema__: ClassVar[tuple[str, str] | None] = None
    __required_values__: ClassVar[tuple[str, ...]] = ()
    """This class's own required fields that raise when missing (generated)."""
    __missing_raises__: ClassVar[tuple[str, ...]] = ()
    """`__required_values__` of this class and its bases (set per class)."""
    # pydantic's own declaration, repeated so that clearing it per class
    # (read when the validator is built, after `defer_build`) is no override
    __pydantic_post_init__: ClassVar[Literal["model_post_init"] | None]

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        names = dict.fromkeys(
            name
            for klass in reversed(cls.__mro__)
            for name in vars(klass).get("__required_values__", ())
        )
        cls.__missing_raises__ = tuple(names)
        if not names:
            # No per-instance hook where nothing can be missing: parsing a
            # page of tasks calls no Python code for most of its models.
            cls.__pydantic_post_init__ = None

    def model_post_init(self, context: Any, /) -> None:
        """Drop the placeholders of required values the data did not have."""
        present = self.__pydantic_fields_set__
        if present.issuperset(self.__missing_raises__):
            return  # the usual case, one C call
        values = vars(self)
        for name in self.__missing_raises__:
            if name not in present:
                values.pop(name, None)

    if not TYPE_CHECKING:
        # Only reached when normal lookup fails; hidden from type checkers,
        # which must keep flagging misspelt attributes.
        def __getattr__(self, name: str) -> Any:
            if name in type(self).__missing_raises__:
                raise MissingFieldError(type(self).__name__, name)
            return super().__getattr__(name)


# `empty_list` / `empty_dict` rather than `list` / `dict`: pydantic asks each
# `default_factory` for its signature, and for a builtin that runs the
# tokenizer (its first use compiles a large regex, ~1.4 ms of a cold script).
def empty_list() -> list[Any]:
    """The value of a required list field an answer left out."""
    return []


def empty_dict() -> dict[str, Any]:
    """The value of a required object field (free-form) an answer left out."""
    return {}


class _OpenStr:
    """Validates as a plain string, whatever the annotation it sits in says.

    Enum fields are `Annotated[Literal[...], OpenStr]`: type checkers see
    the `Literal` (a misspelt value is flagged), pydantic sees a string
    (a value added to Taskcluster after this SDK was generated parses).
    """

    __slots__ = ()

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.str_schema()

    def __repr__(self) -> str:
        return "OpenStr"


OpenStr = _OpenStr()
"""Annotation marker: the field validates as `str` (see `_OpenStr`)."""


class _OpenInt:
    """Validates as a plain integer: `version: Annotated[Literal[1], OpenInt]` parses a 2."""

    __slots__ = ()

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.int_schema()

    def __repr__(self) -> str:
        return "OpenInt"


OpenInt = _OpenInt()
"""Annotation marker: the field validates as `int` (see `_OpenInt`)."""

UNKNOWN_TAG = "__unknown__"


def open_discriminator(field: str, known: tuple[str, ...]) -> Discriminator:
    """A discriminator that sends tags it does not know to the fallback variant.

    The fallback variant is tagged `UNKNOWN_TAG`; known tags pick their own
    variant, so `isinstance` and `match` narrow as usual.
    """
    from pydantic import Discriminator  # noqa: PLC0415  # only model modules with unions need it

    values = frozenset(known)

    def pick(value: Any) -> str:
        tag: object = (
            cast(dict[str, object], value).get(field)
            if isinstance(value, dict)
            else getattr(value, field, None)
        )
        return tag if isinstance(tag, str) and tag in values else UNKNOWN_TAG

    return Discriminator(pick)


if TYPE_CHECKING:
    FreeForm = dict[str, Any]
else:
    # A free-form object of a request: a dict, or any generated model (a
    # worker payload, a provider config), dumped as its own fields.
    FreeForm = Annotated[
        dict[str, Any] | SerializeAsAny[TaskclusterModel], _Field(union_mode="left_to_right")
    ]


class _AwareDatetime:
    """Validates a timezone-aware datetime; serialises to JSON as UTC with a `Z` suffix.

    pydantic's `AwareDatetime` with a `PlainSerializer`, as one core schema
    (one annotation object instead of two, and a None-tolerant serialiser).
    """

    __slots__ = ()

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        return core_schema.datetime_schema(
            tz_constraint="aware",
            serialization=core_schema.plain_serializer_function_ser_schema(
                _json_time, when_used="json"
            ),
        )

    def __repr__(self) -> str:
        return "AwareDatetime"


def _json_time(value: datetime | None) -> str | None:
    # None: a lenient model's missing required datetime (it reads as None).
    return None if value is None else to_taskcluster_time(value)


AwareDatetime = Annotated[datetime, _AwareDatetime()]
"""A timezone-aware datetime that serialises to JSON as UTC with a `Z` suffix."""


def __getattr__(name: str) -> object:
    if name in ("TaskclusterRootModel", "TaskclusterListModel", "unwrap_root"):
        value = getattr(import_module("taskcluster_sdk._root_model"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
