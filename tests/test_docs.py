"""docs/rules.md is generated from the registry and must match it."""

from __future__ import annotations

from regcheck.docs import rules_markdown
from regcheck.rules import REGISTRY

from .conftest import REPO


def test_rules_doc_is_current() -> None:
    text = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert text == rules_markdown(), "run: python -m regcheck.docs > docs/rules.md"


def test_rules_doc_lists_every_rule() -> None:
    text = rules_markdown()
    for rid in REGISTRY:
        assert f"| {rid} |" in text and f"## {rid} " in text
