"""Threads for the numpy work of a build (the rank intervals' Monte Carlo, its plan's variant builds and
its per-unit summaries, the periods ranked without intervals, novelty's screening, the CSV writer, the
manifest's hashes).

numpy and scipy release the GIL in the products, sorts and element-wise loops that dominate that
work, so independent pieces of it run side by side on threads. Every use here gives the same result
on any number of threads: the pieces are independent and their results are combined in order.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

ENV = "FANXING_THREADS"


def threads() -> int:
    """``FANXING_THREADS`` when set (a whole number ≥ 1), else the CPUs this process may run on."""
    env = os.environ.get(ENV, "").strip()
    if env:
        try:
            n = int(env)
        except ValueError:
            n = 0
        if n < 1:
            raise ValueError(f"{ENV}={env!r}: expected a whole number of threads (1 or more)")
        return n
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def ordered_map(fn: Callable[[T], R], items: Iterable[T], workers: int | None = None, *,
                name: str = "fanxing", ahead: int | None = None) -> Iterator[R]:
    """``map(fn, items)`` on ``workers`` threads (default ``threads()``), results in the order of
    ``items``. The first exception in that order is raised and the pieces not yet started are
    cancelled. With one worker (or one item) everything runs in the calling thread.

    ``ahead``: at most this many items are submitted before the caller has taken the first of their
    results (``items`` is then read lazily), so that results too large to hold all at once (e.g.
    blocks of text) exist only a few at a time. Default: every item is submitted at once."""
    workers = threads() if workers is None else workers
    if ahead is not None:
        yield from _bounded(fn, items, workers, name, max(1, ahead))
        return
    items = list(items)
    if workers <= 1 or len(items) <= 1:
        for item in items:
            yield fn(item)
        return
    with ThreadPoolExecutor(max_workers=min(workers, len(items)), thread_name_prefix=name) as pool:
        futures = [pool.submit(fn, item) for item in items]
        try:
            for f in futures:
                yield f.result()
        finally:
            for f in futures:
                f.cancel()


def _bounded(fn: Callable[[T], R], items: Iterable[T], workers: int, name: str, ahead: int) -> Iterator[R]:
    """``ordered_map`` with at most ``ahead`` items in flight."""
    if workers <= 1:
        for item in items:
            yield fn(item)
        return
    pending: deque[Future] = deque()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=name) as pool:
        try:
            for item in items:
                pending.append(pool.submit(fn, item))
                if len(pending) >= ahead:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for f in pending:
                f.cancel()
