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
    assert {flag: declared.get(flag, 0) for flag in SHARED} == dict.fromkeys(SHARED, 1)
