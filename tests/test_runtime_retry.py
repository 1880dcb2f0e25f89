"""The retry schedule, on a fake clock."""

from __future__ import annotations

import pytest

from taskcluster_sdk._retry import MAX_DELAY, RetryState, retry_delay


@pytest.mark.parametrize(("rand", "factor"), [(0.0, 0.75), (0.5, 1.0), (1.0, 1.25)])
def test_delay_formula_and_jitter_bounds(rand: float, factor: float) -> None:
    for retry in range(1, 6):
        assert retry_delay(retry, lambda: rand) == pytest.approx(0.1 * 2**retry * factor)


def test_delay_is_capped() -> None:
    assert retry_delay(20, lambda: 1.0) == MAX_DELAY


def test_max_retries() -> None:
    state = RetryState(3, None, clock=lambda: 0.0, rand=lambda: 0.5)
    delays = [state.next_delay("GET", "u", "HTTP 503") for _ in range(4)]
    assert delays == [0.2, 0.4, 0.8, None]


def test_deadline() -> None:
    now = [0.0]
    state = RetryState(10, 2.0, clock=lambda: now[0], rand=lambda: 0.5)
    assert state.remaining() == 2.0
    assert state.next_delay("GET", "u", "x") == 0.2
    now[0] = 1.7
    assert state.next_delay("GET", "u", "x") is None  # 0.4 s wait would end past the deadline
    assert RetryState(1, None).remaining() is None


def test_zero_retries() -> None:
    assert RetryState(0, None).next_delay("GET", "u", "x") is None
