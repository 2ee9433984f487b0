import pandas as pd
from awards_factory import small

from fanxing.awards.config import Eligibility
from fanxing.awards.eligibility import ineligibility
from fanxing.awards.inputs import prepare_annual, prepare_dramas

DIMS = ("reach", "engagement", "reputation", "commercial", "longevity")


def _frames(rows, extra_catalogue=()):
    annual, dramas = small(rows)
    if extra_catalogue:
        dramas = pd.concat([dramas, pd.DataFrame(list(extra_catalogue))], ignore_index=True)
    a, d = prepare_annual(annual, DIMS), prepare_dramas(dramas)
    units = pd.Index(sorted(set(a.index) | set(d.index)))
    return units, a, d


def check(rows, rules, start="2024-01-01", end="2024-12-31", extra=()):
    units, a, d = _frames(rows, extra)
    return ineligibility(units, a, d, rules, start, end).to_dict()


def test_release_window_is_inclusive_and_both_sides_checked():
    rows = [{"drama_id": "early", "score": 1, "release_date": "2023-12-31"},
            {"drama_id": "first", "score": 2, "release_date": "2024-01-01"},
            {"drama_id": "last", "score": 3, "release_date": "2024-12-31"},
            {"drama_id": "late", "score": 4, "release_date": "2025-01-01"},
            {"drama_id": "nodate", "score": 5, "release_date": None}]
    got = check(rows, Eligibility())
    assert got == {"early": "released_before_season", "first": "", "last": "", "late": "released_after_season",
                   "nodate": "no_release_date"}
    assert set(check(rows, Eligibility(release_in_season=False)).values()) == {""}
    assert check(rows, Eligibility(), start=None, end=None)["early"] == ""


def test_unranked_drama_is_not_eligible():
    got = check([{"drama_id": "a", "score": 1}], Eligibility(),
                extra=[{"drama_id": "x", "title": "x", "release_date": "2024-02-01"}])
    assert got == {"a": "", "x": "not_ranked"}


def test_ip_adaptation_needs_a_non_original_source():
    rows = [{"drama_id": "orig", "score": 1, "ip_source": "original"},
            {"drama_id": "blank", "score": 2, "ip_source": ""},
            {"drama_id": "novel", "score": 3, "ip_source": "web_novel"},
            {"drama_id": "upper", "score": 4, "ip_source": "Original"}]
    got = check(rows, Eligibility(ip_adapted=True))
    assert got == {"orig": "not_ip_adaptation", "blank": "not_ip_adaptation", "novel": "",
                   "upper": "not_ip_adaptation"}


def test_brand_story_needs_a_brand_partner():
    rows = [{"drama_id": "b", "score": 1, "brand_partner": "某乳业"},
            {"drama_id": "n", "score": 2, "brand_partner": "  "}]
    assert check(rows, Eligibility(brand_partner=True)) == {"b": "", "n": "no_brand_partner"}


def test_empowerment_needs_industry_tags_and_optionally_listed_ones():
    rows = [{"drama_id": "t", "score": 1, "industry_tags": "culture_tourism|legal"},
            {"drama_id": "l", "score": 2, "industry_tags": ["agriculture"]},
            {"drama_id": "n", "score": 3, "industry_tags": ""}]
    assert check(rows, Eligibility(industry_tags=True)) == {"t": "", "l": "", "n": "no_industry_tags"}
    got = check(rows, Eligibility(industry_tags=True, industry_tags_any=["culture_tourism"]))
    assert got == {"t": "", "l": "industry_tags_not_listed", "n": "no_industry_tags"}


def test_genre_filter():
    rows = [{"drama_id": "a", "score": 1, "genres": "古装|甜宠"}, {"drama_id": "b", "score": 2, "genres": "都市"}]
    assert check(rows, Eligibility(genres_any=["甜宠"])) == {"a": "", "b": "genre_not_listed"}
