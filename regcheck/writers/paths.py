"""Where a run writes, checked before it loads the log or writes anything (issue 13, items 1, 2 and 17).

An output must not be one of the run's inputs (the log's files, also through a folder
or a glob; --baseline, --roster, --approvals, --calendar, --profile, the config), nor
another output of the run, however it is spelt: ``x.csv``, ``./x.csv``, an absolute
path, a symbolic link, a hard link (same device and inode). A dataset folder
(``partition -o``) must not be, lie inside or hold an input folder or file, nor hold
another output. ``-`` is standard output, not a path; two outputs cannot both be ``-``.
An output whose place cannot take a file (an existing folder of that name, a file
where a folder should be, a folder this user cannot write) fails here too, before
the scan, with exit 2. A device or pipe (``-o /dev/null --format csv``, a FIFO) is written
into, never replaced by a rename (as root that would turn /dev/null into a regular file).
"""

from __future__ import annotations

import glob
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError
from .atomic import is_device


@dataclass(frozen=True)
class Place:
    """A path as given (``what`` says whose it is) and its identity on disk."""

    what: str
    path: str
    real: Path  # absolute, symbolic links resolved (as far as they exist)
    inode: tuple[int, int] | None  # (device, inode) when it exists
    folder: bool

    @classmethod
    def of(cls, what: str, path: str | os.PathLike[str]) -> Place:
        text = os.fspath(path)
        real = Path(os.path.realpath(text))
        try:
            st = os.stat(text)
        except (OSError, ValueError):
            return cls(what, text, real, None, False)
        return cls(what, text, real, (st.st_dev, st.st_ino), stat.S_ISDIR(st.st_mode))

    def same(self, other: Place) -> bool:
        return self.real == other.real or (self.inode is not None and self.inode == other.inode)

    def within(self, folder: Place) -> bool:
        """This path is ``folder`` or lies inside it."""
        return self.same(folder) or self.real.is_relative_to(folder.real)

    def name(self) -> str:
        return f"{self.what} {self.path}"


def _is_url(text: str) -> bool:
    return "://" in text and not Path(text).exists()


def input_places(logs: Sequence[str], files: Sequence[str], reads: Mapping[str, str | None]) -> list[Place]:
    """Every file the run reads (``files``: the log's files, as the loader expands ``logs``), and the folders named."""
    places = [Place.of("the input", f) for f in files if not _is_url(str(f))]
    for item in (str(i) for i in logs if not _is_url(str(i))):
        matches = glob.glob(item, recursive=True) if any(ch in item for ch in "*?[") else [item]
        places += [Place.of("the input folder", m) for m in matches if os.path.isdir(m)]
    places += [Place.of(f"the {option} file", path) for option, path in reads.items() if path]
    return places


def _check_room(out: Place, is_folder: bool) -> None:
    """The output's place can take it: no folder in the way, a writable folder above it."""
    if out.folder and not is_folder:
        raise InputError(f"{out.name()}: is a folder; give a file name (e.g. {Path(out.path) / 'findings.csv'})")
    above = Path(os.path.abspath(out.path)).parent
    while not os.path.lexists(above) and above != above.parent:
        above = above.parent
    if not above.is_dir():
        raise InputError(f"{out.name()}: cannot write it: {above} is a file, not a folder")
    if not os.access(above, os.W_OK | os.X_OK):
        raise InputError(
            f"{out.name()}: cannot write it: the folder {above} is not writable (read-only or no permission)"
        )


def _clash(a: Place, b: Place, folder: str | None) -> str | None:
    """How ``a`` and ``b`` collide: "same" (one file), "inside" (one lies in the other's folder), or None."""
    if a.same(b):
        return "same"
    inside = (a.what == folder and (b.within(a) or (b.folder and a.within(b)))) or (b.what == folder and a.within(b))
    return "inside" if inside else None


def check_paths(
    writes: Mapping[str, str | None],
    reads: Mapping[str, str | None] | None = None,
    logs: Sequence[str] = (),
    files: Sequence[str] = (),
    folder: str | None = None,
) -> None:
    """Exit 2 (InputError) if an output is an input, another output, or cannot be written where it is.

    ``writes`` and ``reads`` map an option (``-o``, ``--rejects``, ``--baseline`` …) to its path;
    ``logs`` are the log inputs as given (files, folders, globs), ``files`` the files they expand to
    (api.input_files); ``folder`` names the option whose output is a folder (``partition -o``).
    """
    given = [(option, path) for option, path in writes.items() if path]
    stdout = [option for option, path in given if path == "-"]
    if len(stdout) > 1:
        raise InputError(f"{stdout[0]} - and {stdout[1]} - both write to standard output; give one of them a file name")
    # a device (``-o /dev/null``) is written into, not replaced: it may take several outputs, and needs no room
    outs = [Place.of(option, path) for option, path in given if path != "-" and not is_device(path)]
    for out in outs:
        _check_room(out, out.what == folder)
    for i, out in enumerate(outs):
        for other in outs[:i]:
            how = _clash(out, other, folder)
            if how:
                relation = "are the same file" if how == "same" else "overlap (one lies inside the other)"
                raise InputError(f"{other.name()} and {out.name()} {relation}; give each output its own place")
    sources = input_places(logs, files, reads or {})
    for out in outs:
        for src in sources:
            how = _clash(out, src, folder)
            if how:
                relation = "is the same file as" if how == "same" else "overlaps (one lies inside the other)"
                raise InputError(
                    f"{out.name()} {relation} {src.name()}: writing there would destroy or change an input; "
                    "choose another output name"
                )
