"""Issue 17 benchmark: `regcheck trend` over N months against N runs of `regcheck scan --period MONTH`.

The trend command reads the log once and checks each month as of its end (the rules run once a month); the
alternative a supervisor has without it is one scan per month, each reading the log again. Both run as child
processes on the same cached log, interleaved round by round; CPU time (user + sys, from ``os.wait4``, so the
loaded machine's waiting is not counted) and peak RSS are printed per round and as medians.

    REGCHECK_BENCH_DATA=DIR python benchmarks/trend.py                  # 100k cases, 6 months
    python benchmarks/trend.py --cases 100000 --months 2026-05:2026-10 --rounds 2

The log is `benchmarks/run.py`'s cached one (``log_<cases>_seed6.parquet``); run.py writes it if missing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("REGCHECK_BENCH_DATA") or HERE / "data")


def child(args: list[str]) -> tuple[float, float]:
    """(CPU seconds, peak RSS in MiB) of ``regcheck ARGS`` run as a child process."""
    proc = subprocess.Popen([sys.executable, "-m", "regcheck.cli", *args], stdout=subprocess.DEVNULL)
    _pid, status, usage = os.wait4(proc.pid, 0)
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"regcheck {' '.join(args)} failed")
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def month_labels(span: str) -> list[str]:
    first, last = span.split(":")
    import pandas as pd

    return [p.strftime("%Y-%m") for p in pd.period_range(first, last, freq="M")]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--months", default="2026-05:2026-10", help="FIRST:LAST (default 2026-05:2026-10)")
    ap.add_argument("--rounds", type=int, default=1)
    a = ap.parse_args()
    log = DATA / f"log_{a.cases}_seed6.parquet"
    if not log.exists():
        raise SystemExit(f"{log} is missing: run benchmarks/run.py --sizes {a.cases} first")
    months = month_labels(a.months)
    print(f"log {log} ({log.stat().st_size / 2**20:.0f} MiB), {len(months)} months {months[0]}…{months[-1]}")
    trend_cpu, scans_cpu = [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(a.rounds):
            cpu, rss = child(["trend", str(log), "--from", months[0], "--to", months[-1], "-o", f"{tmp}/t.csv", "-q"])
            trend_cpu.append(cpu)
            print(f"round {r + 1}: trend            CPU {cpu:8.1f} s  peak RSS {rss:7.0f} MiB")
            runs = [child(["scan", str(log), "--period", m, "-o", f"{tmp}/{m}.csv", "-q"]) for m in months]
            scans_cpu.append(sum(c for c, _ in runs))
            peak = max(m for _, m in runs)
            print(f"round {r + 1}: {len(months)} × scan --period CPU {scans_cpu[-1]:8.1f} s  peak RSS {peak:7.0f} MiB")
    t, s = statistics.median(trend_cpu), statistics.median(scans_cpu)
    print(f"median CPU: trend {t:.1f} s, {len(months)} scans {s:.1f} s, trend / scans = {t / s:.2f}")


if __name__ == "__main__":
    main()
