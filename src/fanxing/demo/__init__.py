"""Seeded demo season generator: a realistic, fictional micro-drama season plus the truth of what was planted."""

from fanxing.demo.season import DemoSummary, generate_season, truth_dir_for

__all__ = ["DemoSummary", "generate_season", "truth_dir_for"]
