"""Normalise the facts for detection: series keys, age since release, log plays and the day's weekday."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir

from fanxing.errors import WarehouseError

KEYS = ("drama_id", "platform")
REQUIRED = ("date", "platform", "drama_id", "plays")
OPTIONAL_FLOAT = ("likes", "comments", "shares", "favorites", "completion_rate", "watch_minutes",
                  "revenue_cny", "rating")


def check_columns(facts: ir.Table) -> None:
    """Raise a WarehouseError naming the missing required columns of the facts table."""
    missing = [c for c in REQUIRED if c not in facts.columns]
    if missing:
        raise WarehouseError(
            f"facts table lacks column(s) {', '.join(missing)}; expected at least {', '.join(REQUIRED)}",
            code="missing_columns", details={"missing": missing, "columns": list(facts.columns)})


def prepare(facts: ir.Table, dramas: ir.Table | None = None) -> ir.Table:
    """One row per (drama_id, platform, date) with ``day`` (epoch days), ``age`` (days since release,
    or since the series' first date when no release date is known, clipped at 0), ``y`` = ln(1+plays),
    ``dow`` (0 = Monday) and every optional metric as float64 (null when absent)."""
    check_columns(facts)
    cols = {
        "drama_id": facts.drama_id.cast("string"),
        "platform": facts.platform.cast("string"),
        "date": facts.date.cast("date"),
        "plays": facts.plays.cast("float64"),
    }
    for c in OPTIONAL_FLOAT:
        cols[c] = facts[c].cast("float64") if c in facts.columns else ibis.null("float64")
    t = facts.select(**cols)
    t = t.mutate(day=t.date.epoch_days().cast("int64"), dow=t.date.day_of_week.index().cast("int64"))
    first = t.group_by(KEYS).agg(first_day=t.day.min())
    if dramas is not None and "release_date" in dramas.columns:
        rel = dramas.select(drama_id=dramas.drama_id.cast("string"),
                            release_day=dramas.release_date.cast("date").epoch_days().cast("int64"))
        rel = rel.group_by("drama_id").agg(release_day=rel.release_day.min())
        first = first.left_join(rel, "drama_id").select(
            "drama_id", "platform",
            first_day=ibis.coalesce(ibis.least(_col(rel, "release_day"), _col(first, "first_day")),
                                    _col(first, "first_day")))
    t = t.join(first, list(KEYS)).select(t, first.first_day)
    age = ibis.greatest(t.day - t.first_day, 0).cast("float64")
    plays = ibis.greatest(t.plays, 0.0)
    return t.mutate(age=age, y=(plays + 1.0).ln()).drop("first_day")


def _col(table: ir.Table, name: str) -> ir.Column:
    return table[name]
