"""The command line's choice of Arrow's memory pool, made before pyarrow is loaded (regcheck/cli.py imports
this module first).

Arrow's own pool in the wheels here (mimalloc) keeps the segments a few live buffers pin, so the memory a
dropped column or a scanned office's log frees does not go back to the OS; with the C library's malloc, as
numpy and pandas use, :func:`regcheck.model.give_back_memory` trims it all. Measured on 1M cases (gen2's
log): full-scan peak 2.42 -> 2.23 GiB, a partitioned dataset's scan 1.16 -> 0.92 GiB, the same time
(benchmarks/results.md). The pool is chosen once, when Arrow first allocates: ``pyarrow.set_memory_pool``
later covers pyarrow's own calls but not the Parquet reader's, hence an environment variable set this early.
A pool chosen in the environment is kept. The library (``regcheck.api``) leaves its caller's choice alone.
"""

from __future__ import annotations

import os

os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")
