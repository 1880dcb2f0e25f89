"""Small helpers users need around Taskcluster: slugids and relative dates.

Nothing here touches the network; `taskcluster_sdk.utils` is the public face.
"""

from __future__ import annotations

import base64
import re
import uuid
from datetime import datetime, timedelta, timezone

from ._errors import InvalidOffsetError

__all__ = [
    "InvalidOffsetError",
    "from_now",
    "nice_slugid",
    "slugid",
    "stringify_date",
    "to_taskcluster_time",
]


def slugid() -> str:
    """A new "nice" v4 slugid: 22 characters of URL-safe base64, never starting with `-`.

    What the official clients' `slugid()` / `slugId()` return: the first bit
    of the random UUID is cleared, so the id starts with a letter or digit
    (`A`-`f`) and is safe as a command-line argument. Still a v4 UUID.
    """
    raw = bytearray(uuid.uuid4().bytes)
    raw[0] &= 0x7F
    return base64.urlsafe_b64encode(bytes(raw))[:22].decode("ascii")


def nice_slugid() -> str:
    """The same as `slugid()` (which returns the nice form); kept for code that names it."""
    return slugid()


# Taskcluster's grammar (the JavaScript client's parsetime.js, which the
# services use): an optional sign, then `<n> <unit>` for years, months,
# weeks, days, hours, minutes, seconds in that order, each at most once,
# spaces anywhere, any case. Parsed token by token with patterns whose parts
# cannot overlap (digits, then letters), so the time is linear in the input:
# one big regex of optional groups separated by `\s*` backtracks
# polynomially on a long run of spaces.
_UNITS = ("years", "months", "weeks", "days", "hours", "minutes", "seconds")
_UNIT_WORDS = {
    "years": ("y", "yr", "year", "years"),
    "months": ("mo", "month", "months"),
    "weeks": ("w", "wk", "week", "weeks"),
    "days": ("d", "day", "days"),
    "hours": ("h", "hr", "hour", "hours"),
    "minutes": ("m", "min", "minute", "minutes"),
    "seconds": ("s", "sec", "second", "seconds"),
}
_UNIT_OF = {word: unit for unit, words in _UNIT_WORDS.items() for word in words}
_TOKEN = re.compile(r"([0-9]+)\s*([a-z]+)\s*")
# 10**12 seconds is ~31,700 years: any longer number is beyond year 9999.
_MAX_DIGITS = 12
_QUOTE_CHARS = 40


def from_now(offset: str = "", dt: datetime | None = None) -> datetime:
    """The time `offset` after `dt` (default: now), as an aware UTC datetime.

    The grammar is Taskcluster's: an optional sign, then amounts of years
    (`y`, `yr`, `year(s)`), months (`mo`, `month(s)`), weeks (`w`, `wk`,
    `week(s)`), days (`d`, `day(s)`), hours (`h`, `hr`, `hour(s)`), minutes
    (`m`, `min`, `minute(s)`) and seconds (`s`, `sec`, `second(s)`), in that
    order, each optional, spaces optional, any case: `"1 year 2 months"`,
    `"2d3h"`, `"30 min"`, `"- 1 hour"`. A leading `-` means the past. As in
    Taskcluster's clients a year is 365 days and a month 30 days. An empty
    offset (or none) is `dt` itself. A naive `dt` is taken as UTC. Raises
    `InvalidOffsetError` for an offset that does not parse or whose result
    is outside years 1-9999.
    """
    if not isinstance(offset, str):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f"offset must be a str such as '2 days', not {type(offset).__name__}")
    sign, amounts = _parse_offset(offset)
    base = _as_utc(dt) if dt is not None else datetime.now(timezone.utc)
    try:
        delta = timedelta(
            weeks=amounts["weeks"],
            days=365 * amounts["years"] + 30 * amounts["months"] + amounts["days"],
            hours=amounts["hours"],
            minutes=amounts["minutes"],
            seconds=amounts["seconds"],
        )
        return base - delta if sign < 0 else base + delta
    except OverflowError:
        raise InvalidOffsetError(
            f"offset {_quoted(offset)} reaches beyond the dates Python can represent (years 1-9999)"
        ) from None


def _parse_offset(offset: str) -> tuple[int, dict[str, int]]:
    """The sign and the amount of every unit."""
    text = offset.strip().lower()
    amounts: dict[str, int] = dict.fromkeys(_UNITS, 0)
    sign = 1
    position = 0
    if text[:1] in ("-", "+"):
        sign = -1 if text[0] == "-" else 1
        position = len(text) - len(text[1:].lstrip())
    last = -1
    while position < len(text):
        token = _TOKEN.match(text, position)
        unit = _UNIT_OF.get(token.group(2)) if token else None
        if token is None or unit is None or _UNITS.index(unit) <= last:
            raise InvalidOffsetError(
                f"offset {_quoted(offset)} does not parse: expected e.g. '2 days 3 hours', "
                "'-30 min' or '1yr2mo' (units years, months, weeks, days, hours, minutes, "
                "seconds, in that order)"
            )
        digits = token.group(1).lstrip("0") or "0"
        if len(digits) > _MAX_DIGITS:
            raise InvalidOffsetError(
                f"offset {_quoted(offset)} reaches beyond the dates Python can represent "
                "(years 1-9999)"
            )
        amounts[unit] = int(digits)
        last = _UNITS.index(unit)
        position = token.end()
    return sign, amounts


def _quoted(offset: str) -> str:
    if len(offset) <= _QUOTE_CHARS:
        return repr(offset)
    return f"{offset[:_QUOTE_CHARS]!r}... ({len(offset)} characters)"


def stringify_date(dt: datetime) -> str:
    """`dt` in the form Taskcluster's clients send: `2020-01-01T00:00:00Z`.

    Whole seconds have no fraction (as the official Python client writes
    them); otherwise milliseconds (`...00.974Z`, as JavaScript's `toJSON`),
    or microseconds when `dt` has them, so nothing is lost. Aware datetimes
    are converted to UTC; naive ones are taken as UTC.
    """
    utc = _as_utc(dt)
    text = utc.strftime("%Y-%m-%dT%H:%M:%S")
    micro = utc.microsecond
    if micro == 0:
        return text + "Z"
    if micro % 1000 == 0:
        return f"{text}.{micro // 1000:03d}Z"
    return f"{text}.{micro:06d}Z"


def to_taskcluster_time(value: datetime) -> str:
    """`value` as Taskcluster's services write times: `2020-01-02T03:04:05.678Z`.

    JavaScript's `Date.toJSON` form (UTC, always milliseconds), so a parsed
    answer serialises back byte for byte; sub-millisecond precision, which no
    answer has, is kept as microseconds rather than dropped. Naive datetimes
    are UTC. (Dict payloads use `stringify_date`, the official clients' form.)
    """
    utc = (
        value.replace(tzinfo=timezone.utc)
        if value.tzinfo is None
        else value.astimezone(timezone.utc)
    )
    precision = "milliseconds" if utc.microsecond % 1000 == 0 else "microseconds"
    return utc.isoformat(timespec=precision).replace("+00:00", "Z")


def _as_utc(dt: datetime) -> datetime:
    if not isinstance(dt, datetime):  # pyright: ignore[reportUnnecessaryIsInstance]
        raise TypeError(f"expected a datetime, not {type(dt).__name__}")
    if dt.tzinfo is None:
        return dt.replace(tzinfo=timezone.utc)
    return dt.astimezone(timezone.utc)
