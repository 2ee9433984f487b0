"""Fictional production institutions (创作机构) with realistic Chinese company names."""

from __future__ import annotations

import numpy as np

from fanxing.demo import vocab as V


def _names(rng: np.random.Generator, need: int, chengdu: bool) -> list[str]:
    """``need`` unique names; a brand word is used once while the word list allows it."""
    cities = np.array([c for c, _ in V.INSTITUTION_CITIES])
    city_w = np.array([w for _, w in V.INSTITUTION_CITIES], dtype=float)
    suffixes = np.array([s for s, _ in V.INSTITUTION_SUFFIXES])
    suffix_w = np.array([w for _, w in V.INSTITUTION_SUFFIXES], dtype=float)
    kinds = np.array(V.INSTITUTION_KINDS)
    first = np.array(V.INSTITUTION_FIRST_CHENGDU if chengdu else V.INSTITUTION_FIRST)
    second = np.array(V.INSTITUTION_SECOND)
    by_brand = need <= first.size * second.size // 2
    out: list[str] = []
    keys: set[str] = set()
    while len(out) < need:
        m = 2 * need + 8
        city = np.full(m, "成都") if chengdu else cities[rng.choice(cities.size, m, p=city_w / city_w.sum())]
        brand = np.char.add(first[rng.integers(0, first.size, m)], second[rng.integers(0, second.size, m)])
        name = np.char.add(np.char.add(np.char.add(city, brand), kinds[rng.integers(0, kinds.size, m)]),
                           suffixes[rng.choice(suffixes.size, m, p=suffix_w / suffix_w.sum())])
        key = brand if by_brand else name
        _, first_pos = np.unique(key, return_index=True)
        for i in np.sort(first_pos):
            if str(key[i]) not in keys:
                keys.add(str(key[i]))
                out.append(str(name[i]))
                if len(out) == need:
                    break
    return out


def institution_names(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` unique institution names and whether each is Chengdu-based (about 15%, at least 3)."""
    n_cd = max(3, round(0.15 * n))
    names = np.array(_names(rng, n_cd, True) + _names(rng, n - n_cd, False), dtype=object)
    is_cd = np.arange(n) < n_cd
    order = rng.permutation(n)
    return names[order], is_cd[order]
