"""Where a run writes (issue 13 items 1, 2, 3, 17): never over an input or another output, concurrent runs
that keep to their own temporary files, and write failures that are exit 2 and leave no output of the run.

The families are generated: every command with outputs × every kind of input it reads × every way of
spelling the same file (same text, ``./``, absolute, ``dir/..``, symbolic link, hard link, a linked folder,
a folder or a glob of the log). Concurrency runs two real processes; write failures are injected where the
operating system reports them (creating the temporary file, writing it, renaming it) and once for real
(a file-size limit set with setrlimit, which the kernel enforces as it would a full disk).
"""

from __future__ import annotations

import contextlib
import errno
import os
import stat
import subprocess
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from regcheck.writers.atomic import TMP_MARK, owner_tag

from .conftest import run_cli

HEADER = "case_id,office_code,activity,event_time,operator_id\n"
SIDE = {
    "--roster": ("roster.csv", "operator_id,name,office_code,post,registrar,trained\nW1,张三,340102,受理,否,是\n"),
    "--approvals": ("approvals.csv", "approval_no,issuer,approval_date,parcel_code\nP1,局,2026-01-05,\n"),
    "--calendar": ("calendar.csv", "date,workday\n2026-10-01,false\n"),
    "--profile": ("profile.toml", '[options]\ntimezone = "Asia/Shanghai"\n'),
    "--config": ("regcheck.toml", 'ignore = ["MG006"]\n'),
}


def log_text(cases: int) -> str:
    """Every case registered before it was accepted (LG002: a finding each), and one rejected row."""
    rows = "".join(
        f"K{i},340102,accept,2026-09-08 10:00:00,W1\nK{i},340102,register,2026-09-08 09:00:00,W1\n"
        for i in range(cases)
    )
    return HEADER + rows + "BAD,340102,accept,never,W1\n"


def lay_out(folder: Path) -> None:
    """logs/log.csv, the side files, and a findings file of an earlier run (the baseline)."""
    (folder / "logs").mkdir()
    (folder / "logs" / "log.csv").write_text(log_text(5), encoding="utf-8")
    for name, text in SIDE.values():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "sub").mkdir()
    code, _o, err = run_cli("scan", str(folder / "logs"), "-o", str(folder / "baseline.csv"), "-q")
    assert code == 0, err


def snapshot(folder: Path) -> dict[str, bytes | None]:
    """Every entry under the folder (links as their target text, not followed) and its bytes."""
    out: dict[str, bytes | None] = {}
    for p in sorted(folder.rglob("*")):
        key = str(p.relative_to(folder))
        out[key] = os.readlink(p).encode() if p.is_symlink() else (p.read_bytes() if p.is_file() else None)
    return out


@contextlib.contextmanager
def workdir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp, contextlib.chdir(tmp):
        yield Path(tmp)


def spell(folder: Path, target: str, how: str) -> str:
    """Another name for ``target`` (relative to the working directory ``folder``)."""
    if how == "same":
        return target
    if how == "dot":
        return "./" + target
    if how == "absolute":
        return str(folder / target)
    if how == "up and down":
        return "sub/../" + target
    if how == "linked folder":
        os.symlink(folder, "linked")
        return "linked/" + target
    alias = "alias" + Path(target).suffix
    if how == "symlink":
        os.symlink(target, alias)
    else:
        os.link(target, alias)
    return alias


SPELLINGS = ["same", "dot", "absolute", "up and down", "symlink", "hard link", "linked folder"]
LOG_FORMS = ["logs/log.csv", "logs", "logs/*.csv", "logs/**"]
# command -> (its output options, the inputs it reads besides the log)
COMMANDS = {
    "scan": (["-o", "--rejects", "--report"], ["--baseline", *SIDE]),
    "sample": (["-o"], list(SIDE)),
    "validate": (["--rejects"], ["--profile"]),
    "partition": (["--rejects"], ["--profile"]),
}


def command_line(command: str, log: str, extra: list[str]) -> list[str]:
    if command == "scan":
        return ["scan", log, "-q", *extra]
    if command == "sample":
        return ["sample", log, "--seed", "1", "--rate", "100%", "-q", *extra]
    if command == "partition":
        return ["partition", log, "-o", "dataset", "-q", *extra]
    return ["validate", log, *extra]


@st.composite
def output_over_input(draw: st.DrawFn) -> tuple[str, str, str, str, str]:
    command = draw(st.sampled_from(sorted(COMMANDS)))
    outs, reads = COMMANDS[command]
    return (
        command,
        draw(st.sampled_from(outs)),
        draw(st.sampled_from(["log", *reads])),
        draw(st.sampled_from(SPELLINGS)),
        draw(st.sampled_from(LOG_FORMS)),
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(output_over_input())
def test_an_output_that_is_an_input_is_exit_2_before_anything_is_written(case: tuple[str, str, str, str, str]) -> None:
    command, out_option, role, how, log_form = case
    with workdir() as folder:
        lay_out(folder)
        target = {"log": "logs/log.csv", "--baseline": "baseline.csv"}.get(role) or SIDE[role][0]
        extra = [] if role == "log" else [role, target]
        extra += [out_option, spell(folder, target, how)]
        before = snapshot(folder)
        code, _o, err = run_cli(*command_line(command, log_form, extra))
        assert code == 2, (case, err)
        assert err.count("\n") == 1 and err.startswith("regcheck: error: ") and "same file" in err, err
        assert out_option in err
        assert snapshot(folder) == before  # nothing written, nothing overwritten


def test_the_config_found_in_the_working_directory_is_an_input_too() -> None:
    with workdir() as folder:
        lay_out(folder)
        before = snapshot(folder)
        code, _o, err = run_cli("scan", "logs", "--rejects", "./regcheck.toml", "-q")
        assert code == 2 and "--config file" in err and "same file" in err, err
        assert snapshot(folder) == before


OUTPUT_PAIRS = [("-o", "--rejects"), ("-o", "--report"), ("--rejects", "--report")]
PAIR_SPELLINGS = [*SPELLINGS, "dangling symlink"]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(OUTPUT_PAIRS), st.sampled_from(PAIR_SPELLINGS), st.booleans())
def test_two_outputs_at_one_place_are_exit_2(pair: tuple[str, str], how: str, exists: bool) -> None:
    with workdir() as folder:
        lay_out(folder)
        first = "out.csv"
        if exists or how == "hard link":
            Path(first).write_text("an earlier run's file\n", encoding="utf-8")
        if how == "dangling symlink":  # out.csv -> elsewhere.csv, which does not exist (yet)
            first = "alias.csv"
            os.symlink("elsewhere.csv", first)
            second = "elsewhere.csv"
        else:
            second = spell(folder, first, how)
        before = snapshot(folder)
        code, _o, err = run_cli("scan", "logs", "-q", pair[0], first, pair[1], second)
        assert code == 2 and err.count("\n") == 1 and "same file" in err, (pair, how, err)
        assert snapshot(folder) == before


@pytest.mark.parametrize(
    "args",
    [
        ["scan", "logs", "-o", "-", "--rejects", "-", "-q"],
        ["partition", "logs", "-o", "dataset", "--rejects", "dataset/rejects.csv", "-q"],
        ["partition", "logs", "-o", "logs/dataset", "-q"],
        ["partition", "logs/log.csv", "-o", ".", "-q"],
        ["partition", "logs", "-o", "linked/logs/dataset", "-q"],
        ["generate", "--cases", "500", "-o", "gen.parquet"],
    ],
    ids=[
        "two outputs on stdout",
        "rejects inside the dataset",
        "dataset inside the input folder",
        "dataset folder holding the input",
        "dataset inside the input folder through a link",
        "generate's side file linked to its -o",
    ],
)
def test_folders_and_side_files_that_overlap_are_exit_2(args: list[str]) -> None:
    with workdir() as folder:
        lay_out(folder)
        os.symlink(folder, "linked")
        os.symlink("gen.parquet", "gen.labels.csv")
        before = snapshot(folder)
        code, _o, err = run_cli(*args)
        assert code == 2 and err.count("\n") == 1, err
        assert snapshot(folder) == before


def test_an_output_where_a_folder_or_a_file_is_in_the_way_is_exit_2_before_the_scan() -> None:
    with workdir() as folder:
        lay_out(folder)
        before = snapshot(folder)
        code, _o, err = run_cli("scan", "logs", "-o", "sub", "-q")
        assert code == 2 and "sub: is a folder" in err, err
        code, _o, err = run_cli("scan", "logs", "-o", "f.csv", "--report", "roster.csv/report.html", "-q")
        assert code == 2 and "roster.csv is a file, not a folder" in err, err
        assert snapshot(folder) == before


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="named pipes are POSIX")
def test_a_device_or_pipe_as_output_is_written_into_not_replaced(tmp_path: Path) -> None:
    """``-o /dev/null`` as root used to rename a regular file over the device; a FIFO stands in for it here."""
    import threading

    (tmp_path / "log.csv").write_text(log_text(5), encoding="utf-8")
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    args = ["scan", str(tmp_path / "log.csv"), "--format", "csv", "-q", "-o", str(fifo)]
    code, _o, err = run_cli(*args)
    reader.join(timeout=60)
    assert code == 0, err
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)  # still the pipe, not a file put in its place
    assert received and received[0].decode("utf-8-sig").startswith("finding_id,")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.csv", "pipe"]


def test_an_output_in_a_folder_this_user_cannot_write_is_exit_2_before_the_scan(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As root every folder is writable to access(2) but a read-only mount; the kernel's answer is stood in for."""
    (tmp_path / "log.csv").write_text(log_text(5), encoding="utf-8")
    (tmp_path / "locked").mkdir()
    real_access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **k: Path(p).name != "locked" and real_access(p, mode, **k))
    before = snapshot(tmp_path)
    code, _o, err = run_cli("scan", str(tmp_path / "log.csv"), "-o", str(tmp_path / "locked" / "new" / "f.csv"))
    assert code == 2 and f"the folder {tmp_path / 'locked'} is not writable (read-only or no permission)" in err, err
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("command", ["scan", "sample"])
def test_an_output_name_without_a_known_format_fails_before_the_log_is_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: str
) -> None:
    import regcheck.api
    import regcheck.distributed

    def must_not_read(*args, **kwargs):
        raise AssertionError("the log was read")

    monkeypatch.setattr(regcheck.distributed, "run_partitioned", must_not_read)
    monkeypatch.setattr(regcheck.api, "load_log", must_not_read)
    (tmp_path / "log.csv").write_text(log_text(5), encoding="utf-8")
    code, _o, err = run_cli(*command_line(command, str(tmp_path / "log.csv"), ["-o", str(tmp_path / "findings")]))
    assert code == 2 and "cannot tell the output format from the name" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.csv"]


# --- write failures -------------------------------------------------------------------------------

FAILURES = [errno.ENOSPC, errno.EACCES, errno.EROFS, errno.EDQUOT, errno.EIO]
OUTPUTS = {"-o": "findings.xlsx", "--rejects": "rejects.csv", "--report": "report.html"}
POINTS = ["create", "write", "rename"]


def scan_all(folder: Path, log: str) -> tuple[int, str, str]:
    return run_cli("scan", log, "-q", *(a for option, name in OUTPUTS.items() for a in (option, str(folder / name))))


def inject(monkeypatch: pytest.MonkeyPatch, folder: Path, name: str, point: str, code: int) -> None:
    """Make the write of output ``name`` fail with ``code`` at ``point``, as the operating system would."""
    failure = OSError(code, os.strerror(code))
    mark = f".{name}{TMP_MARK}"
    if point == "create":
        real_mkstemp = tempfile.mkstemp

        def mkstemp(*args, **kwargs):
            if str(kwargs.get("prefix", "")).startswith(mark):
                raise failure
            return real_mkstemp(*args, **kwargs)

        monkeypatch.setattr(tempfile, "mkstemp", mkstemp)
    elif point == "write":
        real_fsync = os.fsync

        def fsync(fd: int) -> None:
            ino = os.fstat(fd).st_ino
            if any(p.stat().st_ino == ino for p in folder.glob(mark + "*")):
                os.truncate(fd, os.fstat(fd).st_size // 2)  # half the bytes reached the disk, then it was full
                raise failure
            real_fsync(fd)

        monkeypatch.setattr(os, "fsync", fsync)
    else:
        real_replace = os.replace

        def replace(src, dst) -> None:
            if Path(dst).name == name and TMP_MARK in Path(src).name:
                raise failure
            real_replace(src, dst)

        monkeypatch.setattr(os, "replace", replace)


@pytest.mark.parametrize("point", POINTS)
@pytest.mark.parametrize("option", list(OUTPUTS))
def test_a_failed_write_is_exit_2_with_the_path_and_leaves_no_output_of_the_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, option: str, point: str
) -> None:
    failure = FAILURES[(list(OUTPUTS).index(option) * len(POINTS) + POINTS.index(point)) % len(FAILURES)]
    (tmp_path / "first.csv").write_text(log_text(5), encoding="utf-8")
    (tmp_path / "second.csv").write_text(log_text(40), encoding="utf-8")  # its outputs differ
    assert scan_all(tmp_path, str(tmp_path / "first.csv"))[0] == 0
    before = snapshot(tmp_path)
    inject(monkeypatch, tmp_path, OUTPUTS[option], point, failure)
    code, _o, err = scan_all(tmp_path, str(tmp_path / "second.csv"))
    assert code == 2 and err.count("\n") == 1, err
    assert f"{tmp_path / OUTPUTS[option]}: cannot write it: " in err and "no output of this run" in err, err
    assert snapshot(tmp_path) == before  # every output as it was, no temporary file


def test_a_folder_that_appears_at_the_output_path_during_the_run_is_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A real EISDIR from the rename: the folder is made after the check, while the outputs are written."""
    (tmp_path / "log.csv").write_text(log_text(5), encoding="utf-8")
    real_fsync = os.fsync

    def fsync(fd: int) -> None:
        real_fsync(fd)
        (tmp_path / "report.html").mkdir(exist_ok=True)

    monkeypatch.setattr(os, "fsync", fsync)
    code, _o, err = scan_all(tmp_path, str(tmp_path / "log.csv"))
    assert code == 2 and "report.html: cannot write it: a folder of that name is in the way" in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["log.csv", "report.html"]


def test_generate_and_sample_leave_nothing_when_a_write_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "log.csv").write_text(log_text(5), encoding="utf-8")
    before = snapshot(tmp_path)
    inject(monkeypatch, tmp_path, "gen.approvals.csv", "rename", errno.ENOSPC)  # the last of generate's four
    code, _o, err = run_cli("generate", "--cases", "500", "-o", str(tmp_path / "gen.parquet"))
    assert code == 2 and "gen.approvals.csv: cannot write it: the disk is full" in err, err
    inject(monkeypatch, tmp_path, "sample.xlsx", "write", errno.ENOSPC)
    code, _o, err = run_cli("sample", str(tmp_path / "log.csv"), "--seed", "1", "-o", str(tmp_path / "sample.xlsx"))
    assert code == 2 and "sample.xlsx: cannot write it: the disk is full" in err, err
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("where", ["the dataset", "the rejects file"])
def test_a_failed_partition_leaves_no_dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str) -> None:
    import pyarrow.parquet as pq

    log = tmp_path / "log.csv"
    log.write_text(log_text(5).replace("340102,register", "340103,register", 2) + "short,row\n", encoding="utf-8")
    (tmp_path / "dataset").mkdir()  # an empty folder may be given; it stays as it was
    before = snapshot(tmp_path)
    if where == "the dataset":
        calls: list[int] = []
        real = pq.ParquetWriter.write_table

        def write_table(self, table, *args, **kwargs):
            calls.append(1)
            if len(calls) == 2:  # the second office's part: the first is already on the disk
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
            return real(self, table, *args, **kwargs)

        monkeypatch.setattr(pq.ParquetWriter, "write_table", write_table)
        name = "dataset"
    else:
        inject(monkeypatch, tmp_path, "rejects.csv", "rename", errno.ENOSPC)
        name = "rejects.csv"
    args = ["partition", str(log), "-o", str(tmp_path / "dataset"), "--rejects", str(tmp_path / "rejects.csv")]
    code, _o, err = run_cli(*args, "-q")
    assert code == 2 and f"{tmp_path / name}: cannot write it: the disk is full" in err, err
    assert snapshot(tmp_path) == before
    monkeypatch.undo()  # the disk has room again: the same command writes the dataset
    assert run_cli(*args, "-q")[0] == 0 and (tmp_path / "dataset" / "_regcheck_dataset.json").is_file()


@pytest.mark.skipif(sys.platform == "win32", reason="setrlimit is POSIX")
def test_a_real_file_size_limit_during_the_write_is_exit_2_and_leaves_the_previous_files(tmp_path: Path) -> None:
    """The kernel refuses the bytes (EFBIG under RLIMIT_FSIZE, as a full disk refuses them with ENOSPC)."""
    (tmp_path / "first.csv").write_text(log_text(5), encoding="utf-8")
    (tmp_path / "big.csv").write_text(log_text(3000), encoding="utf-8")
    assert scan_all(tmp_path, str(tmp_path / "first.csv"))[0] == 0
    before = snapshot(tmp_path)
    limit = 64 * 1024  # reading is not limited; the findings of 3,000 cases are larger than this
    code = (
        "import resource, signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_IGN); "
        f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit})); "
        "from regcheck.cli import main; main(sys.argv[1:])"
    )
    args = [a for option, name in OUTPUTS.items() for a in (option, str(tmp_path / name))]
    child = subprocess.run(
        [sys.executable, "-c", code, "scan", str(tmp_path / "big.csv"), "-q", *args],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        timeout=300,
    )
    assert child.returncode == 2 and child.stderr.count("\n") == 1, child.stderr
    assert "findings.xlsx: cannot write it: the file would be larger than allowed" in child.stderr
    assert snapshot(tmp_path) == before


# --- concurrent runs ------------------------------------------------------------------------------

# the child: stop just after its temporary file for $HOLD_TARGET is created, until $HOLD_GO exists
HOLD = textwrap.dedent(
    """
    import os, sys, time, tempfile
    from pathlib import Path
    real = tempfile.mkstemp

    def mkstemp(*args, **kwargs):
        fd, name = real(*args, **kwargs)
        if str(kwargs.get("prefix", "")).startswith("." + os.environ["HOLD_TARGET"]):
            print("READY", name, flush=True)
            while not Path(os.environ["HOLD_GO"]).exists():
                time.sleep(0.05)
        return fd, name

    tempfile.mkstemp = mkstemp
    from regcheck.cli import main
    main(sys.argv[1:])
    """
)


def test_two_runs_writing_one_output_keep_to_their_own_temporary_files(tmp_path: Path) -> None:
    out = tmp_path / "findings.csv"
    (tmp_path / "a.csv").write_text(log_text(30), encoding="utf-8")
    (tmp_path / "b.csv").write_text(log_text(10), encoding="utf-8")
    rows = {}
    for name in ("a", "b"):  # what each run alone writes
        assert run_cli("scan", str(tmp_path / f"{name}.csv"), "-o", str(tmp_path / f"{name}-alone.csv"), "-q")[0] == 0
        rows[name] = len(pd.read_csv(tmp_path / f"{name}-alone.csv", encoding="utf-8-sig"))
    assert rows["a"] != rows["b"]
    go = tmp_path / "go"
    env = {**os.environ, "HOLD_TARGET": out.name, "HOLD_GO": str(go)}
    first = subprocess.Popen(
        [sys.executable, "-c", HOLD, "scan", str(tmp_path / "a.csv"), "-o", str(out), "-q"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        line = first.stdout.readline()  # type: ignore[union-attr]
        assert line.startswith("READY"), line + first.stderr.read()  # type: ignore[union-attr]
        held = Path(line.split(" ", 1)[1].strip())
        second = subprocess.run(
            [sys.executable, "-m", "regcheck.cli", "scan", str(tmp_path / "b.csv"), "-o", str(out), "-q"],
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert second.returncode == 0, second.stderr
        assert held.exists()  # the second run left the first run's temporary file alone
        assert len(pd.read_csv(out, encoding="utf-8-sig")) == rows["b"]
        go.touch()
        assert first.wait(timeout=300) == 0, first.stderr.read()  # type: ignore[union-attr]
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert len(pd.read_csv(out, encoding="utf-8-sig")) == rows["a"]  # the later rename wins, and it is whole
    assert out.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir() if TMP_MARK in p.name] == []


def test_cleanup_removes_only_temporary_files_whose_process_is_gone(tmp_path: Path) -> None:
    (tmp_path / "log.csv").write_text(log_text(5), encoding="utf-8")
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    ended = subprocess.Popen([sys.executable, "-c", "pass"])
    zombie = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    tags = {"ended": owner_tag(ended.pid), "zombie": owner_tag(zombie.pid), "live": owner_tag(sleeper.pid)}
    ended.wait()
    zombie.kill()
    time.sleep(0.5)  # killed, not yet waited for: a zombie until its parent reaps it
    host, pid, _start = tags["live"].split("-")
    tags["reused id"] = f"{host}-{pid}-1"  # a run that is gone, whose process id a later process now holds
    tags["other host"] = f"ffffffff-{pid}-0"  # cannot be judged from here: kept
    tags["older version"] = "k3j4h5g6"  # no owner in the name: kept
    out = tmp_path / "findings[1].csv"  # a name that is no glob pattern
    temps = {why: tmp_path / f".{out.name}{TMP_MARK}{tag}-x1y2z3" for why, tag in tags.items()}
    for p in temps.values():
        p.write_text("half a file", encoding="utf-8")
    try:
        code, _o, err = run_cli("scan", str(tmp_path / "log.csv"), "-o", str(out), "-q")
        assert code == 0, err
        left = {why for why, p in temps.items() if p.exists()}
    finally:
        sleeper.kill()
        sleeper.wait()
        zombie.wait()
    assert left == {"live", "other host", "older version"}
