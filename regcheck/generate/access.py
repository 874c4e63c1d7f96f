"""Registered cases as the access messages and standard tables show them (spec/sources.md), with labels.

``generate_access(cases, seed)`` builds registered cases of several offices — the only cases a
message source holds — as events with the table facts behind them (steps, fees, rights, parties),
injects the violations the rules that run on messages can see (sources.md §6: TL001 without
suspensions, MG001/MG003/MG005/MG006, MG002, SD001–SD005 with a roster, FE001 with its source
exceptions / FE002, LG002, LG003, LG005) and labels them from what was injected: the labels are
computed, vectorised, from the generated events and case arrays (never by running regcheck).
``accessio.py`` turns the result into rows, message XML files in a zip archive, or table files.

The background is clean by construction: cases finish within their limit (working days from
acceptance to registration, no suspension known); accept, review and register staff come from
disjoint pools; every operator is in the roster, trained and active; each background case has a
unit of its own (so unit histories only come from the mortgage stories); fees follow the fee
table. Deterministic per seed (one random stream, draws in a fixed order).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .common import DAY, GIVEN, LIMIT, OFFICE_CODES, SURNAMES, B, _Calendar, _pick

# Business types of a message source, with their 登记类型 (DJLX) and right table; "other" = DJLX 900.
KINDS = {
    "first": ("100", "QLT_FW_FDCQ_YZ"),
    "transfer": ("200", "QLT_FW_FDCQ_YZ"),
    "change": ("300", "QLT_FW_FDCQ_YZ"),
    "cancel": ("400", "QLT_FW_FDCQ_YZ"),
    "correction": ("500", "QLT_FW_FDCQ_YZ"),
    "objection": ("600", "QLF_QL_YYDJ"),
    "objection_cancel": ("400", "QLF_QL_YYDJ"),
    "prenotice": ("700", "QLF_QL_YGDJ"),
    "seal": ("800", "QLF_QL_CFDJ"),
    "unseal": ("800", "QLF_QL_CFDJ"),
    "mortgage": ("100", "QLF_QL_DYAQ"),
    "mortgage_cancel": ("400", "QLF_QL_DYAQ"),
    "other": ("900", "QLT_FW_FDCQ_YZ"),
}
KIND_NAMES = tuple(KINDS)
K = {name: i for i, name in enumerate(KIND_NAMES)}
MIX = {
    "transfer": 0.36,
    "mortgage": 0.30,
    "mortgage_cancel": 0.10,
    "first": 0.06,
    "change": 0.04,
    "cancel": 0.04,
    "correction": 0.03,
    "prenotice": 0.04,
    "other": 0.03,
}
LIMITS = np.array([LIMIT[B[k]] if k in B else -1 for k in KIND_NAMES])
FREE = np.isin(KIND_NAMES, ["seal", "unseal", "cancel", "mortgage_cancel", "objection_cancel", "prenotice"])
HALVED = np.isin(KIND_NAMES, ["correction", "objection"])
# 房屋用途 (GHYT) written, and the use it means: residential, commercial, office, industrial, education,
# medical, other; "" = no GHYT. Background cases draw from the first four.
GHYT = ("11", "31", "60", "21", "41", "42", "80", "")
USE_OF_GHYT = ("residential", "commercial", "office", "industrial", "education", "medical", "other", "")
G_RES, G_EDU, G_MED, G_OTHER, G_NONE = 0, 4, 5, 6, 7
STEPS = ("初审", "复审", "核定")
# mortgagee kinds: 0 bank, 1 financial, 2 company, 3 individual (MG006 on 2 and 3)
MORTGAGEE = ("bank", "financial", "company", "individual")
PARTY_NAMES = ("张伟", "王芳", "李强", "刘洋", "陈静", "杨磊", "赵敏", "孙丽", "周杰", "吴霞")

# per-case injections, as a share of the eligible background cases (at least one or two each)
RATES = {
    "TL001": 0.03,
    "TL001_near": 0.02,
    "MG002": 0.01,
    "MG006": 0.02,
    "SD001": 0.01,
    "SD002": 0.01,
    "SD003": 0.01,
    "SD005": 0.02,
    "SD005_near": 0.02,
    "FE001": 0.02,
    "FE001_exempt": 0.02,
    "FE002": 0.01,
    "LG002": 0.01,
    "LG003": 0.01,
    "LG005": 0.01,
    "duplicate": 0.05,
    "resend": 0.02,
    "late": 0.02,
    "multi": 0.05,
}
# mortgage stories on a fresh unit: (business kind, working-day offset of acceptance)
STORIES = {
    "mg001": [("seal", 0), ("mortgage", 4)],
    "mg001_stack": [("seal", 0), ("seal", 2), ("unseal", 5), ("mortgage", 8)],
    "mg001_near": [("seal", 0), ("unseal", 3), ("mortgage", 6)],
    "mg003": [("objection", 0), ("mortgage", 3)],
    "mg003_near": [("objection", 0), ("mortgage", 14)],
    "mg003_cancel": [("objection", 0), ("objection_cancel", 2), ("mortgage", 4)],
    "mg005": [("mortgage", 0), ("mortgage", 6), ("mortgage", 12)],
}
ID_LETTER = {"clerk": "W", "reviewer": "S", "registrar": "D", "back": "B", "left": "L", "untrained": "T", "new": "N"}
OPEN, LAST = 8 * 3600 + 30 * 60, 16 * 3600 + 30 * 60


@dataclass
class AccessGenerated:
    """Cases and events of a message source, the staff, and the labels."""

    cases: dict[str, np.ndarray]  # per case: office, kind, unit, units, use, land, generation, style …
    events: dict[str, np.ndarray]  # per event: case, act, time (s), op, step, sxh, fee, kept (row accepted)
    staff: pd.DataFrame  # name, office, post, registrar, trained, active_from, active_to, post_since, in_roster
    roster: pd.DataFrame  # the roster file (input.md), staff in roster only
    case_id: np.ndarray  # YWH per case
    as_of: int  # latest accepted event time (s)
    seed: int
    labels: pd.DataFrame | None = None  # filled by accessio once the messages are numbered (LG005)


def _names(rng: np.random.Generator, n: int) -> np.ndarray:
    """n distinct three-character staff names."""
    combos = len(SURNAMES) * len(GIVEN) * len(GIVEN)
    pick = rng.choice(combos, n, replace=False)
    s, rest = np.divmod(pick, len(GIVEN) * len(GIVEN))
    g1, g2 = np.divmod(rest, len(GIVEN))
    return np.array([a + b + c for a, b, c in zip(SURNAMES[s], GIVEN[g1], GIVEN[g2], strict=True)], dtype=object)


class _AccessCases:
    """The generator's state; steps in generate_access() order (each draw from one stream)."""

    POSTS = (("clerk", "窗口受理", 4), ("reviewer", "审核", 6), ("registrar", "登簿", 3), ("back", "缮证发证", 3))

    def __init__(self, cases: int, seed: int, offices: int) -> None:
        if cases < 200:
            raise ValueError("generate --format access needs at least 200 cases (the stories take ~40)")
        if not 1 <= offices <= len(OFFICE_CODES):
            raise ValueError(f"offices must be between 1 and {len(OFFICE_CODES)}")
        self.rng = np.random.default_rng(seed)
        self.seed, self.n_target, self.n_off = seed, cases, offices
        self.cal = _Calendar()
        self.unit_seq = 0

    # ------------------------------------------------------------ staff

    def staff_table(self) -> None:
        """Per office the staff pools, and the special staff the SD002 injections use."""
        rows: list[tuple[int, str, str, bool]] = []
        for o in range(self.n_off):
            for kind, post, k in self.POSTS:
                rows += [(o, kind, post, kind == "registrar")] * k
            rows += [(o, "unknown", "临时", False), (o, "left", "窗口受理", False)]
            rows += [(o, "untrained", "缮证发证", False), (o, "new", "窗口受理", False)]
        office, kind, post, registrar = (np.array(x, dtype=object) for x in zip(*rows, strict=True))
        m = len(rows)
        st = pd.DataFrame({"name": _names(self.rng, m), "office": office.astype(np.int64), "kind": kind})
        st["post"], st["registrar"] = post, registrar.astype(bool)
        st["trained"] = st["kind"] != "untrained"
        st["in_roster"] = st["kind"] != "unknown"
        st["active_from"] = np.where(st["kind"] == "new", np.datetime64("2026-03-02"), np.datetime64("2018-03-01"))
        st["active_to"] = np.where(st["kind"] == "left", np.datetime64("2025-06-30"), np.datetime64("NaT"))
        self.staff = st
        self.pool = {
            (o, k): np.flatnonzero((st["office"] == o) & (st["kind"] == k))
            for o in range(self.n_off)
            for k in set(kind)
        }

    def draw_staff(self, office: np.ndarray, kind: str, k: int = 1) -> np.ndarray:
        """k distinct staff of that kind per case (its office's pool), as staff indexes, shape (n, k)."""
        n = len(office)
        size = len(self.pool[(0, kind)])
        pos = np.argsort(self.rng.random((n, size)), axis=1)[:, :k]
        table = np.stack([self.pool[(o, kind)] for o in range(self.n_off)])
        return table[office[:, None], pos]

    # ------------------------------------------------------------ cases

    def new_units(self, office: np.ndarray) -> np.ndarray:
        """A fresh building per case: the unit number without its room (24 characters; room 0001 is the unit)."""
        seq = self.unit_seq + np.arange(len(office))
        self.unit_seq += len(office)
        area = np.array(OFFICE_CODES, dtype=object)[office]
        zone = 1 + (seq // 5000) % 40
        parts = zip(area, zone, seq, strict=True)
        return np.array([f"{a}{z:03d}{1 + s % 20:03d}GB{1 + s // 20 % 99999:05d}F{1 + s % 7:04d}" for a, z, s in parts])

    def plan(self) -> None:
        """Stories on fresh units first, then the background; acceptance and registration days."""
        rng, cal = self.rng, self.cal
        last = cal.cutoff_idx
        parts: list[dict[str, np.ndarray]] = []
        per = max(1, self.n_target // 150)
        for name, steps in STORIES.items():
            office = rng.integers(0, self.n_off, per)
            day = rng.integers(0, last - 40, per)
            unit = self.new_units(office)
            for kind, off in steps:
                parts.append(
                    dict(
                        office=office,
                        kind=np.full(per, K[kind]),
                        a_wd=day + off,
                        unit=unit,
                        story=np.full(per, name, dtype=object),
                    )
                )
        used = sum(len(p["office"]) for p in parts)
        n_bg = self.n_target - used
        names = list(MIX)
        p = np.array([MIX[k] for k in names])
        kind = np.array([K[k] for k in names])[rng.choice(len(names), n_bg, p=p / p.sum())]
        office = rng.integers(0, self.n_off, n_bg)
        parts.append(
            dict(
                office=office,
                kind=kind,
                a_wd=rng.integers(0, last, n_bg),
                unit=self.new_units(office),
                story=np.full(n_bg, "", dtype=object),
            )
        )
        c = {k: np.concatenate([q[k] for q in parts]) for k in parts[0]}
        n = len(c["office"])
        self.n = n
        c["bg"] = c["story"] == ""
        limit = LIMITS[c["kind"]]
        cap = np.where(c["kind"] == K["first"], 20, np.maximum(limit, 0))
        c["k"] = np.where(c["bg"], np.floor(rng.random(n) * (cap + 1)).astype(np.int64), 0)
        c["units"] = np.ones(n, dtype=np.int64)
        self.c = c

    # ------------------------------------------------------------ times, staff, facts

    def timeline(self) -> None:
        """Times of acceptance and registration; the facts (uses, fees, steps, staff) of every case."""
        c, rng, n = self.c, self.rng, self.n
        c["a_sec"] = rng.integers(OPEN, 15 * 3600 + 30 * 60, n)
        c["r_sec"] = rng.integers(OPEN, LAST, n)
        use = np.array([G_RES] * 14 + [1] * 3 + [2] * 2 + [3])[rng.integers(0, 20, n)]
        court = np.isin(c["kind"], [K["seal"], K["unseal"], K["objection"], K["objection_cancel"]])
        use = np.where(court & (rng.random(n) < 0.5), G_NONE, use)
        land_use = (c["kind"] == K["first"]) & (rng.random(n) < 0.3)  # 建设用地使用权: no GHYT
        c["land_right"] = land_use
        c["use"] = np.where(land_use, G_NONE, use)
        c["land"] = np.where(rng.random(n) < 0.8, "102", "101").astype(object)
        c["mortgagee"] = np.where(rng.random(n) < 0.85, 0, 1)
        c["nsteps"] = rng.choice([1, 2, 3], n, p=[0.2, 0.3, 0.5])
        c["step_word"] = rng.random(n) < 0.5  # a one-step review written 审核 (not a step) or 初审
        c["clerk"] = self.draw_staff(c["office"], "clerk")[:, 0]
        c["reviewers"] = self.draw_staff(c["office"], "reviewer", 3)
        c["registrar"] = self.draw_staff(c["office"], "registrar")[:, 0]
        c["back"] = self.draw_staff(c["office"], "back", 3)
        c["sf"] = np.where(FREE[c["kind"]], np.where(rng.random(n) < 0.5, 1, 0), rng.choice([1, 2], n, p=[0.8, 0.2]))
        c["sf_blank"] = (c["sf"] == 1) & ~FREE[c["kind"]] & (rng.random(n) < 0.03)
        c["no_slsj"] = np.zeros(n, dtype=bool)
        c["redo"] = np.zeros(n, dtype=bool)  # SD005 near-miss: 初审 returned and redone by the same person
        c["stepless"] = np.zeros(n, dtype=bool)  # SD005 near-miss: a review row without JDMC by the 初审 reviewer
        c["fee_delta"] = np.zeros(n)
        c["old_gen"] = c["office"] % 2 == 1  # DJT_DJ_SL without DJF_DJ_DB in these offices
        c["no_right"] = ~c["old_gen"] & c["bg"] & (c["kind"] == K["transfer"]) & (rng.random(n) < 0.05)
        c["style"] = rng.choice([0, 1, 2], n, p=[0.5, 0.3, 0.2])  # naive, +08:00, fraction
        c["gbk"] = (c["office"] == 2) | (rng.random(n) < 0.1)
        c["tl_extra"] = rng.integers(1, 5, n)

    def inject(self) -> None:
        """Violations and near-misses on distinct background cases (order fixed: the draws)."""
        c, rng, n = self.c, self.rng, self.n
        taken = ~c["bg"]
        bg = c["bg"]
        kind = c["kind"]
        timed = bg & (LIMITS[kind] > 0)
        cnt = {k: max(2, round(v * n)) for k, v in RATES.items()}
        i = _pick(rng, timed, cnt["TL001"], taken)
        c["k"][i] = LIMITS[kind[i]] + c["tl_extra"][i]
        i = _pick(rng, timed, cnt["TL001_near"], taken)
        c["k"][i] = LIMITS[kind[i]]
        i = _pick(rng, bg & (kind == K["transfer"]) & ~c["no_right"], cnt["LG002"], taken)
        c["k"][i] = -1
        c["no_slsj"][_pick(rng, bg, cnt["LG003"], taken)] = True
        i = _pick(rng, bg & np.isin(kind, [K["first"], K["transfer"]]) & ~c["no_right"], cnt["multi"], taken)
        c["units"][i] = rng.integers(2, 4, len(i))
        mort = bg & (kind == K["mortgage"])
        i = _pick(rng, mort, cnt["MG002"], taken)
        third = len(i) // 3
        c["use"][i[:third]], c["use"][i[third : 2 * third]] = G_EDU, G_MED
        c["use"][i[2 * third :]], c["land"][i[2 * third :]] = G_RES, "202"
        i = _pick(rng, mort, cnt["MG006"], taken)
        c["mortgagee"][i] = 2 + np.arange(len(i)) % 2
        self.inject_staff(taken)
        self.inject_fees(taken)

    def inject_staff(self, taken: np.ndarray) -> None:
        """SD001, SD002 (unknown, departed, untrained; a new clerk on and after her first day), SD003, SD005."""
        c, rng, n, cal = self.c, self.rng, self.n, self.cal
        cnt = {k: max(2, round(v * n)) for k, v in RATES.items()}
        ok = c["bg"] & (c["kind"] != K["other"])
        i = _pick(rng, ok, cnt["SD001"], taken)
        half = len(i) // 2
        c["clerk"][i[:half]] = c["registrar"][i[:half]]
        c["registrar"][i[half:]] = c["clerk"][i[half:]]
        special = {
            k: np.stack([self.pool[(o, k)][0] for o in range(self.n_off)])
            for k in ("unknown", "left", "untrained", "new")
        }
        i = _pick(rng, ok, cnt["SD002"], taken)
        c["reviewers"][i, 0] = special["unknown"][c["office"][i]]
        i = _pick(rng, ok & (c["a_wd"] >= cal.idx("2025-07-01")), cnt["SD002"], taken)
        c["clerk"][i] = special["left"][c["office"][i]]
        i = _pick(rng, ok, cnt["SD002"], taken)
        c["back"][i, 2] = special["untrained"][c["office"][i]]  # the archivist
        new_day = cal.idx("2026-03-02")
        i = _pick(rng, ok & (c["a_wd"] >= new_day), cnt["SD002"], taken)  # near-miss (on/after her first day)
        c["a_wd"][i[:1]] = new_day
        c["clerk"][i] = special["new"][c["office"][i]]
        i = _pick(rng, ok & (c["a_wd"] < new_day - 5), 2, taken)
        c["clerk"][i] = special["new"][c["office"][i]]
        i = _pick(rng, ok, cnt["SD003"], taken)
        c["registrar"][i] = c["reviewers"][i, 2]
        three = ok & (c["nsteps"] == 3)
        i = _pick(rng, three, cnt["SD005"], taken)
        half = len(i) // 2
        c["reviewers"][i[:half], 2] = c["reviewers"][i[:half], 0]  # 初审 A, 核定 A
        c["reviewers"][i[half:], 2] = c["reviewers"][i[half:], 1]  # 复审 B, 核定 B
        i = _pick(rng, ok & (c["nsteps"] >= 2), cnt["SD005_near"], taken)
        c["redo"][i[: len(i) // 2]] = True
        c["stepless"][i[len(i) // 2 :]] = True

    def inject_fees(self, taken: np.ndarray) -> None:
        """FE001 (wrong fee), its source exceptions (change; use other), FE002 (fee on a free service)."""
        c, rng, n = self.c, self.rng, self.n
        cnt = {k: max(2, round(v * n)) for k, v in RATES.items()}
        kind = c["kind"]
        paid = c["bg"] & ~FREE[kind] & (c["sf"] > 0) & ~c["sf_blank"]
        i = _pick(rng, paid & ~np.isin(kind, [K["change"], K["other"]]) & (c["use"] < G_EDU), cnt["FE001"], taken)
        c["fee_delta"][i] = np.where(np.arange(len(i)) % 2 == 0, 20.0, 100.0)
        i = _pick(rng, paid & (kind == K["change"]), cnt["FE001_exempt"], taken)
        c["fee_delta"][i] = -0.5  # split/merge: half the standard (the source does not say which)
        i = _pick(rng, paid & (kind == K["transfer"]), cnt["FE001_exempt"], taken)
        c["use"][i] = G_OTHER
        c["fee_delta"][i] = 30.0
        i = _pick(
            rng, c["bg"] & np.isin(kind, [K["mortgage_cancel"], K["cancel"], K["prenotice"]]), cnt["FE002"], taken
        )
        c["sf"][i] = 1
        c["fee_delta"][i] = 80.0

    def fees(self) -> None:
        """Standard fee and fee charged (NaN: no SF row with SSJE) per case."""
        c = self.c
        std = np.where(FREE[c["kind"]], 0.0, np.where(c["use"] == G_RES, 80.0, 550.0))
        std = np.where(HALVED[c["kind"]], std / 2, std)
        c["std"] = std
        delta = c["fee_delta"]
        fee = np.where(delta == -0.5, std / 2, std + delta)
        c["fee"] = np.where((c["sf"] > 0) & ~c["sf_blank"], fee, np.nan)

    # ------------------------------------------------------------ events

    def at(self, wd: np.ndarray, sec: np.ndarray) -> np.ndarray:
        return self.cal.wd_sec[np.clip(wd, 0, self.cal.cutoff_idx)] + sec

    def after(self, t: np.ndarray, days: np.ndarray) -> np.ndarray:
        """A time ``days`` working days after time t (office hours), and at least 5 minutes after it."""
        wd = np.searchsorted(self.cal.wd_sec, t, "right") - 1 + days
        out = self.at(wd, self.rng.integers(OPEN, LAST, len(t)))
        return np.maximum(out, t + 300)

    def events(self) -> None:
        """One event per table row that carries a time: accept, review, register, certify, issue, charge, archive."""
        c, rng, n = self.c, self.rng, self.n
        # every event by the cut-off (Sat 2026-10-10): cases end no later than 12 working days before it
        c["a_wd"] = np.clip(c["a_wd"], 1, self.cal.cutoff_idx - 12 - np.maximum(c["k"], 0))
        t_acc = self.at(c["a_wd"], c["a_sec"])
        r_sec = np.where(c["k"] == 0, c["a_sec"] + rng.integers(1800, 5400, n), c["r_sec"])
        t_reg = self.at(c["a_wd"] + c["k"], r_sec)
        c["t_acc"], c["t_reg"] = t_acc, t_reg
        idx = np.arange(n)
        ev: list[dict[str, np.ndarray]] = []

        def add(case: np.ndarray, act: str, time: np.ndarray, op: np.ndarray, **more: np.ndarray) -> None:
            m = len(case)
            row = dict(case=case, act=np.full(m, act, dtype=object), time=time, op=op)
            row["step"] = more.get("step", np.full(m, "", dtype=object))
            row["sxh"] = more.get("sxh", np.zeros(m, dtype=np.int64))
            row["fee"] = more.get("fee", np.full(m, np.nan))
            row["t2"] = more.get("t2", time)
            row["flag"] = more.get("flag", np.zeros(m, dtype=bool))
            row["kept"] = more.get("kept", np.ones(m, dtype=bool))
            ev.append(row)

        add(idx, "accept", t_acc, c["clerk"], kept=~c["no_slsj"])
        self.reviews(add, t_acc)
        add(idx, "register", t_reg, c["registrar"])
        cert = np.isin(
            c["kind"],
            [K[k] for k in ("first", "transfer", "change", "correction", "objection", "prenotice", "mortgage")],
        )
        t_cert = self.after(t_reg, rng.integers(0, 2, n))
        t_issue = self.after(t_cert, rng.integers(0, 3, n))
        add(idx[cert], "certify", t_cert[cert], c["back"][cert, 0])
        add(idx[cert], "issue", t_issue[cert], c["back"][cert, 1])
        date_only = rng.random(n) < 0.5  # SFRQ 收费日期 often a date alone
        t_fee = np.where(date_only, self.at(c["a_wd"], 0), t_acc + rng.integers(300, 1200, n))
        one = c["sf"] >= 1
        first_part = np.where(c["sf"] == 2, c["fee"] - 10, c["fee"])  # 登记费 and 证书工本费 10
        blank = np.where(c["sf_blank"], np.nan, first_part)
        add(idx[one], "charge", t_fee[one], c["back"][one, 0], fee=blank[one], flag=date_only[one])
        two = c["sf"] == 2
        add(
            idx[two],
            "charge",
            t_fee[two] + 60 * ~date_only[two],
            c["back"][two, 0],
            fee=(c["fee"] - first_part)[two],
            flag=date_only[two],
            sxh=np.ones(int(two.sum()), dtype=np.int64),
        )
        add(idx, "archive", self.after(np.maximum(t_reg, t_issue), rng.integers(1, 6, n)), c["back"][:, 2])
        self.ev = {k: np.concatenate([e[k] for e in ev]) for k in ev[0]}
        kept = self.ev["kept"]
        self.as_of = int(self.ev["time"][kept].max())

    def reviews(self, add: Callable[..., None], t_acc: np.ndarray) -> None:
        """Review rows: 初审/复审/核定 by distinct reviewers (one-step reviews: 审核 or 初审); the near-misses."""
        c = self.c
        k = c["k"]
        for j in range(3):
            sel = np.flatnonzero(c["nsteps"] > j)
            step = np.full(len(sel), STEPS[j], dtype=object)
            if j == 0:
                step[(c["nsteps"][sel] == 1) & c["step_word"][sel]] = "审核"
            if j == 2:
                step[c["old_gen"][sel]] = "审批"  # older systems name the last step 审批 (= approve)
            self.review_rows(add, sel, t_acc, k, j, step, c["reviewers"][sel, j])
        j = 3
        redo = np.flatnonzero(c["redo"])
        self.review_rows(add, redo, t_acc, k, j, np.full(len(redo), "初审", dtype=object), c["reviewers"][redo, 0])
        sl = np.flatnonzero(c["stepless"])
        self.review_rows(add, sl, t_acc, k, j, np.full(len(sl), "", dtype=object), c["reviewers"][sl, 0])

    def review_rows(
        self,
        add: Callable[..., None],
        sel: np.ndarray,
        t_acc: np.ndarray,
        k: np.ndarray,
        j: int,
        step: np.ndarray,
        op: np.ndarray,
    ) -> None:
        """Row j of the reviews: on the acceptance day 5·(j+1) minutes after it, else spread over the days to 登簿."""
        c, rng = self.c, self.rng
        m = len(sel)
        kk = np.maximum(k[sel], 0)
        wd = c["a_wd"][sel] + (kk * (j + 1)) // 5
        first_day = wd == c["a_wd"][sel]
        last_day = (wd == c["a_wd"][sel] + kk) & ~first_day
        sec = np.where(last_day, np.maximum(c["r_sec"][sel] - (5 - j) * 300, OPEN), OPEN + (j + 1) * 1800)
        time = np.where(first_day, t_acc[sel] + (j + 1) * 300, self.at(wd, sec))
        end_blank = rng.random(m) < 0.1  # SHJSSJ missing: the review's time is SHKSSJ
        add(
            sel,
            "review",
            time,
            op,
            step=step,
            sxh=np.full(m, j + 1, dtype=np.int64),
            t2=time - rng.integers(60, 280, m),
            flag=end_blank,
        )

    # ------------------------------------------------------------ roster and labels

    def roster(self) -> pd.DataFrame:
        """The roster of the staff in it; post_since within 4.5 years but for a few overdue (SD004) and one exact."""
        st, rng = self.staff, self.rng
        m = len(st)
        day = np.datetime64(pd.Timestamp(self.as_of, unit="s").normalize().date())
        since = day - rng.integers(30, 1640, m).astype("timedelta64[D]")
        key = st["kind"].isin(["registrar", "reviewer"]).to_numpy()
        overdue = _pick(rng, key, max(2, self.n_off // 2))
        since[overdue] = day - rng.integers(1900, 3000, len(overdue)).astype("timedelta64[D]")
        exact = _pick(rng, key & ~np.isin(np.arange(m), overdue), 1)
        since[exact] = np.datetime64((pd.Timestamp(day) - pd.DateOffset(years=5)).date())
        since = np.where(st["kind"] == "new", np.datetime64("2026-03-02"), since)
        st["post_since"] = pd.to_datetime(since)
        area = np.array(OFFICE_CODES, dtype=object)[st["office"]]
        code = area + "-" + st["kind"].map(ID_LETTER) + (st.groupby(["office", "kind"]).cumcount() + 1).astype(str)
        st["operator_id"] = np.where(np.arange(m) % 2 == 0, code, st["name"])
        r = st.loc[st["in_roster"]]
        return pd.DataFrame(
            {
                "operator_id": r["operator_id"],
                "name": r["name"],
                "office_code": area[r.index],
                "post": r["post"],
                "registrar": r["registrar"],
                "trained": r["trained"],
                "training_hours": rng.integers(40, 81, len(r)),
                "active_from": pd.to_datetime(r["active_from"]).dt.strftime("%Y-%m-%d"),
                "active_to": pd.to_datetime(r["active_to"]).dt.strftime("%Y-%m-%d"),
                "post_since": r["post_since"].dt.strftime("%Y-%m-%d"),
            }
        ).reset_index(drop=True)

    def case_ids(self) -> np.ndarray:
        """YWH: area + yyyyMMdd of acceptance + 4-digit sequence of that area and day."""
        c = self.c
        day = (c["t_acc"] // DAY).astype("datetime64[D]")
        ymd = np.strings.replace(day.astype(str).astype("T"), "-", "")
        key = c["office"] * 100000 + (c["t_acc"] // DAY)
        order = np.lexsort((c["t_acc"], key))
        start = np.r_[0, np.flatnonzero(key[order][1:] != key[order][:-1]) + 1]
        rank = np.empty(self.n, dtype=np.int64)
        rank[order] = np.arange(self.n) - np.repeat(start, np.diff(np.r_[start, self.n])) + 1
        area = np.array(OFFICE_CODES)[c["office"]]
        return np.strings.add(np.strings.add(area.astype("T"), ymd), np.strings.zfill(rank.astype("T"), 4)).astype(
            object
        )


def _fired(out: dict[str, np.ndarray], rule: str, mask: np.ndarray) -> None:
    out[rule] = np.flatnonzero(mask)


def case_labels(g: AccessGenerated) -> dict[str, np.ndarray]:
    """Case-keyed rules -> the cases (indexes) they fire on, from the generated cases and events."""
    c, ev, st = g.cases, g.events, g.staff
    kind = c["kind"]
    out: dict[str, np.ndarray] = {}
    acc_kept = ~c["no_slsj"]
    cal = _Calendar()
    w = np.where(c["t_reg"] > c["t_acc"], cal.workdays_upto(c["t_reg"]) - cal.workdays_upto(c["t_acc"]), 0)
    _fired(out, "TL001", acc_kept & (LIMITS[kind] > 0) & (w > LIMITS[kind]))
    _mortgage_labels(c, out)
    _fired(out, "SD001", acc_kept & (c["clerk"] == c["registrar"]))
    day = ev["time"] // DAY
    frm = (st["active_from"].to_numpy().astype("datetime64[D]").astype(np.int64))[ev["op"]]
    to = st["active_to"].to_numpy().astype("datetime64[D]")
    to = np.where(np.isnat(to), np.iinfo(np.int64).max, to.astype(np.int64))[ev["op"]]
    bad = ~st["in_roster"].to_numpy()[ev["op"]] | (day < frm) | (day > to) | ~st["trained"].to_numpy()[ev["op"]]
    sd002 = np.zeros(len(kind), dtype=bool)
    sd002[ev["case"][bad & ev["kept"]]] = True
    _fired(out, "SD002", sd002)
    reg = c["registrar"]
    _fired(out, "SD003", st["in_roster"].to_numpy()[reg] & ~st["registrar"].to_numpy()[reg])
    rev = (ev["act"] == "review") & np.isin(ev["step"], (*STEPS, "审批"))
    step = np.where(ev["step"][rev] == "审批", "核定", ev["step"][rev])
    pairs = pd.DataFrame({"case": ev["case"][rev], "op": ev["op"][rev], "step": step}).drop_duplicates()
    many = pairs.groupby(["case", "op"]).size()
    sd005 = np.zeros(len(kind), dtype=bool)
    sd005[many[many >= 2].index.get_level_values("case")] = True
    _fired(out, "SD005", sd005)
    fee, std = c["fee"], c["std"]
    timed_fee = (kind != K["other"]) & ~np.isnan(fee)
    exempt = (kind == K["change"]) | np.isin(c["use"], [G_OTHER, G_NONE])
    _fired(out, "FE001", timed_fee & (std > 0) & (fee != std) & ~exempt)
    _fired(out, "FE002", timed_fee & (std == 0) & (fee > 0))
    _fired(out, "LG002", acc_kept & (c["t_reg"] < c["t_acc"]))
    _fired(out, "LG003", ~acc_kept)
    return out


def _mortgage_labels(c: dict[str, np.ndarray], out: dict[str, np.ndarray]) -> None:
    """MG001/MG003/MG005 from the unit histories (registered cases on the unit), MG002 and MG006."""
    kind = c["kind"]
    hist = pd.DataFrame({"unit": c["unit"], "kind": kind, "t": c["t_reg"]})
    mort = hist.loc[kind == K["mortgage"]].reset_index(names="case")
    pairs = mort.merge(hist, on="unit", suffixes=("", "_h"))
    before = pairs["t_h"] < pairs["t"]
    seals = (before & (pairs["kind_h"] == K["seal"])).groupby(pairs["case"]).sum()
    unseals = (before & (pairs["kind_h"] == K["unseal"])).groupby(pairs["case"]).sum()
    mg001 = np.zeros(len(kind), dtype=bool)
    mg001[(seals > unseals).pipe(lambda s: s[s].index)] = True
    _fired(out, "MG001", mg001)
    obj = pairs.loc[before & (pairs["kind_h"] == K["objection"]) & (pairs["t"] - pairs["t_h"] <= 15 * DAY)]
    canc = hist.loc[kind == K["objection_cancel"], ["unit", "t"]].rename(columns={"t": "t_c"})
    x = obj.merge(canc, on="unit", how="left")
    x["cancelled"] = (x["t_c"] > x["t_h"]) & (x["t_c"] < x["t"])
    live = x.groupby(["case", "t_h"])["cancelled"].any()
    mg003 = np.zeros(len(kind), dtype=bool)
    mg003[live[~live].index.get_level_values("case")] = True
    _fired(out, "MG003", mg003)
    window = (pairs["kind_h"] == K["mortgage"]) & (pairs["t_h"] <= pairs["t"]) & (pairs["t_h"] > pairs["t"] - 30 * DAY)
    n30 = window.groupby(pairs["case"]).sum()
    mg005 = np.zeros(len(kind), dtype=bool)
    mg005[n30[n30 >= 3].index] = True
    _fired(out, "MG005", mg005)
    is_m = kind == K["mortgage"]
    _fired(out, "MG002", is_m & (np.isin(c["use"], [G_EDU, G_MED]) | ((c["use"] == G_RES) & (c["land"] == "202"))))
    _fired(out, "MG006", is_m & (c["mortgagee"] >= 2))


def generate_access(cases: int, seed: int, offices: int = 4) -> AccessGenerated:
    """Registered cases of a message source with injected violations (labels: accessio.access_labels)."""
    g = _AccessCases(cases, seed, offices)
    g.staff_table()
    g.plan()
    g.timeline()
    g.inject()
    g.fees()
    g.events()
    roster = g.roster()
    g.c["unit"] = np.strings.add(g.c["unit"].astype("T"), "0001").astype(object)
    return AccessGenerated(g.c, g.ev, g.staff, roster, g.case_ids(), g.as_of, seed)
