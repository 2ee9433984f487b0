"""Chinese synopses (1–3 sentences) assembled from templates, naming cultural elements where fitting."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from fanxing.demo import vocab as V

if TYPE_CHECKING:
    from fanxing.demo.catalogue import Catalogue


def _pick(rng: np.random.Generator, words: list[str], m: int) -> np.ndarray:
    return np.array(words, dtype=object)[rng.integers(0, len(words), m)]


def _element_table() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per region: padded element names, their weights and the place word used in sentences."""
    width = max(len(V.CULTURE_ELEMENTS_SICHUAN), *(len(v) for v in V.CULTURE_ELEMENTS_OTHER.values()))
    names = np.full((len(V.REGIONS), width), "", dtype=object)
    weights = np.zeros((len(V.REGIONS), width))
    place = np.empty(len(V.REGIONS), dtype=object)
    for i, (region, *_rest) in enumerate(V.REGIONS):
        province, _, city = region.partition("/")
        place[i] = city or province
        if province == "四川":
            elems, w = V.CULTURE_ELEMENTS_SICHUAN, V.CULTURE_WEIGHTS_SICHUAN
        else:
            elems = V.CULTURE_ELEMENTS_OTHER.get(province, ["民俗", "老街"])
            w = [1.0] * len(elems)
        names[i, : len(elems)] = elems
        weights[i, : len(elems)] = w
    return names, weights, place


def synopses(rng: np.random.Generator, cat: Catalogue) -> np.ndarray:
    """One synopsis per drama: a setup, a genre line, and for many a cultural-elements sentence."""
    n = cat.n
    names, weights, place = _element_table()
    city = place[cat.region]
    origin = np.where(cat.sichuan & (rng.random(n) < 0.5), "从小在" + city + "长大", _pick(rng, V.ORIGINS, n))
    person = _pick(rng, V.SURNAMES, n) + _pick(rng, V.GIVEN, n)
    first = origin + "的" + _pick(rng, V.ROLES_SYN, n) + person + _pick(rng, V.SETUP_EVENTS, n) + "。"

    lines = np.array([V.GENRE_LINES[g] for g in V.GENRES], dtype=object)
    second = np.where(rng.random(n) < 0.8, lines[np.maximum(cat.genres[:, 0], 0)], "")

    culture_tag = cat.tags[:, :2].any(axis=1)
    p_culture = np.where(cat.sichuan, 0.85, np.where(culture_tag, 0.7, 0.12))
    with_culture = rng.random(n) < p_culture
    w = weights[cat.region]
    cdf = np.cumsum(w, axis=1) / w.sum(axis=1, keepdims=True)
    e1 = np.minimum((rng.random(n)[:, None] > cdf).sum(axis=1), (w > 0).sum(axis=1) - 1)
    e2 = np.minimum((rng.random(n)[:, None] > cdf).sum(axis=1), (w > 0).sum(axis=1) - 1)
    e2 = np.where(e2 == e1, (e1 + 1) % (w > 0).sum(axis=1), e2)
    rows = cat.region
    tail_idx = rng.integers(0, len(V.CULTURE_TAILS), n)
    head = np.array([t.split("{place}")[0] for t in V.CULTURE_TAILS], dtype=object)[tail_idx]
    rest = np.array([t.split("{place}")[-1] if "{place}" in t else "" for t in V.CULTURE_TAILS],
                    dtype=object)[tail_idx]
    has_place = np.array(["{place}" in t for t in V.CULTURE_TAILS])[tail_idx]
    tail = np.where(has_place, head + city + rest, head)
    third = "剧中融入" + names[rows, e1] + "、" + names[rows, e2] + "等元素，" + tail
    return (first + second + np.where(with_culture, third, "")).astype(object)
