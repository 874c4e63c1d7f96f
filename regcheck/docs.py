"""Rule documentation in fixed sections, from the registry: docs/rules.md and `regcheck explain`.

Every rule is documented in the same sections, in the same order (as ruff documents its rules):
What it does / Why it matters / Exempt / Dated at / Example / Parameters (``rules.base.SECTIONS``).
The first four are ``## Heading`` blocks of the rule's docstring, checked when the rule registers;
Example and Parameters come from its declaration.

`python -m regcheck.docs > docs/rules.md` rewrites the catalogue; tests/test_docs.py fails when the
file and the registry disagree, so the docs cannot drift from the code.
"""

from __future__ import annotations

from .checklist import quote
from .config import Config, explain_params
from .facts import FACTS
from .rules import REGISTRY, Rule
from .rules.base import DOC_SECTIONS, SECTION_ZH, value_range
from .schema import SEVERITY_ZH

GROUPING_TEXT = {
    "case": "per case — one case's rows",
    "row_office": "per row office — every row carrying the office_code",
    "case_office": "per case office — every case of the office",
    "unit": "per unit — every case on the unit",
    "global": "global — rows gathered from every office",
    "months": "months — the month-by-month trend table of `regcheck trend`",
}


def heading(section: str) -> str:
    """'检查什么 What it does': a section's name as explain and docs/rules.md print it."""
    return f"{SECTION_ZH[section]} {section}"


def declaration(r: Rule) -> list[str]:
    """What the registry declares besides the text: facts needed, grouping (with projection), finding key."""
    facts = ", ".join(f"{f} ({FACTS[f][0]})" for f in sorted(r.facts)) or "none"
    grouping = GROUPING_TEXT[r.grouping]
    if r.projection is not None:
        grouping += f" (projection `{r.projection.__name__}`)"
    return [f"数据 facts: {facts}", f"分组 grouping: {grouping}", f"键 key: `{r.key}`"]


def explain_lines(r: Rule, cfg: Config) -> list[str]:
    """`regcheck explain ID`: the rule's header (title, severity, basis with the checklist quote, fires on,
    needs), its summary, then the sections in order; parameters as in effect under ``cfg``."""
    out = [
        f"{r.id}  {r.title} / {r.title_en}",
        f"级别 severity: {SEVERITY_ZH[r.severity]} {r.severity}    类别 category: {r.category}",
        f"依据 basis: 措施清单第 {r.basis_text.replace(';', '、')} 项 (checklist item {r.basis_text})",
        *quote(r.basis),
        f"触发条件 fires on: {r.fires_on}",
    ]
    if r.needs:
        out.append("需要 needs: " + ", ".join(f"--{n}" for n in sorted(r.needs)))
    out += [*(line.replace("`", "") for line in declaration(r)), "", r.summary]
    sections = r.sections
    for name in (*DOC_SECTIONS, "Example"):
        out += ["", f"{heading(name)}:", *("  " + line for line in sections[name].splitlines())]
    return [*out, "", *explain_params(r, cfg)]  # Parameters: effective values, the defaults where changed


def _parameters_markdown(r: Rule) -> list[str]:
    fields = r.params.model_fields
    if not fields:
        return ["none"]
    out = ["Default values:", ""]
    for name, info in fields.items():
        desc = (f" — {info.description}" if info.description else "") + value_range(info)
        out.append(f"- `{name}` = `{info.get_default(call_default_factory=True)!r}`{desc}")
    return out


def rule_markdown(r: Rule) -> list[str]:
    """One rule's section of docs/rules.md: title, summary, then the fixed sections in order."""
    sections = r.sections
    out = ["", f"## {r.id} {r.title} / {r.title_en}", "", r.summary, ""]
    out += [f"- {line}" for line in declaration(r)]
    for name in DOC_SECTIONS:
        out += ["", f"### {heading(name)}", "", sections[name]]
    out += ["", f"### {heading('Example')}", "", "```", sections["Example"], "```"]
    return [*out, "", f"### {heading('Parameters')}", "", *_parameters_markdown(r)]


def rules_markdown() -> str:
    lines = [
        "# 规则目录 / rule catalogue",
        "",
        "Generated from the rule registry by `python -m regcheck.docs > docs/rules.md`; "
        "`regcheck explain ID` prints the same for one rule. Every rule is documented in the same sections: "
        + " / ".join(heading(s) for s in (*DOC_SECTIONS, "Example", "Parameters"))
        + ".",
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
        lines += rule_markdown(REGISTRY[rid])
    return "\n".join(lines) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(rules_markdown(), end="")
