"""The Fanxing methodology file: the engine's index methodology plus the drama-layer settings."""

from __future__ import annotations

from collections.abc import Mapping
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from fanxing.awards.config import AwardsConfig
from fanxing.drama.periods import PERIOD_KINDS
from fanxing.errors import MethodologyError
from fanxing.index import Methodology
from fanxing.index.methodology import describe_errors
from fanxing.index.uncertainty.spec import UncertaintySpec
from fanxing.integrity import IntegrityConfig

DEFAULT_METHODOLOGY = "fanxing-2024.yaml"


class DramaSettings(BaseModel):
    """Which periods are ranked and how platforms are combined."""

    model_config = ConfigDict(extra="forbid")

    periods: list[Literal["annual", "monthly", "weekly", "launch7", "launch30"]] = list(PERIOD_KINDS)
    platform_weights: Literal["reach", "equal"] | dict[str, float] = "reach"
    min_plays: float = Field(default=0.0, ge=0)

    @field_validator("platform_weights")
    @classmethod
    def _positive(cls, v: Any) -> Any:
        if isinstance(v, dict) and (not v or any(w < 0 for w in v.values()) or sum(v.values()) <= 0):
            raise ValueError("platform weights must be non-negative with a positive sum")
        return v


class IntegritySettings(IntegrityConfig):
    """Integrity thresholds plus what the index does with flagged days."""

    mode: Literal["discount", "exclude", "report_only"] = "discount"


class FanxingMethodology(BaseModel):
    """A complete Fanxing methodology file (see ``methodologies/fanxing-2024.yaml``)."""

    model_config = ConfigDict(extra="forbid")

    name: str
    version: str = "1"
    description: str = ""
    drama: DramaSettings = DramaSettings()
    integrity: IntegritySettings = IntegritySettings()
    index: Methodology
    uncertainty: UncertaintySpec | None = None
    awards: AwardsConfig = AwardsConfig()

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int | float) else v

    @cached_property
    def canonical_hash(self) -> str:
        import hashlib
        import json

        data = self.model_dump(mode="json", by_alias=True)
        text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def parse_fanxing_methodology(data: Mapping[str, Any], source: str | None = None) -> FanxingMethodology:
    """Validate a mapping; every problem becomes one MethodologyError naming the keys."""
    where = f"{source}: " if source else ""
    if not isinstance(data, Mapping):
        raise MethodologyError(f"{where}a methodology must be a mapping of keys, got {type(data).__name__}")
    try:
        return FanxingMethodology.model_validate(dict(data))
    except ValidationError as exc:
        raise describe_errors(exc, FanxingMethodology, source) from None


def default_methodology_path() -> Path:
    return Path(str(resources.files("fanxing.methodologies").joinpath(DEFAULT_METHODOLOGY)))


def load_fanxing_methodology(path: str | Path | None = None) -> tuple[FanxingMethodology, bytes, Path]:
    """Read and validate a methodology file (the shipped fanxing-2024 by default).

    Returns the model, the file's exact bytes (published beside every build) and its path.
    """
    p = Path(path) if path is not None else default_methodology_path()
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise MethodologyError(f"{p}: cannot read methodology file ({exc.strerror})") from None
    try:
        data = yaml.safe_load(raw.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise MethodologyError(f"{p}: not a valid UTF-8 YAML file: {exc}") from None
    return parse_fanxing_methodology(data if data is not None else {}, source=str(p)), raw, p
