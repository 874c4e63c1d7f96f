"""Issue 15 benchmark: a province's quarter of access messages, partitioned then scanned.

Builds once (cached in $REGCHECK_BENCH_DATA, else benchmarks/data/) a zip of N access messages —
by default 1,000,000: a quarter (90 days of 2026-Q1) of 100 county offices, about 111 messages
per office and day, members ``yyMMdd/Biz<BizMsgID>.xml`` in day order, written by the spec-following
writer of benchmarks/messages.py (about 1 KB zipped per message) — then runs, each as a child
process measured with ``os.wait4`` (peak RSS, user+sys CPU) and wall clock:

  1. ``regcheck partition ARCHIVE -o DATASET``   — the messages streamed into office partitions
  2. ``regcheck scan DATASET -o findings.csv``    — the dataset, one office at a time (local engine)

and prints the table for benchmarks/results.md ("A quarter of messages"). The target (issue 15):
peak memory at most 4 GiB per step on a 2-core machine.

    python benchmarks/province_messages.py                    # 1,000,000 messages
    python benchmarks/province_messages.py --messages 50000   # a smaller run of the same layout
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from messages import SEED, ensure_archive, message  # noqa: E402  (the spec-following writer: one message as text)

DAYS = 90  # a quarter
START = dt.date(2026, 1, 1)
AREAS = tuple(f"34{city:02d}{county:02d}" for city in range(1, 21) for county in range(21, 26))  # 100 counties
GIB = 1 << 30


def write_province(path: Path, n: int, seed: int = SEED) -> None:
    """``n`` messages spread evenly over DAYS days and the AREAS, each area's sequence per day from 000001."""
    rng = random.Random(seed)
    per_slot = -(-n // (DAYS * len(AREAS)))  # messages of one area on one day
    tmp = path.with_suffix(".tmp")
    written = 0
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for d in range(DAYS):
            day = (START + dt.timedelta(days=d)).strftime("%y%m%d")
            for area in AREAS:
                for seq in range(1, per_slot + 1):
                    if written == n:
                        break
                    text = message(area, day, seq, rng)
                    zf.writestr(f"{day}/Biz{area}{day}{seq:06d}.xml", text.encode("utf-8"))
                    written += 1
    tmp.replace(path)


def measured(args: list[str]) -> dict[str, float | int]:
    """Run ``regcheck ARGS`` as a child; its wall seconds, user+sys CPU seconds, peak RSS and exit code."""
    cmd = [sys.executable, "-m", "regcheck.cli", *args]
    env = {**os.environ, "PYTHONPATH": str(HERE.parent)}  # this checkout's regcheck
    with tempfile.TemporaryFile() as out_f, tempfile.TemporaryFile() as err_f:  # pipes could fill and block
        wall = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out_f, stderr=err_f, env=env)
        _pid, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - wall
        out_f.seek(0)
        err_f.seek(0)
        out, err = out_f.read().decode(errors="replace"), err_f.read().decode(errors="replace")
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        raise SystemExit(f"{' '.join(args)}: exit {code}\n{err[-2000:]}")
    print(out.strip()[-600:], flush=True)
    return {
        "wall": wall,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss": usage.ru_maxrss * 1024,  # kilobytes on Linux
        "code": code,
        "load": os.getloadavg()[0],
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--messages", type=int, default=1_000_000)
    ap.add_argument("--keep", type=Path, help="write the dataset and findings here (kept) instead of a temp folder")
    args = ap.parse_args(argv)
    archive = ensure_archive(args.messages, "province", write_province)
    with zipfile.ZipFile(archive) as zf:
        members = sum(1 for i in zf.infolist() if i.filename.lower().endswith(".xml"))
    work = args.keep or Path(tempfile.mkdtemp(prefix="regcheck-province-", dir=archive.parent))
    work.mkdir(parents=True, exist_ok=True)
    dataset, findings = work / "dataset", work / "findings.csv"
    try:
        shutil.rmtree(dataset, ignore_errors=True)
        steps = {
            "partition": measured(["partition", str(archive), "-o", str(dataset)]),
            "scan": measured(["scan", str(dataset), "-o", str(findings)]),
        }
        events = _events(dataset)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    mib = archive.stat().st_size / (1 << 20)
    print(f"\narchive {archive.name}: {members:,} messages, {mib:,.0f} MiB; {events:,} events in the dataset")
    print("| step | wall s | CPU s (user+sys) | peak RSS | load average (1 min, at end) |")
    print("|---|---:|---:|---:|---:|")
    for name, s in steps.items():
        print(f"| {name} | {s['wall']:,.0f} | {s['cpu']:,.0f} | {s['rss'] / GIB:.2f} GiB | {s['load']:.1f} |")
    worst = max(s["rss"] for s in steps.values())
    print(f"peak ≤ 4 GiB: {'yes' if worst <= 4 * GIB else 'NO'} ({worst / GIB:.2f} GiB)")
    return 0


def _events(dataset: Path) -> int:
    import json

    from regcheck.partition import MARKER

    try:
        return int(json.loads((dataset / MARKER).read_text(encoding="utf-8"))["rows"])
    except (OSError, ValueError, KeyError):
        return 0


if __name__ == "__main__":
    raise SystemExit(main())
