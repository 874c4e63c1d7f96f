"""Independent work (columns, rules) on a few threads.

Arrow compute, pandas' hash tables and numpy's sorts and takes release the GIL, so
independent columns can be parsed or reordered, and rules run, side by side on a
machine's cores. Results come back in the order of the items, so the outcome never
depends on which thread finished first.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

MAX_THREADS = 4


def threads() -> int:
    """Threads for side-by-side work: the cores this process may use, at most MAX_THREADS.

    ``REGCHECK_THREADS=1`` in the environment runs everything on one thread (to profile, or
    to leave the other cores to other jobs).
    """
    env = os.environ.get("REGCHECK_THREADS", "").strip()
    if env.isdigit() and int(env) >= 1:
        return min(int(env), MAX_THREADS)
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    return max(1, min(MAX_THREADS, cores))


def map_in_threads(fn: Callable[[T], R], items: Iterable[T]) -> list[R]:
    """``[fn(x) for x in items]``, computed on up to :func:`threads` threads."""
    items = list(items)
    workers = min(threads(), len(items))
    if workers <= 1:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="regcheck") as pool:
        return list(pool.map(fn, items))
