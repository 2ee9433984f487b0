"""The drama catalogue: latent traits (quality, hit factor) and the published attributes of each drama.

``sample_catalogue`` draws the numeric part (cheap, used to size scale mode); ``dramas_frame`` turns it
into ``dramas.csv`` with titles, institutions and synopses.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from fanxing.demo import platforms as P
from fanxing.demo import vocab as V
from fanxing.demo.institutions import institution_names
from fanxing.demo.rng import gumbel_top_k, stream
from fanxing.demo.synopsis import synopses
from fanxing.demo.titles import alias_lists, unique_titles

SICHUAN = np.array([r[0].startswith("四川") for r in V.REGIONS])
REGION_NAMES = np.array([r[0] for r in V.REGIONS])


@dataclass
class Catalogue:
    """Per-drama arrays (all of length ``n``) plus the institution table."""

    release: np.ndarray  # day offset of first release
    quality: np.ndarray  # latent quality, N(0, 1)
    hit: np.ndarray  # heavy-tailed popularity multiplier
    paid: np.ndarray  # paid-unlock drama (bool)
    pay: np.ndarray  # revenue multiplier
    episodes: np.ndarray
    episode_minutes: np.ndarray
    region: np.ndarray  # index into vocab.REGIONS
    dialect: np.ndarray  # bool: spoken in the region's dialect
    producer: np.ndarray  # index into producers
    ip: np.ndarray  # index into vocab.IP_SOURCES
    brand: np.ndarray  # index into vocab.BRANDS or -1
    tags: np.ndarray  # (n, len(INDUSTRY_TAGS)) bool
    genres: np.ndarray  # (n, 3) index into vocab.GENRES or -1
    on_platform: np.ndarray  # (n, platforms) bool
    lag: np.ndarray  # (n, platforms) days after release the drama reaches each platform
    producers: np.ndarray  # institution names
    producer_chengdu: np.ndarray  # institution based in Chengdu (bool)

    @property
    def n(self) -> int:
        return int(self.release.shape[0])

    def head(self, n: int) -> Catalogue:
        """The first ``n`` dramas (the institution table is kept)."""
        kept = {f.name: getattr(self, f.name) for f in fields(self)}
        for name, value in kept.items():
            if name not in ("producers", "producer_chengdu"):
                kept[name] = value[:n]
        return Catalogue(**kept)

    @property
    def sichuan(self) -> np.ndarray:
        return SICHUAN[self.region]


def n_producers_for(n_dramas: int) -> int:
    return int(min(4000, max(20, round(n_dramas / 12.5))))


def sample_catalogue(seed: int, n: int, days: int) -> Catalogue:
    """Draw the numeric traits of ``n`` dramas released over ``days`` days."""
    rng = stream(seed, "catalogue", n)
    # Releases through the season, the industry growing over the year.
    day_w = 1.0 + 0.6 * np.arange(days) / max(days - 1, 1)
    release = rng.choice(days, size=n, p=day_w / day_w.sum())
    quality = rng.standard_normal(n)
    hit = rng.lognormal(0.45 * quality, 1.05)
    paid = rng.random(n) < 0.7
    pay = rng.lognormal(0.0, 0.5, n) * np.where(paid, 1.0, 0.15)
    long_run = rng.random(n) < 0.15
    episodes = np.where(long_run, rng.integers(20, 41, n), np.clip(rng.normal(80, 11, n), 60, 100).round())
    minutes = np.where(rng.random(n) < 0.04, rng.uniform(5, 15, n), rng.uniform(1, 3, n)).round(1)

    region_w = np.array([r[1] for r in V.REGIONS])
    region = rng.choice(len(V.REGIONS), size=n, p=region_w / region_w.sum())
    dialect_p = np.array([r[3] for r in V.REGIONS])
    dialect = rng.random(n) < dialect_p[region]

    n_prod = n_producers_for(n)
    producers, chengdu = institution_names(stream(seed, "institutions"), n_prod)
    zipf = 1.0 / np.arange(1, n_prod + 1) ** 0.8
    cd_idx, other_idx = np.flatnonzero(chengdu), np.flatnonzero(~chengdu)
    pick_cd = cd_idx[rng.choice(cd_idx.size, size=n, p=zipf[: cd_idx.size] / zipf[: cd_idx.size].sum())]
    w_other = zipf[: other_idx.size]
    pick_other = other_idx[rng.choice(other_idx.size, size=n, p=w_other / w_other.sum())]
    sichuan = SICHUAN[region]
    use_cd = np.where(sichuan, rng.random(n) < 0.8, rng.random(n) < 0.05)
    producer = np.where(use_cd, pick_cd, pick_other)

    ip_w = np.array(V.IP_WEIGHTS, dtype=float)
    ip = rng.choice(len(V.IP_SOURCES), size=n, p=ip_w / ip_w.sum())
    brand = np.where(rng.random(n) < 0.035, rng.integers(0, len(V.BRANDS), n), -1)

    tag_p = np.where(sichuan, 0.45, 0.12)
    n_tags = np.where(rng.random(n) < tag_p, 1 + (rng.random(n) < 0.3), 0)
    tag_w = np.tile(np.array(V.INDUSTRY_WEIGHTS, dtype=float), (n, 1))
    tag_w[sichuan, :2] *= 3.0  # culture_tourism, intangible_heritage
    tags = gumbel_top_k(rng, tag_w, n_tags)

    genre_w = np.tile(np.array(V.GENRE_WEIGHTS, dtype=float), (n, 1))
    for g in ("家庭", "喜剧", "都市", "年代"):
        genre_w[sichuan, V.GENRES.index(g)] *= 2.0
    n_genres = rng.choice([1, 2, 3], size=n, p=[0.25, 0.5, 0.25])
    keys = np.log(genre_w) + rng.gumbel(size=genre_w.shape)
    order = np.argsort(-keys, axis=1, kind="stable")[:, :3]
    genres = np.where(np.arange(3)[None, :] < n_genres[:, None], order, -1)

    # Platforms: 1–4 per drama, weighted by each platform's carriage; every platform carries a few.
    k = rng.choice([1, 2, 3, 4], size=n, p=[0.33, 0.36, 0.21, 0.10])
    on = gumbel_top_k(rng, P.CARRY, k)
    for j in range(len(P.PLATFORMS)):
        short = min(3, n) - int(on[:, j].sum())
        if short > 0:
            cand = np.flatnonzero(~on[:, j] & (on.sum(axis=1) < 4))
            cand = cand[np.argsort(release[cand], kind="stable")][: max(short * 3, short)]
            on[rng.choice(cand, size=min(short, cand.size), replace=False), j] = True
    first = np.argmax(np.where(on, rng.gumbel(size=on.shape) + np.log(P.CARRY), -np.inf), axis=1)
    lag = np.where(rng.random(on.shape) < 0.5, 0, rng.geometric(1 / 12, size=on.shape))
    lag[np.arange(n), first] = 0

    return Catalogue(
        release=release.astype(np.int64), quality=quality, hit=hit, paid=paid, pay=pay,
        episodes=episodes.astype(np.int64), episode_minutes=minutes, region=region, dialect=dialect,
        producer=producer, ip=ip, brand=brand, tags=tags, genres=genres, on_platform=on,
        lag=lag.astype(np.int64), producers=producers, producer_chengdu=chengdu,
    )


def _join(matrix_mask: np.ndarray, names: list[str]) -> np.ndarray:
    """'|'-joined names of the True columns of each row ('' when none)."""
    out = np.full(matrix_mask.shape[0], "", dtype=object)
    for j, name in enumerate(names):
        col = matrix_mask[:, j]
        out[col] = np.where(out[col] == "", name, out[col] + "|" + name)
    return out


def dramas_frame(cat: Catalogue, seed: int, start: np.datetime64) -> tuple[pd.DataFrame, np.ndarray]:
    """dramas.csv (spec columns, in spec order) and the alternate title of each drama ('' if none)."""
    rng = stream(seed, "dramas-text", cat.n)
    n = cat.n
    width = max(4, len(str(n)))
    ids = np.char.add("D", np.char.zfill(np.arange(1, n + 1).astype(str), width))
    has_alt = rng.random(n) < 0.08
    names = unique_titles(rng, np.concatenate([cat.sichuan, cat.sichuan[has_alt]]))
    titles = names[:n]
    alt = np.full(n, "", dtype=object)
    alt[has_alt] = names[n:]
    aliases = alias_lists(rng, titles, alt)

    genres = np.full(n, "", dtype=object)
    for slot in range(3):
        g = cat.genres[:, slot]
        name = np.array(V.GENRES + [""], dtype=object)[g]
        genres = np.where(g < 0, genres, np.where(genres == "", name, genres + "|" + name))
    dialect_names = np.array([r[2] for r in V.REGIONS], dtype=object)
    frame = pd.DataFrame({
        "drama_id": ids,
        "title": titles,
        "aliases": aliases,
        "producer": cat.producers[cat.producer],
        "release_date": (start + cat.release.astype("timedelta64[D]")).astype(str),
        "episodes": cat.episodes,
        "episode_minutes": cat.episode_minutes,
        "genres": genres,
        "ip_source": np.array(V.IP_SOURCES, dtype=object)[cat.ip],
        "brand_partner": np.where(cat.brand >= 0, np.array(V.BRANDS + [""], dtype=object)[cat.brand], ""),
        "industry_tags": _join(cat.tags, V.INDUSTRY_TAGS),
        "region": REGION_NAMES[cat.region],
        "dialect": np.where(cat.dialect, dialect_names[cat.region], ""),
        "synopsis": synopses(rng, cat),
    })
    return frame, alt
