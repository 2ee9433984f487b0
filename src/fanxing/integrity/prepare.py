"""Normalise the facts for detection: integer series codes, age since release, log plays, weekday.

The bulk of detection works on integer codes (``sid`` series, ``did`` drama, ``pid`` platform);
the small ``series`` table maps them back to drama_id and platform for the flagged rows.
"""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

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


SERIES_COLUMNS = ("sid", "did", "pid", "drama_id", "platform", "origin_day", "first_day")


def series_table(facts: ir.Table, dramas: ir.Table | None = None) -> ir.Table:
    """series_frame as an in-memory Ibis table."""
    return ibis.memtable(series_frame(facts, dramas)[list(SERIES_COLUMNS)])


def series_frame(facts: ir.Table, dramas: ir.Table | None = None) -> pd.DataFrame:
    """One row per drama × platform: sid, did, pid codes, drama_id, platform, ``origin_day`` (epoch
    day of the release date, or of the first observed date when it is earlier or unknown) and
    ``first_day`` (epoch day of the series' first observation), ``last_day`` (of its last) and
    ``n_rows`` (its rows with plays)."""
    check_columns(facts)
    f = facts.select(drama_id=facts.drama_id.cast("string"), platform=facts.platform.cast("string"),
                     day=facts.date.cast("date").epoch_days().cast("int64"), plays=_float(facts.plays))
    s = f.group_by(KEYS).agg(first_day=f.day.min(), last_day=f.day.max(), n_rows=f.plays.count()).to_pandas()
    s = s.sort_values(list(KEYS), kind="stable").reset_index(drop=True)
    s["origin_day"] = s["first_day"].astype("int64")
    if dramas is not None and "release_date" in dramas.columns:
        rel = dramas.select(drama_id=dramas.drama_id.cast("string"),
                            release_day=dramas.release_date.cast("date").epoch_days().cast("int64"))
        rel = rel.group_by("drama_id").agg(release_day=rel.release_day.min()).to_pandas()
        r = s[["drama_id"]].merge(rel, on="drama_id", how="left")["release_day"]
        s["origin_day"] = np.fmin(s["origin_day"].to_numpy(float), r.to_numpy(float)).astype("int64")
    s["sid"] = np.arange(len(s), dtype="int64")
    s["did"] = pd.factorize(s["drama_id"], sort=True)[0].astype("int64")
    s["pid"] = pd.factorize(s["platform"], sort=True)[0].astype("int64")
    s["drama_id"] = s["drama_id"].astype(object)
    s["platform"] = s["platform"].astype(object)
    s["first_day"] = s["first_day"].astype("int64")
    s["last_day"] = s["last_day"].astype("int64")
    s["n_rows"] = s["n_rows"].astype("int64")
    s.loc[s["drama_id"].isna() | s["platform"].isna(), "n_rows"] = 0  # no join reaches these rows
    return s[[*SERIES_COLUMNS, "last_day", "n_rows"]]


def _float(col: ir.Column) -> ir.FloatingValue:
    """A metric as float64 with NaN read as missing: DuckDB turns a pandas NaN into NULL but Spark
    keeps it, and NaN compares as larger than any number there (a NaN rating looked 'above 10')."""
    if col.type().is_integer() or col.type().is_boolean():
        return col.cast("float64")  # no NaN to look for (and no per-row CASE to evaluate)
    x = col.cast("float64")
    return ibis.ifelse(x.isnan(), ibis.null("float64"), x)


def prepare(facts: ir.Table, series: ir.Table) -> ir.Table:
    """One row per (sid, date) with did, pid, ``day`` (epoch days), ``age`` (days since origin, clipped
    at 0), ``sage`` (days since the series' first observation), ``y`` = ln(1+plays), ``dow``
    (0 = Monday) and every optional metric as float64."""
    check_columns(facts)
    cols = {"drama_id": facts.drama_id.cast("string"), "platform": facts.platform.cast("string"),
            "date": facts.date.cast("date"), "plays": _float(facts.plays)}
    for c in OPTIONAL_FLOAT:
        cols[c] = _float(facts[c]) if c in facts.columns else ibis.null("float64")
    t = facts.select(**cols)
    j = t.join(series, list(KEYS))
    day = j.date.epoch_days().cast("int64")
    return j.select(
        "sid", "did", "pid", "date", *[c for c in ("plays", *OPTIONAL_FLOAT)],
        day=day, dow=j.date.day_of_week.index().cast("int64"),
        age=ibis.greatest(day - j.origin_day, 0).cast("float64"), sage=(day - j.first_day).cast("int64"),
        y=(ibis.greatest(j.plays, 0.0) + 1.0).ln())
