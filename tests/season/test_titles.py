"""Title normalisation and resolution (pure Python over distinct titles)."""

from __future__ import annotations

from fanxing.season.titles import TitleResolver, normalise, strip_suffixes

CAT = [("d1", "霸道总裁爱上我", ["霸总"]), ("d2", "逆袭人生", None), ("d3", "Love在深夜(上)", None),
       ("d4", "Love在深夜(下)", None), ("d5", "双生", None), ("d6", "双生", None)]


def test_normalise():
    assert normalise(" 《霸道 总裁》 ") == "霸道总裁"
    assert normalise("ＬＯＶＥ（全集）") == "love(全集)"
    assert strip_suffixes(normalise("霸道总裁爱上我（全集）[完结]")) == "霸道总裁爱上我"


def test_resolve_variants():
    r = TitleResolver(CAT)
    for raw in ["霸道总裁爱上我", "《霸道总裁爱上我》", "霸道总裁爱上我(全集)", "霸道总裁爱上我（全集）", "霸道总裁爱上我[完结]",
                "霸道 总裁爱上我", "霸总", "《霸总》【独播】"]:
        assert r.resolve(raw)[0] == "d1", raw
    assert r.resolve("ＬＯＶＥ在深夜（上）")[0] == "d3"  # full-width, and the (上) is part of the title
    assert r.resolve("Love在深夜(下)(全集)")[0] == "d4"


def test_unknown_names_closest():
    did, reason, detail = TitleResolver(CAT).resolve("霸道总裁爱上你")
    assert did is None and reason == "unknown_drama"
    assert "《霸道总裁爱上我》" in detail


def test_ambiguous():
    did, reason, detail = TitleResolver(CAT).resolve("双生")
    assert did is None and reason == "ambiguous_title" and "d5" in detail and "d6" in detail
