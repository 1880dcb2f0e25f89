"""Helpers for working with Taskcluster: slugids, relative dates, temporary credentials.

`InvalidOffsetError` (a bad `from_now` offset) and `InvalidCredentialsError`
(credentials or temporary-credential arguments that cannot be used) are part
of the `TaskclusterError` hierarchy and are also `ValueError`s.
"""

from ._errors import InvalidCredentialsError, InvalidOffsetError
from ._tempcreds import create_temporary_credentials
from ._utils import from_now, nice_slugid, slugid, stringify_date

__all__ = [
    "InvalidCredentialsError",
    "InvalidOffsetError",
    "create_temporary_credentials",
    "from_now",
    "nice_slugid",
    "slugid",
    "stringify_date",
]
