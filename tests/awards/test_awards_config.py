from pathlib import Path

import pytest
import yaml
from awards_factory import small

from fanxing.awards import AwardsConfig, select_awards
from fanxing.awards.config import CATEGORIES
from fanxing.errors import MethodologyError

YAML = Path(__file__).parents[2] / "src/fanxing/awards/default_awards.yaml"


def test_shipped_yaml_equals_model_defaults():
    assert AwardsConfig.from_yaml(YAML) == AwardsConfig()
    doc = yaml.safe_load(YAML.read_text(encoding="utf-8"))
    assert list(doc["awards"]["categories"]) == list(CATEGORIES)


def test_all_seven_categories_by_default():
    assert [k for k, _ in AwardsConfig().categories.items()] == list(CATEGORIES)


@pytest.mark.parametrize(("data", "key", "hint"), [
    ({"anomaly_rul": "exclude"}, "awards.anomaly_rul", "anomaly_rule"),
    ({"jury": {"trimm": 0.2}}, "awards.jury.trimm", "trim"),
    ({"categories": {"influenc": {"weights": {"score": 1}}}}, "awards.categories.influenc", "influence"),
    ({"categories": {"influence": {"weights": {"score": 1}, "winerz": 2}}}, "awards.categories.influence.winerz",
     "winners"),
    ({"categories": {"producer": {"weights": {"qualty": 1}}}}, "producer.weights", "quality"),
])
def test_unknown_keys_are_named_with_a_suggestion(data, key, hint):
    with pytest.raises(MethodologyError) as err:
        AwardsConfig.from_mapping(data)
    assert key in str(err.value) and hint in str(err.value)


@pytest.mark.parametrize("data", [
    {"anomaly_rule": "ignore"},
    {"jury": {"trim": 0.5}},
    {"categories": {"influence": {"weights": {"score": -1}}}},
    {"categories": {"influence": {"weights": {"score": 0}}}},
    {"categories": {"innovation": {"weights": {"score": 1}, "require": ["novelty"]}}},
])
def test_bad_values_are_errors(data):
    with pytest.raises(MethodologyError):
        AwardsConfig.from_mapping(data)


def test_listed_categories_are_the_awarded_ones():
    cfg = AwardsConfig.from_mapping({"categories": {"influence": {"weights": {"score": 1}}}})
    assert [k for k, _ in cfg.categories.items()] == ["influence"]
    assert cfg.categories.influence.name_zh == "年度影响力微短剧案例"


def test_unknown_blend_component_is_named_at_selection():
    annual, dramas = small([{"drama_id": "a", "score": 50}])
    cfg = AwardsConfig.from_mapping({"categories": {"influence": {"weights": {"reech": 1}}}})
    with pytest.raises(MethodologyError, match=r"awards\.categories\.influence\.weights\.reech.*'reach'"):
        select_awards(annual, dramas, cfg)


def test_methodology_file_with_or_without_awards_section(tmp_path):
    full = tmp_path / "m.yaml"
    full.write_text("name: x\nindex: {}\nawards:\n  genre_top_n: 3\n", encoding="utf-8")
    assert AwardsConfig.from_yaml(full).genre_top_n == 3
    none = tmp_path / "n.yaml"
    none.write_text("name: x\nindex: {}\n", encoding="utf-8")
    assert AwardsConfig.from_yaml(none) == AwardsConfig()


def test_every_setting_is_documented():
    from fanxing.awards.config import (
        DramaCategory,
        Eligibility,
        InstitutionCategory,
        JuryConfig,
        NoveltyConfig,
    )

    docs = (Path(__file__).parents[2] / "docs/awards.md").read_text(encoding="utf-8")
    for model in (AwardsConfig, NoveltyConfig, JuryConfig, Eligibility, DramaCategory, InstitutionCategory):
        for name in model.model_fields:
            if name in ("name_zh", "name_en", "version", "categories"):
                continue
            assert f"`{name}" in docs, f"{model.__name__}.{name} is not documented in docs/awards.md"
