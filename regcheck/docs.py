"""The rule catalogue as Markdown, generated from the registry (docs/rules.md).

`python -m regcheck.docs > docs/rules.md` rewrites it; tests/test_docs.py fails when
the file and the registry disagree, so the docs cannot drift from the code.
"""

from __future__ import annotations

from .rules import REGISTRY
from .rules.base import value_range
from .schema import SEVERITY_ZH


def rules_markdown() -> str:
    lines = [
        "# 规则目录 / rule catalogue",
        "",
        "Generated from the rule registry by `python -m regcheck.docs > docs/rules.md`; "
        "`regcheck explain ID` prints the same for one rule.",
        "",
        "| id | 名称 title | 级别 severity | 类别 | 依据 basis | fires on |",
        "|---|---|---|---|---|---|",
    ]
    for rid in sorted(REGISTRY):
        r = REGISTRY[rid]
        needs = f" (needs {', '.join('--' + n for n in sorted(r.needs))})" if r.needs else ""
        fires = r.fires_on.replace("|", "\\|") + needs
        lines.append(
            f"| {r.id} | {r.title} {r.title_en} | {SEVERITY_ZH[r.severity]} {r.severity} | {r.category} "
            f"| {r.basis_text} | {fires} |"
        )
    for rid in sorted(REGISTRY):
        r = REGISTRY[rid]
        lines += ["", f"## {r.id} {r.title} / {r.title_en}", "", r.doc.strip()]
        fields = r.params.model_fields
        if fields:
            lines += ["", "Parameters (default):", ""]
            for name, info in fields.items():
                desc = (f" — {info.description}" if info.description else "") + value_range(info)
                lines.append(f"- `{name}` = `{info.get_default(call_default_factory=True)!r}`{desc}")
        if r.example:
            lines += ["", "```", r.example, "```"]
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(rules_markdown(), end="")
