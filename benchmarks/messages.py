"""Issue 15 benchmark: reading an access-message archive against a bare lxml pass over it.

Builds (or takes) a zip of N access messages (spec/sources.md §2: one ``Message`` per case with
a ``Head`` and a ``Data`` of table rows, about a dozen rows and 150 attributes per message, as
vendors' messages carry), then times, in one run with interleaved repetitions:

  (f1) floor, fromstring — every ``.xml`` member read from the zip one at a time, parsed with
       ``lxml.etree.fromstring`` (the hardened parser), its elements counted; nothing kept
  (f2) floor, iterparse  — the same with ``lxml.etree.iterparse`` over the member's stream
  (r)  read_messages     — ``regcheck.sources.messages.read_messages([ZIP])``: the RawRows frames
  (w)  whole path        — what ``regcheck scan ZIP`` does before the rules: the source classified,
       read (RawRows), mapped to events and case attributes (``sources.events.to_load`` through
       ``api.load_input``), cut and made the ``EventLog`` (``api.cut_log``)

and prints messages per second and the ratios (r)/floor and (w)/floor — the floor is the faster
of the two parse strategies, and regcheck uses that one. Each measurement runs in-process (the
archive is in the page cache after the first round); the median over the rounds is reported.

    python benchmarks/messages.py --profile 20000         # pyinstrument profile of (w), text

    python benchmarks/messages.py                         # 20,000 and 100,000 messages, 3 rounds
    python benchmarks/messages.py --sizes 20000 --rounds 5
    python benchmarks/messages.py --archive some.zip      # time a given archive instead

The archives are cached in benchmarks/data/ (git-ignored). The writer below follows the spec, not
a vendor: its messages are for timing, not for rule tests (the generator writes those).
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = Path(os.environ.get("REGCHECK_BENCH_DATA") or HERE / "data")  # several checkouts may share one cache
SEED = 15  # issue 15; fixed so every run times the same archive
AREAS = ("340121", "340122", "340123", "340104")
STAFF = ("张伟", "王芳", "李娜", "刘洋", "陈静", "杨磊", "赵敏", "黄勇")


# -- a message writer from the spec -------------------------------------------------------------


def _attrs(values: dict[str, str]) -> str:
    return " ".join(f'{k}="{v}"' for k, v in values.items())


def _row(table: str, values: dict[str, str]) -> str:
    return f"<{table} {_attrs(values)}/>"


def message(area: str, day: str, seq: int, rng: random.Random) -> str:
    """One access message as text: Head, acceptance, reviews, register, certify, issue, fee, archive,
    parties and a right row (a house title or a mortgage) with the attributes vendors send."""
    ywh = f"{area}20{day}{seq:06d}"
    t = f"20{day[:2]}-{day[2:4]}-{day[4:]}"
    mortgage = rng.random() < 0.4
    right = "QLF_QL_DYAQ" if mortgage else "QLT_FW_FDCQ_YZ"
    unit = f"{area}001001GB{seq % 99999:05d}F{seq % 9999:08d}"
    head = {
        "BizMsgID": f"{area}{day}{seq:06d}",
        "ASID": "AS100",
        "AreaCode": area,
        "RecType": "9000101" if mortgage else "2000101",
        "RightType": "23" if mortgage else "4",
        "RegType": "100",
        "CreateDate": f"{t}T17:00:00",
        "RecFlowID": ywh,
        "RegOrgID": f"{area}DJJ",
        "ParcelID": unit[:19],
        "EstateNum": unit,
        "PreEstateNum": "/",
        "PreCertID": "无",
        "CertCount": "1",
        "ProofCount": "0",
        "DigitalSign": "MIIB" + "A" * 120,
    }
    staff = rng.sample(STAFF, 4)
    common = {"YWH": ywh, "QXDM": area, "BSM": str(seq), "YSDM": "6003000000"}
    rows = [
        _row(
            "DJT_DJ_SLSQ",
            {
                **common,
                "DJDL": "100",
                "SLRY": staff[0],
                "SLSJ": f"{t}T09:{seq % 60:02d}:00",
                "JSSJ": f"{t}T16:00:00",
                "AJZT": "2",
                "SQZSBS": "1",
                "SQFBCZ": "0",
                "ZL": "安徽省合肥市长丰县双墩镇某小区1栋101",
                "TZRXM": "某某",
            },
        ),
        _row(
            "DJF_DJ_SH",
            {
                **common,
                "JDMC": "初审",
                "SXH": "1",
                "SHRYXM": staff[1],
                "SHKSSJ": f"{t}T10:00:00",
                "SHJSSJ": f"{t}T10:30:00",
                "CZJG": "1",
                "SHYJ": "同意",
            },
        ),
        _row(
            "DJF_DJ_SH",
            {
                **common,
                "JDMC": "核定",
                "SXH": "2",
                "SHRYXM": staff[2],
                "SHKSSJ": f"{t}T11:00:00",
                "SHJSSJ": f"{t}T11:30:00",
                "CZJG": "1",
                "SHYJ": "同意登记",
            },
        ),
        _row("DJF_DJ_SZ", {**common, "SZMC": "不动产权证书", "SZRY": staff[3], "SZSJ": f"{t}T14:00:00+08:00"}),
        _row(
            "DJF_DJ_FZ", {**common, "FZRY": staff[3], "FZSJ": f"{t}T15:00:00", "FZMC": "不动产权证书", "LZRXM": "某某"}
        ),
        _row(
            "DJF_DJ_SF",
            {
                **common,
                "SFRY": staff[0],
                "SFRQ": f"{t}T09:30:00",
                "SFLX": "1",
                "YSJE": "80",
                "SSJE": "80",
                "SFDW": "元",
            },
        ),
        _row("DJF_DJ_GD", {**common, "GDRY": staff[1], "GDSJ": f"{t}T16:30:00", "ZJS": "12", "YS": "30"}),
        _row(
            "ZTT_GY_QLR",
            {
                **common,
                "BDCDYH": unit,
                "SXH": "1",
                "QLRMC": "中国建设银行股份有限公司" if mortgage else "张三",
                "QLRLX": "2" if mortgage else "1",
                "ZJZL": "1",
                "ZJH": "340121199001011234",
                "DH": "13800000000",
                "GYFS": "0",
            },
        ),
        _row("DJF_DJ_SQR", {**common, "SQRMC": "张三", "ZJH": "340121199001011234", "SQRLB": "1", "DH": "13800000000"}),
    ]
    if mortgage:
        rows.append(
            _row(
                right,
                {
                    **common,
                    "BDCDYH": unit,
                    "DJLX": "100",
                    "DYFS": "1",
                    "BDBZZQSE": "120.5",
                    "ZGZQSE": "",
                    "DJSJ": f"{t}T12:00:00",
                    "DBR": staff[2],
                    "QLLX": "23",
                    "ZWLXQSSJ": f"{t}",
                    "ZWLXJSSJ": "2046-01-01",
                    "DYBDCLX": "2",
                    "QSZT": "1",
                },
            )
        )
    else:
        rows.append(
            _row(
                right,
                {
                    **common,
                    "BDCDYH": unit,
                    "DJLX": "200",
                    "GHYT": "11",
                    "QLXZ": "102",
                    "JZMJ": "98.2",
                    "DJSJ": f"{t}T12:00:00",
                    "DBR": staff[2],
                    "QLLX": "4",
                    "FDZL": "某小区1栋101",
                    "TDSYQR": "张三",
                    "FWXZ": "0",
                    "FWJG": "1",
                    "SZC": "1",
                    "ZCS": "18",
                    "QSZT": "1",
                },
            )
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Message>\n<Head>\n'
        + "".join(f"<{k}>{v}</{k}>\n" for k, v in head.items())
        + "</Head>\n<Data>\n"
        + "\n".join(rows)
        + "\n</Data>\n</Message>\n"
    )


def write_archive(path: Path, n: int, seed: int = SEED) -> None:
    """A zip of ``n`` messages, members ``yyMMdd/Biz<BizMsgID>.xml`` in day order (as a 前置机 keeps them)."""
    rng = random.Random(seed)
    per_day = 400
    tmp = path.with_suffix(".tmp")
    with zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for i in range(n):
            area = AREAS[i % len(AREAS)]
            day_index, seq = divmod(i // len(AREAS), per_day)
            month, dom = divmod(day_index, 28)
            day = f"26{month % 12 + 1:02d}{dom + 1:02d}"
            text = message(area, day, seq + 1, rng)
            zf.writestr(f"{day}/Biz{area}{day}{seq + 1:06d}.xml", text.encode("utf-8"))
    tmp.replace(path)


def ensure_archive(n: int, name: str = "messages", write: Callable[[Path, int], None] = write_archive) -> Path:
    """The cached archive ``NAME_N_seedSEED.zip`` of ``n`` messages, written by ``write`` when missing."""
    path = DATA / f"{name}_{n}_seed{SEED}.zip"
    if not path.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        print(f"writing {n:,} messages -> {path} …", flush=True)
        write(path, n)
    return path


# -- the floors and regcheck ----------------------------------------------------------------------


def floor_fromstring(path: Path) -> int:
    """Elements in every .xml member, each parsed whole from its bytes; nothing kept."""
    from regcheck.sources.messages import parser

    p = parser()
    from lxml import etree

    count = 0
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if info.filename.lower().endswith(".xml"):
                count += sum(1 for _ in etree.fromstring(zf.read(info), p).iter())
    return count


def floor_iterparse(path: Path) -> int:
    """Elements in every .xml member, counted from ``iterparse`` end events (elements cleared)."""
    from lxml import etree

    count = 0
    with zipfile.ZipFile(path) as zf:
        for info in zf.infolist():
            if info.filename.lower().endswith(".xml"):
                data = io.BytesIO(zf.read(info))
                for _event, el in etree.iterparse(
                    data, events=("end",), resolve_entities=False, no_network=True, load_dtd=False
                ):
                    count += 1
                    el.clear()
    return count


def regcheck_read(path: Path) -> int:
    from regcheck.sources.messages import read_messages

    raw = read_messages([path])
    return len(raw.heads)


def whole_path(path: Path) -> int:
    """Archive -> EventLog as a scan makes it (regcheck/api.py: load_input, then cut_log)."""
    from rich.console import Console

    from regcheck import api
    from regcheck.progress import ScanProgress

    source = api.classify([str(path)])
    bar = ScanProgress(Console(quiet=True), show=False)
    loaded, _counts = api.load_input(source, [str(path)], None, None, bar)
    log, _ = api.cut_log(loaded, None, None, api.work_calendar(None))
    return len(log.events)


def messages_in(path: Path) -> int:
    with zipfile.ZipFile(path) as zf:
        return sum(1 for i in zf.infolist() if i.filename.lower().endswith(".xml"))


def timed(fn: Callable[[Path], int], path: Path) -> tuple[float, float]:
    """Wall seconds and CPU seconds (this process) of one pass. On a shared machine wall time is
    inflated by other work, CPU time much less: the ratio is taken on CPU time."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn(path)
    return time.perf_counter() - wall, time.process_time() - cpu


def profile(n: int) -> None:
    """A pyinstrument profile of the whole path (w) on the archive of ``n`` messages, as text."""
    from pyinstrument import Profiler

    path = ensure_archive(n)
    whole_path(path)  # imports and first-use caches out of the profile
    profiler = Profiler(interval=0.002)
    profiler.start()
    whole_path(path)
    profiler.stop()
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="20000,100000", help="messages per archive, comma-separated")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--archive", type=Path, help="time this zip instead of generated ones")
    ap.add_argument("--profile", type=int, metavar="N", help="profile the whole path on N messages instead")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(HERE.parent))
    if args.profile:
        profile(args.profile)
        return 0
    archives = [args.archive] if args.archive else [ensure_archive(int(s)) for s in args.sizes.split(",")]
    runs = {"f1": floor_fromstring, "f2": floor_iterparse, "r": regcheck_read, "w": whole_path}
    labels = {
        "f1": "(f1) floor: lxml fromstring, count",
        "f2": "(f2) floor: lxml iterparse, count",
        "r": "(r) read_messages -> RawRows",
        "w": "(w) whole path -> EventLog",
    }
    import lxml.etree  # noqa: F401  imports are not timed

    import regcheck.api
    import regcheck.sources.events
    import regcheck.sources.messages  # noqa: F401

    times: dict[tuple[Path, str], list[tuple[float, float]]] = {}
    for _ in range(args.rounds):
        for path in archives:
            for key, fn in runs.items():
                times.setdefault((path, key), []).append(timed(fn, path))
    print(f"load average {os.getloadavg()[0]:.1f}; {args.rounds} interleaved round(s), medians")
    print("| archive | messages | MiB | pass | CPU s | wall s (min–max) | messages/CPU s | CPU / floor |")
    print("|---|---:|---:|---|---:|---|---:|---:|")
    for path in archives:
        n = messages_in(path)
        mib = path.stat().st_size / (1 << 20)
        cpu = {key: statistics.median(c for _w, c in times[(path, key)]) for key in runs}
        floor = min(cpu["f1"], cpu["f2"])
        for key in runs:
            walls = [w for w, _c in times[(path, key)]]
            print(
                f"| {path.name} | {n:,} | {mib:.1f} | {labels[key]} | {cpu[key]:.2f} | "
                f"{statistics.median(walls):.2f} ({min(walls):.2f}–{max(walls):.2f}) | {n / cpu[key]:,.0f} | "
                f"{cpu[key] / floor:.2f} |"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
