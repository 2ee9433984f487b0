"""Quarantine reason codes: the machine-readable ``reason`` of every quarantined row."""

from __future__ import annotations

REASONS: dict[str, str] = {
    "missing_value": "a required value is empty",
    "unparsable_number": "a number that cannot be parsed (allowed: 12345, 12,345, 1.2万, 3.4亿, 37.5% for rates)",
    "bad_date": "a date that cannot be parsed (allowed: 2024-03-01, 2024/3/1, 2024年3月1日)",
    "negative_count": "a count (plays, likes, …) below zero, or a cumulative count that falls",
    "negative_value": "an amount (watch_minutes, revenue_cny) below zero, or a cumulative amount that falls",
    "rate_out_of_range": "a rate (completion_rate) outside 0..1 (write 0.375 or 37.5%)",
    "rating_out_of_range": "a rating outside 0..10",
    "out_of_range": "another value outside its range (jury score 0..100, episodes ≥ 1, episode_minutes > 0, …)",
    "bad_choice": "a value that is not one of the allowed choices (ip_source, industry_tags, category, kind)",
    "unknown_drama": "a drama_id not in the catalogue, or a title that resolves to no drama "
                     "(column title; the detail names the closest catalogue titles)",
    "ambiguous_title": "a title that resolves to more than one drama",
    "unknown_platform": "a platform not in platforms.csv (checked only when platforms.csv exists)",
    "conflicting_duplicate": "same key as a row already kept (earlier line/file, or the warehouse), other values",
    "duplicate_id": "an id (drama_id, platform) already used by another catalogue row with other values",
    "malformed_row": "a line that does not split into the header's columns (or is not valid text)",
}
