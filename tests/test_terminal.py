"""Issue 13 item 14: data printed on the terminal is shown as text, never run as Rich markup or control codes.

Family: any string of markup brackets (``[/]``, ``[link=…]``, ``[bold red]``) and control characters (ESC
sequences that clear the screen, OSC titles and hyperlinks, C1 CSI, BEL, backspace, bidi overrides) as an office
code, an operator id, a suppression's reason, an input or output file name, or a config value in an error.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from regcheck.terminal import json_text, plain, safe

from .conftest import run_cli, write_canonical_csv

PIECES = ["[/]", "[link=http://evil.example]", "[bold red]", "]", "[", "\\", "=", "a", "1", "张",
          "\x1b[2J", "\x1b]0;pwned\x07", "\x1b]8;;http://evil.example\x1b\\", "\x9b2J", "\x9d0;t\x9c", "\x07",
          "\x08", "\u202e", "\u2066", "\x7f"]  # fmt: skip
HOSTILE = st.lists(st.sampled_from(PIECES), min_size=1, max_size=5).map("".join).filter(lambda s: plain(s).strip())
# anything that acts on a terminal, a line break aside
ACTING = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
SETTINGS = settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


def squeeze(text: str) -> str:
    """Text as a reader sees it, whatever Rich wrapped: no line breaks, no spaces."""
    return re.sub(r"\s+", "", text)


def rows(office: str, operator: str) -> list[dict]:
    """Two offices (so the per-office table prints); the hostile one has a case with no finding (zero-report)."""
    return [
        {"case_id": "H1", "office_code": office, "activity": "accept", "event_time": "2026-09-08 09:00:00",
         "operator_id": operator, "business_type": "seal"},
        {"case_id": "H1", "office_code": office, "activity": "register", "event_time": "2026-09-08 10:00:00",
         "operator_id": "D1", "business_type": "seal"},
        {"case_id": "N1", "office_code": "340102", "activity": "register", "event_time": "2026-09-08 09:00:00",
         "operator_id": operator, "business_type": "transfer"},
    ]  # fmt: skip


@SETTINGS
@given(office=HOSTILE, operator=HOSTILE, reason=HOSTILE, name=HOSTILE)
def test_hostile_text_reaches_the_terminal_as_plain_text(
    tmp_path: Path, office: str, operator: str, reason: str, name: str
) -> None:
    folder = tmp_path / name.replace("/", "_")[:40]  # a file name may hold markup and ESC too
    folder.mkdir(exist_ok=True)
    log = write_canonical_csv(rows(office, operator), folder / f"{name.replace('/', '_')}.csv")
    cfg = folder / "regcheck.toml"
    cfg.write_text(
        "[[suppress]]\nrule = 'TL001'\n"
        f"operator_id = {json.dumps(operator)}\nreason = {json.dumps(reason)}\n"
        "approved_by = 'x'\nexpires = 2099-12-31\n",
        encoding="utf-8",
    )
    out = folder / f"{name.replace('/', '_')}.findings.csv"
    code, stdout, stderr = run_cli("scan", str(log), "-o", str(out), "--config", str(cfg))
    assert code == 0, stderr
    for text in (stdout, stderr):
        assert not ACTING.search(text), repr(text)
    seen = squeeze(stdout)
    assert squeeze(plain(out)) in seen  # 结果已写入 …: the file name as written, minus its controls
    assert squeeze(f"operator={plain(operator)}") in seen and squeeze(plain(reason)) in seen  # unused suppression
    if plain(office).strip() != "340102":
        assert squeeze(plain(office)) in seen  # the office's row and the zero-report line

    code, stdout, stderr = run_cli("scan", str(log), "-o", str(out), "--config", str(cfg), "--summary-format", "json")
    assert code == 0 and not ACTING.search(stdout), repr(stdout)
    assert json.loads(stdout)["suppressions"]["unused"][0]["reason"] == reason.strip()


@SETTINGS
@given(name=HOSTILE)
def test_an_error_quoting_a_hostile_name_is_one_plain_line(tmp_path: Path, name: str) -> None:
    missing = tmp_path / f"{name.replace('/', '_')}.csv"
    code, _out, err = run_cli("scan", str(missing), "-o", str(tmp_path / "f.csv"))
    assert code == 2
    assert not ACTING.search(err) and len(err.strip().splitlines()) == 1, repr(err)
    assert err.startswith("regcheck: error: ") and squeeze(plain(missing)) in squeeze(err)
    cfg = tmp_path / "regcheck.toml"
    cfg.write_text(f"select = [{json.dumps('Z' + name)}]\n", encoding="utf-8")  # no rule id starts with Z
    code, _out, err = run_cli("explain", "TL001", "--config", str(cfg))
    assert code == 2 and not ACTING.search(err) and len(err.strip().splitlines()) == 1, repr(err)
    folder = tmp_path / f"{name.replace('/', '_')}.toml"
    folder.mkdir(exist_ok=True)
    code, _out, err = run_cli("explain", "TL001", "--config", str(folder))  # click's own error: a folder
    assert code == 2 and not ACTING.search(err) and "is a directory" in err, repr(err)


@settings(max_examples=300, deadline=None)
@given(text=st.lists(st.sampled_from([*PIECES, "\\", "[#f00]", "[@click]", "b]"]), max_size=8).map("".join))
def test_safe_text_prints_exactly_as_written_minus_controls(text: str) -> None:
    for context, visible in (("{}", "{}"), ("x {} y", "x {} y"), ("[yellow]{}。[/yellow]", "{}。")):
        console = Console(file=io.StringIO(), width=10_000)
        console.print(context.format(safe(text)), highlight=False, soft_wrap=True)
        assert console.file.getvalue()[:-1] == visible.format(plain(text))


def test_the_helpers() -> None:
    assert plain("34\x1b[2J01\x9b2J02\u202e\x07") == "34[2J012J02"
    assert plain("a\nb\tc") == "a b c"
    assert safe("[/]\x1b]0;t\x07x") == "\\[/]]0;tx"
    assert safe("a\\[b") == "a\\\\[b"  # Rich would read \\[ as an escaped [ and drop the backslash
    text = json.dumps({"office": "x\x9b2J\u202e\x1b"}, ensure_ascii=False, indent=2)
    assert json.loads(json_text(text)) == json.loads(text) and not ACTING.search(json_text(text))
