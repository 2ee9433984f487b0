"""Pydantic models of the API's request bodies and, for the OpenAPI document, of its main responses."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class PeriodKind(StrEnum):
    annual = "annual"
    monthly = "monthly"
    weekly = "weekly"
    launch7 = "launch7"
    launch30 = "launch30"


class ErrorDetail(BaseModel):
    code: str = Field(description="stable machine-readable reason, e.g. not_found, invalid_request")
    message: str = Field(description="what went wrong and, where possible, what to do")
    details: Any = Field(default_factory=dict, description="structured context (offending field, choices…)")


class ErrorResponse(BaseModel):
    """The one error shape of every error response."""

    error: ErrorDetail


class _Open(BaseModel):
    model_config = ConfigDict(extra="allow")


class RankingItem(_Open):
    rank: int | None = None
    drama_id: str
    title: str | None = None
    score: float | None = None
    rank_low: float | None = None
    rank_high: float | None = None
    p_top10: float | None = None
    producer: str | None = None
    platforms: list[str] = []
    genres: list[str] = []
    region: str | None = None
    flagged: bool | None = None


class Page(_Open):
    total: int = Field(description="rows matching the filters, before pagination")
    limit: int
    offset: int
    items: list[dict[str, Any]]


class RankingsPage(Page):
    period: PeriodKind
    period_id: str
    periods: list[str] = Field(description="period ids available for this period kind")
    items: list[RankingItem]  # type: ignore[assignment]


class WhatIfRequest(BaseModel):
    """Dimension weights to re-rank with (relative numbers ≥ 0; normalised to sum to 1)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"weights": {"reach": 1, "engagement": 1, "reputation": 2, "commercial": 0.5,
                                  "longevity": 1}}]})

    weights: dict[str, float] = Field(description="dimension code → weight; omitted dimensions weigh 0")
    period: PeriodKind = PeriodKind.annual
    period_id: str | None = Field(default=None, max_length=64)
    limit: int = Field(default=100, ge=1, le=10000)


class WhatIfItem(_Open):
    rank: int
    drama_id: str
    title: str | None = None
    score: float | None = None
    published_rank: int | None = None
    published_score: float | None = None
    rank_change: int | None = Field(default=None, description="published rank − new rank (+ = moved up)")


class WhatIfResponse(_Open):
    period: str
    period_id: str
    weights: dict[str, float]
    published_weights: dict[str, float]
    method: str
    total: int
    moved: int
    items: list[WhatIfItem]


class BuildStart(BaseModel):
    model_config = ConfigDict(extra="forbid")

    season: str = Field(min_length=1, max_length=64, description="name of an uploaded season")


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorResponse, "description": "not found"},
    422: {"model": ErrorResponse, "description": "invalid request"},
}
