"""Fee family (FE): the fee table and the fees charged against it."""

from __future__ import annotations

import numpy as np

from .common import (
    CK_MERGE,
    CK_SPLIT,
    FREE,
    HALVED,
    SLOT,
    B,
    T,
    U,
    _count,
    _pick,
)

RATES: dict[str, float] = {
    "FE001": 0.01,
    "FE002": 0.02,  # of free-service cases with a fee row
}


class FeeCases:
    def fee_attributes(self) -> None:
        """Fees: the standard, then FE001 / FE002 injections."""
        c, rng, t = self.c, self.rng, self.t
        S = SLOT
        bt = c["bt"]
        bg = c["tag"] == T["background"]
        use_after, ck = self.use_after, self.ck
        std = np.where(use_after == U["residential"], 80.0, np.where(use_after == U["homestead"], 0.0, 550.0))
        halve = HALVED[bt] | ((bt == B["change"]) & ((ck & (CK_SPLIT | CK_MERGE)) != 0))
        std = np.where(halve, std / 2, std)
        std = np.where(FREE[bt], 0.0, std)
        fee = np.where(self.fee_row & (t[:, S["charge"]] >= 0), std, np.nan)
        paid = bg & ~np.isnan(fee)
        idx = _pick(rng, paid & (std > 0), _count(RATES["FE001"], int((paid & (std > 0)).sum())), self.taken)
        fee[idx] = np.where(std[idx] == 80, 550.0, np.where(rng.random(len(idx)) < 0.5, 80.0, 0.0))
        idx = _pick(rng, paid & (std == 0), _count(RATES["FE002"], int((paid & (std == 0)).sum())), self.taken)
        fee[idx] = np.where(use_after[idx] == U["homestead"], 10.0, 80.0)
        self.fee = fee

    def label_fees(self) -> None:
        bt = self.c["bt"]
        ck, ua_ = self.ck, self.use_after
        fee = self.fee
        std = np.where(ua_ == U["residential"], 80.0, np.where(ua_ == U["homestead"], 0.0, 550.0))
        halve = HALVED[bt] | ((bt == B["change"]) & ((ck & (CK_SPLIT | CK_MERGE)) != 0))
        std = np.where(FREE[bt], 0.0, np.where(halve, std / 2, std))
        charged = ~np.isnan(fee)
        self.fire("FE001", charged & (std > 0) & (fee != std))
        self.fire("FE002", charged & (std == 0) & (fee > 0))
