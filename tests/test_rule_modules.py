"""Issue 14 item 7: shared rule helpers live in ``rules/base.py``; one family never imports another.

A family module that imports from a sibling (as ``mortgage.py`` once took ``case_findings`` from
``approval.py``) ties two families together: moving or splitting one breaks the other.
"""

from __future__ import annotations

import ast
from pathlib import Path

import regcheck.rules

RULES = Path(regcheck.rules.__file__).parent


def sibling_imports(path: Path) -> list[str]:
    """The modules of ``regcheck.rules`` (but base) that the file imports, at any depth."""
    families = {p.stem for p in RULES.glob("*.py")} - {"base", "__init__"}
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            parts = (node.module or "").split(".")
            if node.level == 1 and parts[0] in families:
                found.append(parts[0])
            if node.level == 1 and not node.module:
                found += [a.name for a in node.names if a.name in families]
            if node.module and node.module.startswith("regcheck.rules.") and parts[2] in families:
                found.append(parts[2])
    return found


def test_no_rule_family_imports_another() -> None:
    offenders = {
        p.name: sibling_imports(p) for p in sorted(RULES.glob("*.py")) if p.stem != "__init__" and sibling_imports(p)
    }
    assert offenders == {}, "move the shared helper to rules/base.py"


def test_the_check_sees_a_sibling_import(tmp_path: Path) -> None:
    bad = tmp_path / "x.py"
    bad.write_text("from .approval import case_findings\nfrom . import fee\nfrom .base import rule\n", encoding="utf-8")
    assert sibling_imports(bad) == ["approval", "fee"]
