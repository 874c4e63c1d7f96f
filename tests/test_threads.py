"""regcheck.threads: results in the order of the items, whatever the thread count."""

from __future__ import annotations

import threading
import time

import pytest

from regcheck.threads import MAX_THREADS, map_in_threads, threads


@pytest.mark.parametrize("setting", ["1", "2", "4"])
def test_results_come_back_in_item_order(monkeypatch, setting: str) -> None:
    monkeypatch.setenv("REGCHECK_THREADS", setting)

    def slow_first(i: int) -> tuple[int, str]:
        time.sleep(0.02 if i == 0 else 0)  # the first item finishes last
        return i * i, threading.current_thread().name

    got = map_in_threads(slow_first, range(8))
    assert [v for v, _ in got] == [i * i for i in range(8)]
    names = {name for _, name in got}
    assert len(names) == 1 if setting == "1" else len(names) >= 2


def test_the_setting_is_capped_and_bad_values_fall_back_to_the_cores(monkeypatch) -> None:
    monkeypatch.setenv("REGCHECK_THREADS", "64")
    assert threads() == MAX_THREADS
    monkeypatch.setenv("REGCHECK_THREADS", "lots")
    assert 1 <= threads() <= MAX_THREADS


def test_an_error_in_one_item_reaches_the_caller(monkeypatch) -> None:
    monkeypatch.setenv("REGCHECK_THREADS", "4")

    def fail_on_three(i: int) -> int:
        if i == 3:
            raise ValueError("three")
        return i

    with pytest.raises(ValueError, match="three"):
        map_in_threads(fail_on_three, range(6))
