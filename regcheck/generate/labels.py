"""The ground-truth labels, computed from the generated cases and rows; each family labels its own rules."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .common import (
    ACT,
    TAGS,
    A,
    _first_per_group,
)


class LabelBuilder:
    def fire(self, rule: str, mask: np.ndarray) -> None:
        """Label every case where mask holds with this rule."""
        idx = np.flatnonzero(mask)
        self.out_rule.append(np.full(len(idx), rule, dtype=object))
        self.out_case.append(idx)

    def labels(self) -> pd.DataFrame:
        """The findings a to-the-letter implementation produces: case-keyed rules family by family, then the rest."""
        c, n, ev = self.c, self.n, self.ev
        self.out_rule: list[np.ndarray] = []
        self.out_case: list[np.ndarray] = []
        NA = len(ACT)
        first = _first_per_group(ev["case"] * NA + ev["act"], ev["time"], n * NA).reshape(n, NA)
        f = {name: first[:, i] for name, i in A.items()}
        self.first = f
        as_of = int(ev["time"].max())
        self.as_of = as_of
        self.has = {k: v >= 0 for k, v in f.items()}
        self.n_ops = len(self.op_table) + 1
        self.label_timelimits()
        self.label_queues()
        self.label_approvals()
        self.label_mortgages()
        self.label_duties()
        self.label_queries()
        self.label_fees()
        self.label_integrity()
        rule = np.concatenate(self.out_rule)
        cidx = np.concatenate(self.out_case)
        self.case_ids_final()
        keys = self.case_id[cidx]
        notes = np.array(TAGS, dtype=object)[c["tag"][cidx]]
        frames = [pd.DataFrame({"rule_id": rule, "key": keys.astype(object), "note": notes})]
        frames += [self.lg001_labels(), self.iq003_labels(), self.sd004_labels()]
        labels = pd.concat(frames, ignore_index=True)
        labels = labels.drop_duplicates(["rule_id", "key"]).sort_values(["rule_id", "key"], ignore_index=True)
        for col in labels.columns:
            labels[col] = labels[col].astype(pd.StringDtype("pyarrow"))
        return labels
