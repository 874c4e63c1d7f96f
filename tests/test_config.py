"""regcheck.toml: validation, parameters fed to the rules, select/ignore, suppressions, explain."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from regcheck.config import build, load_config
from regcheck.errors import InputError

from ._monthly import AS_OF, FINDINGS, pairs, write_log
from .conftest import run_cli, scan_findings

SUPPRESS = """
[[suppress]]
rule = "{rule}"
{target}
reason = "经批准的例外"
approved_by = "张三"
expires = {expires}
"""


def write_config(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- validation: every mistake is one line naming it, exit 2 ------------------------------------

BAD_CONFIGS = [
    ("unknown top-level key", "selct = ['TL']\n", "unknown key(s) 'selct'"),
    ("unknown rule section", "[rules.TL999]\nwarn_days = 2\n", "[rules.TL999]"),
    ("unknown parameter", "[rules.TL003]\nwarn_dayz = 2\n", "unknown key(s) 'rules.TL003.warn_dayz'"),
    ("parameter of the wrong type", "[rules.TL003]\nwarn_days = 'two'\n", "warn_days"),
    ("unknown business type in [limits]", "[limits]\ntransferr = 3\n", "unknown business type 'transferr'"),
    ("negative limit", "[limits]\ntransfer = -1\n", "transfer = -1"),
    ("select naming no rule", "select = ['XX']\n", "no rule matches 'XX'"),
    (
        "suppression without approver",
        "[[suppress]]\nrule='TL001'\ncase_id='A1'\nreason='r'\nexpires=2026-12-31\n",
        "suppress.0.approved_by",
    ),
    (
        "suppression without target",
        "[[suppress]]\nrule='TL001'\nreason='r'\napproved_by='x'\nexpires=2026-12-31\n",
        "needs case_id, office_code or operator_id",
    ),
    (
        "suppression with an unknown key",
        "[[suppress]]\nrule='TL001'\ncase='A1'\nreason='r'\napproved_by='x'\nexpires=2026-12-31\n",
        "'suppress.0.case'",
    ),
    (
        "suppression of an unknown rule",
        "[[suppress]]\nrule='ZZ1'\ncase_id='A1'\nreason='r'\napproved_by='x'\nexpires=2026-12-31\n",
        "no rule matches 'ZZ1'",
    ),
    (
        "expiry that is not a date",
        "[[suppress]]\nrule='TL001'\ncase_id='A1'\nreason='r'\napproved_by='x'\nexpires='soon'\n",
        "suppress.0.expires",
    ),
    ("not TOML", "select = [\n", "not valid TOML"),
    ("unknown key in [fees]", "[fees]\nresident = 90\n", "[fees] unknown key(s) 'resident'"),
    ("negative fee", "[fees]\nresidential = -80\n", "[fees] residential"),
    ("no [queues] section", "[queues]\nA = 'B'\n", "unknown key(s) 'queues'"),
]


@pytest.mark.parametrize(("name", "text", "expected"), BAD_CONFIGS, ids=[b[0] for b in BAD_CONFIGS])
def test_bad_config_is_one_line_exit_2(tmp_path: Path, name: str, text: str, expected: str) -> None:
    cfg = write_config(tmp_path / "regcheck.toml", text)
    log = write_log(tmp_path / "log.csv")
    code, _out, err = run_cli("scan", str(log), "-o", str(tmp_path / "f.csv"), "--config", str(cfg), "-q")
    assert code == 2, err
    assert expected in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_missing_config_file_is_exit_2(tmp_path: Path) -> None:
    log = write_log(tmp_path / "log.csv")
    code, _out, err = run_cli("scan", str(log), "-o", str(tmp_path / "f.csv"), "--config", str(tmp_path / "no.toml"))
    assert code == 2
    assert "no such config file" in err


def test_all_unknown_keys_are_named_together() -> None:
    with pytest.raises(InputError, match=re.escape("'colour', 'rules.TL003.shade'")):
        build({"colour": 1, "rules": {"TL003": {"shade": 2}}})


def test_config_in_working_directory_is_found(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write_config(tmp_path / "regcheck.toml", "select = ['LG']\n")
    monkeypatch.chdir(tmp_path)
    assert load_config().select == ["LG"]
    found = scan_findings(write_log(tmp_path / "log.csv"), tmp_path)
    assert set(found["rule_id"]) == {"LG003"}


def test_no_config_means_defaults(tmp_path: Path) -> None:
    cfg = load_config(None, cwd=tmp_path)
    assert cfg.path is None and cfg.params == {} and cfg.suppressions == []


# --- parameters reach the rules -----------------------------------------------------------------

PARAM_CASES = [
    # (config, expected (rule, case) pairs among TL findings)
    ("", {("TL001", "A2"), ("TL002", "A1")}),
    # limits section feeds TL001–TL003: transfer 1 day makes A3 (elapsed 2) and C1 (elapsed 2) late too
    ("[limits]\ntransfer = 1\n", {("TL001", "A2"), ("TL002", "A1"), ("TL001", "A3"), ("TL001", "C1")}),
    # Chinese label as key; "none" = not timed
    ("[limits]\n'转移登记' = 'none'\n", set()),
    # a generous limit: nothing late, A1 (elapsed 9, limit 10) within warn_days of TL003
    ("[limits]\ntransfer = 10\n", {("TL003", "A1")}),
    # [rules.ID] wins over [limits] for that rule only
    ("[limits]\ntransfer = 10\n[rules.TL002]\nlimits = {transfer = 5}\n", {("TL002", "A1"), ("TL003", "A1")}),
    # TL003 warn_days: A1 (limit 12, elapsed 9) has 3 days left
    ("[limits]\ntransfer = 12\n[rules.TL003]\nwarn_days = 3\n", {("TL003", "A1")}),
    ("[limits]\ntransfer = 12\n", set()),
]


@pytest.mark.parametrize(("text", "expected"), PARAM_CASES)
def test_config_parameters_change_findings(tmp_path: Path, text: str, expected: set) -> None:
    cfg = write_config(tmp_path / "regcheck.toml", text)
    found = scan_findings(write_log(tmp_path / "log.csv"), tmp_path, "--config", str(cfg), "--select", "TL")
    assert pairs(found) == expected


FEE_CASES = [
    # (config, FE findings on a residential transfer charged 80 yuan and a seal charged 0)
    ("", set()),
    ("[fees]\nresidential = 100\n", {("FE001", "F1")}),  # the fee table feeds FE001/FE002
    ("[fees]\nfree_types = ['seal', 'transfer']\n", {("FE002", "F1")}),  # a list replaces the default
    ("[rules.FE002]\nfees = {free_types = ['transfer']}\n", {("FE002", "F1")}),
]


@pytest.mark.parametrize(("text", "expected"), FEE_CASES)
def test_fee_table_from_config(tmp_path: Path, text: str, expected: set) -> None:
    from ._monthly import ev

    rows = [
        ev("F1", "340102", "accept", "2026-11-02 09:00:00", "W1", fee_charged="80"),
        ev("F1", "340102", "register", "2026-11-03 09:00:00", "D1"),
        ev("F2", "340102", "accept", "2026-11-02 10:00:00", "W1", btype="seal", fee_charged="0"),
        ev("F2", "340102", "register", "2026-11-02 11:00:00", "D1", btype="seal"),
    ]
    cfg = write_config(tmp_path / "regcheck.toml", text)
    found = scan_findings(write_log(tmp_path / "log.csv", rows), tmp_path, "--config", str(cfg), "--select", "FE")
    assert pairs(found) == expected


SELECT_CASES = [
    # (config, command-line args, the cases whose finding is reported: tests/_monthly.py FINDINGS)
    ("select = ['LG003']\n", [], {"B2"}),
    ("select = ['TL', 'LG']\nignore = ['TL']\n", [], {"B2"}),
    ("select = ['LG003']\n", ["--select", "TL"], {"A1", "A2"}),  # --select replaces the file's
    ("ignore = ['TL002']\n", ["--select", "TL"], {"A2"}),  # the file's ignore still applies
    ("ignore = ['LG']\n", ["--ignore", "TL001"], {"A1"}),  # --ignore adds to it
]


@pytest.mark.parametrize(("text", "args", "expected"), SELECT_CASES)
def test_select_and_ignore(tmp_path: Path, text: str, args: list[str], expected: set) -> None:
    cfg = write_config(tmp_path / "regcheck.toml", text)
    found = scan_findings(write_log(tmp_path / "log.csv"), tmp_path, "--config", str(cfg), *args)
    assert pairs(found) == {(FINDINGS[case], case) for case in expected}


# --- suppressions -------------------------------------------------------------------------------


def scan_json(tmp_path: Path, cfg: Path, *extra: str) -> tuple[set, dict]:
    log = write_log(tmp_path / "log.csv")
    out = tmp_path / "f.csv"
    code, stdout, err = run_cli(
        "scan", str(log), "-o", str(out), "--config", str(cfg), "--summary-format", "json", *extra
    )
    assert code == 0, err
    import pandas as pd

    found = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return pairs(found), json.loads(stdout)


SUPPRESSION_CASES = [
    # (rule, target, expires, still reported?, expired?, unused?)
    ("TL002", 'case_id = "A1"', "2026-12-31", False, False, False),
    ("TL002", 'case_id = "A1"', AS_OF[:10], False, False, False),  # in force on its expiry day
    ("TL002", 'case_id = "A1"', "2026-11-05", True, True, False),  # expired the day before as-of
    ("TL", 'office_code = "340102"', "2026-12-31", False, False, False),  # prefix + office: A1 and A2
    ("TL002", 'operator_id = "R1"', "2026-12-31", True, False, True),  # TL002 has no operator: matches nothing
    ("TL001", 'case_id = "NOPE"', "2026-12-31", True, False, True),  # a typo: unused
    ("TL002", 'case_id = "A1"\noffice_code = "340103"', "2026-12-31", True, False, True),  # all must match
]


@pytest.mark.parametrize(("rule", "target", "expires", "reported", "expired", "unused"), SUPPRESSION_CASES)
def test_suppressions(
    tmp_path: Path, rule: str, target: str, expires: str, reported: bool, expired: bool, unused: bool
) -> None:
    cfg = write_config(tmp_path / "regcheck.toml", SUPPRESS.format(rule=rule, target=target, expires=expires))
    found, summary = scan_json(tmp_path, cfg)
    assert (("TL002", "A1") in found) is reported
    sup = summary["suppressions"]
    assert bool(sup["expired"]) is expired
    assert bool(sup["unused"]) is unused
    if expired:
        assert sup["expired"][0]["matched"] == 1  # what it would have suppressed
    if not reported:
        assert sup["suppressed"] >= 1


def test_unused_only_for_rules_that_ran(tmp_path: Path) -> None:
    cfg = write_config(
        tmp_path / "regcheck.toml", SUPPRESS.format(rule="MG001", target='case_id = "X"', expires="2026-12-31")
    )
    _found, summary = scan_json(tmp_path, cfg, "--select", "TL")
    assert summary["suppressions"]["unused"] == []
    _found, summary = scan_json(tmp_path, cfg, "--select", "TL,MG")
    assert [s["rule"] for s in summary["suppressions"]["unused"]] == ["MG001"]


def test_suppression_report_on_terminal(tmp_path: Path) -> None:
    text = SUPPRESS.format(rule="TL002", target='case_id = "A1"', expires="2026-10-31") + SUPPRESS.format(
        rule="TL001", target='case_id = "NOPE"', expires="2026-12-31"
    )
    cfg = write_config(tmp_path / "regcheck.toml", text)
    log = write_log(tmp_path / "log.csv")
    code, out, err = run_cli("scan", str(log), "-o", str(tmp_path / "f.csv"), "--config", str(cfg))
    assert code == 0, err
    text_out = " ".join(out.split())
    assert "豁免已过期 expired suppression" in text_out and "A1" in text_out
    assert "豁免未匹配 unused suppression" in text_out and "NOPE" in text_out


# --- explain shows effective values -------------------------------------------------------------


def test_explain_shows_effective_values(tmp_path: Path) -> None:
    cfg = write_config(
        tmp_path / "regcheck.toml",
        "[limits]\ntransfer = 3\n[rules.TL003]\nwarn_days = 2\n"
        + SUPPRESS.format(rule="TL003", target='office_code = "340102"', expires="2026-12-31"),
    )
    code, out, err = run_cli("explain", "TL003", "--config", str(cfg))
    assert code == 0, err
    assert "effective under" in out
    assert "warn_days = 2  ← regcheck.toml（默认 default 1）" in out
    assert "transfer: 5 → 3" in out
    assert "'first': 30" in out  # untouched entries keep their default
    assert "豁免 suppression: TL003 office=340102" in out
    code, out, _ = run_cli("explain", "TL003")
    assert "参数 parameters (default):" in out and "warn_days = 1" in out


def test_explain_notes_a_deselected_rule(tmp_path: Path) -> None:
    cfg = write_config(tmp_path / "regcheck.toml", "ignore = ['LG003']\n")
    code, out, _ = run_cli("explain", "LG003", "--config", str(cfg))
    assert code == 0
    assert "not selected by the config" in out


TOML_FILE_PROBLEMS = {  # (a folder or an unreadable file is click's to refuse)
    "GBK": ("[columns]\n# 业务号\n".encode("gbk"), "the file is not UTF-8 text; save x.toml as UTF-8"),
    "not TOML": (b"[columns\n", "{invalid} ("),
}


@pytest.mark.parametrize("problem", TOML_FILE_PROBLEMS, ids=list(TOML_FILE_PROBLEMS))
@pytest.mark.parametrize(
    ("option", "what", "invalid"),
    [("--config", "config", "not valid TOML"), ("--profile", "profile", "not a valid TOML profile")],
)
def test_a_config_or_profile_that_cannot_be_read_is_one_line_naming_it(
    tmp_path: Path, problem: str, option: str, what: str, invalid: str
) -> None:
    """The config and the profile are read by one helper (tomlfile.read_toml): the same problems, the same words."""
    content, expected = TOML_FILE_PROBLEMS[problem]
    path = tmp_path / "x.toml"
    path.write_bytes(content)
    log = write_log(tmp_path / "log.csv")
    code, _out, err = run_cli("scan", str(log), "-o", str(tmp_path / "f.csv"), option, str(path), "-q")
    assert code == 2, err
    assert err.startswith(f"regcheck: error: {path}: ") and err.count("\n") == 1, err
    assert expected.format(what=what, invalid=invalid) in err
    assert not (tmp_path / "f.csv").exists()
