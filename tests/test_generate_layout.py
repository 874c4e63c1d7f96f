"""The generator is a package with one module per rule family (issue 14, item 6).

Adding a rule's scenario should touch that family's module only: each family module keeps its own
injection rates (merged, in family order, into ``regcheck.generate.RATES``), and no class or function
grows back into the 1,689-line class and 228-line functions the single module had.
"""

from __future__ import annotations

import ast
import hashlib
import importlib
from pathlib import Path

import pytest

import regcheck.generate as gen
from regcheck.rules import REGISTRY

# family module -> rule-id prefix, in the order RATES lists them
FAMILIES = {
    "timelimit": "TL",
    "queue": "QJ",
    "approval": "AP",
    "mortgage": "MG",
    "duties": "SD",
    "query": "IQ",
    "fee": "FE",
    "integrity": "LG",
}


def _modules() -> list[Path]:
    init = Path(gen.__file__)
    assert init.name == "__init__.py", "regcheck.generate should be a package"
    return sorted(init.parent.glob("*.py"))


def _sizes(kind: type) -> list[tuple[int, str]]:
    out = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, kind):
                out.append((node.end_lineno - node.lineno + 1, f"{path.name}:{node.name}"))
    return sorted(out, reverse=True)


def test_no_class_over_600_lines_no_function_over_120() -> None:
    assert _sizes(ast.ClassDef)[0][0] <= 600, _sizes(ast.ClassDef)[:3]
    assert _sizes(ast.FunctionDef)[0][0] <= 120, _sizes(ast.FunctionDef)[:3]


@pytest.mark.parametrize("module, prefix", FAMILIES.items())
def test_each_family_module_keeps_its_own_rates(module: str, prefix: str) -> None:
    rates = importlib.import_module(f"regcheck.generate.{module}").RATES
    assert rates, module
    assert all(rule.startswith(prefix) for rule in rates), (module, sorted(rates))
    assert all(rule in REGISTRY for rule in rates), (module, sorted(set(rates) - set(REGISTRY)))


def test_rates_are_the_families_rates_in_family_order() -> None:
    merged: dict[str, float] = {}
    for module in FAMILIES:
        rates = importlib.import_module(f"regcheck.generate.{module}").RATES
        assert not set(rates) & set(merged), module
        merged.update(rates)
    assert list(gen.RATES.items()) == list(merged.items())


def _digest(g: gen.Generated) -> str:
    """One digest of the events (case, activity, time, operator in row order), labels, roster and registry."""
    h = hashlib.sha256()
    ev = g.events
    for col in ("case_id", "activity", "operator_id", "approval_no", "fee_charged"):
        h.update(ev[col].astype(str).str.cat(sep="|").encode())
    h.update(ev["event_time"].to_numpy().astype("int64").tobytes())
    for frame in (g.labels, g.roster, g.approvals):
        h.update(frame.to_csv(index=False).encode())
    return h.hexdigest()[:16]


# The generator's output, pinned when generate.py was split into a package (byte-identical by cmp
# before and after). A change here means the random stream is consumed differently: a reordered
# draw, or a mask computed at another step. If a scenario is changed on purpose, update the digests.
# Re-pinned when SD004's labels became its finding key, office:operator (events, roster and registry unchanged:
# with the labels mapped back to the operator the digests are the earlier f7c4868dfa16b241 and 612b9bdab165ff21).
PINNED = {
    (3000, 2026, 4): "a8aad11d565ef968",
    (100000, 11, 9): "88841f577852a448",  # the size where a misplaced mask first showed
}


@pytest.mark.parametrize("cases, seed, offices", PINNED)
def test_generated_log_is_pinned(cases: int, seed: int, offices: int) -> None:
    assert _digest(gen.generate(cases, seed, offices=offices)) == PINNED[(cases, seed, offices)]
