"""The root-model bases of generated models: in their own module, imported on first use.

Defining a `RootModel` subclass imports `pydantic.root_model` and builds
part of its machinery (~10 ms of a cold start); most scripts never parse a
schema whose top level is not an object. `_model` re-exports these names
lazily, so generated code imports them from there.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar, Generic, TypeVar, overload

from pydantic import ConfigDict, RootModel

__all__ = ["TaskclusterListModel", "TaskclusterRootModel", "unwrap_root"]

_RootT = TypeVar("_RootT")
_ItemT = TypeVar("_ItemT")


class TaskclusterRootModel(RootModel[_RootT], Generic[_RootT]):
    """Base of generated classes for schemas whose top level is not an object.

    The value is in `.root`. API methods whose answer is a union of object
    variants return the variant itself (see `unwrap_root`).
    """

    model_config: ClassVar[ConfigDict] = ConfigDict(defer_build=True)
    __schema__: ClassVar[tuple[str, str] | None] = None

    def unwrap(self) -> _RootT:
        """`.root`, carrying what the API call attached to this result (see `unwrap_root`)."""
        return unwrap_root(self)


class TaskclusterListModel(TaskclusterRootModel[list[_ItemT]], Generic[_ItemT]):
    """A schema whose top level is a list: iterate, index and `len()` it like one.

    `for role in auth.listRoles()` yields the roles (`.root` is the list).
    """

    def __iter__(self) -> Iterator[_ItemT]:  # type: ignore[override]  # items, not fields
        return iter(self.root)

    def __len__(self) -> int:
        return len(self.root)

    @overload
    def __getitem__(self, index: int) -> _ItemT: ...
    @overload
    def __getitem__(self, index: slice) -> list[_ItemT]: ...
    def __getitem__(self, index: int | slice) -> _ItemT | list[_ItemT]:
        return self.root[index]


_T = TypeVar("_T")


def unwrap_root(result: TaskclusterRootModel[_T]) -> _T:
    """The value of a root model, carrying what the call attached to it.

    Methods whose answer is a union of variants return the variant; the
    attributes the runtime attached to the parsed result (the HTTP response
    behind `taskcluster_sdk.http_response`) move to the variant with it.
    """
    value = result.root
    attached = {name: item for name, item in vars(result).items() if name != "root"}
    if attached and hasattr(value, "__dict__"):
        vars(value).update(attached)
    return value
