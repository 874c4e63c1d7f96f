"""Where the time and the memory of one full ``regcheck scan`` go.

Runs the real CLI in this process under pyinstrument (1 ms sampling) while a thread samples the
process's RSS and the main thread's stack every 10 ms. Every sample and every profiled frame is
put into a *step* by the innermost regcheck frame on its stack that names one (loading,
EventLog sort, per-case table, working days, each rule module, findings, summary, writing), so
a memoised table built inside a rule counts as that table, not as the rule. Prints markdown:

* steps: seconds (pyinstrument), the RSS the step added (or freed: the sum of the changes
  between consecutive samples taken in it), the highest RSS seen in it;
* hot spots: regcheck functions by the time spent in them and in the library calls they
  make directly (excluding other regcheck functions they call), with the biggest callee.

    python benchmarks/profile_scan.py benchmarks/data/log_1000000_seed6.parquet \\
        --roster …_roster.csv --approvals …_approvals.csv [-o profile.md]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")
MIB = 1 << 20

# (path fragment, function or None = any) -> step; checked innermost frame first.
STEPS: list[tuple[str, str | None, str]] = [
    ("regcheck/model.py", "cases", "per-case table (EventLog.cases)"),
    ("regcheck/model.py", "_timing", "working days + suspensions (EventLog.timing)"),
    ("regcheck/model.py", "_suspensions", "working days + suspensions (EventLog.timing)"),
    ("regcheck/model.py", "__init__", "sort + case index (EventLog.__init__)"),
    ("regcheck/calendar.py", None, "calendar"),
    ("regcheck/loaders/", None, "load: read Parquet, clean + parse values"),
    ("regcheck/rules/base.py", None, "rules: findings frames + messages (rules/base.py)"),
    ("regcheck/rules/", None, "rules: {module}"),
    ("regcheck/findings.py", None, "findings: ids, sort"),
    ("regcheck/engine.py", None, "engine"),
    ("regcheck/pipeline.py", None, "summary (suppressions, ledger, summary)"),
    ("regcheck/summary.py", None, "summary (suppressions, ledger, summary)"),
    ("regcheck/baseline.py", None, "summary (suppressions, ledger, summary)"),
    ("regcheck/writers/", None, "write findings CSV"),
    ("regcheck/sideinputs.py", None, "side inputs (roster, approvals)"),
    ("regcheck/config.py", None, "config"),
]
OTHER = "CLI glue (start-up, imports, between steps)"


def classify(stack: list[tuple[str, str]]) -> str:
    """Step of a stack of (file path, function), outermost first: the innermost frame that names one."""
    for path, func in reversed(stack):
        p = path.replace(os.sep, "/")
        for frag, name, step in STEPS:
            if frag in p and (name is None or name == func):
                if "{module}" in step:
                    return step.format(module=p.rsplit("/", 1)[-1].removesuffix(".py"))
                return step
    return OTHER


@dataclass
class StepMemory:
    change: int = 0  # sum of the RSS changes between consecutive samples taken in this step
    high: int = 0
    samples: int = 0


@dataclass
class Sampler:
    """RSS and the main thread's step every ``interval`` seconds, in a daemon thread."""

    interval: float = 0.01
    steps: dict[str, StepMemory] = field(default_factory=lambda: defaultdict(StepMemory))
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> Sampler:
        self._main = threading.main_thread().ident
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def _run(self) -> None:
        statm = open("/proc/self/statm")  # noqa: SIM115 - kept open for the sampler's life
        prev = int(statm.read().split()[1]) * PAGE
        while not self._stop.wait(self.interval):
            statm.seek(0)
            rss = int(statm.read().split()[1]) * PAGE
            frame = sys._current_frames().get(self._main)
            stack: list[tuple[str, str]] = []
            while frame is not None:
                stack.append((frame.f_code.co_filename, frame.f_code.co_name))
                frame = frame.f_back
            step = classify(stack[::-1])
            m = self.steps[step]
            m.change += rss - prev
            m.high, m.samples = max(m.high, rss), m.samples + 1
            prev = rss
        statm.close()


def _is_regcheck(path: str | None) -> bool:
    return bool(path) and "/regcheck/" in str(path).replace(os.sep, "/")


def _label(frame) -> str:
    cls = f"{frame.class_name}." if getattr(frame, "class_name", None) else ""
    return f"{cls}{frame.function}"


def analyse(root) -> tuple[dict[str, float], list[tuple[str, str, float, str, float]]]:
    """Seconds per step, and regcheck functions by own + direct library time (with the top callee)."""
    steps: dict[str, float] = defaultdict(float)
    own: dict[tuple[str, str], float] = defaultdict(float)
    callee: dict[tuple[str, str], dict[str, float]] = defaultdict(lambda: defaultdict(float))

    def visit(frame, stack: list[tuple[str, str]], rc: tuple[str, str] | None, direct: str | None) -> None:
        path = frame.file_path or ""
        here = [*stack, (path, frame.function)] if not frame.is_synthetic else stack
        if frame.is_synthetic or not frame.children:  # self time: pyinstrument's [self] leaves, childless frames
            t = frame.time
            steps[classify(here)] += t
            if rc is not None:
                own[rc] += t
                if direct is not None:
                    callee[rc][direct] += t
            return
        for child in frame.children:
            cpath = child.file_path or ""
            if not child.is_synthetic and _is_regcheck(cpath):
                key = (_label(child), f"{cpath.replace(os.sep, '/').split('/regcheck/')[-1]}:{child.line_no}")
                visit(child, here, key, None)
            elif child.is_synthetic:
                visit(child, here, rc, direct)
            else:
                visit(child, here, rc, direct if direct is not None else f"{_label(child)} ({child.file_path_short})")

    visit(root, [], None, None)
    hot = []
    for key, t in own.items():
        top, top_t = "", 0.0
        if callee[key]:
            top, top_t = max(callee[key].items(), key=lambda kv: kv[1])
        hot.append((key[0], key[1], t, top, top_t))
    hot.sort(key=lambda r: -r[2])
    return dict(steps), hot


def profile(log: str, roster: str | None, approvals: str | None, select: str | None = None) -> str:
    from pyinstrument import Profiler

    from regcheck.cli import main as cli

    out = Path(tempfile.mkdtemp()) / "findings.csv"
    argv = ["scan", log, "-o", str(out), "--quiet"]
    if roster:
        argv += ["--roster", roster]
    if approvals:
        argv += ["--approvals", approvals]
    if select:
        argv += ["--select", select]
    # pyinstrument samples the main thread only: run the scan on one thread so that every
    # step (each rule, each column) is seen where it runs; the timed runs use the threads
    previous = os.environ.get("REGCHECK_THREADS")
    os.environ["REGCHECK_THREADS"] = "1"
    sampler = Sampler().start()
    profiler = Profiler(interval=0.001)
    start = time.perf_counter()
    profiler.start()
    try:
        cli.main(argv, standalone_mode=False)
    finally:
        session = profiler.stop()
        wall = time.perf_counter() - start
        sampler.stop()
        if previous is None:
            del os.environ["REGCHECK_THREADS"]
        else:
            os.environ["REGCHECK_THREADS"] = previous
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    steps, hot = analyse(session.root_frame())
    total = sum(steps.values())
    lines = [
        "## Profile of one full scan",
        "",
        f"`regcheck scan {Path(log).name} --roster … --approvals … -o findings.csv --quiet`, run in-process "
        "on one thread (`REGCHECK_THREADS=1`, since pyinstrument samples the main thread only; the timed "
        "runs above use the machine's cores) "
        f"under pyinstrument (1 ms sampling) with an RSS sampler (10 ms): {wall:.1f} s wall under the "
        f"profiler, peak RSS {peak / MIB:,.0f} MiB. Steps are assigned by the innermost regcheck frame "
        "(a memoised table built inside a rule counts as the table).",
        "",
        "| step | seconds | share | RSS change in the step | highest RSS in the step |",
        "|---|---:|---:|---:|---:|",
    ]
    for step in sorted(set(steps) | set(sampler.steps), key=lambda s: -steps.get(s, 0.0)):
        secs = steps.get(step, 0.0)
        m = sampler.steps.get(step)
        if secs < 0.05 and (m is None or abs(m.change) < 32 * MIB):
            continue
        mem = f"{m.change / MIB:+,.0f} MiB | {m.high / MIB:,.0f} MiB" if m else "– | –"
        lines.append(f"| {step} | {secs:.2f} | {secs / total:.0%} | {mem} |")
    lines += [
        "",
        "Hot spots: time in the regcheck function itself and in the library calls it makes directly "
        "(not in other regcheck functions it calls); the biggest such callee.",
        "",
        "| regcheck function | where | seconds | biggest direct callee | its seconds |",
        "|---|---|---:|---|---:|",
    ]
    for name, where, t, top, top_t in hot[:20]:
        lines.append(f"| `{name}` | `{where}` | {t:.2f} | {('`' + top + '`') if top else ''} | {top_t:.2f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("log")
    ap.add_argument("--roster")
    ap.add_argument("--approvals")
    ap.add_argument("--select", help="rule ids to run, as scan's --select (default: all)")
    ap.add_argument("-o", "--output", help="write the markdown here (default: stdout)")
    args = ap.parse_args(argv)
    text = profile(args.log, args.roster, args.approvals, args.select)
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
