import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp

import fanxing.awards.novelty as novelty_module
from fanxing.awards.config import NoveltyConfig
from fanxing.awards.novelty import novelty, tfidf, tokenize

TROPE = "霸道总裁爱上平凡女孩，豪门恩怨纠葛，真假千金身份互换，最终有情人终成眷属"
OTHER = "战神赘婿隐忍三年归来复仇，豪门岳父一家悔不当初"
UNIQUE = "考古学家在三星堆发现会说话的青铜面具，穿越古蜀文明寻找太阳神鸟的秘密"


def frame(rows):
    return pd.DataFrame([{"drama_id": i, "release_date": d, "synopsis": s, "genres": g} for i, d, s, g in rows])


def test_user_dictionary_keeps_cultural_terms_whole_and_drops_stopwords():
    toks = tokenize("他在宽窄巷子学习川剧变脸，用蜀锦蜀绣打动了霸总", [], NoveltyConfig(genre_weight=0))
    for word in ("宽窄巷子", "川剧变脸", "蜀锦蜀绣", "霸总"):
        assert word in toks
    assert "在" not in toks and "了" not in toks
    assert tokenize("", ["甜宠"], NoveltyConfig(genre_weight=3)) == ["甜宠"] * 3


def test_tfidf_rows_are_unit_length_and_vocabulary_sorted():
    x, vocab = tfidf([["a", "b", "b"], ["b", "c"], []])
    assert vocab == ["a", "b", "c"]
    norms = np.sqrt(np.asarray(x.multiply(x).sum(axis=1)).ravel())
    assert norms == pytest.approx([1.0, 1.0, 0.0])


def test_a_copy_of_an_earlier_drama_scores_about_zero_and_a_unique_one_high():
    f = frame([("a", "2024-01-01", TROPE, ["都市", "甜宠"]),
               ("b", "2024-02-01", OTHER, ["战神", "逆袭"]),
               ("copy", "2024-03-01", TROPE, ["都市", "甜宠"]),
               ("uniq", "2024-04-01", UNIQUE, ["科幻"])])
    nv = novelty(f, NoveltyConfig(scale="distance"))
    assert nv.at["copy", "novelty_distance"] == pytest.approx(0.0, abs=1e-9)
    assert nv.at["copy", "nearest_earlier"] == "a"
    assert nv.at["uniq", "novelty_distance"] > 0.95
    assert nv.at["copy", "novelty"] < nv.at["b", "novelty"] < nv.at["uniq", "novelty"]


def test_first_release_has_no_novelty_and_later_releases_are_never_compared():
    f = frame([("first", "2024-01-01", TROPE, ["都市"]),
               ("later_copy", "2024-05-01", TROPE, ["都市"]),
               ("mid", "2024-03-01", UNIQUE, ["科幻"])])
    nv = novelty(f, NoveltyConfig(scale="distance"))
    assert np.isnan(nv.at["first", "novelty_distance"]) and nv.at["first", "n_earlier"] == 0
    # "mid" would be compared only with "first", never with the later copy
    assert nv.at["mid", "n_earlier"] == 1 and nv.at["mid", "nearest_earlier"] == "first"
    assert nv.at["later_copy", "nearest_earlier"] == "first"
    # adding a later copy of "mid" does not make "mid" look derivative
    more = pd.concat([f, frame([("copy_of_mid", "2024-06-01", UNIQUE, ["科幻"])])], ignore_index=True)
    nv2 = novelty(more, NoveltyConfig(scale="distance"))
    assert nv2.at["mid", "novelty_distance"] > 0.9
    assert nv2.at["copy_of_mid", "novelty_distance"] == pytest.approx(0.0, abs=1e-9)


def test_same_day_releases_are_not_earlier_than_each_other():
    f = frame([("x", "2024-01-01", OTHER, []), ("a", "2024-02-01", TROPE, []), ("b", "2024-02-01", TROPE, [])])
    nv = novelty(f, NoveltyConfig(scale="distance"))
    assert nv.at["a", "nearest_earlier"] == "x" and nv.at["b", "nearest_earlier"] == "x"
    assert nv.at["a", "novelty_distance"] == pytest.approx(nv.at["b", "novelty_distance"])


def test_missing_text_or_date_means_missing_novelty_and_no_comparison():
    f = frame([("a", "2024-01-01", TROPE, []), ("empty", "2024-02-01", "", []),
               ("nodate", None, TROPE, []), ("b", "2024-03-01", TROPE, [])])
    nv = novelty(f, NoveltyConfig(scale="distance"))
    assert np.isnan(nv.at["empty", "novelty"]) and np.isnan(nv.at["nodate", "novelty"])
    assert nv.at["b", "n_earlier"] == 1  # neither the empty nor the undated drama is a neighbour


def test_crowded_themes_are_less_novel_than_a_single_close_neighbour():
    # k nearest: a drama close to many earlier ones scores lower than one close to just one
    base = [("o1", "2024-01-01", OTHER, ["战神"]), ("o2", "2024-01-02", OTHER, ["战神"]),
            ("o3", "2024-01-03", OTHER, ["战神"]), ("t1", "2024-01-04", TROPE, ["都市"])]
    half_other = "战神赘婿隐忍三年归来，考古学家发现青铜面具"
    half_trope = "霸道总裁爱上平凡女孩，考古学家发现青铜面具"
    f = frame(base + [("crowded", "2024-02-01", half_other, []), ("lonely", "2024-02-02", half_trope, [])])
    nv = novelty(f, NoveltyConfig(scale="distance", k=3))
    assert nv.at["crowded", "novelty_distance"] < nv.at["lonely", "novelty_distance"]


def test_percentile_scale_and_determinism():
    rng = np.random.default_rng(1)
    words = ["甜宠", "复仇", "豪门", "战神", "三星堆", "火锅", "熊猫", "宫斗", "重生", "萌宝", "律师", "医生"]
    rows = [(f"d{i}", str(pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(i))),
             "，".join(rng.choice(words, 4)), []) for i in range(60)]
    a = novelty(frame(rows), NoveltyConfig(k=3))
    b = novelty(frame(rows), NoveltyConfig(k=3))
    pd.testing.assert_frame_equal(a, b)
    valid = a["novelty"].dropna()
    assert valid.min() == 0.0 and valid.max() == 100.0
    ok = a["novelty"].notna()
    assert (a.loc[ok, "novelty"].rank() == a.loc[ok, "novelty_distance"].rank()).all()


# --- the screened search is exact: same output as a brute-force all-pairs reference ---------------

SMALL_TILES = {"_MIN_PREFIX": 1, "_BOUND_ROWS": 16, "_BOUND_CHUNK": 64, "_BOUND_SPAN": 128, "_GROUP": 8}


def small_tiles(monkeypatch, **extra):
    """Screen every drama, with tiny tiles (several spans and chunks even on a few hundred dramas)."""
    for name, value in {**SMALL_TILES, **extra}.items():
        monkeypatch.setattr(novelty_module, name, value)


def spy_all_pairs(monkeypatch):
    """Rows handed to the all-pairs method (the fallback), call by call."""
    calls = []
    real = novelty_module._all_pairs

    def spy(x, cols, rows, *args):
        calls.append(len(rows))
        return real(x, cols, rows, *args)

    monkeypatch.setattr(novelty_module, "_all_pairs", spy)
    return calls


def brute_force(f, config):
    """Dense all-pairs novelty by the definition; similarities summed over the query's stored terms
    in stored order, as the sparse product does (so they are bit-identical to it)."""
    docs = [tokenize(s, g, config) for s, g in zip(f["synopsis"], f["genres"], strict=True)]
    x, _ = tfidf(docs)
    dense = x.toarray()
    dates = pd.to_datetime(f["release_date"]).to_numpy(dtype="datetime64[ns]")
    day = np.where(np.isnat(dates), np.iinfo(np.int64).max, dates.astype("int64"))
    usable = ~np.isnat(dates) & (np.diff(x.indptr) > 0)
    n = len(f)
    out = pd.DataFrame({"drama_id": f["drama_id"].astype(str), "n_earlier": 0, "novelty_distance": np.nan,
                        "nearest_earlier": None, "nearest_similarity": np.nan})
    for i in range(n):
        earlier = usable & (day < day[i])
        out.loc[i, "n_earlier"] = int(earlier.sum())
        if not usable[i] or earlier.sum() < config.min_earlier:
            continue
        sims = np.zeros(n)
        for t, v in zip(x.indices[x.indptr[i]:x.indptr[i + 1]], x.data[x.indptr[i]:x.indptr[i + 1]], strict=True):
            sims += v * dense[:, t]
        sims = np.clip(sims, 0.0, 1.0)
        vals = np.sort(sims[earlier])[::-1][:config.k]
        best = vals[0]
        out.loc[i, "nearest_earlier"] = out.loc[int(np.flatnonzero(earlier & (sims == best))[0]), "drama_id"]
        out.loc[i, "nearest_similarity"] = best
        out.loc[i, "novelty_distance"] = np.sqrt(np.clip((1.0 - best) * (1.0 - vals.mean()), 0.0, 1.0))
    return out.set_index("drama_id", drop=False)


def assert_same(got, want):
    assert list(got.index) == list(want.index)
    assert (got["n_earlier"].to_numpy() == want["n_earlier"].to_numpy()).all()
    for col in ("novelty_distance", "nearest_similarity"):
        a, b = got[col].to_numpy(dtype=float), want[col].to_numpy(dtype=float)
        assert (np.isnan(a) == np.isnan(b)).all(), col
        assert np.abs(a[~np.isnan(a)] - b[~np.isnan(b)]).max(initial=0.0) <= 1e-12, col
    assert got["nearest_earlier"].isna().tolist() == want["nearest_earlier"].isna().tolist()
    known = got["nearest_earlier"].notna()
    assert got.loc[known, "nearest_earlier"].tolist() == want.loc[known, "nearest_earlier"].tolist()


def random_frame(seed, n=300, n_tokens=14, days=40, p_empty=0.03, p_undated=0.03, max_tf=3):
    """Genre-only dramas (no jieba): random token sets and term frequencies, many same-day releases,
    some without tokens or dates, some exact copies."""
    rng = np.random.default_rng(seed)
    toks = [f"t{j}" for j in range(n_tokens)]
    rows = []
    for i in range(n):
        genres = []
        if rng.random() >= p_empty:
            for t in rng.choice(toks, size=int(rng.integers(1, 6)), replace=False):
                genres += [t] * int(rng.integers(1, max_tf + 1))
        if rows and rng.random() < 0.1:
            genres = list(rows[int(rng.integers(0, len(rows)))][3])  # a copy (possibly released earlier)
        date = None if rng.random() < p_undated else str((pd.Timestamp("2024-01-01")
                                                           + pd.Timedelta(days=int(rng.integers(0, days)))).date())
        rows.append((f"d{i}", date, "", genres))
    return frame(rows)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("config", [NoveltyConfig(scale="distance"), NoveltyConfig(k=1, scale="distance"),
                                    NoveltyConfig(k=9, min_earlier=3, scale="distance")])
def test_screened_search_equals_brute_force_and_all_pairs(monkeypatch, seed, config):
    f = random_frame(seed)
    want = brute_force(f, config)
    all_pairs = novelty(f, config)  # default sizes: a few hundred dramas all take the all-pairs method
    small_tiles(monkeypatch)
    calls = spy_all_pairs(monkeypatch)
    screened = novelty(f, config)
    assert sum(calls) < 0.5 * int(want["novelty_distance"].notna().sum())  # most rows were screened
    assert_same(screened, want)
    pd.testing.assert_frame_equal(screened, all_pairs, check_exact=True)  # bit-identical


@pytest.mark.parametrize("n_threads", ["1", "3"])
def test_the_screening_gives_the_same_result_on_any_number_of_threads(monkeypatch, n_threads):
    """Blocks of queries are screened on FANXING_THREADS threads and combined in order: bit-identical."""
    f = random_frame(3, n=400)
    config = NoveltyConfig(scale="distance")
    small_tiles(monkeypatch)
    monkeypatch.setenv("FANXING_THREADS", "2")
    two = novelty(f, config)
    monkeypatch.setenv("FANXING_THREADS", n_threads)
    pd.testing.assert_frame_equal(novelty(f, config), two, check_exact=True)
    assert_same(two, brute_force(f, config))


def test_bounds_that_are_not_tight_at_the_top_fall_back_to_all_pairs(monkeypatch):
    # "alpha" and "beta" always occur together (one block) but with different frequencies: the block
    # bound exceeds the similarity, the certificate fails and those rows take the all-pairs method
    reps = [(1, 2), (2, 1), (1, 1), (3, 1)]
    f = frame([(f"p{i}", str((pd.Timestamp("2024-01-01") + pd.Timedelta(days=i)).date()), "",
                ["alpha"] * reps[i % 4][0] + ["beta"] * reps[i % 4][1] + ([f"x{i % 5}"] if i % 3 else []))
               for i in range(120)])
    config = NoveltyConfig(k=3, scale="distance")
    small_tiles(monkeypatch)
    calls = spy_all_pairs(monkeypatch)
    got = novelty(f, config)
    assert sum(calls) > 0
    assert_same(got, brute_force(f, config))


def test_ties_keep_the_first_drama_in_input_order_whether_screened_or_given_up(monkeypatch):
    # identical copies listed before the query in input order, released in another order: the nearest
    # is the first copy in the input, not the earliest release
    copies = [(f"c{i}", str((pd.Timestamp("2024-01-20") - pd.Timedelta(days=i)).date()), "", ["甜宠", "豪门"])
              for i in range(40)]
    others = [(f"o{i}", "2024-01-01", "", [f"g{i % 7}", "豪门"]) for i in range(40)]
    f = frame(copies + others + [("query", "2024-03-01", "", ["甜宠", "豪门"])])
    config = NoveltyConfig(k=5, scale="distance")
    want = brute_force(f, config)
    assert want.at["query", "nearest_earlier"] == "c0"
    small_tiles(monkeypatch)
    assert_same(novelty(f, config), want)
    calls = spy_all_pairs(monkeypatch)
    monkeypatch.setattr(novelty_module, "_MAX_CANDIDATES", 8)  # too many near-ties: give up, all-pairs
    got = novelty(f, config)
    assert sum(calls) > 0
    assert_same(got, want)


def test_dramas_sharing_nothing_earlier_and_k_beyond_the_prefix(monkeypatch):
    rows = [(f"a{i}", str((pd.Timestamp("2024-01-01") + pd.Timedelta(days=i % 4)).date()), "", ["甜宠", f"t{i % 3}"])
            for i in range(30)]
    rows += [("alone", "2024-02-01", "", ["独一无二"]), ("none", "2024-02-02", "", []), ("undated", None, "", ["甜宠"])]
    f = frame(rows)
    small_tiles(monkeypatch)
    for config in (NoveltyConfig(k=50, scale="distance"), NoveltyConfig(k=4, min_earlier=9, scale="distance")):
        got = novelty(f, config)
        assert_same(got, brute_force(f, config))
    assert novelty(f, NoveltyConfig(scale="distance")).at["alone", "nearest_similarity"] == 0.0


def test_block_bounds_bound_every_similarity():
    x, _ = tfidf(random_frame(5, n=200)["genres"].tolist())
    xb, eps = novelty_module._block_norms(x)
    bound = (xb @ xb.T).toarray().astype(np.float64)
    exact = (x @ x.T).toarray()
    assert (exact <= bound + eps).all()
    assert xb.shape[1] <= x.shape[1]


def test_pair_similarities_are_bit_identical_to_the_sparse_product():
    rng = np.random.default_rng(3)
    x, _ = tfidf(random_frame(4, n=150)["genres"].tolist())
    # also rows stored in a scrambled term order: the sum follows the query row's stored order
    perm = np.concatenate([rng.permutation(np.arange(a, b)) for a, b in zip(x.indptr[:-1], x.indptr[1:], strict=True)])
    scrambled = sp.csr_matrix((x.data[perm], x.indices[perm], x.indptr), shape=x.shape)
    for m in (x, scrambled):
        qi, dj = rng.integers(0, m.shape[0], 2000), rng.integers(0, m.shape[0], 2000)
        want = np.array([(m[[i]] @ m[[j]].T).toarray()[0, 0] for i, j in zip(qi[:300], dj[:300], strict=True)])
        got = novelty_module._pair_similarities(m, qi, dj)
        assert np.array_equal(got[:300], want)
        full = (m @ m.T).toarray()
        assert np.array_equal(got, full[qi, dj])


# --- tokens segmented in a separate process while a build goes on ---------------------------------

def synopsis_frame(n=60):
    rng = np.random.default_rng(8)
    texts = [TROPE, OTHER, UNIQUE, "他在宽窄巷子学习川剧变脸，用蜀锦蜀绣打动了霸总"]
    rows = []
    for i in range(n):
        s = texts[i % len(texts)] + ("，" + texts[int(rng.integers(0, len(texts)))] if i % 3 else "")
        day = str((pd.Timestamp("2024-01-01") + pd.Timedelta(days=int(rng.integers(0, 50)))).date())
        rows.append((f"d{i}", day, s, ["甜宠"] if i % 2 else ["逆袭", "古装"]))
    return frame(rows)


def test_tokens_from_the_background_process_give_the_same_scores(monkeypatch):
    from fanxing.awards.novelty import TokensInBackground

    f, config = synopsis_frame(), NoveltyConfig(scale="distance", min_earlier=2)
    want = novelty(f, config)
    tokens = TokensInBackground(f, config)
    calls = []
    real = novelty_module._token_ids_of
    monkeypatch.setattr(novelty_module, "_token_ids_of", lambda *a: calls.append(1) or real(*a))
    got = novelty(f, config, tokens)
    assert calls == []  # the process's tokens were used: nothing segmented here
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert tokens.ids_for(f, config) is None  # used once, then the process is gone


def test_tokens_of_other_dramas_or_another_config_are_not_used(monkeypatch):
    from fanxing.awards.novelty import TokensInBackground

    f, config = synopsis_frame(), NoveltyConfig(scale="distance", min_earlier=2)
    other = f.assign(synopsis=f["synopsis"].where(f.index != 5, UNIQUE))
    for dramas, cfg in ((other, config), (f, NoveltyConfig(scale="distance", min_earlier=2, genre_weight=1))):
        tokens = TokensInBackground(f, config)
        got = novelty(dramas, cfg, tokens)
        pd.testing.assert_frame_equal(got, novelty(dramas, cfg), check_exact=True)
        tokens.close()


def test_closing_early_stops_the_process():
    from fanxing.awards.novelty import TokensInBackground

    f = synopsis_frame(400)
    tokens = TokensInBackground(f, NoveltyConfig())
    proc = tokens._proc
    tokens.close()
    assert proc.poll() is not None  # ended
    assert tokens.ids_for(f, NoveltyConfig()) is None
    tokens.close()  # twice is harmless


def test_the_process_ends_as_soon_as_its_tokens_are_taken():
    """The tokens are read from the process as soon as it has them, so it ends and frees its memory
    (jieba's dictionary) long before the awards step asks for them."""
    from fanxing.awards.novelty import TokensInBackground

    f, config = synopsis_frame(), NoveltyConfig(scale="distance", min_earlier=2)
    tokens = TokensInBackground(f, config)
    assert tokens._proc.wait(timeout=300) == 0  # ended by itself, nobody having asked yet
    pd.testing.assert_frame_equal(novelty(f, config, tokens), novelty(f, config), check_exact=True)


def test_the_background_tokens_are_made_of_the_columns_the_awards_read():
    """``novelty_columns`` (what a build hands the background process) is ``prepare_dramas``'s synopsis
    and genres, also for ids that only match as text, missing values and missing columns."""
    from fanxing.awards.inputs import novelty_columns, prepare_dramas

    cat = pd.DataFrame({"drama_id": [7, "7", "b", "c", "d"], "title": ["T", "T2", "", "C", "D"],
                        "synopsis": ["一个 故事", "另一个", None, "  逆袭  ", np.nan],
                        "genres": ["都市|逆袭", "古装", None, ["甜宠"], ""]})
    for frame in (cat, cat.drop(columns=["genres"]), cat.drop(columns=["synopsis", "genres"])):
        got, want = novelty_columns(frame), prepare_dramas(frame)
        assert got["synopsis"].to_list() == want["synopsis"].to_list()
        assert got["genres"].to_list() == want["genres"].to_list()
        assert len(got) == 4  # 7 and "7" are one drama
