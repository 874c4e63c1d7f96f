"""docs/rules.md is generated from the registry and must match it; every rule is documented in the
same fixed sections (What it does / Why it matters / Exempt / Dated at / Example / Parameters), and
`regcheck explain` prints them in that order."""

from __future__ import annotations

import re

import pytest

from regcheck.docs import heading, rules_markdown
from regcheck.rules import REGISTRY
from regcheck.rules.base import SECTIONS, NoParams, rule

from .conftest import REPO, run_cli

CJK = re.compile(r"[\u4e00-\u9fff]")
WORDS = re.compile(r"[A-Za-z]{3,}(?: [A-Za-z]{2,}){2,}")  # an English phrase: three words or more


def test_rules_doc_is_current() -> None:
    text = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    assert text == rules_markdown(), "run: python -m regcheck.docs > docs/rules.md"


def test_rules_doc_lists_every_rule() -> None:
    text = rules_markdown()
    for rid in REGISTRY:
        assert f"| {rid} |" in text and f"## {rid} " in text


@pytest.mark.parametrize("rule_id", sorted(REGISTRY))
def test_every_rule_documents_every_section_in_chinese_and_english(rule_id: str) -> None:
    r = REGISTRY[rule_id]
    assert r.summary.endswith("。") and "\n" not in r.summary
    sections = r.sections
    assert tuple(sections) == SECTIONS
    for name, body in sections.items():
        assert body.strip(), f"{rule_id}: empty {name}"
        if name in ("Example", "Parameters"):
            continue
        assert CJK.search(body) and WORDS.search(body), f"{rule_id} {name}: Chinese and English both"
    assert sections["Parameters"] == (", ".join(r.params.model_fields) or "none")


@pytest.mark.parametrize("rule_id", sorted(REGISTRY))
def test_explain_prints_every_section_in_order(rule_id: str) -> None:
    r = REGISTRY[rule_id]
    code, out, _err = run_cli("explain", rule_id)
    assert code == 0
    at = out.index(r.summary)
    assert at > out.index(f"触发条件 fires on: {r.fires_on}")
    for name, body in r.sections.items():
        if name == "Parameters":  # printed with the effective values: 参数 parameters (default): … / none
            at = out.index("参数 parameters", at)
            continue
        at = out.index(f"{heading(name)}:\n", at)
        for line in body.splitlines():  # every line, indented under its heading, in order
            at = out.index("  " + line, at)


@pytest.mark.parametrize("rule_id", sorted(REGISTRY))
def test_rules_doc_has_every_section_in_order(rule_id: str) -> None:
    text = rules_markdown()
    start = text.index(f"\n## {rule_id} ")
    end = text.find("\n## ", start + 1)
    part = text[start : end if end > 0 else len(text)]
    heads = re.findall(r"^### (.+)$", part, flags=re.MULTILINE)
    assert heads == [heading(s) for s in SECTIONS]
    for name in SECTIONS[:4]:
        assert REGISTRY[rule_id].sections[name] in part


@pytest.mark.parametrize(
    "doc",
    [
        "一行说明。",  # the one-line docstring of old
        "说明。\n\n## What it does\n做什么。\n\n## Why it matters\n为什么。\n\n## Dated at\n何时。",  # no Exempt
        "说明。\n\n## What it does\n做什么。\n\n## Exempt\n无。\n\n## Why it matters\n为什么。\n\n## Dated at\n何时。",
        "说明。\n\n## What it does\n做什么。\n\n## Why it matters\n\n## Exempt\nnothing\n\n## Dated at\n何时。",
        "## What it does\n做什么。\n\n## Why it matters\n为什么。\n\n## Exempt\nnothing\n\n## Dated at\n何时。",
    ],
)
def test_a_rule_without_the_fixed_sections_is_refused_at_registration(doc: str) -> None:
    def check(log: object, p: NoParams) -> None:
        pass

    check.__doc__ = doc
    register = rule(
        "ZZ901", "测试", "test", severity="low", category="数据", basis=(20,), fires_on="never", example="x"
    )
    with pytest.raises(ValueError, match="ZZ901"):
        register(check)
    assert "ZZ901" not in REGISTRY
