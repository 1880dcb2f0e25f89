"""Helpers for working with Taskcluster: slugids, relative dates, temporary credentials."""

from ._tempcreds import create_temporary_credentials
from ._utils import from_now, nice_slugid, slugid, stringify_date

__all__ = ["create_temporary_credentials", "from_now", "nice_slugid", "slugid", "stringify_date"]
