"""Personal data masking (regcheck/masking.py): on by default in findings (every format), the XLSX and HTML
reports and the rejects file; ``--no-mask`` turns it off and the summary says so."""

from __future__ import annotations

import html
import io
import json
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from regcheck import masking
from regcheck.masking import Masker, mask_name, person_names

from .conftest import run_cli, write_canonical_csv

OFFICE = "340104"
PERSON = "张三丰"  # an individual mortgagee
COMPANY = "合肥鑫源小额贷款有限公司"  # a company mortgagee: not personal data
STAFF = "李四光"  # a name in the roster
ID_NO = "340102199001011234"
MOBILE = "13812345678"


# --- the masker itself ------------------------------------------------------------------------

TEXT_CASES = [
    # (id, text, expected)
    ("name in a sentence", f"抵押权人{PERSON}为自然人", "抵押权人张**为自然人"),
    ("two-character name", "操作人王五（王五）", "操作人王*（王*）"),
    ("name inside a longer run", f"{PERSON}之子", "张**之子"),
    ("resident id", f"身份证{ID_NO}。", "身份证340102********1234。"),
    ("resident id ending in X", "34010219900101123X", "340102********123X"),
    ("resident id ending in lower-case x", "34010219900101123x", "340102********123x"),
    ("two ids side by side", f"{ID_NO},{ID_NO}", "340102********1234,340102********1234"),
    ("mobile", f"电话{MOBILE}", "电话138****5678"),
    ("mobile with +86 and dashes", "+86 138-1234-5678", "+86 138-****-5678"),
    ("mobile with 86 prefix", "8613812345678", "86138****5678"),
    ("17 digits: a case number, not an id", "34010220260300001", "34010220260300001"),
    ("19 digits: not an id", "3401021990010112345", "3401021990010112345"),
    ("impossible birth date: not an id", "340102199013011234", "340102199013011234"),
    ("inside a 28-character unit number", "340104002005GB00301F00030501", "340104002005GB00301F00030501"),
    ("an id with letters before and after", f"A{ID_NO}B", "A340102********1234B"),
    ("12 digits: not a mobile", "138123456789", "138123456789"),
    ("an amount with decimals", "13500000000.0元", "13500000000.0元"),
    ("a landline", "0551-62345678", "0551-62345678"),
    ("nothing personal", "受理后第7个工作日办结，超出时限2个工作日", "受理后第7个工作日办结，超出时限2个工作日"),
]


@pytest.mark.parametrize(("text", "expected"), [c[1:] for c in TEXT_CASES], ids=[c[0] for c in TEXT_CASES])
def test_masker_masks_names_ids_and_mobiles_in_text(text: str, expected: str) -> None:
    masker = Masker([PERSON, "王五"])
    assert masker.text(pd.Series([text, None], dtype=object)).tolist() == [expected, None]


def test_masked_evidence_stays_valid_json() -> None:
    evidence = json.dumps(
        {"mortgagee": PERSON, "id_as_number": int(ID_NO), "mobile_as_number": int(MOBILE), "phone": MOBILE,
         "amount": 13500000000.0, "seq": 1001},
        ensure_ascii=False,
    )  # fmt: skip
    got = json.loads(Masker([PERSON]).text(pd.Series([evidence]), json=True).iloc[0])
    assert got == {
        "mortgagee": "张**",
        "id_as_number": "340102********1234",
        "mobile_as_number": "138****5678",
        "phone": "138****5678",
        "amount": 13500000000.0,
        "seq": 1001,
    }


def test_masking_is_idempotent() -> None:
    masker = Masker([PERSON])
    once = masker.text(pd.Series([f"{PERSON} {ID_NO} {MOBILE}"]))
    assert masker.text(once).tolist() == once.tolist()


@pytest.mark.parametrize(("name", "masked"), [("张三", "张*"), ("欧阳娜娜", "欧***"), ("阿依古丽·买买提", "阿*******")])
def test_mask_name_keeps_the_first_character(name: str, masked: str) -> None:
    assert mask_name(name) == masked
    assert Masker([name]).text(pd.Series([f"({name})"])).iloc[0] == f"({masked})"


def test_person_names_are_individual_mortgagees_and_the_roster() -> None:
    events = pd.DataFrame(
        {
            "case_id": ["M1", "M1", "M2", "M3"],
            "mortgagee": [PERSON, "张三风", COMPANY, "赵六"],
            "mortgagee_type": ["individual", None, "company", "bank"],  # M1's second row carries no type
        }
    )
    roster = pd.DataFrame({"operator_id": ["W1", "W2"], "name": [STAFF, "王"]})  # a one-character name is skipped
    assert person_names(events, roster) == sorted([PERSON, "张三风", STAFF])
    assert person_names(None, None) == []


# --- end to end -------------------------------------------------------------------------------


def ev(case: str, activity: str, time: str, op: str = "340104-W1", **kw: str) -> dict:
    return {"case_id": case, "office_code": OFFICE, "activity": activity, "event_time": time, "operator_id": op, **kw}


def mortgage(case: str, day: str, mortgagee: str, kind: str) -> list[dict]:
    attrs = {"business_type": "mortgage", "mortgagee": mortgagee, "mortgagee_type": kind, "land_nature": "state",
             "use_after": "residential", "mortgage_amount": "800000", "assessed_value": "1200000"}  # fmt: skip
    return [ev(case, "accept", f"{day} 09:00:00", **attrs), ev(case, "register", f"{day} 10:00:00", "340104-D1")]


ROWS = [
    *mortgage("M1", "2026-09-08", PERSON, "individual"),  # MG006, a natural person
    *mortgage("M2", "2026-09-09", COMPANY, "company"),  # MG006, a company
    ev("S1", "accept", "2026-09-10 09:00:00", ID_NO),  # SD001: the same operator — id-shaped — accepts ...
    ev("S1", "register", "2026-09-10 10:00:00", ID_NO),  # ... and registers
    ev("S2", "accept", "2026-09-10 09:00:00", MOBILE),
    ev("S2", "register", "2026-09-10 10:00:00", MOBILE),
    ev("R1", "accept", "2026-09-11 09:00:00", "P1"),
]
ROSTER = (
    "operator_id,name,office_code,post,registrar,trained,training_hours,active_from,active_to,post_since\n"
    f"P1,{STAFF},{OFFICE},受理,否,是,,,,2015-01-01\n"  # SD004: in post for more than five years
)
RAW = [PERSON, ID_NO, MOBILE, STAFF]
MASKED = ["张**", "340102********1234", "138****5678", "李**"]


def scan(tmp_path: Path, output: str, *extra: str, rows: list[dict] = ROWS) -> tuple[int, str, str, Path]:
    log = write_canonical_csv(rows, tmp_path / "log.csv")
    roster = tmp_path / "roster.csv"
    roster.write_text(ROSTER, encoding="utf-8")
    out = tmp_path / output
    code, stdout, err = run_cli("scan", str(log), "-o", str(out), "--roster", str(roster), *extra)
    assert code == 0, err
    return code, stdout, err, out


def text_of(path: Path) -> str:
    """Everything a person could read in the file."""
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            # unescaped: with lxml installed openpyxl writes non-ASCII text as character references (&#24352;)
            return html.unescape("".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml")))
    if path.suffix == ".parquet":
        return pd.read_parquet(path).to_csv()
    return path.read_text(encoding="utf-8-sig")


@pytest.mark.parametrize("output", ["f.csv", "f.jsonl", "f.parquet", "f.xlsx"])
def test_findings_are_masked_by_default_in_every_format(tmp_path: Path, output: str) -> None:
    _c, _o, _e, out = scan(tmp_path, output, "-q")
    text = text_of(out)
    for raw, masked in zip(RAW, MASKED, strict=True):
        assert raw not in text, raw
        assert masked in text, masked
    assert COMPANY in text  # a company is no person


def test_masking_touches_only_free_text_not_the_identifiers(tmp_path: Path) -> None:
    _c, _o, _e, out = scan(tmp_path, "f.csv", "-q")
    masked = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    _c, _o, _e, out = scan(tmp_path, "g.csv", "-q", "--no-mask")
    plain = pd.read_csv(out, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert masked["finding_id"].tolist() == plain["finding_id"].tolist()  # ids are of the unmasked keys
    for col in ("case_id", "office_code", "unit_id", "rule_id", "event_time", "severity"):
        assert masked[col].tolist() == plain[col].tolist()
    by_rule = masked.set_index(["rule_id", "case_id"])
    assert by_rule.loc[("MG006", "M1"), "message"].startswith("抵押权人张**为")
    assert json.loads(by_rule.loc[("MG006", "M1"), "evidence"])["mortgagee"] == "张**"
    assert COMPANY in by_rule.loc[("MG006", "M2"), "message"]
    assert by_rule.loc[("SD001", "S1"), "operator_id"] == "340102********1234"
    assert by_rule.loc[("SD001", "S2"), "operator_id"] == "138****5678"
    sd004 = masked.loc[masked["rule_id"] == "SD004", "message"].iloc[0]
    assert "李**" in sd004 and STAFF not in sd004
    assert STAFF in plain.loc[plain["rule_id"] == "SD004", "message"].iloc[0]


def test_the_html_report_and_the_xlsx_summary_are_masked(tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    _c, _o, _e, out = scan(tmp_path, "f.xlsx", "-q", "--report", str(report))
    for text in (text_of(report), text_of(out)):
        for raw, masked in zip(RAW, MASKED, strict=True):
            assert raw not in text and masked in text
    assert "未脱敏" not in text_of(report)


def test_rejected_rows_are_masked(tmp_path: Path) -> None:
    rows = [*ROWS, ev("M1", "certify", MOBILE), ev("X1", "accept", "2026-09-12 09:00:00", ID_NO, mortgagee=PERSON)]
    log = write_canonical_csv(rows, tmp_path / "log.csv")
    with log.open("a", encoding="utf-8") as fh:  # a ragged row with a name and an id in it
        fh.write(f"M1,{OFFICE},review,{PERSON},{ID_NO}\n")
    rejects = tmp_path / "rejects.csv"
    for extra, want in (((), MASKED[:3]), (("--no-mask",), RAW[:3])):
        code, _o, err = run_cli("scan", str(log), "-o", str(tmp_path / "f.csv"), "--rejects", str(rejects), "-q",
                                *extra)  # fmt: skip
        assert code == 0, err
        got = pd.read_csv(rejects, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        assert got["column"].tolist() == ["event_time", ""]
        text = " ".join(got["value"])
        for value in want:
            assert value in text


def test_validate_masks_its_rejects_too(tmp_path: Path) -> None:
    log = write_canonical_csv([*ROWS, ev("V1", "accept", MOBILE)], tmp_path / "log.csv")
    rejects = tmp_path / "rejects.csv"
    assert run_cli("validate", str(log), "--rejects", str(rejects))[0] == 1
    assert "138****5678" in rejects.read_text(encoding="utf-8-sig") and MOBILE not in rejects.read_text("utf-8-sig")
    assert run_cli("validate", str(log), "--rejects", str(rejects), "--no-mask")[0] == 1
    assert MOBILE in rejects.read_text(encoding="utf-8-sig")


def test_no_mask_writes_the_data_as_it_is_and_every_summary_says_so(tmp_path: Path) -> None:
    report = tmp_path / "report.html"
    _c, stdout, _e, out = scan(tmp_path, "f.csv", "--no-mask", "--report", str(report))
    text = text_of(out)
    for raw in RAW:
        assert raw in text
    assert "personal data NOT masked (--no-mask)" in " ".join(stdout.split())
    assert "个人信息未脱敏" in text_of(report)
    _c, stdout, _e, _out = scan(tmp_path, "f.csv", "-q", "--no-mask", "--summary-format", "json")
    assert json.loads(stdout)["masked"] is False
    _c, stdout, _e, _out = scan(tmp_path, "f.csv", "-q", "--summary-format", "json")
    assert json.loads(stdout)["masked"] is True


def test_the_ledger_carries_masked_findings_as_open(tmp_path: Path) -> None:
    _c, _o, _e, first = scan(tmp_path, "may.csv", "-q")
    _c, _o, _e, second = scan(tmp_path, "june.csv", "-q", "--baseline", str(first))
    got = pd.read_csv(second, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert set(got["status"]) == {"open"}
    assert PERSON not in text_of(second)


def test_masking_a_large_column_is_vectorised_and_exact() -> None:
    names = [f"{a}{b}{c}" for a in "赵钱孙李周吴郑王" for b in "一二三四五六七八九十" for c in "甲乙丙丁戊己庚辛壬癸"]
    masker = Masker(names)
    messages = pd.Series(
        [f"抵押权人{names[i % len(names)]}为自然人，电话1391234{i % 10000:04d}" for i in range(20_000)]
    )
    got = masker.text(messages)
    want = [f"抵押权人{mask_name(names[i % len(names)])}为自然人，电话139****{i % 10**4:04d}" for i in range(20_000)]
    assert got.tolist() == want


def test_an_empty_findings_table_is_written_as_it_is(tmp_path: Path) -> None:
    rows = [ev("E1", "accept", "2026-09-08 09:00:00"), ev("E1", "register", "2026-09-08 10:00:00", "D1")]
    _c, _o, _e, out = scan(tmp_path, "f.csv", "-q", "--select", "LG", rows=rows)
    assert pd.read_csv(io.StringIO(out.read_text(encoding="utf-8-sig"))).empty


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.sampled_from(["张三", "李四", "王", "张", "抵押权人", '{"n":1}', "Q1", "三张", "李四四"]), max_size=6)
)
def test_names_are_searched_only_in_values_holding_a_first_character(parts: list[str]) -> None:
    """Each value is masked as alone; the window search sees only the values holding a name's first
    character (evidence JSON and most messages hold none)."""
    masker = Masker(["张三", "李四"])
    column = pd.Series(["".join(parts[i:]) for i in range(len(parts))] + ["受理", '{"n":1}'], dtype=object)
    alone = [masker.text(pd.Series([v], dtype=object)).iloc[0] for v in column]
    searched: list[str] = []
    real = masking._codepoints
    with pytest.MonkeyPatch.context() as m:
        m.setattr(masking, "_codepoints", lambda text: searched.append(text) or real(text))
        assert masker.text(column).tolist() == alone
    assert [v for text in searched for v in text.split("\x00")] == [v for v in column if "张" in v or "李" in v]
