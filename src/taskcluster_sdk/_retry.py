"""When to retry a request and how long to wait: shared by sync and async clients.

Taskcluster's clients agree on the schedule: after attempt n fails (n from
1), wait `0.1 s * 2**n`, randomised by +-25 %, at most 30 s; up to
`max_retries` (default 5) retries; retried on 5xx answers and transport
failures (connection, DNS, timeout) for every method, since Taskcluster's
APIs are idempotent; never on 4xx, nor on 501 Not Implemented: it says the
server lacks the method, which no retry changes (the official clients retry
it; urllib3's and Google's retry policies do not), and it is what
`taskcluster_sdk.testing` answers for a method a test did not program. An optional total `deadline` (seconds
since the first attempt) stops retrying early when the next wait would pass
it.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable

__all__ = [
    "BASE_DELAY",
    "MAX_DELAY",
    "NOT_IMPLEMENTED",
    "RANDOMIZATION",
    "RetryState",
    "retry_delay",
]

log = logging.getLogger("taskcluster_sdk")

BASE_DELAY = 0.1
RANDOMIZATION = 0.25
MAX_DELAY = 30.0
NOT_IMPLEMENTED = 501
"""The one 5xx status that is final."""


def retry_delay(retry: int, rand: Callable[[], float] = random.random) -> float:
    """Seconds to wait before retry number `retry` (1 for the first retry)."""
    delay = BASE_DELAY * 2**retry
    delay *= 1 + RANDOMIZATION * (2 * rand() - 1)
    return min(delay, MAX_DELAY)


class RetryState:
    """The retry bookkeeping of one call (one per `_call`, never shared).

    `clock` and `rand` are injectable so tests run on a fake clock.
    """

    __slots__ = ("_clock", "_deadline_at", "_rand", "max_retries", "retries")

    def __init__(
        self,
        max_retries: int,
        deadline: float | None,
        clock: Callable[[], float] = time.monotonic,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.max_retries = max_retries
        self.retries = 0
        self._clock = clock
        self._rand = rand
        self._deadline_at = None if deadline is None else clock() + deadline

    def remaining(self) -> float | None:
        """Seconds left before the deadline (`None` without a deadline)."""
        if self._deadline_at is None:
            return None
        return self._deadline_at - self._clock()

    def next_delay(self, method: str, url: str, reason: str) -> float | None:
        """The wait before the next attempt, or `None` to give up now.

        Logs the retry at INFO (method, URL and reason only: no headers).
        """
        if self.retries >= self.max_retries:
            return None
        delay = retry_delay(self.retries + 1, self._rand)
        remaining = self.remaining()
        if remaining is not None and delay >= remaining:
            return None
        self.retries += 1
        log.info(
            "Retrying %s %s in %.2fs (retry %d of %d) after %s",
            method,
            url,
            delay,
            self.retries,
            self.max_retries,
            reason,
        )
        return delay
