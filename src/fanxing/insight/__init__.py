"""Analyses behind the annual insight report (年度洞察报告): market series, trends, cultural
elements and dialects, weighted audience surveys. Plain pandas in, plain pandas out; no I/O."""

from fanxing.insight.culture import CultureTagger, element_performance, tag_dramas
from fanxing.insight.market import market_conflicts, market_growth, normalise_market
from fanxing.insight.survey import survey_wide, weighted_mean, weighted_shares

__all__ = ["CultureTagger", "element_performance", "market_conflicts", "market_growth", "normalise_market",
           "survey_wide", "tag_dramas", "weighted_mean", "weighted_shares"]
