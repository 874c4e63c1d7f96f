"""Atomic output: write to a temporary file beside the target, then rename over it.

A run killed mid-write leaves the previous output intact (or none), never a
truncated file. Temporary files are created owner-only (``mkstemp``: 0600) and
the final file is 0600 whoever wrote it: findings name cases and staff.

Each temporary file's name carries its owner (host, process id, process start
time): a run removes the leftovers of runs that are gone (killed), never the
temporary file of another run still writing the same output.

Inside ``one_commit()`` (a command with several outputs) the files are only
renamed into place at the end, together: a run that fails (a full disk, a
folder in the way) leaves none of its outputs, every previous file as it was.
A write that fails is an InputError naming the file and the reason (exit 2).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import secrets
import shutil
import socket
import stat
import tempfile
from collections.abc import Iterator
from contextvars import ContextVar
from pathlib import Path

from ..errors import InputError

TMP_MARK = ".regcheck-tmp-"
_PENDING: ContextVar[list[tuple[Path, Path]] | None] = ContextVar("regcheck_pending_outputs", default=None)
_REASONS = {
    errno.ENOSPC: "the disk is full",
    errno.EDQUOT: "the disk quota is used up",
    errno.EFBIG: "the file would be larger than allowed",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EROFS: "the file system is read-only",
    errno.EISDIR: "a folder of that name is in the way",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
}


def cannot_write(target: Path | str, exc: OSError) -> InputError:
    """The one-line error of a failed write: the file, and why."""
    why = _REASONS.get(exc.errno or 0) or exc.strerror or str(exc)
    detail = f" ({exc.strerror})" if exc.strerror and exc.strerror.lower() not in why.lower() else ""
    return InputError(f"{target}: cannot write it: {why}{detail}; no output of this run was written")


def _host() -> str:
    return hashlib.sha1(socket.gethostname().encode()).hexdigest()[:8]


def _process(pid: int) -> tuple[str, str] | None:
    """(state, start time in clock ticks) of a process from /proc (Linux); None where unknown."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text.rpartition(")")[2].split()
    return (fields[0], fields[19]) if len(fields) > 19 else None


def owner_tag(pid: int | None = None) -> str:
    """``HOST-PID-START``: who owns a temporary file (START is 0 where the system does not say)."""
    pid = os.getpid() if pid is None else pid
    proc = _process(pid)
    return f"{_host()}-{pid}-{proc[1] if proc else 0}"


def _owner_gone(tag: str) -> bool:
    """True only when the temporary file's owner is known to have ended (killed, crashed)."""
    host, pid_text, start, *_ = [*tag.split("-"), "", "", ""][:4]
    if host != _host() or not pid_text.isdigit() or int(pid_text) <= 0:
        return False  # another machine's run, or another version's file: not ours to judge
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False  # it exists (another user's process)
    proc = _process(pid)
    if proc is None:
        return False
    state, started = proc
    return state in ("Z", "X") or start not in ("0", started)  # a zombie, or the id now names a later process


def _tmp_prefix(target: Path) -> str:
    return f".{target.name}{TMP_MARK}"


def clean_stale(target: Path) -> None:
    """Remove the temporary files of ``target`` left by runs that are gone."""
    prefix = _tmp_prefix(target)
    with os.scandir(target.parent) as entries:  # not a glob: the name may hold [ ] * ?
        stale = [Path(e.path) for e in entries if e.name.startswith(prefix) and _owner_gone(e.name[len(prefix) :])]
    _discard(stale)


def is_device(target: str | os.PathLike[str]) -> bool:
    """An existing device, pipe or socket (``/dev/null``, a FIFO): written into, never replaced."""
    try:
        mode = os.stat(target).st_mode
    except (OSError, ValueError):
        return False
    return not (stat.S_ISREG(mode) or stat.S_ISDIR(mode))


def _new_temp(target: Path) -> Path:
    if is_device(target):  # the bytes go into the device at the end; the temporary file lives in the system's
        fd, name = tempfile.mkstemp(prefix=f"{_tmp_prefix(target)}{owner_tag()}-")
        os.close(fd)
        return Path(name)
    target.parent.mkdir(parents=True, exist_ok=True)
    clean_stale(target)
    fd, name = tempfile.mkstemp(prefix=f"{_tmp_prefix(target)}{owner_tag()}-", dir=target.parent)  # 0600
    os.close(fd)
    return Path(name)


@contextlib.contextmanager
def atomic_path(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path to write; on success it replaces ``target`` (at the end of ``one_commit``)."""
    target = Path(target)
    try:
        tmp = _new_temp(target)
    except OSError as exc:
        raise cannot_write(target, exc) from None
    try:
        yield tmp
        os.chmod(tmp, 0o600)  # owner-only, whichever writer (re)created the file
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        pending = _PENDING.get()
        if pending is None:
            _put(tmp, target)
        else:
            pending.append((tmp, target))
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise cannot_write(target, exc) from None
        raise


@contextlib.contextmanager
def atomic_dir(target: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a new owner-only (0700) folder beside ``target``; when whole it becomes ``target`` (new or empty)."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        clean_stale(target)
        tmp = Path(tempfile.mkdtemp(prefix=f"{_tmp_prefix(target)}{owner_tag()}-", dir=target.parent))
    except OSError as exc:
        raise cannot_write(target, exc) from None
    try:
        yield tmp
        pending = _PENDING.get()
        if pending is None:
            os.replace(tmp, target)  # POSIX: a folder replaces an empty folder
        else:
            pending.append((tmp, target))
    except BaseException as exc:
        _discard([tmp])
        if isinstance(exc, OSError):
            raise cannot_write(target, exc) from None
        raise


@contextlib.contextmanager
def one_commit() -> Iterator[None]:
    """The outputs written inside come into place together at the end, or none of them."""
    if _PENDING.get() is not None:  # nested: the outer one commits
        yield
        return
    pending: list[tuple[Path, Path]] = []
    token = _PENDING.set(pending)
    try:
        yield
    except BaseException:
        _discard(tmp for tmp, _ in pending)
        raise
    finally:
        _PENDING.reset(token)
    _commit(pending)


def _discard(paths: Iterator[Path] | list[Path]) -> None:
    """Remove temporary files and folders (a staged dataset), quietly."""
    for path in paths:
        if path.is_dir() and not path.is_symlink():
            shutil.rmtree(path, ignore_errors=True)
        else:
            with contextlib.suppress(OSError):
                path.unlink()


def _backup(target: Path) -> Path | None:
    """A hard link to the previous ``target`` (to put it back if a later rename fails); None if none."""
    if not target.is_file() or target.is_symlink():
        return None
    link = target.parent / f"{_tmp_prefix(target)}{owner_tag()}-{secrets.token_hex(4)}"
    try:
        os.link(target, link)
    except OSError:
        return None
    return link


def _put(tmp: Path, target: Path) -> bool:
    """Rename ``tmp`` over ``target`` (True); into a device or pipe, copy its bytes instead (False)."""
    if not is_device(target):
        os.replace(tmp, target)
        return True
    with open(tmp, "rb") as src, open(target, "wb") as dst:
        shutil.copyfileobj(src, dst, 1 << 20)
    tmp.unlink()
    return False


def _commit(pending: list[tuple[Path, Path]]) -> None:
    done: list[tuple[Path, Path | None, int | None]] = []  # target, its previous file, an empty folder's mode
    try:
        for tmp, target in pending:
            backup = _backup(target)
            folder_mode = target.stat().st_mode if target.is_dir() and not target.is_symlink() else None
            try:
                replaced = _put(tmp, target)
            except OSError as exc:
                _discard([backup] if backup else [])
                raise cannot_write(target, exc) from None
            if replaced:  # what went into a device cannot be taken back (nor should the device be removed)
                done.append((target, backup, folder_mode))
    except InputError:
        for target, backup, folder_mode in reversed(done):  # put the previous files back
            if backup:
                with contextlib.suppress(OSError):
                    os.replace(backup, target)
                continue
            _discard([target])
            if folder_mode is not None:  # the empty folder a dataset was written into
                with contextlib.suppress(OSError):
                    target.mkdir()
                    os.chmod(target, folder_mode & 0o7777)
        _discard([tmp for tmp, _ in pending])
        raise
    _discard([b for _, b, _m in done if b])
