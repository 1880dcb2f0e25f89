"""slugids, from_now and stringify_date."""

from __future__ import annotations

import base64
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from taskcluster_sdk.errors import TaskclusterError
from taskcluster_sdk.utils import InvalidOffsetError, from_now, nice_slugid, slugid, stringify_date

BASE = datetime(2020, 1, 1, tzinfo=timezone.utc)
SLUG = re.compile(r"^[A-Za-z0-9_-]{22}$")


def _uuid(slug: str) -> uuid.UUID:
    return uuid.UUID(bytes=base64.urlsafe_b64decode(slug + "=="))


def test_slugid_is_a_v4_uuid() -> None:
    ids = {slugid() for _ in range(200)}
    assert len(ids) == 200
    for value in ids:
        assert SLUG.match(value)
        assert _uuid(value).version == 4


@pytest.mark.parametrize("make", [slugid, nice_slugid])
def test_slugids_are_nice_as_the_official_clients_make_them(make: object) -> None:
    assert callable(make)
    for _ in range(500):
        value = make()
        assert SLUG.match(value)
        assert value[0] in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef"
        assert _uuid(value).version == 4


@pytest.mark.parametrize(
    ("offset", "delta"),
    [
        ("2 days 3 hours", timedelta(days=2, hours=3)),
        ("1 year", timedelta(days=365)),
        ("2 months", timedelta(days=60)),
        ("1y2mo3w4d5h6m7s", timedelta(days=365 + 60 + 21 + 4, hours=5, minutes=6, seconds=7)),
        ("  3 weeks ", timedelta(weeks=3)),
        ("30 min", timedelta(minutes=30)),
        ("45 minutes", timedelta(minutes=45)),
        ("10 sec", timedelta(seconds=10)),
        ("1 hour", timedelta(hours=1)),
        ("-1 hour", -timedelta(hours=1)),
        ("- 2 days", -timedelta(days=2)),
        ("+5s", timedelta(seconds=5)),
    ],
)
def test_from_now_grammar(offset: str, delta: timedelta) -> None:
    assert from_now(offset, BASE) == BASE + delta


def test_from_now_is_aware_utc_and_treats_naive_as_utc() -> None:
    result = from_now("1 day")
    assert result.tzinfo is timezone.utc
    assert abs(result - datetime.now(timezone.utc) - timedelta(days=1)) < timedelta(seconds=5)
    assert from_now("1 day", datetime(2020, 1, 1)) == BASE + timedelta(days=1)


@pytest.mark.parametrize(
    ("offset", "delta"),
    [
        ("1 yr", timedelta(days=365)),
        ("2 wk", timedelta(weeks=2)),
        ("3 hr", timedelta(hours=3)),
        (
            "1YR 2MO 3WK 4D 5HR 6MIN 7S",
            timedelta(days=365 + 60 + 21 + 4, hours=5, minutes=6, seconds=7),
        ),
        ("1 Hour", timedelta(hours=1)),
        ("- 1 Year", -timedelta(days=365)),
        ("\t2 days\n", timedelta(days=2)),
    ],
)
def test_from_now_takes_the_whole_javascript_grammar(offset: str, delta: timedelta) -> None:
    assert from_now(offset, BASE) == BASE + delta


@pytest.mark.parametrize("offset", ["", "   ", "-", "+"])
def test_an_empty_offset_is_now(offset: str) -> None:
    assert from_now(offset, BASE) == BASE
    assert abs(from_now(offset) - datetime.now(timezone.utc)) < timedelta(seconds=5)


def test_from_now_without_arguments_is_now() -> None:
    assert abs(from_now() - datetime.now(timezone.utc)) < timedelta(seconds=5)


@pytest.mark.parametrize(
    "offset", ["soon", "2 fortnights", "3 hours 2 days", "1.5 days", "1 d 1 d", "1 ms", "1", "d"]
)
def test_from_now_rejects_bad_offsets(offset: str) -> None:
    with pytest.raises(InvalidOffsetError, match="does not parse") as raised:
        from_now(offset)
    assert isinstance(raised.value, TaskclusterError) and isinstance(raised.value, ValueError)


# Long enough that the old single regex (optional groups joined by \s*) would
# run for hours on the spaces: the parser must be linear, proven by finishing.
HOSTILE = 100_000


@pytest.mark.parametrize(
    "offset",
    [
        " " * HOSTILE + "1 x",
        "1" + " " * HOSTILE + "x",
        "1 day" + " " * HOSTILE + "!",
        "1 " * (HOSTILE // 2),
        "9" * HOSTILE,
        "-" + " " * HOSTILE + "-",
    ],
)
def test_hostile_offsets_fail_fast_and_quote_only_their_start(offset: str) -> None:
    with pytest.raises(InvalidOffsetError) as raised:
        from_now(offset, BASE)
    assert len(str(raised.value)) < 400
    assert f"({len(offset)} characters)" in str(raised.value)


def test_hostile_but_valid_offsets_parse() -> None:
    assert from_now(" " * HOSTILE + "2 days" + " " * HOSTILE, BASE) == BASE + timedelta(days=2)
    assert from_now("0" * HOSTILE + "1 day", BASE) == BASE + timedelta(days=1)


@pytest.mark.parametrize(
    "offset", ["9999 years", "-2100 years", "99999999999999 seconds", "1" + "0" * 40 + " days"]
)
def test_huge_offsets_are_a_clear_error_not_overflow(offset: str) -> None:
    with pytest.raises(InvalidOffsetError, match=r"beyond the dates Python can represent"):
        from_now(offset, BASE)


def test_from_now_rejects_non_strings() -> None:
    with pytest.raises(TypeError, match="offset must be a str"):
        from_now(3)  # type: ignore[arg-type]


def test_stringify_date() -> None:
    assert stringify_date(BASE) == "2020-01-01T00:00:00Z"
    assert stringify_date(datetime(2020, 1, 1, 1, 2, 3, 456000)) == "2020-01-01T01:02:03.456Z"
    # Microseconds are kept: nothing is lost.
    assert stringify_date(datetime(2020, 1, 1, 1, 2, 3, 456789)) == "2020-01-01T01:02:03.456789Z"
    plus_two = timezone(timedelta(hours=2))
    assert stringify_date(datetime(2020, 1, 1, 2, 0, tzinfo=plus_two)) == "2020-01-01T00:00:00Z"
    for value in (BASE, datetime(2020, 1, 1, 1, 2, 3, 456789, tzinfo=timezone.utc)):
        assert datetime.fromisoformat(stringify_date(value).replace("Z", "+00:00")) == value
