"""Replications run on one BLAS thread: same numbers, and the caller's setting is restored."""

from __future__ import annotations

import numpy as np

from fanxing.index.uncertainty.replicate import _openblas_local_threads, single_threaded_blas


def test_products_are_identical_on_one_thread_and_the_setting_is_restored():
    rng = np.random.default_rng(1)
    w, t = rng.random((300, 3)), rng.random((3, 5000))
    before = w @ t
    fn = _openblas_local_threads()
    old = fn(0) if fn is not None else None  # 0 = "unset": read, then put back
    if fn is not None:
        fn(old)
    with single_threaded_blas():
        inside = w @ t
    assert np.array_equal(before, inside)
    if fn is not None:
        assert fn(old) == old
