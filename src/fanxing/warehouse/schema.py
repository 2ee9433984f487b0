"""The warehouse tables as Ibis schemas: names and columns exactly as docs/architecture.md."""

from __future__ import annotations

import ibis

#: Integer count columns of ``facts`` (plays is required, the others nullable).
COUNT_COLUMNS = ("plays", "likes", "comments", "shares", "favorites")
#: Float columns of ``facts``.
FLOAT_COLUMNS = ("completion_rate", "watch_minutes", "revenue_cny", "rating")
#: The key of ``facts``: one row per (date, platform, drama_id).
FACT_KEY = ("date", "platform", "drama_id")

TABLES: dict[str, ibis.Schema] = {
    "dramas": ibis.schema(
        {
            "drama_id": "string",
            "title": "string",
            "aliases": "array<string>",
            "producer": "string",
            "release_date": "date",
            "episodes": "int64",
            "episode_minutes": "float64",
            "genres": "array<string>",
            "ip_source": "string",
            "brand_partner": "string",
            "industry_tags": "array<string>",
            "region": "string",
            "dialect": "string",
            "synopsis": "string",
        }
    ),
    "facts": ibis.schema(
        {
            "date": "date",
            "platform": "string",
            "drama_id": "string",
            **{c: "int64" for c in COUNT_COLUMNS},
            **{c: "float64" for c in FLOAT_COLUMNS},
            "source_file": "string",
            "source_line": "int64",
        }
    ),
    "platforms": ibis.schema({"platform": "string", "name": "string"}),
    "jury": ibis.schema(
        {
            "drama_id": "string",
            "category": "string",
            "juror": "string",
            "score": "float64",
            "institution": "string",
        }
    ),
    "surveys": ibis.schema(
        {
            "survey": "string",
            "respondent_id": "string",
            "weight": "float64",
            "variable": "string",
            "value": "string",
        }
    ),
    "survey_questions": ibis.schema(
        {"survey": "string", "question_id": "string", "text": "string", "type": "string"}
    ),
    "market": ibis.schema(
        {"year": "int64", "market_size_cny_100m": "float64", "kind": "string", "source": "string"}
    ),
    "quarantine": ibis.schema(
        {
            "load_id": "int64",
            "file": "string",
            "line": "int64",
            "column": "string",
            "value": "string",
            "reason": "string",
            "detail": "string",
        }
    ),
    "load_log": ibis.schema(
        {
            "load_id": "int64",
            "file": "string",
            "sha256": "string",
            "kind": "string",
            "format": "string",
            "encoding": "string",
            "rows_read": "int64",
            "rows_loaded": "int64",
            "rows_merged": "int64",
            "rows_quarantined": "int64",
            "loaded_at": "timestamp",
            # added columns: "loaded" | "error"; the error message of a file that could not be read
            "status": "string",
            "error": "string",
        }
    ),
    "season": ibis.schema({"name": "string", "start": "date", "end": "date"}),
}
