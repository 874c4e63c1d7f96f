"""The command line's choice of Arrow's memory pool, made before pyarrow is loaded (regcheck/cli.py imports
this module first).

Arrow's default pool in the wheels (mimalloc) keeps the segments a few live buffers pin, so the memory a
dropped column or a scanned office's log frees does not go back to the OS. On Linux on x86-64 the command line
picks jemalloc, which pyarrow's wheels there carry (its ARM wheels do not since pyarrow 18, and would print a
warning on every run): it keeps freed pages about a second for reuse, then gives them back
(Arrow's decay setting), so the pages a scan frees and allocates again are not zeroed by the kernel each
time, as they are with the C library's malloc (which maps each block over 32 MiB afresh and unmaps it when
freed; :func:`regcheck.model.give_back_memory` trims the rest). Elsewhere (ARM servers such as Kunpeng or
Phytium, Windows, macOS) it picks malloc.
Measured on 1M cases (benchmarks/results.md): full-scan peak seed6 / gen2 1.80 / 2.22 GiB (malloc),
1.73 / 2.11–2.16 (jemalloc), 1.84–1.96 / 2.23–2.45 (mimalloc); the five-rule scan on seed6 7.05–7.33 s
(malloc), 6.59–6.65 s (jemalloc), its page faults 0.73M -> 0.58M.

The pool is chosen once, when pyarrow is imported: ``pyarrow.set_memory_pool`` later covers pyarrow's own
calls but not the Parquet reader's, hence an environment variable set this early. A pool chosen in the
environment is kept. The library (``regcheck.api``) leaves its caller's choice alone.
"""

from __future__ import annotations

import os
import platform
import sys

JEMALLOC_HERE = sys.platform == "linux" and platform.machine().lower() in {"x86_64", "amd64"}

os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "jemalloc" if JEMALLOC_HERE else "system")
