"""The generated registered cases (access.py) written as access messages or standard tables, and their labels.

Rows: one frame per standard table (sources.md §3), values as text exactly as written — both name
generations (offices with an odd index run the older DJT_DJ_SL system without DJF_DJ_DB),
``+08:00``, naive and fractional times, a date alone in SFRQ, the vendors' placeholders (``/``,
``无``, ``-1``, ``1900-01-01``) in fields the case does not need. Rows shared by all messages of a
case (acceptance, review, fees …) go into each of its messages; right and party rows into their
unit's message. A few rows are written twice (identical duplicates, merged by the reader).

Messages: one per registered case and unit (RecFlowID ``YWH-n`` when a case covers several units),
numbered ``BizMsgID`` = area + yyMMdd of 登簿 + 6-digit sequence per area and day, with a few
deliberate gaps (LG005), suffixes BBXZ (sent late), CBXZ/BL (a resend of the same message); a
share of the files GBK-encoded. The zip is byte-identical for a seed (members in name order,
fixed times).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..sources import HEAD_FIELDS
from ..writers.atomic import atomic_dir, atomic_path
from .access import (
    G_NONE,
    G_RES,
    GHYT,
    KIND_NAMES,
    KINDS,
    PARTY_NAMES,
    AccessGenerated,
    K,
    case_labels,
)
from .common import BANKS, COMPANIES, DAY, FINANCIAL, OFFICE_CODES

ACCEPT_NEW, ACCEPT_OLD = "DJT_DJ_SLSQ", "DJT_DJ_SL"


def fmt_time(t: np.ndarray, style: np.ndarray, date_only: np.ndarray | None = None) -> np.ndarray:
    """Seconds -> text: naive (0), with +08:00 (1), with a fraction (2); a date alone where date_only."""
    s = np.datetime_as_string(np.asarray(t, dtype=np.int64).astype("datetime64[s]")).astype(object)
    s = np.where(style == 1, s + "+08:00", np.where(style == 2, s + ".500", s))
    if date_only is not None:
        s = np.where(date_only, np.array([v[:10] for v in s], dtype=object), s)
    return s


def _pick_text(rng: np.random.Generator, n: int, choices: tuple[str, ...]) -> np.ndarray:
    return np.array(choices, dtype=object)[rng.integers(0, len(choices), n)]


class _Rows:
    """The rows of every table, from the generated cases and events (one random stream of its own)."""

    def __init__(self, g: AccessGenerated) -> None:
        self.g, self.c, self.ev = g, g.cases, g.events
        self.rng = np.random.default_rng([g.seed, 15])
        self.n = len(g.case_id)
        self.ywh = g.case_id
        self.names = g.staff["name"].to_numpy(dtype=object)
        self.tables: dict[str, list[pd.DataFrame]] = {}

    def add(self, table: str, case: np.ndarray, unit: np.ndarray | int = -1, **cols: np.ndarray | str | None) -> None:
        m = len(case)
        df = pd.DataFrame({"_case": case, "_unit": np.broadcast_to(unit, (m,))})
        df["YWH"] = self.ywh[case]
        for k, v in cols.items():
            df[k] = np.broadcast_to(np.asarray(v, dtype=object), (m,)) if v is not None else None
        self.tables.setdefault(table, []).append(df)

    def ev_of(self, act: str) -> dict[str, np.ndarray]:
        sel = self.ev["act"] == act
        return {k: v[sel] for k, v in self.ev.items()}

    def build(self) -> dict[str, pd.DataFrame]:
        self.acceptance()
        self.review()
        self.register()
        self.after()
        self.parties()
        out = {t: pd.concat(parts, ignore_index=True) for t, parts in self.tables.items()}
        # identical duplicate rows inside a case: a review, fee or party row written twice
        for t in ("DJF_DJ_SH", "DJF_DJ_SF", "ZTT_GY_QLR"):
            df = out[t]
            dup = self.rng.random(len(df)) < 0.03
            out[t] = pd.concat([df, df.loc[dup]]).sort_index(kind="stable").reset_index(drop=True)
        return out

    def acceptance(self) -> None:
        c, rng, n = self.c, self.rng, self.n
        e = self.ev_of("accept")
        case = e["case"]
        slsj = fmt_time(e["time"], c["style"][case])
        bad = c["no_slsj"][case]
        slsj[bad] = _pick_text(rng, int(bad.sum()), ("1900-01-01", "/", ""))
        area = np.array(OFFICE_CODES, dtype=object)[c["office"][case]]
        qxdm = np.where(rng.random(len(case)) < 0.05, "/", area)
        code = np.array([KINDS[k][0] for k in KIND_NAMES], dtype=object)[c["kind"][case]]
        jssj = np.where(
            rng.random(len(case)) < 0.3, "1900-01-01T00:00:00", fmt_time(c["t_reg"][case], c["style"][case])
        )
        ajzt = np.where(rng.random(len(case)) < 0.2, "-1", "已办结")
        old = c["old_gen"][case]
        for table, sel, col in ((ACCEPT_NEW, ~old, "DJDL"), (ACCEPT_OLD, old, "DJLX")):
            k = np.flatnonzero(sel)
            self.add(
                table,
                case[k],
                QXDM=qxdm[k],
                _qxdm=area[k],
                SLRY=self.names[e["op"][k]],
                SLSJ=slsj[k],
                **{col: code[k]},
                JSSJ=jssj[k],
                AJZT=ajzt[k],
            )
        del n

    def review(self) -> None:
        c, rng = self.c, self.rng
        e = self.ev_of("review")
        case, m = e["case"], len(e["case"])
        style = c["style"][case]
        jdmc = e["step"].copy()
        pad = (jdmc == "复审") & (rng.random(m) < 0.3)
        jdmc[pad] = " 复审 "  # trimmed by the reader
        none = jdmc == ""
        jdmc[none] = np.where(rng.random(int(none.sum())) < 0.5, None, "/")
        end_blank = e["flag"]
        shjssj = np.where(end_blank, "1900-01-01", fmt_time(e["time"], style))
        start = np.where(end_blank, e["time"], e["t2"])
        shkssj = np.where(~end_blank & (rng.random(m) < 0.1), "", fmt_time(start, style))
        self.add(
            "DJF_DJ_SH",
            case,
            JDMC=jdmc,
            SXH=e["sxh"].astype(str).astype(object),
            SHRYXM=self.names[e["op"]],
            SHKSSJ=shkssj,
            SHJSSJ=shjssj,
            CZJG="通过",
        )

    def register(self) -> None:
        """Right rows (one per unit, DJSJ a minute apart) and, in the newer generation, DJF_DJ_DB."""
        c, rng, n = self.c, self.rng, self.n
        e = self.ev_of("register")
        case = e["case"]
        dbr = self.names[e["op"]]
        new = np.flatnonzero(~c["old_gen"][case])
        self.add("DJF_DJ_DB", case[new], DBRYXM=dbr[new], DBSJ=fmt_time(e["time"][new], c["style"][case[new]]))
        units = c["units"][case]
        rep = np.repeat(np.arange(len(case)), units)
        u = np.arange(len(rep)) - np.repeat(np.cumsum(units) - units, units)
        cc = case[rep]
        keep = ~c["no_right"][cc]
        rep, u, cc = rep[keep], u[keep], cc[keep]
        kind = c["kind"][cc]
        style = c["style"][cc]
        djsj = fmt_time(e["time"][rep] + 60 * u, style)
        bdcdyh = unit_of(c["unit"][cc], u)
        use = c["use"][cc]
        ghyt = np.array(GHYT, dtype=object)[use]
        ghyt = np.where((use == G_RES) & (rng.random(len(cc)) < 0.1), "成套住宅", ghyt)
        ghyt = np.where(use == G_NONE, np.where(rng.random(len(cc)) < 0.5, None, "/"), ghyt)
        code = np.array([KINDS[k][0] for k in KIND_NAMES], dtype=object)[kind]
        table = np.array([KINDS[k][1] for k in KIND_NAMES], dtype=object)[kind]
        table = np.where(c["land_right"][cc], "QLF_QL_JSYDSYQ", table)
        own = self.ywh[cc]
        for t in dict.fromkeys(table):
            k = np.flatnonzero(table == t)
            extra = self.right_extra(t, cc[k], own[k], djsj[k], dbr[rep[k]])
            g = None if t == "QLF_QL_JSYDSYQ" else ghyt[k]
            self.add(
                t,
                cc[k],
                u[k],
                BDCDYH=bdcdyh[k],
                DJLX=code[k],
                DJSJ=djsj[k],
                DBR=dbr[rep[k]],
                GHYT=g,
                QLXZ=c["land"][cc[k]],
                **extra,
            )
        del n

    def right_extra(self, table: str, case: np.ndarray, own: np.ndarray, djsj: np.ndarray, dbr: np.ndarray) -> dict:
        """The columns of one right table: mortgage amounts, unsealing and objection-cancel facts."""
        c, rng, m = self.c, self.rng, len(case)
        kind = c["kind"][case]
        if table == "QLF_QL_DYAQ":
            dyfs = np.where(rng.random(m) < 0.2, "2", "1")
            amount = np.round(rng.uniform(20, 300, m), 2).astype(str).astype(object)
            return dict(
                DYFS=dyfs, BDBZZQSE=np.where(dyfs == "1", amount, "-1"), ZGZQSE=np.where(dyfs == "2", amount, None)
            )
        if table == "QLF_QL_CFDJ":
            unseal = kind == K["unseal"]
            return dict(
                CFJG="合肥市中级人民法院",
                JFYWH=np.where(unseal, own, None),
                JFDJSJ=np.where(unseal, djsj, None),
                JFDBR=np.where(unseal, dbr, None),
            )
        if table == "QLF_QL_YYDJ":
            return dict(ZXYYYWH=np.where(kind == K["objection_cancel"], own, None))
        return {}

    def after(self) -> None:
        """缮证, 发证, 收费, 归档 rows."""
        c, rng = self.c, self.rng
        for act, table, op, tm in (
            ("certify", "DJF_DJ_SZ", "SZRY", "SZSJ"),
            ("issue", "DJF_DJ_FZ", "FZRY", "FZSJ"),
            ("archive", "DJF_DJ_GD", "GDRY", "GDSJ"),
        ):
            e = self.ev_of(act)
            self.add(table, e["case"], **{op: self.names[e["op"]], tm: fmt_time(e["time"], c["style"][e["case"]])})
        e = self.ev_of("charge")
        case, m = e["case"], len(e["case"])
        fee = e["fee"]
        ssje = np.where(np.isnan(fee), "/", np.array([f"{v:g}" for v in np.nan_to_num(fee)], dtype=object))
        ssje = np.where(
            ~np.isnan(fee) & (rng.random(m) < 0.3), np.array([f"{v:.2f}" for v in np.nan_to_num(fee)]), ssje
        )
        self.add(
            "DJF_DJ_SF",
            case,
            SFRY=self.names[e["op"]],
            SFRQ=fmt_time(e["time"], c["style"][case], e["flag"]),
            YSJE=np.array([f"{v:g}" for v in c["std"][case]], dtype=object),
            SSJE=ssje,
            SFLX=np.where(e["sxh"] == 1, "证书工本费", "登记费"),
        )

    def parties(self) -> None:
        """ZTT_GY_QLR per unit: a mortgage's mortgagee (SXH 1) and mortgagor, or one or two owners."""
        c, rng, n = self.c, self.rng, self.n
        units = c["units"]
        rep = np.repeat(np.arange(n), units)
        u = np.arange(len(rep)) - np.repeat(np.cumsum(units) - units, units)
        mort = c["kind"][rep] == K["mortgage"]
        owners = np.where(mort, 2, rng.integers(1, 3, len(rep)))
        r2 = np.repeat(np.arange(len(rep)), owners)
        sxh = np.arange(len(r2)) - np.repeat(np.cumsum(owners) - owners, owners) + 1
        case, unit = rep[r2], u[r2]
        m = len(case)
        kindm = np.where(c["kind"][case] == K["mortgage"], c["mortgagee"][case], 3)
        kindm = np.where(sxh > 1, 3, kindm)  # the mortgagor and further owners: individuals
        company = (kindm == 3) & (rng.random(m) < 0.08) & (c["kind"][case] != K["mortgage"])
        kindm = np.where(company, 2, kindm)
        name = np.select(
            [kindm == 0, kindm == 1, kindm == 2],
            [_pick_text(rng, m, BANKS), _pick_text(rng, m, FINANCIAL), _pick_text(rng, m, COMPANIES)],
            _pick_text(rng, m, PARTY_NAMES),
        )
        qlrlx = np.where(kindm == 3, "1", "2")
        area = np.array(OFFICE_CODES, dtype=object)[c["office"][case]]
        birth = rng.integers(1950, 2001, m) * 10000 + rng.integers(1, 13, m) * 100 + rng.integers(1, 29, m)
        idno = np.array(
            [
                f"{a}{b}{s:03d}{x}"
                for a, b, s, x in zip(
                    area, birth, rng.integers(0, 1000, m), _pick_text(rng, m, tuple("0123456789X")), strict=True
                )
            ]
        )
        uscc = np.array([f"91{a}MA{s:08d}" for a, s in zip(area, rng.integers(0, 10**8, m), strict=True)])
        zjh = np.where(kindm == 3, idno, uscc).astype(object)
        zjh = np.where(rng.random(m) < 0.03, "无", zjh)
        dh = np.array([f"1{p:010d}" for p in rng.integers(3 * 10**9, 9 * 10**9, m)], dtype=object)
        dh = np.where(rng.random(m) < 0.1, "/", dh)
        order = np.lexsort(
            (np.where(rng.random(m) < 0.3, -sxh, sxh), unit, case)
        )  # document order: SXH 2 first at times
        no_ywh = rng.random(m) < 0.3  # in the XML form the row belongs to its message's case
        self.add(
            "ZTT_GY_QLR",
            case[order],
            unit[order],
            _no_ywh=no_ywh,
            BDCDYH=unit_of(c["unit"][case], unit)[order],
            SXH=sxh[order].astype(str).astype(object),
            QLRMC=name[order],
            QLRLX=qlrlx[order],
            ZJZL=np.where(kindm == 3, "1", "7")[order],
            ZJH=zjh[order],
            DH=dh[order],
        )


def unit_of(unit: np.ndarray, u: np.ndarray) -> np.ndarray:
    """The unit number of the case's u-th unit (rooms 0001, 0002 … of its building)."""
    return np.array([s[:24] + f"{k + 1:04d}" for s, k in zip(unit, u, strict=True)], dtype=object)


TABLE_ORDER = (
    ACCEPT_NEW,
    ACCEPT_OLD,
    "DJF_DJ_SH",
    "DJF_DJ_DB",
    "QLT_FW_FDCQ_YZ",
    "QLF_QL_JSYDSYQ",
    "QLF_QL_DYAQ",
    "QLF_QL_CFDJ",
    "QLF_QL_YYDJ",
    "QLF_QL_YGDJ",
    "DJF_DJ_SZ",
    "DJF_DJ_FZ",
    "DJF_DJ_SF",
    "DJF_DJ_GD",
    "ZTT_GY_QLR",
)


class AccessOutput:
    """Rows, messages (heads) and labels of one generated message source."""

    def __init__(self, g: AccessGenerated) -> None:
        self.g = g
        self.tables = _Rows(g).build()
        self.rng = np.random.default_rng([g.seed, 16])
        self.heads = self.messages()
        self.roster = g.roster

    def messages(self) -> pd.DataFrame:
        """One Head per case and unit, numbered per area and day of 登簿 with a few gaps; late and resent ones."""
        c, rng = self.g.cases, self.rng
        units = c["units"]
        case = np.repeat(np.arange(len(units)), units)
        u = np.arange(len(case)) - np.repeat(np.cumsum(units) - units, units)
        t_msg = c["t_reg"][case] + 60 * u
        created = t_msg + rng.integers(300, 1800, len(units))[case]  # a case's units in order: unit 1 numbered first
        area = np.array(OFFICE_CODES, dtype=object)[c["office"][case]]
        day = t_msg // DAY
        h = pd.DataFrame({"_case": case, "_unit": u, "_area": area, "_day": day, "_created": created})
        h = h.sort_values(["_area", "_day", "_created", "_case", "_unit"], kind="stable", ignore_index=True)
        rank = h.groupby(["_area", "_day"]).cumcount().to_numpy() + 1
        groups = h.groupby(["_area", "_day"]).ngroup().to_numpy()
        n_groups = groups.max() + 1
        gap_groups = rng.choice(n_groups, min(n_groups, max(2, round(0.01 * len(units)))), replace=False)
        size = np.bincount(groups)
        at = np.full(n_groups, np.iinfo(np.int64).max)
        at[gap_groups] = 1 + np.floor(rng.random(len(gap_groups)) * size[gap_groups]).astype(np.int64)
        width = np.zeros(n_groups, dtype=np.int64)
        width[gap_groups] = rng.integers(1, 3, len(gap_groups))
        h["_seq"] = rank + np.where(rank >= at[groups], width[groups], 0)
        yymmdd = pd.to_datetime(h["_day"] * DAY, unit="s").dt.strftime("%y%m%d")
        late = rng.random(len(h)) < 0.02
        h["BizMsgID"] = h["_area"] + yymmdd + h["_seq"].map("{:06d}".format) + np.where(late, "BBXZ", "")
        resend = np.flatnonzero(rng.random(len(h)) < 0.02)
        again = h.iloc[resend].copy()
        again["BizMsgID"] = again["BizMsgID"].str.replace("BBXZ", "") + _pick_text(rng, len(again), ("CBXZ", "BL"))
        h = pd.concat([h, again], ignore_index=True)
        return self.head_fields(h)

    def head_fields(self, h: pd.DataFrame) -> pd.DataFrame:
        c, rng, g = self.g.cases, self.rng, self.g
        case, u = h["_case"].to_numpy(), h["_unit"].to_numpy()
        m = len(h)
        kind = c["kind"][case]
        multi = c["units"][case] > 1
        ywh = g.case_id[case]
        h["RecFlowID"] = np.where(multi, ywh + "-" + (u + 1).astype(str).astype(object), ywh)
        estate = unit_of(c["unit"][case], u)
        # the unit only the Head names is not in the table form: a case without a right row has none in both forms;
        # a placeholder otherwise on some single-unit cases (the unit comes from the right row's BDCDYH)
        placeholder = c["no_right"][case] | ((c["units"][case] == 1) & (rng.random(m) < 0.05))
        h["EstateNum"] = np.where(placeholder, "/", estate)
        h["ParcelID"] = np.array([s[:19] for s in estate], dtype=object)
        h["AreaCode"], h["ASID"] = h["_area"], "AS100"
        h["RegType"] = np.array([KINDS[k][0] for k in KIND_NAMES], dtype=object)[kind]
        h["RightType"] = np.where(kind == K["mortgage"], "37", np.where(kind == K["seal"], "99", "4"))
        h["RecType"] = np.where(kind == K["mortgage"], "9000101", "2000201")
        h["CreateDate"] = fmt_time(h["_created"].to_numpy(), c["style"][case])
        h["RegOrgID"] = h["_area"] + "0000"
        h["PreEstateNum"], h["PreCertID"] = "", None
        h["CertCount"], h["ProofCount"] = "1", "0"
        h["DigitalSign"] = "MEUCIQ" + pd.Series(ywh).str[-8:] + "=="
        h["_gbk"] = c["gbk"][case]
        return h.sort_values("BizMsgID", kind="stable", ignore_index=True)

    # ------------------------------------------------------------ XML

    def elements(self) -> pd.DataFrame:
        """Every row as an XML element string, with its case, unit and a stable order."""
        parts = []
        for t in TABLE_ORDER:
            if t not in self.tables:
                continue
            df = self.tables[t]
            cols = [k for k in df.columns if not k.startswith("_")]
            s = pd.Series("<" + t, index=df.index, dtype=object)
            for k in cols:
                v = df[k]
                if k == "YWH" and "_no_ywh" in df:
                    v = v.where(~df["_no_ywh"].astype(bool))
                esc = pa.array(v.where(v.notna(), "").astype(str), type=pa.large_string())
                for char, entity in (("&", "&amp;"), ("<", "&lt;"), ('"', "&quot;")):
                    esc = pc.replace_substring(esc, char, entity)
                esc = esc.to_numpy(zero_copy_only=False).astype(object)
                s = s + np.where(v.notna(), " " + k + '="' + esc + '"', "")
            parts.append(pd.DataFrame({"_case": df["_case"], "_unit": df["_unit"], "elem": s + "/>"}))
        return pd.concat(parts, ignore_index=True)

    def xml_files(self) -> Iterator[tuple[str, bytes, tuple[int, ...]]]:
        """(member name, bytes, zip time) per message, in name order."""
        el = self.elements()
        order = np.argsort(el["_case"].to_numpy(), kind="stable")
        cases = el["_case"].to_numpy()[order]
        units, elems = el["_unit"].to_numpy()[order], el["elem"].to_numpy()[order]
        for rec in self.heads.to_dict("records"):
            lo, hi = np.searchsorted(cases, rec["_case"], "left"), np.searchsorted(cases, rec["_case"], "right")
            u = units[lo:hi]
            body = "\n".join(elems[lo:hi][(u == -1) | (u == rec["_unit"])])
            head = "".join(f"<{f}>{rec[f]}</{f}>" if rec[f] is not None else f"<{f}/>" for f in HEAD_FIELDS)
            enc = "GBK" if rec["_gbk"] else "UTF-8"
            decl = f'<?xml version="1.0" encoding="{enc}"?>\n'
            text = f"{decl}<Message>\n<Head>{head}</Head>\n<Data>\n{body}\n</Data>\n</Message>\n"
            when = pd.Timestamp(int(rec["_created"]), unit="s")
            stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second // 2 * 2)
            yield f"Biz{rec['BizMsgID']}.xml", text.encode(enc.lower()), stamp

    def write_zip(self, path: str | Path) -> int:
        """The message archive (zip), streamed to its file and put in place atomically; returns the messages written."""
        n = 0
        with atomic_path(path) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as z:
            for name, data, stamp in self.xml_files():
                info = zipfile.ZipInfo(name, date_time=stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                info.external_attr = 0o644 << 16
                z.writestr(info, data)
                n += 1
        return n

    def write_tables(self, folder: str | Path) -> int:
        """One CSV per table (UTF-8, every row with its YWH), atomically as a folder; returns the rows written."""
        rows = 0
        with atomic_dir(folder) as tmp:
            for t in TABLE_ORDER:
                if t in self.tables:
                    df = self.tables[t]
                    if "_qxdm" in df:  # no Head to fall back on: the table form always names the office
                        df = df.assign(QXDM=df["_qxdm"])
                    df = df[[k for k in df.columns if not k.startswith("_")]]
                    df.to_csv(tmp / f"{t}.csv", index=False, encoding="utf-8")
                    rows += len(df)
        return rows

    # ------------------------------------------------------------ labels

    def labels(self, messages: bool = True) -> pd.DataFrame:
        """rule_id, key, note: the case-keyed rules, SD004 (roster), and LG005 on the message form."""
        g = self.g
        story = g.cases["story"]
        frames = []
        for rule, idx in case_labels(g).items():
            note = np.where(story[idx] == "", "background", "story:" + story[idx].astype(str))
            frames.append(pd.DataFrame({"rule_id": rule, "key": g.case_id[idx], "note": note}))
        frames.append(sd004_labels(self.roster, g.as_of))
        if messages:
            frames.append(lg005_labels(self.heads["BizMsgID"]))
        labels = pd.concat(frames, ignore_index=True)
        labels = labels.drop_duplicates(["rule_id", "key"]).sort_values(["rule_id", "key"], ignore_index=True)
        return labels.astype(pd.StringDtype("pyarrow"))


def sd004_labels(roster: pd.DataFrame, as_of: int) -> pd.DataFrame:
    """Staff in effect at the as-of day whose post_since + 5 years is before it (key office:operator)."""
    day = pd.Timestamp(as_of, unit="s").normalize()
    frm, to = pd.to_datetime(roster["active_from"]), pd.to_datetime(roster["active_to"])
    since = pd.to_datetime(roster["post_since"])
    due = since + pd.DateOffset(years=5)
    hit = (frm.isna() | (frm <= day)) & (to.isna() | (day <= to)) & (due < day)
    r = roster.loc[hit]
    return pd.DataFrame({"rule_id": "SD004", "key": r["office_code"] + ":" + r["operator_id"], "note": "roster"})


def lg005_labels(biz: pd.Series) -> pd.DataFrame:
    """Maximal runs of missing sequence numbers per area and day (key area:yyMMdd:first-last), vectorised."""
    digits = biz.str.slice(0, 18)
    key = np.unique(digits.astype(np.int64).to_numpy())  # area·day·seq as one number, distinct and sorted
    group, seq = key // 10**6, key % 10**6
    new_group = np.r_[True, group[1:] != group[:-1]]
    prev = np.where(new_group, 0, np.r_[0, seq[:-1]])  # the number before: 0 at a group's start
    gap = seq - prev > 1
    first, last, g = prev[gap] + 1, seq[gap] - 1, group[gap]
    keys = [f"{x // 10**6:06d}:{x % 10**6:06d}:{a}-{b}" for x, a, b in zip(g, first, last, strict=True)]
    return pd.DataFrame({"rule_id": "LG005", "key": keys, "note": "gap"}, dtype=object)
