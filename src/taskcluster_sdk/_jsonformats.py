"""JSON-schema formats as Taskcluster's server checks them (ajv-formats 2.1.1, "full" mode).

Taskcluster validates request payloads with ajv and `ajv-formats`
(`libraries/validate` in the Taskcluster repository, ajv-formats ^2.1.1).
A payload is accepted here exactly when the server would accept it, so
these functions follow that package's definitions rather than RFC 3339 or
RFC 3986 to the letter. In particular `date-time` accepts a space or `t`
between date and time and, as ajv-formats 2.1.1 does, a missing time zone
(`2026-01-01 00:00:00Z` and `2026-01-01T00:00:00` are both accepted and are
sent unchanged). The regular expressions are ajv-formats' own.

JavaScript's `$` (without the `m` flag) matches only at the very end; Python's
also matches before a final newline, so every check rejects a trailing
newline first.
"""

from __future__ import annotations

import re
from collections.abc import Callable

__all__ = ["FORMATS"]

_DATE = re.compile(r"^(\d\d\d\d)-(\d\d)-(\d\d)$", re.ASCII)
_DAYS = (0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_TIME = re.compile(
    r"^(\d\d):(\d\d):(\d\d)(\.\d+)?(z|[+-]\d\d(?::?\d\d)?)?$", re.ASCII | re.IGNORECASE
)
# JavaScript's `\s` (the separator is /t|\s/i): Python's `\s` on str is close;
# both include the Unicode spaces.
_DATE_TIME_SEPARATOR = re.compile(r"t|\s", re.IGNORECASE)
_NOT_URI_FRAGMENT = re.compile(r"/|:")
_URI = re.compile(
    (
        r"^(?:[a-z][a-z0-9+\-.]*:)(?:\/?\/(?:(?:[a-z0-9\-._~!$&'()*+,;=:]|%[0-9a-f]{2}"
        r")*@)?(?:\[(?:(?:(?:(?:[0-9a-f]{1,4}:){6}|::(?:[0-9a-f]{1,4}:){5}|(?:[0-9a-f]"
        r"{1,4})?::(?:[0-9a-f]{1,4}:){4}|(?:(?:[0-9a-f]{1,4}:){0,1}[0-9a-f]{1,4})?::(?"
        r":[0-9a-f]{1,4}:){3}|(?:(?:[0-9a-f]{1,4}:){0,2}[0-9a-f]{1,4})?::(?:[0-9a-f]{1"
        r",4}:){2}|(?:(?:[0-9a-f]{1,4}:){0,3}[0-9a-f]{1,4})?::[0-9a-f]{1,4}:|(?:(?:[0-"
        r"9a-f]{1,4}:){0,4}[0-9a-f]{1,4})?::)(?:[0-9a-f]{1,4}:[0-9a-f]{1,4}|(?:(?:25[0"
        r"-5]|2[0-4]\d|[01]?\d\d?)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d\d?))|(?:(?:[0-9a-f"
        r"]{1,4}:){0,5}[0-9a-f]{1,4})?::[0-9a-f]{1,4}|(?:(?:[0-9a-f]{1,4}:){0,6}[0-9a-"
        r"f]{1,4})?::)|[Vv][0-9a-f]+\.[a-z0-9\-._~!$&'()*+,;=:]+)\]|(?:(?:25[0-5]|2[0-"
        r"4]\d|[01]?\d\d?)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d\d?)|(?:[a-z0-9\-._~!$&'()*"
        r"+,;=]|%[0-9a-f]{2})*)(?::\d*)?(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2"
        r"})*)*|\/(?:(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})+(?:\/(?:[a-z0-9\-._~!"
        r"$&'()*+,;=:@]|%[0-9a-f]{2})*)*)?|(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})"
        r"+(?:\/(?:[a-z0-9\-._~!$&'()*+,;=:@]|%[0-9a-f]{2})*)*)(?:\?(?:[a-z0-9\-._~!$&"
        r"'()*+,;=:@/?]|%[0-9a-f]{2})*)?(?:#(?:[a-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9a-f]{"
        r"2})*)?$"
    ),
    re.ASCII | re.IGNORECASE,
)
_EMAIL = re.compile(
    (
        r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*@(?:[a-z0-9]"
        r"(?:[a-z0-9-]*[a-z0-9])?\.)+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$"
    ),
    re.ASCII | re.IGNORECASE,
)
_HOSTNAME = re.compile(
    (
        r"^(?=.{1,253}\.?$)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[-0-9a-"
        r"z]{0,61}[0-9a-z])?)*\.?$"
    ),
    re.ASCII | re.IGNORECASE,
)
_IPV4 = re.compile(
    (r"^(?:(?:25[0-5]|2[0-4]\d|[01]?\d\d?)\.){3}(?:25[0-5]|2[0-4]\d|[01]?\d\d?)$"),
    re.ASCII,
)
_IPV6 = re.compile(
    (
        r"^((([0-9a-f]{1,4}:){7}([0-9a-f]{1,4}|:))|(([0-9a-f]{1,4}:){6}(:[0-9a-f]{1,4}"
        r"|((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})"
        r"|:))|(([0-9a-f]{1,4}:){5}(((:[0-9a-f]{1,4}){1,2})|:((25[0-5]|2[0-4]\d|1\d\d|"
        r"[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3})|:))|(([0-9a-f]{1,4}:){4}("
        r"((:[0-9a-f]{1,4}){1,3})|((:[0-9a-f]{1,4})?:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d"
        r")(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:))|(([0-9a-f]{1,4}:){3}(((:[0-9"
        r"a-f]{1,4}){1,4})|((:[0-9a-f]{1,4}){0,2}:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)("
        r"\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:))|(([0-9a-f]{1,4}:){2}(((:[0-9a-f"
        r"]{1,4}){1,5})|((:[0-9a-f]{1,4}){0,3}:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(2"
        r"5[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:))|(([0-9a-f]{1,4}:){1}(((:[0-9a-f]{1"
        r",4}){1,6})|((:[0-9a-f]{1,4}){0,4}:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0"
        r"-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}))|:))|(:(((:[0-9a-f]{1,4}){1,7})|((:[0-9a-f"
        r"]{1,4}){0,5}:((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1"
        r"-9]?\d)){3}))|:)))$"
    ),
    re.ASCII | re.IGNORECASE,
)
_Z_ANCHOR = re.compile(r"[^\\]\\Z")


def _leap(year: int) -> bool:
    return year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)


def _date(value: str) -> bool:
    match = _DATE.match(value)
    if match is None or value.endswith("\n"):
        return False
    year, month, day = (int(part) for part in match.groups())
    if not 1 <= month <= 12:
        return False
    return 1 <= day <= (29 if month == 2 and _leap(year) else _DAYS[month])


def _time(value: str) -> bool:
    # ajv-formats 2.1.1 compares the missing zone (undefined) with "": a time
    # without zone passes even where one is required. The server accepts it.
    match = _TIME.match(value)
    if match is None or value.endswith("\n"):
        return False
    hour, minute, second = int(match[1]), int(match[2]), int(match[3])
    return (hour <= 23 and minute <= 59 and second <= 59) or (
        hour == 23 and minute == 59 and second == 60
    )


def date_time(value: str) -> bool:
    """ajv-formats `date-time`: `<date>` + `T`, `t` or a space + `<time>`."""
    parts = _DATE_TIME_SEPARATOR.split(value)
    return len(parts) == 2 and _date(parts[0]) and _time(parts[1])


def _regex_check(pattern: re.Pattern[str]) -> Callable[[str], bool]:
    def check(value: str) -> bool:
        return not value.endswith("\n") and pattern.match(value) is not None

    return check


def uri(value: str) -> bool:
    """ajv-formats `uri`: an absolute URI (scheme required)."""
    return (
        _NOT_URI_FRAGMENT.search(value) is not None
        and not value.endswith("\n")
        and _URI.match(value) is not None
    )


def regex(value: str) -> bool:
    """ajv-formats `regex`: compiles as a regular expression.

    ajv compiles with JavaScript's `RegExp`; Python's `re` is the closest
    check available here (the two differ on a few constructs).
    """
    if _Z_ANCHOR.search(value):
        return False
    try:
        re.compile(value)
    except (re.error, OverflowError, RecursionError):
        return False
    return True


FORMATS: dict[str, Callable[[str], bool]] = {
    "date-time": date_time,
    "date": _date,
    "uri": uri,
    "email": _regex_check(_EMAIL),
    "hostname": _regex_check(_HOSTNAME),
    "ipv4": _regex_check(_IPV4),
    "ipv6": _regex_check(_IPV6),
    "regex": regex,
}
"""The formats Taskcluster's schemas use, by name."""
