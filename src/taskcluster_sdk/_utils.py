"""Small helpers users need around Taskcluster: slugids and relative dates.

Nothing here touches the network; `taskcluster_sdk.utils` is the public face.
"""

from __future__ import annotations

import base64
import re
import uuid
from datetime import datetime, timedelta, timezone

__all__ = ["from_now", "nice_slugid", "slugid", "stringify_date"]


def slugid() -> str:
    """A v4 slugid: a random UUID as 22 characters of URL-safe base64."""
    return base64.urlsafe_b64encode(uuid.uuid4().bytes)[:22].decode("ascii")


def nice_slugid() -> str:
    """A v4 slugid whose first character is a letter or digit (never `-`).

    Clearing the first bit of the UUID keeps the first base64 character in
    `A`-`f`, so the id is safe as a command-line argument.
    """
    raw = bytearray(uuid.uuid4().bytes)
    raw[0] &= 0x7F
    return base64.urlsafe_b64encode(bytes(raw))[:22].decode("ascii")


# Units in the order Taskcluster's clients accept them, each `<n> <unit>`.
_OFFSET = re.compile(
    r"""
    ^\s*(?P<sign>[-+])?
    (?:\s*(?P<years>\d+)\s*y(?:ears?)?)?
    (?:\s*(?P<months>\d+)\s*mo(?:nths?)?)?
    (?:\s*(?P<weeks>\d+)\s*w(?:eeks?)?)?
    (?:\s*(?P<days>\d+)\s*d(?:ays?)?)?
    (?:\s*(?P<hours>\d+)\s*h(?:ours?)?)?
    (?:\s*(?P<minutes>\d+)\s*m(?:in(?:utes?)?)?)?
    (?:\s*(?P<seconds>\d+)\s*s(?:ec(?:onds?)?)?)?
    \s*$
    """,
    re.VERBOSE,
)


def from_now(offset: str, dt: datetime | None = None) -> datetime:
    """The time `offset` after `dt` (default: now), as an aware UTC datetime.

    The grammar is Taskcluster's: units in the order years, months, weeks,
    days, hours, minutes, seconds, each optional, for example
    `"1 year 2 months"`, `"2 days 3 hours"`, `"30 min"`, `"5s"`. A leading
    `-` means the past (`"-1 hour"`). As in Taskcluster's Python client a year
    is 365 days and a month 30 days. A naive `dt` is taken as UTC.
    """
    if not isinstance(offset, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f"offset must be a str such as '2 days', not {type(offset).__name__}")
    match = _OFFSET.match(offset)
    if match is None or not any(match.group(unit) for unit in _UNITS):
        raise ValueError(
            f"offset {offset!r} does not parse: expected e.g. '2 days 3 hours' or '-30 minutes'"
        )

    def amount(unit: str) -> int:
        return int(match.group(unit) or 0)

    delta = timedelta(
        weeks=amount("weeks"),
        days=365 * amount("years") + 30 * amount("months") + amount("days"),
        hours=amount("hours"),
        minutes=amount("minutes"),
        seconds=amount("seconds"),
    )
    base = _as_utc(dt) if dt is not None else datetime.now(timezone.utc)
    return base - delta if match.group("sign") == "-" else base + delta


_UNITS = ("years", "months", "weeks", "days", "hours", "minutes", "seconds")


def stringify_date(dt: datetime) -> str:
    """`dt` in the form Taskcluster uses: `2020-01-01T00:00:00.000Z`.

    Aware datetimes are converted to UTC; naive ones are taken as UTC.
    """
    utc = _as_utc(dt)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def _as_utc(dt: datetime) -> datetime:
    if not isinstance(dt, datetime):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f"expected a datetime, not {type(dt).__name__}")
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)
