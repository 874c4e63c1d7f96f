"""Whole, partitioned and Dask scans of one multi-office log give byte-identical findings (issue 7).

The log is a generated 4-office log plus a few cross-office stories, each of which a naive
per-office split would get wrong:

* AP004 — one approval number on two parcels in two offices;
* IQ003 — one operator with 30 + 30 queries in two offices on one day (> 50 in total), the
  first of them at the same second in both offices: the finding's office is the one whose row
  comes first in the input;
* LG001 — a case accepted in 340102 whose register row carries 340104 and an event_seq that
  leaves a gap in 340104's sequence (the row travels with its case to 340102's partition);
* MG001 — a seal registered in 340103 on a unit that a mortgage registers in 340102;
* rejected rows (unknown activity, empty case_id, empty office_code; in the CSV also a malformed line).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from benchmarks import gen2
from regcheck.findings import finding_id
from regcheck.generate import generate
from regcheck.rules import REGISTRY
from regcheck.writers.logfile import write_log
from tests.conftest import run_cli

SEED = 7
UNIT = "340102099001GB00001F00010001"  # the unit sealed in 340103 and mortgaged in 340102
OP = "340102-Q1"  # the operator querying in two offices


def _stories(events: pd.DataFrame) -> pd.DataFrame:
    seq_104 = int(events.loc[events["office_code"] == "340104", "event_seq"].max())
    rows: list[dict] = []

    def case(cid: str, office: str, bt: str, steps: list[tuple[str, str, str]], **attrs: object) -> None:
        for activity, when, operator in steps:
            rows.append(
                {
                    "case_id": cid,
                    "office_code": office,
                    "activity": activity,
                    "event_time": when,
                    "operator_id": operator,
                    "business_type": bt,
                    **attrs,
                }
            )

    # IQ003: the 340103 rows come first in the input, at the same second as the first 340102 row
    for office in ("340103", "340102"):
        for i in range(30):
            rows.append(
                {
                    "case_id": f"XQ{office}{i:02d}",
                    "office_code": office,
                    "activity": "query",
                    "event_time": f"2026-09-15 09:{i:02d}:00",
                    "operator_id": OP,
                    "business_type": "query",
                    "query_basis": f"CX-X-{office}-{i}",
                }
            )
    # AP004 across offices
    for cid, office, unit in (("XAP1", "340102", "340102099002GB00001F00010001"), ("XAP2", "340111", None)):
        reg = f"{office}-D1"
        case(
            cid,
            office,
            "change",
            [("accept", "2026-09-01 09:00:00", f"{office}-W1"), ("register", "2026-09-04 10:00:00", reg)],
            unit_id=unit or "340111099003GB00001F00010001",
            change_kind="split",
            approval_no="合自然资规〔2026〕77号",
            approval_date="2026-08-01",
            land_nature="state",
            use_before="residential",
            use_after="residential",
        )
    # LG001: a case of 340102 whose register row carries 340104 and event_seq max+2
    case(
        "XSPAN1",
        "340102",
        "transfer",
        [("accept", "2026-09-01 09:00:00", "340102-W1")],
        unit_id="340102099004GB00001F00010001",
        land_nature="state",
        use_after="residential",
    )
    rows.append(
        {
            "case_id": "XSPAN1",
            "office_code": "340104",
            "activity": "register",
            "event_time": "2026-09-03 10:00:00",
            "operator_id": "340104-D1",
            "event_seq": seq_104 + 2,
        }
    )
    # MG001 across offices: seal in 340103, mortgage in 340102, same unit
    case(
        "XSEAL1",
        "340103",
        "seal",
        [("accept", "2026-09-02 09:00:00", "340103-W1"), ("register", "2026-09-02 10:00:00", "340103-D1")],
        unit_id=UNIT,
        land_nature="state",
        use_after="residential",
    )
    case(
        "XMORT1",
        "340102",
        "mortgage",
        [("accept", "2026-09-08 09:00:00", "340102-W1"), ("register", "2026-09-09 10:00:00", "340102-D1")],
        unit_id=UNIT,
        land_nature="state",
        use_after="residential",
        mortgagee="中国工商银行股份有限公司合肥分行",
        mortgagee_type="bank",
        mortgage_amount=500000.0,
        assessed_value=900000.0,
    )
    # rejected rows
    rows.append({"case_id": "XBAD1", "office_code": "340103", "activity": "bogus", "event_time": "2026-09-05 09:00:00"})
    rows.append({"case_id": None, "office_code": "340104", "activity": "accept", "event_time": "2026-09-05 09:00:00"})
    rows.append({"case_id": "XBAD2", "office_code": None, "activity": "accept", "event_time": "2026-09-05 09:00:00"})
    extra = pd.DataFrame(rows).reindex(columns=events.columns)
    extra["event_time"] = pd.to_datetime(extra["event_time"]).astype(events["event_time"].dtype)
    for col in events.columns:
        if col != "event_time":
            extra[col] = extra[col].astype(events[col].dtype)
    return pd.concat([events, extra], ignore_index=True)


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("engines")
    gen = generate(3000, SEED, offices=4)
    events = _stories(gen.events)
    seq_104 = int(gen.events.loc[gen.events["office_code"] == "340104", "event_seq"].max())
    write_log(events, root / "log.parquet")
    write_log(events, root / "log.csv")
    with (root / "log.csv").open("a", encoding="utf-8") as fh:
        fh.write("a malformed,line\n")
    gen.roster.to_csv(root / "roster.csv", index=False)
    gen.approvals.to_csv(root / "approvals.csv", index=False)
    code, out, err = run_cli("partition", str(root / "log.parquet"), "-o", str(root / "dataset"))
    assert code == 0, err
    assert "5 office partitions" in out and "1 cases span two offices" in out
    gen2.generate(4000, root / "gen2.parquet", seed=SEED)  # the benchmarks' second generator: 12 skewed offices
    return {
        "parquet": root / "log.parquet",
        "csv": root / "log.csv",
        "dataset": root / "dataset",
        "roster": root / "roster.csv",
        "approvals": root / "approvals.csv",
        "gen2": root / "gen2.parquet",
        "gen2_roster": root / "gen2_roster.csv",
        "gen2_approvals": root / "gen2_approvals.csv",
        "seq_104": seq_104,  # type: ignore[dict-item]
    }


def _scan(data: dict[str, Path], out: Path, *args: str, log: str = "") -> dict[str, object]:
    """Scan with the side files of ``log`` ('' = the generated 4-office log, 'gen2' = gen2.py's)."""
    out.mkdir(parents=True, exist_ok=True)
    pre = f"{log}_" if log else ""
    side = ("--roster", str(data[f"{pre}roster"]), "--approvals", str(data[f"{pre}approvals"]))
    code, stdout, stderr = run_cli(
        "scan",
        *args,
        *side,
        "-o",
        str(out / "findings.csv"),
        "--rejects",
        str(out / "rejects.csv"),
        "--summary-format",
        "json",
    )
    assert code in (0, 1), stderr
    summary = json.loads(stdout)
    summary.pop("output")
    summary.pop("files_read")  # the inputs: a file, or the dataset's parts
    return {
        "findings": (out / "findings.csv").read_bytes(),
        "rejects": (out / "rejects.csv").read_bytes(),
        "summary": summary,
        "stderr": stderr,
    }


@pytest.fixture(scope="module")
def whole(data: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, object]]:
    root = tmp_path_factory.mktemp("whole")
    scans = {kind: _scan(data, root / kind, str(data[kind])) for kind in ("parquet", "csv")}
    return {**scans, "gen2": _scan(data, root / "gen2", str(data["gen2"]), log="gen2")}


def _frame(raw: object) -> pd.DataFrame:
    from io import BytesIO

    return pd.read_csv(BytesIO(raw), dtype=str, keep_default_na=False, encoding="utf-8-sig")  # type: ignore[arg-type]


def test_the_whole_scan_has_the_cross_office_findings(
    data: dict[str, Path], whole: dict[str, dict[str, object]]
) -> None:
    seq_104 = int(data["seq_104"])  # type: ignore[call-overload]
    f = _frame(whole["parquet"]["findings"])
    ap = f.loc[f["rule_id"] == "AP004"]
    assert {"XAP1", "XAP2"} <= set(ap["case_id"])
    assert ap["office_code"].nunique() >= 2
    iq = f.loc[(f["rule_id"] == "IQ003") & (f["operator_id"] == OP)]
    assert iq[["finding_id", "office_code"]].values.tolist() == [[finding_id("IQ003", f"{OP}@2026-09-15"), "340103"]]
    lg = f.loc[(f["rule_id"] == "LG001") & (f["office_code"] == "340104")]
    assert finding_id("LG001", f"340104:{seq_104 + 1}") in set(lg["finding_id"])
    assert f.loc[f["rule_id"] == "MG001", "case_id"].tolist().count("XMORT1") == 1
    assert whole["parquet"]["summary"]["rows_rejected"] == 3
    assert whole["csv"]["summary"]["rows_rejected"] == 4


@pytest.mark.parametrize(
    ("kind", "args"),
    [
        ("parquet", ("{dataset}",)),  # a dataset written by `regcheck partition`
        ("parquet", ("{dataset}", "--engine", "local", "--partition-by", "office_code")),
        ("parquet", ("{parquet}", "--partition-by", "office_code")),  # partitioned on the fly
        ("csv", ("{csv}", "--partition-by", "office_code")),  # CSV, with a malformed line
    ],
    ids=["dataset", "dataset-explicit", "partition-by-parquet", "partition-by-csv"],
)
def test_a_partitioned_local_scan_equals_the_whole_scan(
    data: dict[str, Path], whole: dict[str, dict[str, object]], tmp_path: Path, kind: str, args: tuple[str, ...]
) -> None:
    got = _scan(data, tmp_path, *(a.format(**{k: str(v) for k, v in data.items()}) for a in args))
    want = whole[kind]
    assert got["findings"] == want["findings"]
    assert got["rejects"] == want["rejects"]
    assert got["summary"] == want["summary"]


@pytest.mark.parametrize("threads", ["1", "4"])
@pytest.mark.parametrize("kind", ["parquet", "csv", "gen2"])
def test_one_thread_or_four_give_the_same_scan(
    data: dict[str, Path], whole: dict[str, dict[str, object]], tmp_path: Path, monkeypatch, kind: str, threads: str
) -> None:
    """Columns are parsed and rules run on threads: the outcome must not depend on how many.

    On the generated log with the cross-office stories (Parquet and CSV) and on a log of the
    benchmarks' second generator (gen2.py: 12 offices of skewed sizes, about 12 events per case).
    """
    monkeypatch.setenv("REGCHECK_THREADS", threads)
    got = _scan(data, tmp_path, str(data[kind]), log="gen2" if kind == "gen2" else "")
    want = whole[kind]
    assert _frame(want["findings"])["rule_id"].nunique() >= 15  # many rules find something to compare
    assert got["findings"] == want["findings"]
    assert got["rejects"] == want["rejects"]
    assert got["summary"] == want["summary"]


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as c:  # pragma: no branch
        yield c


@pytest.mark.parametrize("as_url", [False, True], ids=["path", "file-url"])
def test_the_dask_engine_equals_the_whole_scan(
    data: dict[str, Path], whole: dict[str, dict[str, object]], cluster, tmp_path: Path, as_url: bool
) -> None:
    dataset = data["dataset"].resolve().as_uri() if as_url else str(data["dataset"])
    got = _scan(data, tmp_path, dataset, "--engine", "dask", "--scheduler", cluster.scheduler_address)
    want = whole["parquet"]
    assert got["findings"] == want["findings"]
    assert got["rejects"] == want["rejects"]
    assert got["summary"] == want["summary"]


def test_the_partition_layout_keeps_each_case_in_its_office(data: dict[str, Path]) -> None:
    root = data["dataset"]
    folders = sorted(p.name for p in root.iterdir() if p.is_dir())
    assert folders == [f"office_code={o}" for o in ("340102", "340103", "340104", "340111")] + [
        "office_code=__HIVE_DEFAULT_PARTITION__"
    ]
    span = pq.read_table(root / "office_code=340102" / "part-0.parquet").to_pandas()
    rows = span.loc[span["case_id"] == "XSPAN1"]
    assert rows["office_code"].tolist() == ["340102", "340104"]  # the register row travels with its case
    total = sum(pq.ParquetFile(p).metadata.num_rows for p in root.rglob("*.parquet"))
    assert total == pq.ParquetFile(data["parquet"]).metadata.num_rows
    code, _out, err = run_cli("partition", str(data["parquet"]), "-o", str(root))
    assert code == 2 and "not an empty folder" in err


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--engine", "dask", "--partition-by", "none"), "leave out --partition-by none"),
        (("--engine", "dask", "--scheduler", "tcp://127.0.0.1:1"), "regcheck partition"),  # not a dataset
        (("--workers", "2"), "--engine dask"),
    ],
)
def test_engine_option_errors_are_exit_2(data: dict[str, Path], tmp_path: Path, args, message: str) -> None:
    code, _out, err = run_cli("scan", str(data["parquet"]), "-o", str(tmp_path / "f.csv"), *args)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1


def test_engine_dask_without_dask_is_exit_2(data: dict[str, Path], tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    code, _out, err = run_cli("scan", str(data["dataset"]), "-o", str(tmp_path / "f.csv"), "--engine", "dask")
    assert code == 2
    assert err.strip() == "regcheck: error: --engine dask needs Dask: pip install -e '.[dask]'"


@pytest.mark.parametrize(
    ("marker", "args", "warns"),
    [
        (False, (), False),  # another tool's Hive dataset: read whole
        (False, ("--partition-by", "office_code"), False),  # partitioned again, by the case's office
        (True, (), True),  # claims to be `regcheck partition`'s: scanned per folder, and the split is reported
    ],
    ids=["foreign-whole", "foreign-repartitioned", "marked"],
)
def test_a_hive_dataset_that_splits_a_case_across_folders(
    tmp_path: Path, marker: bool, args: tuple[str, ...], warns: bool
) -> None:
    rows = pd.DataFrame(
        {
            "case_id": ["C1", "C1", "C2", "C2"],
            "office_code": ["340102", "340103", "340103", "340103"],
            "activity": ["accept", "register", "accept", "register"],
            "event_time": pd.to_datetime(
                ["2026-09-01 09:00", "2026-09-02 09:00", "2026-09-01 10:00", "2026-09-01 09:30"]
            ),
        }
    )
    ds = tmp_path / "ds"
    pq.write_to_dataset(pa.Table.from_pandas(rows, preserve_index=False), ds, ["office_code"])
    if marker:
        (ds / "_regcheck_dataset.json").write_text("{}", encoding="utf-8")
    whole = _plain_scan(ds, tmp_path / "whole.csv", "--partition-by", "none")
    code, _out, err = run_cli("scan", str(ds), "-o", str(tmp_path / "f.csv"), "-q", *args)
    assert code == 0, err
    assert ("1 cases have rows in more than one partition" in err) is warns
    if not warns:
        assert (tmp_path / "f.csv").read_bytes() == whole


def _plain_scan(path: Path, out: Path, *args: str) -> bytes:
    code, _out, err = run_cli("scan", str(path), "-o", str(out), "-q", *args)
    assert code == 0, err
    return out.read_bytes()


def _summary(path: Path, out: Path, *args: str) -> tuple[dict, bytes]:
    code, stdout, err = run_cli("scan", str(path), "-o", str(out), "--summary-format", "json", *args)
    assert code in (0, 1), err
    summary = json.loads(stdout)
    for varies in ("output", "files_read"):
        summary.pop(varies)
    return summary, out.read_bytes()


def test_without_event_seq_every_engine_sets_lg001_aside_alike(tmp_path: Path, cluster) -> None:
    """A log whose files have no event_seq column: LG001 is not checkable, in each office as in the whole."""
    events = generate(600, SEED, offices=3).events.drop(columns=["event_seq"])
    write_log(events, tmp_path / "log.parquet")
    code, _out, err = run_cli("partition", str(tmp_path / "log.parquet"), "-o", str(tmp_path / "dataset"))
    assert code == 0, err
    whole, found = _summary(tmp_path / "log.parquet", tmp_path / "whole.csv")
    # LG001 joins the rules no generated flat log can feed (no message heads, no review steps)
    others = {r.id for r in REGISTRY.values() if r.facts & {"message_heads", "step"}}
    assert [e["rule_id"] for e in whole["not_checkable"]] == sorted({"LG001"} | others)
    lg001 = next(e for e in whole["not_checkable"] if e["rule_id"] == "LG001")
    assert lg001["reason"].startswith("不适用：数据源无日志序号")
    for name, path, args in (
        ("partition-by", tmp_path / "log.parquet", ("--partition-by", "office_code")),
        ("dataset", tmp_path / "dataset", ()),
        ("dask", tmp_path / "dataset", ("--engine", "dask", "--scheduler", cluster.scheduler_address)),
    ):
        got = _summary(path, tmp_path / f"{name}.csv", *args)
        assert got == (whole, found), name


def test_the_global_projection_carries_only_the_columns_the_global_rules_read(data: dict[str, Path]) -> None:
    """An office's projection is held, with every other office's, until the global rules run: it carries the
    columns those rules read (as ``--select`` of them would load) and ``_row``, not the whole log's width —
    and the partitioned scan still equals the whole scan (the tests above)."""
    from regcheck.distributed import global_projection
    from regcheck.engine import columns_needed
    from regcheck.loaders import load
    from regcheck.model import EventLog

    log = EventLog(load([str(data["parquet"])]).events)
    ids = sorted(r.id for r in REGISTRY.values() if r.grouping == "global")
    projection = global_projection(log, ids)
    wanted = (columns_needed([REGISTRY[i] for i in ids]) | {"_row"}) & set(log.events.columns)
    assert set(projection.columns) == wanted
    assert set(log.events.columns) - {"case"} - wanted  # the log is wider: the test can fail
    assert len(projection) > 0
