"""Fictional drama titles from word lists (unique), their aliases, and the variants platforms print."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fanxing.demo import vocab as V

_FULLWIDTH = {i: i + 0xFEE0 for i in range(0x21, 0x7F)} | {0x20: 0x3000}


def _pick(rng: np.random.Generator, words: list[str], m: int) -> np.ndarray:
    return np.array(words)[rng.integers(0, len(words), m)]


def _candidates(rng: np.random.Generator, sichuan: np.ndarray) -> np.ndarray:
    """One candidate title per row; Sichuan dramas lean to '我在成都…' titles."""
    m = sichuan.size
    add = np.char.add
    p1 = add(add(_pick(rng, V.TITLE_EVENTS, m), "，"), add(_pick(rng, V.TITLE_PERSONS, m), _pick(rng, V.TITLE_ACTIONS, m)))
    place = np.where(sichuan & (rng.random(m) < 0.7), _pick(rng, V.TITLE_PLACES_SICHUAN, m), _pick(rng, V.TITLE_PLACES, m))
    p2 = add(add(_pick(rng, V.TITLE_PREFIXES, m), "我在"), add(place, _pick(rng, V.TITLE_DOINGS, m)))
    p3 = add(add(_pick(rng, V.TITLE_ADJS, m), _pick(rng, V.TITLE_ROLES, m)), _pick(rng, V.TITLE_TAILS, m))
    p4 = add(add(_pick(rng, V.TITLE_POETIC_A, m), _pick(rng, V.TITLE_POETIC_B, m)), _pick(rng, V.TITLE_POETIC_C, m))
    years = rng.integers(1978, 2006, m).astype(str)
    p5 = add(add(_pick(rng, V.TITLE_YEAR_PREFIXES, m), years), _pick(rng, V.TITLE_YEAR_TAILS, m))
    probs = np.where(sichuan[:, None], [[0.2, 0.4, 0.18, 0.17, 0.05]], [[0.3, 0.18, 0.27, 0.18, 0.07]])
    u = rng.random(m)[:, None]
    which = (u > np.cumsum(probs, axis=1)).sum(axis=1)
    return np.choose(np.minimum(which, 4), [p1, p2, p3, p4, p5]).astype(object)


def unique_titles(rng: np.random.Generator, sichuan: np.ndarray) -> np.ndarray:
    """One unique title per row of ``sichuan`` (flags); sequels ('…2') once word lists run dry."""
    m = sichuan.size
    out = np.full(m, None, dtype=object)
    seen: set[str] = set(V.REAL_TITLES)
    todo = np.arange(m)
    for _ in range(12):
        if todo.size == 0:
            break
        cand = pd.Series(_candidates(rng, sichuan[todo]))
        ok = ~cand.duplicated().to_numpy() & ~cand.isin(seen).to_numpy()
        out[todo[ok]] = cand.to_numpy()[ok]
        seen.update(cand[ok])
        todo = todo[~ok]
    if todo.size:  # sequels of existing titles
        base = out[np.flatnonzero(out != None)]  # noqa: E711
        k = 2
        while todo.size:
            cand = pd.Series(base[np.arange(todo.size) % base.size] + str(k))
            ok = ~cand.duplicated().to_numpy() & ~cand.isin(seen).to_numpy()
            out[todo[ok]] = cand.to_numpy()[ok]
            seen.update(cand[ok])
            todo = todo[~ok]
            k += 1
    return out


def fullwidth(titles: np.ndarray) -> np.ndarray:
    """Titles with ASCII characters in their full-width forms (１９９８, ：…)."""
    return pd.Series(titles, dtype=object).str.translate(_FULLWIDTH).to_numpy(dtype=object)


def alias_lists(rng: np.random.Generator, titles: np.ndarray, alternate: np.ndarray) -> np.ndarray:
    """The ``aliases`` column: the alternate title if any, and for some dramas a 《…》(全集) variant."""
    n = titles.size
    variant = rng.random(n)
    full = np.where(variant < 0.06, "《" + titles + "》（全集）", np.where(variant < 0.10, titles + "(全集)", ""))
    out = np.where(alternate != "", alternate, "")
    return np.where(full == "", out, np.where(out == "", full, out + "|" + full)).astype(object)
