"""IntegrityConfig: every threshold of the fake-traffic detectors, as one typed, documented model."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

DiscountMode = Literal["discount", "exclude", "report_only"]

COUNT_INDICATORS = ("plays", "likes", "comments", "shares", "favorites")
RATE_INDICATORS = ("completion_rate", "rating")
ADJUSTABLE = ("plays", "likes", "comments", "shares", "favorites", "completion_rate",
              "watch_minutes", "revenue_cny")


class IntegrityConfig(BaseModel):
    """Thresholds of the integrity detectors (see docs/integrity.md for the statistics behind them)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    # baseline: per drama × platform robust decay fit on log(1 + plays)
    min_days: int = Field(14, ge=3, description="series with fewer observed days are not scored by (a)-(c)")
    knots: tuple[int, ...] = Field((3, 7, 14, 30, 60, 120, 240),
                                   description="ages (days since release) of the hinges of the log-age spline")
    ridge: float = Field(0.01, ge=0, description="ridge added to the normal equations (stabilises short series)")
    fit_clip_z: float = Field(3.0, gt=0, description="pass-2 fit drops days whose pass-1 |residual| exceeds this many robust SDs")
    market_min_series: int = Field(20, ge=2, description="series needed on a platform × date to estimate its market-wide day effect")
    launch_days: int = Field(7, ge=0, description="a series' first days on a platform get a launch effect: the median residual of all its platform's series at that series age")
    dilution_z: float = Field(2.0, gt=0, description="plays islands on launch days need engagement ratios or completion this many robust SDs below the series' own history")
    min_scale: float = Field(0.05, gt=0, description="floor of the robust SD of log residuals")

    # candidate days and islands (shared by the plays, ratio and completion detectors)
    candidate_z: float = Field(2.0, gt=0, description="a day is a candidate when its robust z is at least this")
    spike_z: float = Field(5.0, gt=0, description="an island is flagged when one day reaches this z")
    sustained_z: float = Field(6.0, gt=0, description="...or when sum(z)/sqrt(days) reaches this over >= sustained_min_days")
    sustained_min_days: int = Field(3, ge=2)
    max_gap_days: int = Field(2, ge=1, description="flagged days at most this many days apart join one island/episode")
    burst_max_days: int = Field(3, ge=1, description="islands up to this long are called spikes/bursts")
    min_excess_ratio: float = Field(1.3, ge=1, description="a count is flagged only if observed >= ratio × expected")
    min_excess_count: float = Field(20, ge=0, description="...and observed - expected >= this many")

    # (c) cross-platform
    divergence_z: float = Field(4.5, gt=0, description="island max z needed to flag a one-platform-only surge")
    divergence_min_days: int = Field(2, ge=1, description="...over at least this many candidate days (one day at z 4.5 is noise among ~10^5 series-days)")
    divergence_others_max_z: float = Field(1.0, description="mean z of the drama's other platforms must stay below this")
    corroboration_z: float = Field(3.0, description="mean z of other platforms at/above which a surge is corroborated")
    flag_corroborated: bool = Field(False, description="flag surges seen on all the drama's platforms (organic virality)")

    # (b) engagement ratios and completion
    engagement_metrics: tuple[str, ...] = ("likes", "comments", "shares", "favorites")
    ratio_z: float = Field(5.0, gt=0, description="day z of log(metric/plays) vs own history that flags an island")
    ratio_norm_z: float = Field(6.0, gt=0, description="z of a day's log ratio vs the platform's spread of drama medians")
    completion_z: float = Field(5.0, gt=0, description="two-sided z of logit(completion) vs own history")
    completion_alone_z: float = Field(8.0, gt=0, description="a completion episode with no plays/engagement flag of the same series within max_gap_days is kept only at this peak |z|")
    completion_min_abs: float = Field(0.05, ge=0, description="...and at least this absolute change")

    # two-stage detection (screen.py): a cheap screen over every series, the detectors above on the rest
    screen: bool = Field(False, description="two-stage detection: screen every series first and run the robust detectors only on those it cannot clear (off by default: on the 5M-row benchmark the screen costs about what it saves, see docs/integrity.md)")
    screen_z: float = Field(4.0, gt=0, description="a series reaches stage 2 when a day's log-plays residual (pass-1 fit and day effect) reaches this many local noise SDs (days within half of the min_excess bounds)...")
    screen_week_z: float = Field(4.0, gt=0, description="...or a calendar week's mean residual reaches this many SDs of a week mean...")
    screen_ratio_z: float = Field(4.5, gt=0, description="...or, for an engagement log ratio or the completion logit (both sides), a day's or a week's run score of such days reaches this...")
    screen_min_days: int = Field(60, ge=0, description="...or the series has fewer days than this (few weeks give no stable local SD)...")
    screen_norm_margin: float = Field(2.0, ge=0, description="...or a day's log ratio lies within this many z of ratio_norm_z above the platform norm")
    screen_reference_series: int = Field(250, ge=1, description="random series per platform also scored in stage 2 to estimate the launch effects and platform norms (all of a platform's series when it has no more)")

    # severity from observed/expected (counts) or from z (rates)
    severity_medium_ratio: float = Field(1.8, gt=1)
    severity_high_ratio: float = Field(3.0, gt=1)
    severity_medium_z: float = Field(8.0, gt=0)
    severity_high_z: float = Field(12.0, gt=0)

    # discounting
    discount_min_severity: Literal["low", "medium", "high"] = Field(
        "medium", description="episodes below this severity are reported but not discounted/excluded/flagged in the index")
    scale_with_plays: tuple[str, ...] = Field(("watch_minutes",),
                                              description="columns scaled by plays_adj/plays on plays-flagged days")

    @field_validator("engagement_metrics")
    @classmethod
    def _known_metrics(cls, v: tuple[str, ...]) -> tuple[str, ...]:
        bad = [m for m in v if m not in COUNT_INDICATORS[1:]]
        if bad:
            raise ValueError(f"unknown engagement metric(s) {bad}; choose from {list(COUNT_INDICATORS[1:])}")
        return v

    @field_validator("knots")
    @classmethod
    def _positive_sorted(cls, v: tuple[int, ...]) -> tuple[int, ...]:
        if any(k <= 0 for k in v) or list(v) != sorted(set(v)):
            raise ValueError("knots must be distinct positive ages in increasing order")
        return v
