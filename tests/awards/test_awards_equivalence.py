"""The fast novelty and producer ranking give exactly what the straightforward algorithms give.

The references below are the previous implementations (all-pairs similarity blocks in input order;
one pandas group per producer), kept here as executable specifications.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from awards_factory import GENRES, TROPES, UNIQUE

from fanxing.awards.config import InstitutionCategory, NoveltyConfig
from fanxing.awards.institutions import _carried, _finish, _relative, producer_ranking
from fanxing.awards.novelty import _NUMBER, _WORDLIKE, novelty, scale, stopwords, tfidf, tokenize, tokenizer


def reference_tokenize(synopsis, genres, config):
    stop = stopwords() | set(config.extra_stopwords)
    words = [w.strip().lower() for w in tokenizer().lcut(synopsis or "")] if synopsis else []
    words = [w for w in words if len(w) >= config.min_token_len and w not in stop
             and _WORDLIKE.search(w) and not _NUMBER.match(w)]
    for g in genres:
        words.extend([g.strip().lower()] * config.genre_weight)
    return [w for w in words if w]


def reference_novelty(dramas, config, block=7):
    ids = dramas["drama_id"].astype(str).to_numpy()
    docs = [reference_tokenize(s, g, config) for s, g in zip(dramas["synopsis"], dramas["genres"], strict=True)]
    x, _ = tfidf(docs)
    dates = pd.to_datetime(dramas["release_date"]).to_numpy(dtype="datetime64[ns]")
    has_date = ~np.isnat(dates)
    usable = has_date & (np.diff(x.indptr) > 0)
    day = np.where(has_date, dates.astype("int64"), np.iinfo(np.int64).max)
    n = len(ids)
    dist, n_earlier = np.full(n, np.nan), np.zeros(n, dtype=np.int64)
    nearest, nearest_sim = np.full(n, None, dtype=object), np.full(n, np.nan)
    xt = x.T.tocsc()
    for lo in range(0, n, block):
        hi = min(lo + block, n)
        sims = np.asarray((x[lo:hi] @ xt).todense())
        earlier = usable[None, :] & (day[None, :] < day[lo:hi, None])
        sims = np.where(earlier, np.clip(sims, 0.0, 1.0), -np.inf)
        count = earlier.sum(axis=1)
        kk = min(config.k, n)
        top = np.sort(-np.partition(-sims, kk - 1, axis=1)[:, :kk], axis=1)[:, ::-1]
        top = np.where(np.isfinite(top), top, np.nan)
        ok = usable[lo:hi] & (count >= config.min_earlier)
        with np.errstate(invalid="ignore"):
            s1 = np.nanmax(np.where(ok[:, None], top, 0.0), axis=1)
            sbar = np.nanmean(np.where(ok[:, None], top, 0.0), axis=1)
        dist[lo:hi] = np.where(ok, np.sqrt(np.clip((1.0 - s1) * (1.0 - sbar), 0.0, 1.0)), np.nan)
        n_earlier[lo:hi] = count
        arg = np.argmax(sims, axis=1)
        for r in np.flatnonzero(ok):
            nearest[lo + r] = ids[arg[r]]
            nearest_sim[lo + r] = sims[r, arg[r]]
    out = pd.DataFrame({"drama_id": ids, "n_earlier": n_earlier, "novelty_distance": dist,
                        "nearest_earlier": nearest, "nearest_similarity": nearest_sim})
    out["novelty"] = scale(out["novelty_distance"], config.scale)
    return out.set_index("drama_id", drop=False)


def catalogue(n=300, seed=3):
    rng = np.random.default_rng(seed)
    texts = TROPES + UNIQUE + ["", "123 456", "第2季！！"]
    rows = []
    for i in range(n):
        parts = rng.choice(texts, size=rng.integers(1, 4))
        day = pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(0, 40)))  # many same-day
        rows.append({"drama_id": f"D{i:03d}", "release_date": None if i % 37 == 5 else day,
                     "synopsis": "，".join(parts) if i % 41 != 3 else "",
                     "genres": list(rng.choice(GENRES, size=rng.integers(0, 3), replace=False))})
    return pd.DataFrame(rows)


@pytest.mark.parametrize("config", [NoveltyConfig(), NoveltyConfig(k=3, min_earlier=4, scale="distance"),
                                    NoveltyConfig(k=50, genre_weight=0)])
@pytest.mark.parametrize("n", [300, 1200])
def test_novelty_equals_the_all_pairs_reference(config, n):
    cat = catalogue(n)
    got, want = novelty(cat, config), reference_novelty(cat, config)
    pd.testing.assert_frame_equal(got, want, check_exact=True)


def test_block_cached_tokens_equal_whole_text_segmentation():
    cfg = NoveltyConfig()
    cache: dict = {}
    for s in [*TROPES, *UNIQUE, "ABC剧场2024版：霸总,回来了!", "  空格 与 tab\t分隔 ", "第2季！！"]:
        assert tokenize(s, ["都市"], cfg, cache) == reference_tokenize(s, ["都市"], cfg)


def reference_producer_ranking(works, per_platform, n_ranked, rules):
    works = works.reset_index(drop=True)
    works = works.loc[works["producer"].astype(str).str.strip() != ""]
    cutoff = max(1, math.ceil(rules.top_share * n_ranked))
    carried = _carried(per_platform, rules.carry_share)
    rows = []
    for producer, grp in works.groupby("producer", sort=True):
        grp = grp.sort_values(["score", "rank", "drama_id"], ascending=[False, True, True], kind="mergesort")
        best = grp.head(rules.top_k)
        genres = sorted({g for gs in best["genres"] for g in gs})
        platforms = sorted(set(carried.loc[carried["drama_id"].isin(best["drama_id"]), "platform"]))
        rows.append({"producer": producer, "n_works": len(grp), "quality": float(best["score"].mean()),
                     "n_top": int((grp["rank"] <= cutoff).sum()), "n_genres": len(genres),
                     "n_platforms": len(platforms), "top_works": list(best["title"]),
                     "top_work_ids": list(best["drama_id"])})
    cols = ["producer", "n_works", "quality", "n_top", "n_genres", "n_platforms", "top_works", "top_work_ids"]
    frame = pd.DataFrame(rows, columns=cols)
    frame = frame.loc[frame["n_works"] >= rules.min_works].copy()
    frame["excellence"] = 100.0 * frame["n_top"] / frame["n_works"]
    parts = [_relative(frame["n_genres"])]
    if len(carried):
        parts.append(_relative(frame["n_platforms"]))
    frame["breadth"] = 100.0 * sum(parts) / len(parts)
    return _finish(frame, rules, "producer")


@pytest.mark.parametrize("top_k", [1, 5, 20])
def test_producer_ranking_equals_the_per_group_reference(top_k):
    rng = np.random.default_rng(top_k)
    n = 400
    works = pd.DataFrame({
        "drama_id": [f"D{i:03d}" for i in range(n)],
        "title": [f"剧{i}" for i in range(n)],
        "score": np.round(rng.random(n) * 100, 1),  # ties in score
        "rank": rng.integers(1, 500, n),
        "producer": rng.choice(["甲", "乙", "丙", "丁", " ", ""] + [f"P{i}" for i in range(30)], n),
        "genres": [list(rng.choice(GENRES, size=rng.integers(0, 4), replace=False)) for _ in range(n)],
    }).set_index("drama_id", drop=False)
    pp = pd.DataFrame({"platform": rng.choice(["a", "b", "c", "d"], 3 * n), "drama_id": rng.choice(works.index, 3 * n),
                       "plays": rng.integers(0, 1000, 3 * n).astype(float)})
    pp = pp.groupby(["platform", "drama_id"], as_index=False)["plays"].sum()
    rules = InstitutionCategory.model_validate({"weights": {"quality": 0.6, "excellence": 0.25, "breadth": 0.15},
                                                "top_k": top_k, "min_works": 2,
                                                "name_zh": "年度机构", "name_en": "Producer"})
    got = producer_ranking(works, pp, n, rules)
    want = reference_producer_ranking(works, pp, n, rules)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
