"""Fake-traffic detection over daily facts: robust detectors, episodes, discounting and evaluation.

Public API::

    detect_days(facts, dramas=None, config=None) -> ibis.Table     # one row per flagged day × indicator
    merge_episodes(days, config=None) -> ibis.Table               # episodes (drama × platform × indicator)
    detect(facts, dramas=None, config=None) -> pandas.DataFrame   # both, executed and sorted
    adjust_facts(facts, days, mode="discount") -> ibis.Table      # raw + <indicator>_adj + flagged
    evaluate(anomalies, truth) -> pandas.DataFrame                # precision/recall per shape (pure pandas)
"""

from __future__ import annotations

from fanxing.integrity.adjust import adjust_facts
from fanxing.integrity.config import IntegrityConfig
from fanxing.integrity.detect import detect, detect_days
from fanxing.integrity.episodes import merge_episodes
from fanxing.integrity.evaluate import evaluate, match_episodes

__all__ = ["IntegrityConfig", "adjust_facts", "detect", "detect_days", "evaluate", "match_episodes",
           "merge_episodes"]
