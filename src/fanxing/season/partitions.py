"""Hive-style partitioned metrics (``metrics/month=2024-03/platform=douyin/part-0.parquet``).

Two things follow from a file's partition keys (the ``key=value`` folders on its path):

- **Pruning.** A file whose partitions lie wholly outside what the season asks for is not read:
  ``date=YYYY-MM-DD``, ``month=YYYY-MM`` or ``year=YYYY`` outside ``season.yaml``'s ``start`` ..
  ``end``, or ``platform=X`` not in its ``platforms:`` list. The decision is made on the path
  alone, before a byte of the file is opened, on either engine.
- **Filling.** ``platform`` and ``date`` keys stand in for those columns when a file does not carry
  them; a file's own column wins where it has one (each row is then checked as usual).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from pathlib import PurePosixPath
from urllib.parse import unquote

_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_]*)=(.*)$")
#: partition keys that name a time window
TIME_KEYS = ("date", "dt", "day", "month", "year")
#: partition keys that fill a missing column of the same meaning
FILL_KEYS = {"platform": "platform", "date": "date", "dt": "date", "day": "date"}


@dataclass(frozen=True)
class Pruned:
    """A file not read, and why."""

    file: str
    reason: str


def partition_keys(rel: str) -> dict[str, str]:
    """The ``key=value`` folders of a relative path (values URL-decoded, as Hive writes them)."""
    out: dict[str, str] = {}
    for part in PurePosixPath(rel).parts[:-1]:
        m = _KEY.match(part)
        if m:
            out[m.group(1).lower()] = unquote(m.group(2))
    return out


def window(keys: dict[str, str]) -> tuple[dt.date, dt.date] | None:
    """The dates a file's partitions allow (None when its keys say nothing readable about time)."""
    lo, hi = dt.date.min, dt.date.max
    known = False
    for key in TIME_KEYS:
        v = keys.get(key)
        if v is None:
            continue
        try:
            if key in ("date", "dt", "day"):
                a = b = dt.date.fromisoformat(v)
            elif key == "month":
                y, m = (int(x) for x in v.split("-"))
                a, b = dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1])
            else:
                a, b = dt.date(int(v), 1, 1), dt.date(int(v), 12, 31)
        except ValueError:
            continue  # not a date after all: read the file and let its rows speak
        lo, hi, known = max(lo, a), min(hi, b), True
    return (lo, hi) if known else None


def prune(rel: str, *, start: dt.date | None, end: dt.date | None,
          platforms: frozenset[str] | None) -> Pruned | None:
    """Why ``rel`` need not be read for this season, or None to read it."""
    keys = partition_keys(rel)
    if not keys:
        return None
    w = window(keys)
    if w is not None:
        lo, hi = w
        if lo > hi or (start is not None and hi < start) or (end is not None and lo > end):
            span = f"{start or '…'} .. {end or '…'}"
            return Pruned(rel, f"partition {lo.isoformat()} .. {hi.isoformat()} is outside the season ({span})")
    p = keys.get("platform")
    if platforms is not None and p is not None and p not in platforms:
        return Pruned(rel, f"partition platform={p} is not among the season's platforms "
                           f"({', '.join(sorted(platforms))})")
    return None


def fill_values(rel: str) -> dict[str, str]:
    """Contract column → value that the file's partitions give (used where the file lacks it)."""
    keys = partition_keys(rel)
    return {col: keys[k] for k, col in FILL_KEYS.items() if k in keys}
