"""A runtime stand-in for PEP 702 `@deprecated`.

Generated modules import `typing_extensions.deprecated` under TYPE_CHECKING,
so type checkers and IDEs flag calls to deprecated API methods, and use this
decorator at runtime: it emits the same `DeprecationWarning` on call without
paying typing_extensions' import cost when `taskcluster_sdk` is imported.
"""

from __future__ import annotations

import functools
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])

# inspect.CO_COROUTINE; importing inspect would cost more than the whole
# package import budget.
_CO_COROUTINE = 0x80


def deprecated(message: str) -> Callable[[F], F]:
    """Mark an API method deprecated: calling it warns with `message`."""

    def decorate(function: F) -> F:
        if function.__code__.co_flags & _CO_COROUTINE:

            @functools.wraps(function)
            async def async_wrapper(*args: Any, **kwargs: Any) -> Any:
                warnings.warn(message, DeprecationWarning, stacklevel=2)
                return await function(*args, **kwargs)

            async_wrapper.__deprecated__ = message  # type: ignore[attr-defined]
            return async_wrapper  # type: ignore[return-value]

        @functools.wraps(function)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            warnings.warn(message, DeprecationWarning, stacklevel=2)
            return function(*args, **kwargs)

        wrapper.__deprecated__ = message  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorate
