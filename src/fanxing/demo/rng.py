"""Named, independent random streams derived from one seed, so each part of the demo is reproducible."""

from __future__ import annotations

import zlib

import numpy as np


def stream(seed: int, name: str, *extra: int) -> np.random.Generator:
    """A generator for the component ``name`` (and optional chunk numbers) of the season seeded by ``seed``."""
    words = [int(seed) % (2**63), zlib.crc32(name.encode("utf-8")), *(int(e) for e in extra)]
    return np.random.default_rng(np.random.SeedSequence(words))


def gumbel_top_k(rng: np.random.Generator, weights: np.ndarray, k: np.ndarray) -> np.ndarray:
    """For each row, a boolean mask choosing ``k[row]`` distinct columns with probability ∝ ``weights``.

    ``weights`` is (columns,) or (rows, columns); sampling without replacement via the Gumbel trick.
    """
    k = np.asarray(k)
    w = np.broadcast_to(np.asarray(weights, dtype=float), (k.shape[0], np.shape(weights)[-1]))
    with np.errstate(divide="ignore"):
        keys = np.log(w) + rng.gumbel(size=w.shape)
    order = np.argsort(-keys, axis=1, kind="stable")
    ranks = np.empty_like(order)
    np.put_along_axis(ranks, order, np.arange(w.shape[1])[None, :].repeat(w.shape[0], 0), axis=1)
    return (ranks < k[:, None]) & (w > 0)


def choice_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One category per row from a (rows, categories) probability matrix (vectorised inverse CDF)."""
    cdf = np.cumsum(probs, axis=1)
    cdf /= cdf[:, -1:]
    u = rng.random(probs.shape[0])[:, None]
    return np.minimum((u > cdf).sum(axis=1), probs.shape[1] - 1)
