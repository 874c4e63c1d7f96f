"""The commands' options: declared once (shared option groups in cli.py), listed by --help as before.

``data/cli_options.json`` is every command's options as they were declared before the option
groups (flags, help text, type, default); a refactoring of cli.py must leave them as they are.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
from pathlib import Path
from typing import Any

import click
import pytest

from regcheck import cli
from regcheck.cli import main

from .conftest import run_cli

BEFORE: dict[str, list[dict[str, Any]]] = json.loads(
    (Path(__file__).parent / "data" / "cli_options.json").read_text(encoding="utf-8")
)
# Options the commands share: each must be declared by exactly one click.option call in cli.py.
SHARED = (
    "--profile", "-o", "--config", "--select", "--ignore", "--as-of", "--calendar", "--roster", "--approvals",
    "--delimiter", "--recursive", "--no-mask", "--period", "--format", "--quiet", "--rejects", "--summary-format",
    "--db", "--db-schema",
)  # fmt: skip


def describe(cmd: click.Command) -> list[dict[str, Any]]:
    """A command's parameters as data/cli_options.json records them."""
    out = []
    for p in cmd.params:
        d = {
            "name": p.name,
            "opts": p.opts,
            "secondary_opts": p.secondary_opts,
            "required": p.required,
            "multiple": p.multiple,
            "nargs": p.nargs,
            "type": p.type.to_info_dict(),
            "default": repr(p.default),
        }
        if isinstance(p, click.Option):
            d |= {"help": p.help, "is_flag": p.is_flag, "show_default": p.show_default}
        out.append(json.loads(json.dumps(d)))
    return sorted(out, key=lambda d: d["opts"])


def help_flags(text: str) -> set[str]:
    """The flags listed in the Options section of a --help text."""
    section = text.split("\nOptions:\n", 1)[1]
    flags = set()
    for line in section.splitlines():
        m = re.match(r"  (-\S.*?)(?:\s{2,}|$)", line)
        if m:
            flags |= {piece.split()[0] for piece in m.group(1).split(", ")}
    return flags


def test_every_command_is_in_the_record() -> None:
    assert sorted(main.commands) == sorted(BEFORE)


@pytest.mark.parametrize("name", sorted(BEFORE))
def test_help_lists_the_same_options(name: str) -> None:
    code, out, err = run_cli(name, "--help")
    assert code == 0, err
    expected = {f for p in BEFORE[name] if p["opts"][0].startswith("-") for f in p["opts"] + p["secondary_opts"]}
    assert help_flags(out) == expected | {"-h", "--help"}


@pytest.mark.parametrize("name", sorted(BEFORE))
def test_options_declared_as_before(name: str) -> None:
    assert describe(main.commands[name]) == BEFORE[name]


def test_shared_options_declared_once() -> None:
    """--profile, -o, --config … are declared by one click.option each, whatever commands use them."""
    tree = ast.parse(inspect.getsource(cli))
    declared: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "option":
            for arg in node.args:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    declared[arg.value] = declared.get(arg.value, 0) + 1
    # generate --format log|access|tables (issue 15) is another option under the same flag: what to write,
    # not the findings' file format that scan, sample … share
    assert {flag: declared.get(flag, 0) for flag in SHARED} == dict.fromkeys(SHARED, 1) | {"--format": 2}
    generate_format = [p for p in main.commands["generate"].params if "--format" in p.opts]
    assert [p.name for p in generate_format] == ["form"]


def test_the_library_scan_writes_what_the_command_writes(tmp_path: Path) -> None:
    """api.scan, whole-file and by office partition, gives the command's findings byte for byte;
    a file the folder holds but cannot be read is named through ``warn``."""
    from regcheck import api

    folder = tmp_path / "logs"
    folder.mkdir()
    code, _out, err = run_cli("generate", "--cases", "500", "--seed", "3", "-o", str(tmp_path / "log.parquet"))
    assert code == 0, err
    (tmp_path / "log.parquet").rename(folder / "log.parquet")
    (folder / "notes.txt").write_text("not a log", encoding="utf-8")
    side = ("--roster", str(tmp_path / "log.roster.csv"), "--approvals", str(tmp_path / "log.approvals.csv"))
    code, _out, err = run_cli("scan", str(folder / "log.parquet"), "-o", str(tmp_path / "cli.csv"), "-q", *side)
    assert code == 0, err
    said: list[tuple[str, str]] = []
    for partition_by in ("none", "office_code"):
        out = tmp_path / f"{partition_by}.csv"
        outcome = api.scan(
            [str(folder)],
            output=str(out),
            partition_by=partition_by,
            roster_path=side[1],
            approvals_path=side[3],
            warn=lambda kind, text: said.append((kind, text)),
        )
        assert out.read_bytes() == (tmp_path / "cli.csv").read_bytes()
        assert len(outcome.findings) > 0 and outcome.summary.files_read == [str(folder / "log.parquet")]
    assert [kind for kind, _ in said] == ["note", "note"] and all("notes.txt" in text for _, text in said)
