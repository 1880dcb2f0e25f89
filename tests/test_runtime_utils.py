"""slugids, from_now and stringify_date."""

from __future__ import annotations

import base64
import re
import uuid
from datetime import datetime, timedelta, timezone

import pytest

from taskcluster_sdk.utils import from_now, nice_slugid, slugid, stringify_date

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


def test_nice_slugid_starts_with_a_letter_or_digit() -> None:
    for _ in range(500):
        value = nice_slugid()
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


@pytest.mark.parametrize("offset", ["", "soon", "2 fortnights", "3 hours 2 days", "1.5 days"])
def test_from_now_rejects_bad_offsets(offset: str) -> None:
    with pytest.raises(ValueError, match="does not parse"):
        from_now(offset)


def test_from_now_rejects_non_strings() -> None:
    with pytest.raises(TypeError, match="offset must be a str"):
        from_now(3)  # type: ignore[arg-type]


def test_stringify_date() -> None:
    assert stringify_date(BASE) == "2020-01-01T00:00:00.000Z"
    assert stringify_date(datetime(2020, 1, 1, 1, 2, 3, 456789)) == "2020-01-01T01:02:03.456Z"
    plus_two = timezone(timedelta(hours=2))
    assert stringify_date(datetime(2020, 1, 1, 2, 0, tzinfo=plus_two)) == "2020-01-01T00:00:00.000Z"
