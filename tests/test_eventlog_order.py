"""EventLog's order of events — (event_time, input order), rules.md's "first" — whatever way it is computed."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regcheck.model import _BLOCK, EventLog, _whole_multiples, sort_in_threads, sort_order

UNITS = (1, 1_000, 1_000_000, 1_000_000_000, 60_000_000_000)


@st.composite
def times_and_rows(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray]:
    n = draw(st.integers(0, 300))
    unit = draw(st.sampled_from(UNITS))
    spread = draw(st.sampled_from([3, 1_000, 10**9, 2**40]))  # many ties … a span too wide to pack
    base = draw(st.integers(0, 4 * 10**9)) * 10**9
    ticks = draw(st.lists(st.integers(0, spread), min_size=n, max_size=n))
    time = base + np.asarray(ticks, dtype=np.int64) * unit
    if draw(st.booleans()):
        time = np.sort(time)  # a log written in time order
    row = np.arange(n, dtype=np.int64) * draw(st.integers(1, 3))
    if draw(st.booleans()):
        row = np.random.default_rng(draw(st.integers(0, 99))).permutation(row)  # rows not in input order
    return time, row


@settings(max_examples=300, deadline=None)
@given(times_and_rows())
def test_sort_order_is_time_then_input_order(data: tuple[np.ndarray, np.ndarray]) -> None:
    time, row = data
    want = np.lexsort((row, time))
    got = sort_order(time, row)
    if got is None:
        assert np.array_equal(want, np.arange(len(time)))
    else:
        assert np.array_equal(got, want)


def test_events_in_time_then_input_order_with_ties_and_milliseconds() -> None:
    """The packed-key sort: ties keep input order; millisecond times are not rounded to seconds."""
    t = pd.to_datetime(
        ["2026-03-02 10:00:00.002", "2026-03-02 10:00:00.001", "2026-03-02 10:00:00.002", "2026-03-01 09:00:00.000"]
    )
    events = pd.DataFrame(
        {
            "case_id": ["A", "B", "C", "D"],
            "office_code": "340102",
            "activity": ["accept", "accept", "review", "accept"],
            "event_time": t,
        }
    )
    log = EventLog(events)
    assert log.events["case_id"].tolist() == ["D", "B", "A", "C"]
    assert log.events["event_time"].tolist() == [t[3], t[1], t[0], t[2]]
    assert log.cases["case_id"].tolist() == ["D", "B", "A", "C"]


def test_events_already_in_order_are_not_copied_but_still_indexed() -> None:
    t = pd.date_range("2026-03-02 09:00", periods=5, freq="h")
    events = pd.DataFrame({"case_id": ["A", "B", "A", "C", "B"], "activity": "accept", "event_time": t})
    log = EventLog(events)
    assert log.events["case"].tolist() == [0, 1, 0, 2, 1]
    assert log.first_row().tolist() == [0, 1, 3]


@pytest.mark.parametrize("threads", ["1", "2", "3", "4"])
def test_a_long_key_sorted_in_parts_on_threads_is_sorted(threads: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past a million values the key is sorted in a part per thread and merged: the same as one sort, with
    ties, negative values and a run already in order among them."""
    monkeypatch.setenv("REGCHECK_THREADS", threads)
    rng = np.random.default_rng(int(threads))
    values = np.concatenate([rng.integers(-(2**40), 2**40, 900_000), rng.integers(0, 50, 300_000), np.arange(100_000)])
    expected = np.sort(values)
    sort_in_threads(values)
    assert np.array_equal(values, expected)


def test_whole_multiples_are_checked_in_every_block() -> None:
    """The unit test runs a block at a time: a miss in the last block, or in the first, is found."""
    values = np.arange(2 * _BLOCK + 5, dtype=np.int64) * 1_000
    assert _whole_multiples(values, 1_000) and not _whole_multiples(values, 1_000_000)
    values[-1] += 1
    assert not _whole_multiples(values, 1_000)
    values[-1] -= 1
    values[0] = 7
    assert not _whole_multiples(values, 1_000) and _whole_multiples(values, 1)
