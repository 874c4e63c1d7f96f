"""Interrupted runs: a scan killed (SIGKILL) while it writes an output leaves the previous file intact, or no
file — never a truncated one; the next run removes the temporary file the killed run left behind.

Every output goes through regcheck/writers/atomic.py (temporary file beside the target, fsync, rename).
The scans run in a child process that is killed for real:

* at a chosen point of a chosen output's write (a hook in the child stops it there: just before the
  rename, or with the temporary file half written) — every output kind: findings as CSV, Parquet,
  JSON Lines and XLSX, the rejects file, the HTML report;
* and once without any hook, at whatever moment the parent sees the temporary file of a large XLSX.
"""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import pytest

from regcheck.writers.atomic import TMP_MARK

from .conftest import run_cli

pytestmark = pytest.mark.skipif(not Path("/proc/self/fd").is_dir(), reason="the child's hook needs /proc (Linux)")

HEADER = "case_id,office_code,activity,event_time,operator_id\n"

# the child: stop inside the write of the output named $KILL_TARGET and say so, then wait to be killed
CHILD = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path
    import regcheck.writers.atomic as atomic

    target, mode = os.environ["KILL_TARGET"], os.environ["KILL_MODE"]
    real_fsync = atomic.os.fsync

    def fsync(fd):
        real_fsync(fd)
        name = os.readlink(f"/proc/self/fd/{fd}")
        if Path(name).name.startswith("." + target + atomic.TMP_MARK):
            if mode == "half":  # as if killed half-way through writing the bytes
                os.truncate(fd, os.fstat(fd).st_size // 2)
            print("READY", name, flush=True)
            time.sleep(600)

    atomic.os.fsync = fsync
    from regcheck.cli import main
    main(sys.argv[1:])
    """
)


def log_with_findings(path: Path, cases: int) -> Path:
    """Every case registered before it was accepted (LG002), and one rejected row."""
    rows = [
        f"K{i},340102,accept,2026-09-08 10:00:00,W1\nK{i},340102,register,2026-09-08 09:00:00,D1\n"
        for i in range(cases)
    ]
    path.write_text(HEADER + "".join(rows) + "BAD,340102,accept,never,W1\n", encoding="utf-8")
    return path


def outputs(folder: Path, findings: str) -> dict[str, Path]:
    return {"findings": folder / findings, "rejects": folder / "rejects.csv", "report": folder / "report.html"}


def scan_args(log: Path, out: dict[str, Path]) -> list[str]:
    return ["scan", str(log), "-o", str(out["findings"]), "--rejects", str(out["rejects"]),
            "--report", str(out["report"]), "-q"]  # fmt: skip


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if TMP_MARK in p.name)


def start_child(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    code = [sys.executable, "-c", CHILD, *args] if env else [sys.executable, "-m", "regcheck.cli", *args]
    return subprocess.Popen(code, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def wait_ready(child: subprocess.Popen, timeout: float = 120) -> str:
    ready, _, _ = select.select([child.stdout], [], [], timeout)
    assert ready, "the child never reached the write"
    line = child.stdout.readline()  # type: ignore[union-attr]
    assert line.startswith("READY"), line + child.stderr.read()  # type: ignore[union-attr]
    return line.split(" ", 1)[1].strip()


def read_xlsx_findings(path: Path) -> pd.DataFrame:
    """The findings of a workbook: headed by the (hidden) row of field codes, less the Chinese header row."""
    return pd.read_excel(path, skiprows=[1])


def kill(child: subprocess.Popen) -> None:
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL


def readable(kind: str, path: Path) -> None:
    """The file is complete: it parses as its format."""
    if kind.endswith(".csv"):
        pd.read_csv(path, encoding="utf-8-sig")
    elif kind.endswith(".parquet"):
        pd.read_parquet(path)
    elif kind.endswith(".jsonl"):
        pd.read_json(path, lines=True)
    elif kind.endswith(".xlsx"):
        pd.read_excel(path)
    else:
        assert path.read_text(encoding="utf-8").rstrip().endswith("</html>")


CASES = [
    # (findings file name, output to interrupt, where)
    ("findings.csv", "findings.csv", "half"),
    ("findings.parquet", "findings.parquet", "half"),
    ("findings.jsonl", "findings.jsonl", "rename"),
    ("findings.xlsx", "findings.xlsx", "half"),
    ("findings.csv", "rejects.csv", "half"),
    ("findings.csv", "report.html", "rename"),
]


@pytest.mark.parametrize(("findings", "target", "mode"), CASES, ids=[f"{c[1]}-{c[2]}" for c in CASES])
def test_a_killed_write_keeps_the_previous_output_and_the_next_run_cleans_up(
    tmp_path: Path, findings: str, target: str, mode: str
) -> None:
    out = outputs(tmp_path, findings)
    first = log_with_findings(tmp_path / "first.csv", 50)
    code, _o, err = run_cli(*scan_args(first, out))
    assert code == 0, err
    before = {k: p.read_bytes() for k, p in out.items()}

    second = log_with_findings(tmp_path / "second.csv", 300)  # its outputs would differ from the first's
    child = start_child(scan_args(second, out), {"KILL_TARGET": target, "KILL_MODE": mode})
    temp = Path(wait_ready(child))
    kill(child)

    interrupted = next(k for k, p in out.items() if p.name == target)
    assert out[interrupted].read_bytes() == before[interrupted]  # byte for byte the previous one
    for path in out.values():  # and every output is whole: the previous one or the new one
        readable(path.name, path)
    assert leftovers(tmp_path) == [temp.name]  # the killed run's temporary file, nothing else
    assert temp.stat().st_mode & 0o777 == 0o600

    code, _o, err = run_cli(*scan_args(second, out))
    assert code == 0, err
    assert leftovers(tmp_path) == []
    assert out["findings"].read_bytes() != before["findings"] or target != "findings"
    for path in out.values():
        readable(path.name, path)


def test_a_killed_first_write_leaves_no_output_at_all(tmp_path: Path) -> None:
    out = outputs(tmp_path, "findings.xlsx")
    child = start_child(scan_args(log_with_findings(tmp_path / "log.csv", 50), out), {
        "KILL_TARGET": "findings.xlsx", "KILL_MODE": "half"})  # fmt: skip
    temp = Path(wait_ready(child))
    kill(child)
    assert not out["findings"].exists() and leftovers(tmp_path) == [temp.name]
    assert run_cli(*scan_args(tmp_path / "log.csv", out))[0] == 0
    assert leftovers(tmp_path) == [] and len(read_xlsx_findings(out["findings"])) == 50


def test_a_scan_killed_at_an_unplanned_moment_of_a_large_write(tmp_path: Path) -> None:
    out = outputs(tmp_path, "findings.xlsx")
    log = log_with_findings(tmp_path / "log.csv", 200)
    assert run_cli(*scan_args(log, out))[0] == 0
    before = out["findings"].read_bytes()

    big = log_with_findings(tmp_path / "big.csv", 20_000)
    child = start_child(scan_args(big, out), {})
    deadline = time.monotonic() + 120
    seen: list[str] = []
    while not seen and child.poll() is None and time.monotonic() < deadline:
        seen = [n for n in leftovers(tmp_path) if n.startswith(".findings.xlsx")]
        time.sleep(0.002)
    assert seen, "the scan ended before its findings were being written"
    kill(child)

    assert out["findings"].read_bytes() == before
    assert len(read_xlsx_findings(out["findings"])) == 200
    assert run_cli(*scan_args(log, out))[0] == 0
    assert leftovers(tmp_path) == []
