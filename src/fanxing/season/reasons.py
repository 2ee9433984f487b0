"""Quarantine reason codes: the machine-readable ``reason`` of every quarantined row."""

from __future__ import annotations

REASONS: dict[str, str] = {
    "missing_value": "a required value is empty",
    "bad_number": "a number that cannot be parsed (allowed: 12345, 12,345, 1.2万, 3.4亿, 37.5% for rates)",
    "bad_date": "a date that cannot be parsed (allowed: 2024-03-01, 2024/3/1, 2024年3月1日)",
    "negative_value": "a count or amount below zero (also: a running total that falls)",
    "out_of_range": "a value outside its range (rate 0..1, rating 0..10, score 0..100, episodes ≥ 1, …)",
    "bad_choice": "a value that is not one of the allowed choices (ip_source, industry_tags, category, kind)",
    "unknown_drama": "a drama_id that is not in the catalogue",
    "unknown_title": "a title that resolves to no drama (the detail names the closest catalogue titles)",
    "ambiguous_title": "a title that resolves to more than one drama",
    "unknown_platform": "a platform not in platforms.csv (checked only when platforms.csv exists)",
    "conflicting_duplicate": "same key as a row already kept (earlier line/file, or the warehouse), other values",
    "duplicate_id": "an id (drama_id, platform) already used by another catalogue row with other values",
    "malformed_row": "a line that does not split into the header's columns (or is not valid text)",
}
