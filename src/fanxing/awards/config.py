"""The `awards:` section of a methodology file, as a strict typed model (unknown keys are errors)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from fanxing.errors import MethodologyError
from fanxing.index.suggest import did_you_mean

DRAMA_CATEGORIES = ("influence", "innovation", "ip_adaptation", "brand_story", "empowerment")
INSTITUTION_CATEGORIES = ("platform", "producer")
CATEGORIES = DRAMA_CATEGORIES + INSTITUTION_CATEGORIES
DIMENSIONS = ("reach", "engagement", "reputation", "commercial", "longevity")
# blend components every drama category can use besides indicator columns of `indicators`
BASE_COMPONENTS = ("score", *DIMENSIONS, "novelty", "jury")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Eligibility(_Strict):
    """Who may enter a drama category. Every rule that is on must hold."""

    release_in_season: bool = True  # release_date within [season start, season end]
    ranked: bool = True  # present in the annual ranking (has an index score)
    ip_adapted: bool = False  # ip_source present and not `original`
    brand_partner: bool = False  # brand_partner not empty
    industry_tags: bool = False  # at least one industry tag
    industry_tags_any: list[str] = Field(default_factory=list)  # and one of these, when given
    genres_any: list[str] = Field(default_factory=list)  # at least one of these genres, when given


class DramaCategory(_Strict):
    """A drama category: eligibility, blend weights, required components, numbers of cases."""

    name_zh: str
    name_en: str
    winners: int = Field(3, ge=0)
    shortlist: int = Field(7, ge=0)  # further finalists (入围) after the winners
    eligibility: Eligibility = Field(default_factory=Eligibility)
    weights: dict[str, float]
    require: list[str] = Field(default_factory=list)  # components that must be present, else ineligible
    anomaly_rule: Literal["exclude", "demote", "flag"] | None = None  # None: the awards-wide rule

    @field_validator("weights")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        if not v:
            raise ValueError("at least one blend component is needed")
        for k, w in v.items():
            if w < 0:
                raise ValueError(f"weight of '{k}' is negative ({w}); weights must be >= 0")
        if sum(v.values()) <= 0:
            raise ValueError("blend weights add up to 0")
        return v


class InstitutionCategory(_Strict):
    """Platform or producer of the year: a blend of quality, breadth and hit components."""

    name_zh: str
    name_en: str
    winners: int = Field(1, ge=0)
    shortlist: int = Field(4, ge=0)
    weights: dict[str, float]
    top_k: int = Field(5, ge=1)  # producer: best k works; platform: best k dramas carried
    min_works: int = Field(3, ge=1)  # fewer works (dramas carried) → not ranked
    top_share: float = Field(0.1, gt=0, le=1)  # producer: "top decile" of the annual ranking
    hits_top_n: int = Field(100, ge=1)  # platform: the annual top-N counted as hits
    carry_share: float = Field(0.05, ge=0, le=1)  # platform carries a drama with ≥ this share of its plays
    exclusive_share: float = Field(0.8, gt=0, le=1)  # a hit is exclusive with ≥ this share of its plays
    release_in_season: bool = True  # only works released in the season count
    anomaly_rule: Literal["exclude", "flag"] = "exclude"  # works with unresolved anomalies: dropped | kept

    @field_validator("weights")
    @classmethod
    def _weights(cls, v: dict[str, float]) -> dict[str, float]:
        return DramaCategory._weights(v)


PRODUCER_COMPONENTS = ("quality", "excellence", "breadth")
PLATFORM_COMPONENTS = ("quality", "hits", "exclusives", "reach")


class NoveltyConfig(_Strict):
    """TF-IDF novelty against earlier releases."""

    k: int = Field(5, ge=1)  # compare with the k most similar earlier releases
    min_earlier: int = Field(1, ge=1)  # fewer earlier releases → novelty missing
    genre_weight: int = Field(2, ge=0)  # each genre counts as this many tokens
    min_token_len: int = Field(2, ge=1)  # shorter tokens are dropped
    scale: Literal["distance", "percentile"] = "percentile"  # blend value: 100·distance or its percentile
    extra_stopwords: list[str] = Field(default_factory=list)


class JuryConfig(_Strict):
    trim: float = Field(0.1, ge=0, lt=0.5)  # proportion cut from each end before the mean
    min_jurors: int = Field(3, ge=1)  # after recusal
    on_too_few: Literal["renormalise", "ineligible"] = "renormalise"
    recusal: bool = True  # drop a juror's score for dramas of the juror's own institution


class Categories(_Strict):
    """The categories awarded; a category left out is not awarded."""

    influence: DramaCategory | None = None
    innovation: DramaCategory | None = None
    ip_adaptation: DramaCategory | None = None
    brand_story: DramaCategory | None = None
    empowerment: DramaCategory | None = None
    platform: InstitutionCategory | None = None
    producer: InstitutionCategory | None = None

    @model_validator(mode="before")
    @classmethod
    def _names(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = {k: ({"name_zh": NAMES[k][0], "name_en": NAMES[k][1], **v}
                        if k in NAMES and isinstance(v, dict) else v) for k, v in data.items()}
        return data

    @model_validator(mode="after")
    def _components(self) -> Categories:
        for key, valid in (("platform", PLATFORM_COMPONENTS), ("producer", PRODUCER_COMPONENTS)):
            cat = getattr(self, key)
            for comp in (cat.weights if cat else {}):
                if comp not in valid:
                    raise ValueError(f"{key}.weights: unknown component '{comp}'"
                                     f"{did_you_mean(comp, valid)}; valid: {', '.join(valid)}")
        for key in DRAMA_CATEGORIES:
            cat = getattr(self, key)
            for comp in (cat.require if cat else []):
                if comp not in cat.weights:
                    raise ValueError(f"{key}.require: '{comp}' is not a blend component"
                                     f"{did_you_mean(comp, cat.weights)}")
        return self

    def items(self) -> list[tuple[str, DramaCategory | InstitutionCategory]]:
        """(id, rules) of the awarded categories, in the fixed order of CATEGORIES."""
        return [(k, getattr(self, k)) for k in CATEGORIES if getattr(self, k) is not None]


class AwardsConfig(_Strict):
    """The `awards:` section of the methodology."""

    version: int = 1
    anomaly_rule: Literal["exclude", "demote", "flag"] = "demote"
    anomaly_severity: Literal["low", "medium", "high"] = "high"  # unresolved anomalies at or above
    genre_top_n: int = Field(10, ge=1)
    novelty: NoveltyConfig = Field(default_factory=NoveltyConfig)
    jury: JuryConfig = Field(default_factory=JuryConfig)
    categories: Categories = Field(default_factory=lambda: Categories.model_validate(_default_categories()))

    def drama_categories(self) -> dict[str, DramaCategory]:
        return {k: c for k, c in self.categories.items() if isinstance(c, DramaCategory)}

    def anomaly_rule_for(self, category: str) -> str:
        cat = getattr(self.categories, category)
        return getattr(cat, "anomaly_rule", None) or self.anomaly_rule

    @classmethod
    def from_mapping(cls, data: dict | None, *, where: str = "awards") -> AwardsConfig:
        """Validate a mapping (the `awards:` section); errors name the key and suggest the closest."""
        try:
            return cls.model_validate(data or {})
        except ValidationError as exc:
            raise _methodology_error(exc, where) from None

    @classmethod
    def from_yaml(cls, path: str | Path) -> AwardsConfig:
        """The `awards:` section of a methodology YAML file (or a file holding only that section)."""
        path = Path(path)
        try:
            doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        except (OSError, yaml.YAMLError) as exc:
            raise MethodologyError(f"{path}: cannot read the methodology: {exc}") from None
        if not isinstance(doc, dict):
            raise MethodologyError(f"{path}: expected a mapping at the top level")
        if "awards" in doc:
            section = doc["awards"]
        elif set(doc) <= set(cls.model_fields):  # a file holding only the section
            section = doc
        else:  # a methodology without an awards section: the shipped rules
            section = {}
        if not isinstance(section, dict):
            raise MethodologyError(f"{path}: 'awards' must be a mapping")
        return cls.from_mapping(section, where=f"{path}: awards")


def _methodology_error(exc: ValidationError, where: str) -> MethodologyError:
    lines = []
    for err in exc.errors():
        loc = [str(p) for p in err["loc"]]
        key = ".".join([where, *loc])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            parent = _model_at(loc[:-1])
            hint = did_you_mean(loc[-1], parent.model_fields) if parent else ""
            msg = f"unknown key{hint}"
        got = err.get("input")
        show = err["type"] != "extra_forbidden" and not isinstance(got, dict)
        lines.append(f"{key}: {msg} (got {got!r})" if show else f"{key}: {msg}")
    return MethodologyError("invalid awards methodology: " + "; ".join(lines),
                            details={"errors": [{"loc": list(map(str, e["loc"])), "msg": e["msg"]}
                                                for e in exc.errors()]})


def _model_at(loc: list[str]) -> type[BaseModel] | None:
    """The model class that owns the key at ``loc`` (for suggestions)."""
    model: type[BaseModel] = AwardsConfig
    i = 0
    while i < len(loc):
        part = loc[i]
        if model is Categories and part in CATEGORIES:
            model = InstitutionCategory if part in INSTITUTION_CATEGORIES else DramaCategory
            i += 1
            continue
        field = model.model_fields.get(part)
        ann = getattr(field, "annotation", None) if field else None
        if part == "categories" and model is AwardsConfig:
            ann = Categories
        if isinstance(ann, type) and issubclass(ann, BaseModel):
            model = ann
            i += 1
            continue
        return None
    return model


NAMES = {
    "influence": ("年度影响力微短剧案例", "Influential micro drama of the year"),
    "innovation": ("年度创新创意微短剧案例", "Innovative and creative micro drama of the year"),
    "ip_adaptation": ("年度IP改编微短剧案例", "IP adaptation of the year"),
    "brand_story": ("年度品牌故事微短剧案例", "Brand story micro drama of the year"),
    "empowerment": ("年度微短剧赋能案例", "Micro drama empowerment case of the year"),
    "platform": ("年度微短剧传播平台", "Distribution platform of the year"),
    "producer": ("年度微短剧创作机构", "Production institution of the year"),
}


def _default_categories() -> dict[str, Any]:
    """The shipped rules (mirrored by ``default_awards.yaml``; a test keeps the two equal)."""
    return {
        "influence": {
            "winners": 3, "shortlist": 7,
            "weights": {"score": 0.3, "reach": 0.3, "engagement": 0.15, "longevity": 0.05, "jury": 0.2},
        },
        "innovation": {
            "winners": 3, "shortlist": 7,
            "weights": {"novelty": 0.4, "reputation": 0.15, "engagement": 0.1, "score": 0.1, "jury": 0.25},
            "require": ["novelty"],
        },
        "ip_adaptation": {
            "winners": 3, "shortlist": 7, "eligibility": {"ip_adapted": True},
            "weights": {"score": 0.4, "reputation": 0.2, "engagement": 0.1, "jury": 0.3},
        },
        "brand_story": {
            "winners": 3, "shortlist": 7, "eligibility": {"brand_partner": True},
            "weights": {"score": 0.3, "commercial": 0.2, "reputation": 0.2, "jury": 0.3},
        },
        "empowerment": {
            "winners": 3, "shortlist": 7, "eligibility": {"industry_tags": True},
            "weights": {"score": 0.3, "reach": 0.2, "reputation": 0.2, "jury": 0.3},
        },
        "platform": {
            "winners": 1, "shortlist": 4, "top_k": 20, "min_works": 5,
            "weights": {"quality": 0.5, "hits": 0.25, "exclusives": 0.15, "reach": 0.1},
        },
        "producer": {
            "winners": 3, "shortlist": 7, "top_k": 5, "min_works": 3,
            "weights": {"quality": 0.6, "excellence": 0.25, "breadth": 0.15},
        },
    }
