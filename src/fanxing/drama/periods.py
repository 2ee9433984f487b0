"""Evaluation periods of the drama index: the season, months, ISO weeks and release-aligned windows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

CALENDAR_KINDS = ("annual", "monthly", "weekly")
LAUNCH_KINDS = {"launch7": 7, "launch30": 30}
PERIOD_KINDS = CALENDAR_KINDS + tuple(LAUNCH_KINDS)


@dataclass(frozen=True)
class Season:
    """The season's name and inclusive date range."""

    name: str
    start: dt.date
    end: dt.date

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1


def period_label(kind: str, start: dt.date, season: Season) -> str:
    """The published id of a period: `2024`, `2024-03`, `2024-W09`, `launch7`."""
    if kind == "annual":
        return season.name
    if kind == "monthly":
        return f"{start.year:04d}-{start.month:02d}"
    if kind == "weekly":
        iso = start.isocalendar()
        return f"{iso[0]:04d}-W{iso[1]:02d}"
    return kind


def period_end(kind: str, start: dt.date, season: Season) -> dt.date:
    """Last day of the calendar period starting at ``start``, clipped to the season."""
    if kind == "annual":
        end = season.end
    elif kind == "monthly":
        nxt = dt.date(start.year + (start.month == 12), start.month % 12 + 1, 1)
        end = nxt - dt.timedelta(days=1)
    elif kind == "weekly":
        end = start + dt.timedelta(days=6)
    else:
        raise ValueError(f"period_end: not a calendar period kind: {kind!r}")
    return min(end, season.end)


def period_starts(kind: str, season: Season) -> list[dt.date]:
    """Calendar starts of the months or ISO weeks that meet the season, in order (the first may
    lie before the season's start: ``assign_periods`` clips it)."""
    if kind == "monthly":
        d, out = dt.date(season.start.year, season.start.month, 1), []
        while d <= season.end:
            out.append(d)
            d = dt.date(d.year + (d.month == 12), d.month % 12 + 1, 1)
        return out
    if kind == "weekly":
        d = season.start - dt.timedelta(days=season.start.weekday())
        return [d + dt.timedelta(days=7 * i) for i in range((season.end - d).days // 7 + 1)]
    raise ValueError(f"period_starts: not a month or week kind: {kind!r}")


def assign_periods(facts: ir.Table, dramas: ir.Table, kind: str, season: Season) -> ir.Table:
    """Facts with ``period_start``, ``window_start`` and ``window_days`` for one period kind.

    ``window_start``/``window_days`` describe the part of the period in which the drama was
    available (from its release, or the period start if later, to the period end); the longevity
    indicators compare the first and second half of that window.
    """
    rel = dramas.select("drama_id", "release_date")
    t = facts.join(rel, "drama_id", how="left")
    season_start = ibis.literal(season.start)
    season_end = ibis.literal(season.end)
    t = t.filter((t.date >= season_start) & (t.date <= season_end))
    release = t.release_date.coalesce(season_start)
    if kind == "annual":
        pstart = season_start
        pend = season_end
    elif kind == "monthly":
        pstart = t.date.truncate("M")
        # last day of the month: first day of next month minus one day
        pend = (pstart + ibis.interval(months=1)) - ibis.interval(days=1)
    elif kind == "weekly":
        pstart = t.date.truncate("W")
        pend = pstart + ibis.interval(days=6)
    elif kind in LAUNCH_KINDS:
        n = LAUNCH_KINDS[kind]
        offset = t.date.delta(release, unit="day")
        t = t.filter((offset >= 0) & (offset < n) & (t.release_date.notnull()))
        # only dramas whose whole launch window lies inside the season are comparable
        t = t.filter(t.release_date + ibis.interval(days=n - 1) <= season_end)
        t = t.filter(t.release_date >= season_start)
        # one period for all dramas: their launch windows are compared with each other
        return t.mutate(period_start=season_start, window_start=t.release_date,
                        window_days=ibis.literal(n, type="int64"))
    else:
        raise ValueError(f"unknown period kind {kind!r}; expected one of {', '.join(PERIOD_KINDS)}")
    pend = ibis.least(pend.cast("date"), season_end)
    pstart = ibis.greatest(pstart.cast("date"), season_start)
    wstart = ibis.greatest(pstart, release.cast("date"))
    wdays = pend.delta(wstart, unit="day") + 1
    return t.mutate(period_start=pstart, window_start=wstart, window_days=ibis.greatest(wdays, 1))
