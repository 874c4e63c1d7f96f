"""A scan frees what nothing left needs (issue 16, peak memory): the memoised tables of a rule family once its
last rule ran, and the whole EventLog before the findings are written — and a table asked for again after it was
freed is built again from the log, never served stale."""

from __future__ import annotations

import os
import subprocess
import sys
import weakref
from pathlib import Path

import pandas as pd
import pytest

from regcheck import api, engine
from regcheck.allocator import JEMALLOC_HERE
from regcheck.generate import generate
from regcheck.loaders import load
from regcheck.model import EventLog, table_owner
from regcheck.rules import REGISTRY
from regcheck.rules.queue import hall_queue
from regcheck.rules.timelimit import DEFAULT_LIMITS, timed_cases
from tests.conftest import rules_of, run_cli

SEED = 16


@pytest.fixture(scope="module")
def path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("memory") / "log.parquet"
    generate(800, SEED, offices=3).events.to_parquet(out)
    return out


@pytest.fixture(scope="module")
def events(path: Path) -> pd.DataFrame:
    return load([str(path)]).events


def _log(events: pd.DataFrame) -> EventLog:
    return EventLog(events.copy())


def _queue_keys(log: EventLog) -> list[str]:
    return [k for k in log._memo if k.startswith("queue:")]


def test_a_table_belongs_to_the_rule_module_that_builds_it() -> None:
    assert table_owner(REGISTRY["QJ001"].func) == "queue"
    assert table_owner(REGISTRY["TL001"].func) == "timelimit"
    assert table_owner(EventLog._cases) is None  # the log's own tables stay
    assert table_owner(lambda: None) is None  # not a rule module's


def test_a_familys_tables_go_when_its_last_rule_ran(events: pd.DataFrame, monkeypatch) -> None:
    """Queue rules, then the time-limit rules, on one thread (in order): the queue tables are freed once QJ004
    ran (a time-limit rule was still to start), the time-limit table of the family that ends last stays for the
    summary. (On several threads what is freed depends on which rule ends first; the findings do not:
    tests/test_engines.py.)"""
    monkeypatch.setenv("REGCHECK_THREADS", "1")
    log = _log(events)
    rules = [REGISTRY[i] for i in (*rules_of("queue"), *rules_of("timelimit"))]
    freed: list[str] = []
    release = log.release
    monkeypatch.setattr(log, "release", lambda families: freed.extend(release(families)) or freed)
    engine.run(log, rules)
    assert any(k.startswith("queue:hall:") for k in freed) and any(k.startswith("queue:processing:") for k in freed)
    assert not _queue_keys(log)
    assert any(k.startswith("timelimit:") for k in log._memo)
    assert "cases" in log._memo and "timing" in log._memo  # the log's own tables


def test_a_freed_table_is_built_again_not_stale(events: pd.DataFrame, monkeypatch) -> None:
    """After the queue family ran and its tables went, a queue rule run again builds them again, with the same
    findings as on a log that never freed anything."""
    monkeypatch.setenv("REGCHECK_THREADS", "1")
    log = _log(events)
    engine.run(log, [REGISTRY[i] for i in (*rules_of("queue"), "TL001")])
    assert not _queue_keys(log)
    again = REGISTRY["QJ001"].run(log, None)
    fresh = REGISTRY["QJ001"].run(_log(events), None)
    pd.testing.assert_frame_equal(again, fresh)
    assert _queue_keys(log)  # built again, and kept until released again
    assert hall_queue(log) is hall_queue(log)


def test_release_keeps_other_families_tables(events: pd.DataFrame) -> None:
    log = _log(events)
    table = hall_queue(log)
    timed = timed_cases(log, dict(DEFAULT_LIMITS))
    assert log.release({"duties", "fee"}) == []
    assert hall_queue(log) is table
    freed = log.release({"queue"})
    assert [k for k in freed if k.startswith("queue:")] and not _queue_keys(log)
    assert timed_cases(log, dict(DEFAULT_LIMITS)) is timed and "cases" in log._memo


def test_a_scan_drops_the_log_before_writing(tmp_path: Path, path: Path, monkeypatch) -> None:
    """The EventLog (events, per-case table, every memoised table) is gone when the findings are written:
    the summary's facts are taken from it first."""
    logs: list[weakref.ref] = []
    cut = api.cut_log

    def cut_and_watch(*args, **kwargs):
        log, counts = cut(*args, **kwargs)
        logs.append(weakref.ref(log))
        return log, counts

    alive: list[bool] = []
    write = api._write_outputs

    def write_and_check(*args, **kwargs):
        alive.append(logs[0]() is not None)
        return write(*args, **kwargs)

    monkeypatch.setattr(api, "cut_log", cut_and_watch)
    monkeypatch.setattr(api, "_write_outputs", write_and_check)
    out = tmp_path / "findings.csv"
    code, _stdout, stderr = run_cli("scan", str(path), "-o", str(out), "--report", str(tmp_path / "r.html"))
    assert code == 0, stderr
    assert alive == [False]
    assert len(pd.read_csv(out)) > 0


def test_columns_no_rule_left_reads_go(events: pd.DataFrame, monkeypatch) -> None:
    """With ``keep_columns`` (what the caller reads afterwards), the events' columns that only finished rules
    read go once they end: the approval columns after the AP rules, while the time-limit rules still run on
    theirs; the findings are those of a run that drops nothing."""
    monkeypatch.setenv("REGCHECK_THREADS", "1")
    rules = [REGISTRY[i] for i in (*rules_of("approval"), *rules_of("timelimit"))]
    rules = [r for r in rules if not r.needs]
    log = _log(events)
    seen: dict[str, list[str]] = {}
    run_rule = type(rules[0]).run

    def watch(rule, log_, *args, **kwargs):
        if log_ is log:
            seen[rule.id] = list(log_.events.columns)
        return run_rule(rule, log_, *args, **kwargs)

    monkeypatch.setattr(type(rules[0]), "run", watch)
    dropped = engine.run(log, rules, keep_columns=("mortgagee",))
    kept = engine.run(_log(events), rules)
    pd.testing.assert_frame_equal(dropped.findings, kept.findings)
    assert "approval_no" in seen["AP001"]
    assert "approval_no" not in seen["TL001"] and "approval_date" not in seen["TL001"]
    assert {"business_type", "case", "case_id", "event_time", "mortgagee"} <= set(seen["TL001"])
    assert "_row" not in log.events.columns
    assert "approval_no" in _log(events).events.columns  # the loaded frame is not touched


def test_no_column_goes_before_the_case_table_is_built(events: pd.DataFrame) -> None:
    """The per-case table reads every case attribute from the events: until it is built nothing is dropped."""
    log = _log(events)
    assert log.keep_columns({"case_id"}) == []
    assert "approval_no" in log.events.columns
    attributes = log.cases.columns
    assert "approval_no" in log.keep_columns({"case_id"})
    assert list(log.cases.columns) == list(attributes)


_RELEASING_POOL = "jemalloc" if JEMALLOC_HERE else "system"


def _python(code: str, pool: str | None = None) -> subprocess.CompletedProcess:
    """``code`` run by a fresh Python, with Arrow's pool left to regcheck's command line (or set to ``pool``)."""
    env = {k: v for k, v in os.environ.items() if k != "ARROW_DEFAULT_MEMORY_POOL"}
    if pool:
        env["ARROW_DEFAULT_MEMORY_POOL"] = pool
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)


@pytest.mark.parametrize(("chosen", "expected"), [(None, _RELEASING_POOL), ("mimalloc", "mimalloc")])
def test_the_command_line_chooses_a_pool_that_gives_memory_back(chosen: str | None, expected: str) -> None:
    """regcheck's command line has Arrow allocate from a pool that gives freed memory back (jemalloc on Linux on
    x86-64, else malloc), chosen before pyarrow is loaded so that the Parquet reader uses it too; a pool the
    environment names is kept. The pool chosen is one this pyarrow has: asking for one it lacks would print
    Arrow's warning on every run (jemalloc on ARM)."""
    out = _python("import regcheck.cli, pyarrow; print(pyarrow.default_memory_pool().backend_name)", chosen)
    assert out.stdout.strip() == expected
    assert out.stderr == ""  # no "Unsupported backend" warning from Arrow


@pytest.mark.skipif(sys.platform != "linux", reason="reads the resident size from /proc")
def test_the_command_lines_pool_gives_freed_memory_back() -> None:
    """Under the command line's pool, 300 MiB of small Arrow buffers, freed but for every 10th (30 MiB), go back
    to the OS within a few seconds of give_back_memory. mimalloc keeps the segments the live ones pin: about
    240 MiB here."""
    code = """
import os, time
import regcheck.cli
import numpy as np, pyarrow as pa
from regcheck.model import give_back_memory
def rss():
    return int(open("/proc/self/statm").read().split()[1]) * os.sysconf("SC_PAGE_SIZE") >> 20
start = rss()
buffers = [pa.allocate_buffer(64 << 10) for _ in range(4800)]
for b in buffers:
    np.frombuffer(b, dtype=np.uint8)[:] = 1
held, grown = buffers[::10], rss() - start
del buffers
give_back_memory()
deadline = time.monotonic() + 10
while rss() - start > 60 and time.monotonic() < deadline:
    time.sleep(0.1)
print(grown, rss() - start)
"""
    grown, left = map(int, _python(code).stdout.split())
    assert grown >= 280 and left <= 60, (grown, left)


def test_a_partitioned_scan_takes_the_offices_frames_out_whole() -> None:
    """The frames a partitioned scan gathers from the offices (findings, projection) are taken out of the
    results, which keep an empty frame that holds nothing of the taken one (a slice of it would keep its
    columns alive for the whole scan)."""
    import gc
    from types import SimpleNamespace

    import numpy as np

    from regcheck.distributed import _taken

    results = [SimpleNamespace(findings=pd.DataFrame({"n": np.arange(1000), "t": ["x"] * 1000})) for _ in range(2)]
    held = [weakref.ref(r.findings._mgr.blocks[0].values) for r in results]
    frames = _taken(results, "findings")
    assert [len(f) for f in frames] == [1000, 1000]
    assert all(r.findings.empty and list(r.findings.columns) == ["n", "t"] for r in results)
    del frames
    gc.collect()
    assert all(ref() is None for ref in held)
