"""Issue 6 benchmark: regcheck against reading the file into pandas and against DuckDB SQL.

For each size (cases) it generates a log once (fixed seed, cached in benchmarks/data/ as
Parquet with the generator's roster and approval registry beside it), then times, in one
run with interleaved repetitions (round 1: every size a, b, c, d, e; round 2: the same …):

  (a) read   — ``pd.read_parquet(FILE)`` (pandas with pyarrow)
  (b) scan   — ``regcheck scan FILE --roster R --approvals A -o out.csv --quiet`` (all rules)
  (c) five   — ``regcheck scan FILE --select TL001,TL002,QJ001,MG001,SD001 -o out.csv --quiet``
  (d) duckdb — ``python benchmarks/duckdb_baseline.py FILE -o out.csv`` (the same five rules in SQL)
  (e) raw    — the same with ``--as-written``: values taken as the file has them (no trimming or
               label mapping) — what (d)'s value cleaning costs; informational

Every command runs in its own process; wall seconds come from a monotonic clock around it,
CPU seconds and peak RSS from ``os.wait4`` (the rusage of exactly that child). Medians over
the rounds are reported with the events per second and the ratios scan/read, five/DuckDB
and time(largest)/time(smallest); (c), (d) and (e) must give identical findings. The figures go
to stdout and to benchmarks/results.md (machine, date, command, load average).

    python benchmarks/run.py                       # 100k and 1M cases, 3 rounds
    python benchmarks/run.py --sizes 100000 --rounds 5
    python benchmarks/run.py --quick               # small sizes, 1 round: a smoke run
    python benchmarks/run.py --profile             # also profile one full scan of the largest size
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import platform
import shlex
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
DATA = Path(os.environ.get("REGCHECK_BENCH_DATA") or HERE / "data")  # several checkouts may share one cache
SEED = 6  # issue 6; fixed so every run times the same logs
ROW_GROUP = 1 << 18  # Parquet row-group size of the generated logs (262,144 rows)
FIVE = "TL001,TL002,QJ001,MG001,SD001"
GIB = 1 << 30
COMMANDS = ("read", "scan", "five", "duckdb", "raw")
LABEL = {
    "read": "(a) pd.read_parquet",
    "scan": "(b) regcheck scan, all rules",
    "five": "(c) regcheck scan --select 5 rules",
    "duckdb": "(d) DuckDB SQL, 5 rules",
    "raw": "(e) DuckDB SQL, values as written",
}
READ_SNIPPET = "import sys, pandas as pd; pd.read_parquet(sys.argv[1])"


# -- data ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Log:
    name: str  # the generator: seed6 (regcheck.generate, seed 6) or gen2 (benchmarks/gen2.py)
    cases: int
    path: Path
    roster: Path
    approvals: Path
    events: int
    mib: float

    @property
    def key(self) -> str:
        return f"{self.name}_{self.cases}"


LOGS = ("seed6", "gen2")
GEN2_SEED = 16


def log_paths(cases: int, name: str = "seed6") -> tuple[Path, Path, Path]:
    stem = f"log_{cases}_seed{SEED}" if name == "seed6" else f"gen2_{cases}_seed{GEN2_SEED}_o12_z1.3"
    return DATA / f"{stem}.parquet", DATA / f"{stem}_roster.csv", DATA / f"{stem}_approvals.csv"


def generate_log(cases: int) -> None:
    """Write the log of ``cases`` cases (run in a child process: the generator's memory is freed)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from regcheck.generate import generate

    path, roster, approvals = log_paths(cases)
    g = generate(cases, SEED)
    DATA.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    pq.write_table(pa.Table.from_pandas(g.events, preserve_index=False), tmp, row_group_size=ROW_GROUP)
    if g.roster is not None:
        g.roster.to_csv(roster, index=False)
    if g.approvals is not None:
        g.approvals.to_csv(approvals, index=False)
    tmp.replace(path)  # last: a complete Parquet file means a complete cache entry


def ensure_log(cases: int, name: str = "seed6") -> Log:
    import pyarrow.parquet as pq

    path, roster, approvals = log_paths(cases, name)
    if not path.exists():
        print(f"generating {cases:,} cases ({name}) -> {path} …", flush=True)
        start = time.perf_counter()
        if name == "gen2":  # its own process too; writes the roster and approvals beside the log
            argv = [sys.executable, str(HERE / "gen2.py"), str(cases), "-o", str(path), "--seed", str(GEN2_SEED)]
        else:
            argv = [sys.executable, __file__, "--generate", str(cases)]
        DATA.mkdir(parents=True, exist_ok=True)
        subprocess.run(argv, check=True)
        print(f"  done in {time.perf_counter() - start:.0f} s", flush=True)
    events = pq.ParquetFile(path).metadata.num_rows
    return Log(name, cases, path, roster, approvals, events, path.stat().st_size / (1 << 20))


# -- measuring ----------------------------------------------------------------------------------


@dataclass
class Sample:
    wall: float
    cpu: float
    rss: int  # bytes
    load: float  # 1-minute load average when the command started
    sources: str  # digest of regcheck/*.py when the command started (others may be editing)


@dataclass
class Series:
    samples: list[Sample] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples)

    @property
    def rss(self) -> int:
        return max(s.rss for s in self.samples)

    @property
    def best(self) -> float:
        return min(s.wall for s in self.samples)

    @property
    def spread(self) -> str:
        walls = [s.wall for s in self.samples]
        return f"{min(walls):.2f}–{max(walls):.2f}"


def measure(argv: list[str], cwd: Path) -> Sample:
    """Run one command to completion; wall clock around it, CPU time and peak RSS of that child."""
    load = os.getloadavg()[0]
    digest = sources_digest()
    start = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    if proc.returncode not in (0, 1):  # 1 = findings at or above --fail-on: not used here
        raise RuntimeError(f"{shlex.join(argv)} exited {proc.returncode}:\n{err}")
    return Sample(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024, load, digest)


def sources_digest() -> str:
    """sha1 of regcheck's sources: which code a measurement ran (the tree is shared and edited)."""
    digest = hashlib.sha1()
    for f in sorted((REPO / "regcheck").rglob("*.py")):
        digest.update(f.relative_to(REPO).as_posix().encode() + b"\0" + f.read_bytes())
    return digest.hexdigest()[:12]


def commands(log: Log, out: Path) -> dict[str, list[str]]:
    py = sys.executable
    regcheck = [py, "-m", "regcheck.cli"] if not _regcheck_script() else [_regcheck_script()]
    side = []
    if log.roster.exists():
        side += ["--roster", str(log.roster)]
    if log.approvals.exists():
        side += ["--approvals", str(log.approvals)]
    return {
        "read": [py, "-c", READ_SNIPPET, str(log.path)],
        "scan": [*regcheck, "scan", str(log.path), *side, "-o", str(out / f"scan_{log.key}.csv"), "--quiet"],
        "five": [
            *regcheck,
            "scan",
            str(log.path),
            "--select",
            FIVE,
            "-o",
            str(out / f"five_{log.key}.csv"),
            "--quiet",
        ],
        "duckdb": [py, str(HERE / "duckdb_baseline.py"), str(log.path), "-o", str(out / f"duckdb_{log.key}.csv")],
        "raw": [
            py,
            str(HERE / "duckdb_baseline.py"),
            str(log.path),
            "--as-written",
            "-o",
            str(out / f"raw_{log.key}.csv"),
        ],
    }


def _regcheck_script() -> str | None:
    """The installed ``regcheck`` console script next to this interpreter, if any."""
    cand = Path(sys.executable).with_name("regcheck")
    return str(cand) if cand.exists() else None


def same_findings(out: Path, key: str) -> tuple[bool, int, int, int]:
    """(identical, regcheck five-rule findings, DuckDB findings, full-scan findings); (e) must equal (d)."""
    import pandas as pd

    def pairs(name: str) -> set[tuple[str, str]]:
        f = pd.read_csv(out / f"{name}_{key}.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
        # regcheck's CSV ends a long all-digit id in a tab (README, output) that a reader trims
        return set(zip(f["rule_id"], f["case_id"].str.strip(), strict=True))

    five, duck, raw = pairs("five"), pairs("duckdb"), pairs("raw")
    full = pd.read_csv(out / f"scan_{key}.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return five == duck == raw, len(five), len(duck), len(full)


# -- report -------------------------------------------------------------------------------------


def machine() -> dict[str, str]:
    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
        mem_kib = next(
            int(line.split()[1])
            for line in Path("/proc/meminfo").read_text().splitlines()
            if line.startswith("MemTotal")
        )
        mem = f"{mem_kib / (1 << 20):.1f} GiB"
    except (OSError, StopIteration):
        mem = "?"
    versions = {}
    for mod in ("pandas", "numpy", "pyarrow", "duckdb"):
        try:
            versions[mod] = __import__(mod).__version__
        except ImportError:
            versions[mod] = "not installed"
    try:
        commit = subprocess.run(
            ["git", "describe", "--always", "--dirty"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        commit = "?"
    commit += f", sources sha1 {sources_digest()}"
    return {
        "cores": str(os.cpu_count()),
        "cpu": cpu,
        "memory": mem,
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        **versions,
        "regcheck commit": commit,
    }


def fmt_gib(n: int) -> str:
    return f"{n / GIB:.2f} GiB" if n >= GIB / 4 else f"{n / (1 << 20):.0f} MiB"


def report(
    logs: list[Log],
    results: dict[tuple[str, str], Series],
    checks: dict[str, tuple[bool, int, int, int]],
    argv: list[str],
    rounds: int,
    started: dt.datetime,
    minutes: float,
) -> str:
    m = machine()
    lines = [
        "# Benchmark results (issues 6 and 16)",
        "",
        f"- date: {started:%Y-%m-%d %H:%M} (run took {minutes:.0f} min)",
        f"- machine: {m['cores']} cores ({m['cpu']}), {m['memory']} memory, {m['os']}",
        f"- software: Python {m['python']}, pandas {m['pandas']}, numpy {m['numpy']}, pyarrow {m['pyarrow']}, "
        f"duckdb {m['duckdb']}; regcheck at `{m['regcheck commit']}`",
        f"- command: `{shlex.join(['python', 'benchmarks/run.py', *argv])}`",
        f"- method: {rounds} interleaved round(s); each command a fresh process; wall = median seconds "
        "(min–max; the min, *best wall*, is the least disturbed by other work), "
        "CPU = user+sys of the child (median), peak RSS = `ru_maxrss` of the child from "
        "`os.wait4` (max over rounds); load = 1-min load average at the command's start (median) — "
        "other work on the machine inflates wall time, CPU time much less.",
        f"- logs: *seed6* generated by `regcheck.generate.generate(cases, seed={SEED})`, *gen2* by "
        f"`benchmarks/gen2.py CASES --seed {GEN2_SEED}` (written independently: 12 offices of Zipf-skewed sizes, "
        f"about 12 events per case); Parquet with row groups of {ROW_GROUP:,} rows, cached in "
        "`benchmarks/data/`; the full scan gets the generator's roster and approval registry so that every rule runs.",
        "",
        "| log | cases | events | file | command | wall s | (min–max) | CPU s | peak RSS | events/s | load |",
        "|---|---:|---:|---:|---|---:|---|---:|---:|---:|---:|",
    ]
    for log in logs:
        for cmd in COMMANDS:
            s = results[(log.key, cmd)]
            load = statistics.median(x.load for x in s.samples)
            lines.append(
                f"| {log.name} | {log.cases:,} | {log.events:,} | {log.mib:.0f} MiB | {LABEL[cmd]} | {s.wall:.2f} | "
                f"{s.spread} | {s.cpu:.2f} | {fmt_gib(s.rss)} | {log.events / s.wall:,.0f} | {load:.1f} |"
            )
    digests = list(dict.fromkeys(x.sources for s in results.values() for x in s.samples))
    if len(digests) > 1:
        lines += [
            "",
            f"**Warning: regcheck's sources changed during the run** ({len(digests)} versions: "
            + ", ".join(digests)
            + "); the rounds did not all time the same code. Re-run on a quiet tree.",
        ]
    lines += ["", "## Ratios and the issue's targets", ""]
    lines += ["| measure | value | target | met |", "|---|---:|---:|:-:|"]

    def ratio(a: tuple[str, str], b: tuple[str, str], attr: str = "wall") -> float:
        return getattr(results[a], attr) / getattr(results[b], attr)

    def three(label: str, a: str, b: str, key: str, target: float) -> None:
        """The ratio a/b in wall, best wall and CPU seconds; the target applies to the wall ratio."""
        for attr, what in (("wall", "wall"), ("best", "best wall"), ("cpu", "CPU")):
            r = ratio((key, a), (key, b), attr)
            goal = f" ≤ {target} | {'yes' if r <= target else 'no'} " if attr == "wall" else " | "
            lines.append(f"| {label} ({what}) | {r:.2f} |{goal}|")

    for log in logs:
        tag = f"{log.name} {log.cases:,} cases"
        three(f"scan / read, {tag}", "scan", "read", log.key, 2.0)
        three(f"five-rule scan / DuckDB, {tag}", "five", "duckdb", log.key, 1.0)
        r = ratio((log.key, "five"), (log.key, "raw"))
        lines.append(f"| five-rule scan / DuckDB with values as written, {tag} (wall) | {r:.2f} | | |")
        same, n_five, n_duck, _ = checks[log.key]
        lines.append(
            f"| five-rule findings = DuckDB findings, {tag} | {n_five:,} vs {n_duck:,} | identical | "
            f"{'yes' if same else 'no'} |"
        )
        rss = results[(log.key, "scan")].rss
        met = "yes" if rss <= 2.5 * GIB else "no"
        lines.append(f"| full-scan peak RSS, {tag} | {fmt_gib(rss)} | ≤ 2.5 GiB | {met} |")
    for name in dict.fromkeys(log.name for log in logs):
        mine = [log for log in logs if log.name == name]
        big, small = mine[-1], mine[0]
        if big is small:
            continue
        for cmd in COMMANDS:
            r = ratio((big.key, cmd), (small.key, cmd))
            target, met = ("≤ 12", "yes" if r <= 12 else "no") if cmd == "scan" else ("", "")
            lines.append(
                f"| {name}: time({big.cases:,}) / time({small.cases:,}), {LABEL[cmd]} | {r:.2f} | {target} | {met} |"
            )
    lines += [
        "",
        "Findings of the full scan: "
        + ", ".join(f"{log.name} {log.cases:,} cases: {checks[log.key][3]:,}" for log in logs),
    ]
    return "\n".join(lines) + "\n"


# -- main ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    ap = argparse.ArgumentParser(description="Issue 6 benchmark (see the module docstring).")
    ap.add_argument("--sizes", default="100000,1000000", help="cases per log, comma-separated")
    ap.add_argument("--rounds", type=int, default=3, help="interleaved repetitions (median reported)")
    ap.add_argument("--quick", action="store_true", help="smoke run: sizes 2000,10000 and 1 round")
    ap.add_argument("--log", choices=("seed6", "gen2", "both"), default="both", help="which generator's logs to time")
    ap.add_argument("--output", default=str(HERE / "results.md"), help="markdown report ('-' = none)")
    ap.add_argument("--profile", action="store_true", help="append a profile of one full scan of the largest log")
    ap.add_argument("--generate", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.generate:
        generate_log(args.generate)
        return 0
    sizes = [2000, 10000] if args.quick else [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    rounds = 1 if args.quick and "--rounds" not in " ".join(argv) else args.rounds
    started = dt.datetime.now()
    names = LOGS if args.log == "both" else (args.log,)
    logs = [ensure_log(n, name) for name in names for n in sorted(sizes)]
    out = DATA / "out"
    out.mkdir(parents=True, exist_ok=True)
    results: dict[tuple[str, str], Series] = {(log.key, c): Series() for log in logs for c in COMMANDS}
    for r in range(1, rounds + 1):
        for log in logs:
            for name, cmd in commands(log, out).items():
                s = measure(cmd, REPO)
                results[(log.key, name)].samples.append(s)
                print(
                    f"round {r}/{rounds}  {log.name:5s} {log.cases:>9,} cases  {LABEL[name]:<36s} {s.wall:7.2f} s wall "
                    f"{s.cpu:7.2f} s CPU  {fmt_gib(s.rss):>9s}  load {s.load:.1f}",
                    flush=True,
                )
    checks = {log.key: same_findings(out, log.key) for log in logs}
    minutes = (dt.datetime.now() - started).total_seconds() / 60
    text = report(logs, results, checks, argv, rounds, started, minutes)
    if args.profile:
        big = logs[-1]
        print(f"profiling one full scan of {big.name} {big.cases:,} cases …", flush=True)
        prof = out / f"profile_{big.key}.md"
        cmd = [sys.executable, str(HERE / "profile_scan.py"), str(big.path), "-o", str(prof)]
        cmd += ["--roster", str(big.roster)] if big.roster.exists() else []
        cmd += ["--approvals", str(big.approvals)] if big.approvals.exists() else []
        digest = sources_digest()
        subprocess.run(cmd, cwd=REPO, check=True)
        text += "\n" + prof.read_text(encoding="utf-8") + f"\n(profiled regcheck sources: sha1 {digest})\n"
    print()
    print(text)
    if args.output != "-":
        Path(args.output).write_text(text + kept_sections(Path(args.output)), encoding="utf-8")
        print(f"written to {args.output}")
    return 0 if all(c[0] for c in checks.values()) else 1


# Sections of results.md measured by other scripts or by hand (issue 7's partitioned scan) survive a re-run.
KEPT_HEADINGS = (
    "## What made it fast",
    "## Partitioned scan",
    "## Access messages",
    "## Monthly trends",
    "## A province's year",
)


def kept_sections(path: Path) -> str:
    """The sections of an existing report that this script does not produce, verbatim."""
    if not path.exists():
        return ""
    old = path.read_text(encoding="utf-8")
    parts = old.split("\n## ")
    kept = [p for p in parts[1:] if ("## " + p).startswith(KEPT_HEADINGS)]
    return "".join("\n## " + p.rstrip("\n") + "\n" for p in kept)


if __name__ == "__main__":
    sys.exit(main())
