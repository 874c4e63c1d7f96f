"""LG001 and LG004 have a fast path and a fallback for numbers the fast path cannot hold.

Both paths must give the same findings. LG001's fast path marks the numbers present on a map of each
office's range (no sort); its fallback, a lexsort, is reachable with real data (huge or sparse
event_seq values). LG004's fast path is an int64 key; its fallback needs more than ~10^6 cases and time
runs to overflow, so the test forces it by making ``np.prod`` (as the rule module sees it) report an
overflowing product.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regcheck.generate import generate
from regcheck.rules import integrity
from regcheck.writers.logfile import write_log

from .conftest import scan_findings, write_canonical_csv


class NumpySpy(ModuleType):
    """numpy as one rule module sees it: counts ``lexsort`` (the fallbacks) and ``sort`` calls, can fake ``prod``."""

    def __init__(self, prod: Any = None) -> None:
        super().__init__("numpy")
        self.lexsort_calls = 0
        self.sort_calls = 0
        self._prod = prod

    def __getattr__(self, name: str) -> Any:
        return getattr(np, name)

    def lexsort(self, *args: Any, **kwargs: Any) -> np.ndarray:
        self.lexsort_calls += 1
        return np.lexsort(*args, **kwargs)

    def sort(self, *args: Any, **kwargs: Any) -> np.ndarray:
        self.sort_calls += 1
        return np.sort(*args, **kwargs)

    def prod(self, *args: Any, **kwargs: Any) -> Any:
        return self._prod if self._prod is not None else np.prod(*args, **kwargs)


@pytest.fixture
def spy(monkeypatch: pytest.MonkeyPatch) -> NumpySpy:
    s = NumpySpy()
    monkeypatch.setattr(integrity, "np", s)
    return s


# --- LG001 ---------------------------------------------------------------------------------


def seq_log(top: int) -> list[dict[str, str]]:
    """Two offices, interleaved in time; ``top`` is the largest event_seq (A's), ``top // 2`` B's.

    Office A: 1 2 4 top, and 4 again later (a repeated number: its earliest row counts).
    Office B: 1 3 top//2. A row without event_seq (ignored) in a third office.
    """

    def row(case: str, office: str, minute: int, seq: int | None) -> dict[str, str]:
        at = f"2026-09-08 09:{minute:02d}:00"
        return {"case_id": case, "office_code": office, "activity": "accept", "event_time": at,
                "event_seq": "" if seq is None else str(seq)}  # fmt: skip

    return [
        row("A1", "340102", 0, 1),
        row("B1", "340103", 1, 1),
        row("A2", "340102", 2, 2),
        row("B2", "340103", 3, 3),
        row("A3", "340102", 4, 4),
        row("C1", "340104", 5, None),
        row("A4", "340102", 6, top),
        row("B3", "340103", 7, top // 2),
        row("A5", "340102", 8, 4),
    ]


def expected_gaps(top: int) -> list[tuple[str, str, dict[str, int]]]:
    """(office, event_time, evidence) of each gap of ``seq_log(top)``, in findings order (office, key)."""

    def gap(before: int, after: int) -> dict[str, int]:
        return {"first_missing": before + 1, "last_missing": after - 1, "missing": after - before - 1,
                "seq_before": before, "seq_after": after}  # fmt: skip

    return [
        ("340102", "2026-09-08 09:04:00", gap(2, 4)),  # the first row with seq 4, not the repeat at 09:08
        ("340102", "2026-09-08 09:06:00", gap(4, top)),
        ("340103", "2026-09-08 09:03:00", gap(1, 3)),
        ("340103", "2026-09-08 09:07:00", gap(3, top // 2)),
    ]


# 2**62: a range far wider than the rows (the fallback); exact in float64, as the CSV loader reads numbers
# through float64. 3_000_000: sparse too (wider than 4 numbers per row and 2**20 more). 100: the fast path.
@pytest.mark.parametrize(("top", "fallback"), [(2**62, True), (3_000_000, True), (100, False)])
def test_lg001_gaps_on_both_paths(tmp_path: Path, spy: NumpySpy, top: int, fallback: bool) -> None:
    log = write_canonical_csv(seq_log(top), tmp_path / "log.csv")
    found = scan_findings(log, tmp_path, "--select", "LG001")
    assert spy.lexsort_calls == (1 if fallback else 0), "LG001 took the other path"
    assert spy.sort_calls == 0
    got = [(r["office_code"], r["event_time"], json.loads(r["evidence"])) for _, r in found.iterrows()]
    assert got == expected_gaps(top)
    assert list(found["case_id"]) == [""] * 4
    half = top // 2
    assert list(found["message"]) == [
        "日志序号3缺失（共1条），请核查日志是否被删除",
        f"日志序号5至{top - 1}缺失（共{top - 5}条），请核查日志是否被删除",
        "日志序号2缺失（共1条），请核查日志是否被删除",
        f"日志序号4至{half - 1}缺失（共{half - 4}条），请核查日志是否被删除",
    ]


@st.composite
def numbered_offices(draw: st.DrawFn) -> dict[str, list[int]]:
    """One to three offices, each a list of event_seq in time order: any start, gaps, repeats, numbers late."""
    out: dict[str, list[int]] = {}
    for office in ("340102", "340103", "340104")[: draw(st.integers(1, 3))]:
        start = draw(st.integers(0, 10**9))
        steps = draw(st.lists(st.integers(0, 4), min_size=0, max_size=25))
        seqs = list(np.cumsum([start, *steps]))
        out[office] = draw(st.permutations(seqs)) if draw(st.booleans()) else seqs
    return out


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(offices=numbered_offices())
def test_lg001_map_of_numbers_matches_oracle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, offices: dict[str, list[int]]
) -> None:
    """Dense numbers take the map (neither sort nor lexsort): each gap between an office's consecutive
    distinct numbers, dated at the earliest row holding the number after it."""
    spy = NumpySpy()
    monkeypatch.setattr(integrity, "np", spy)
    rows, when = [], {}
    for i, (office, seqs) in enumerate(offices.items()):
        for j, seq in enumerate(seqs):
            at = str(pd.Timestamp("2026-09-08 09:00") + pd.Timedelta(minutes=j, seconds=i))
            when.setdefault((office, int(seq)), at)
            rows.append({"case_id": f"C{i}{j}", "office_code": office, "activity": "accept", "event_time": at,
                         "event_seq": str(seq)})  # fmt: skip
    expected = []
    for office, seqs in offices.items():
        present = sorted(set(int(s) for s in seqs))
        for a, b in itertools.pairwise(present):
            if b - a > 1:
                expected.append((office, when[(office, b)], a, b))
    run = tmp_path / str(len(list(tmp_path.iterdir())))
    run.mkdir()
    found = scan_findings(write_canonical_csv(rows, run / "log.csv"), run, "--select", "LG001")
    got = [(r["office_code"], r["event_time"], *(json.loads(r["evidence"])[k] for k in ("seq_before", "seq_after")))
           for _, r in found.iterrows()]  # fmt: skip
    assert sorted(got) == sorted(expected)  # findings are sorted by key text, not number
    assert (spy.sort_calls, spy.lexsort_calls) == (0, 0)


# --- LG004 ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def generated_log(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, set[str]]:
    gen = generate(600, 4)
    path = tmp_path_factory.mktemp("lg004") / "log.parquet"
    write_log(gen.events, path)
    labels = set(gen.labels.loc[gen.labels["rule_id"] == "LG004", "key"])
    return path, labels


def test_lg004_fallback_matches_fast_path(
    generated_log: tuple[Path, set[str]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    log, labels = generated_log
    runs: dict[str, pd.DataFrame] = {}
    for name, prod in (("fast", None), ("fallback", 2**63)):  # 2**63 * (runs + 1) never fits in int64
        spy = NumpySpy(prod)
        monkeypatch.setattr(integrity, "np", spy)
        (tmp_path / name).mkdir()
        runs[name] = scan_findings(log, tmp_path / name, "--select", "LG004")
        assert spy.lexsort_calls == (0 if prod is None else 1), f"LG004 did not take the {name} path"
    assert len(labels) >= 2
    assert set(runs["fast"]["case_id"]) == labels
    pd.testing.assert_frame_equal(runs["fallback"], runs["fast"])
