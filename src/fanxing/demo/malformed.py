"""Deliberately malformed rows planted into the demo's metric files, with their truth (file, line, column, reason).

Each entry names the kind of file it goes into, the contract column, the reason code and what is done
to the row. Rows inside planted fake-traffic episodes are never touched.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

UNKNOWN_TITLES = ["星河不寄旧人书", "我的室友是条锦鲤吗", "落日之前请回信"]


@dataclass(frozen=True)
class Entry:
    kind: str  # file kind (see exports.KINDS)
    platform: str | None  # restrict to one platform's files
    column: str  # contract column
    reason: str
    action: str  # set | negate | unknown | conflict | exact
    value: object = None


PLAN: tuple[Entry, ...] = (
    Entry("csv", "douyin", "plays", "unparsable_number", "set", "#VALUE!"),
    Entry("csv", "douyin", "plays", "negative_count", "negate"),
    Entry("csv", "douyin", "drama_id", "unknown_drama", "unknown"),
    Entry("csv", "douyin", "plays", "conflicting_duplicate", "conflict"),
    Entry("csv", "douyin", "", "exact_duplicate", "exact"),  # not malformed: merged by a reader
    Entry("csv", "hongguo", "completion_rate", "rate_out_of_range", "set", 1.37),
    Entry("csv_gz", "hongguo", "date", "bad_date", "set", "{year}-02-30"),
    Entry("gbk_export", None, "completion_rate", "rate_out_of_range", "set", "137.5%"),
    Entry("gbk_export", None, "date", "bad_date", "set", "{year}年13月5日"),
    Entry("gbk_export", None, "title", "unknown_drama", "unknown"),
    Entry("gbk_export", None, "plays", "unparsable_number", "set", "1.2.3万"),
    Entry("gbk_export", None, "likes", "negative_count", "set", "-35"),
    Entry("jsonl", None, "plays", "unparsable_number", "set", "一千二百"),
    Entry("jsonl", None, "completion_rate", "rate_out_of_range", "set", 2.5),
    Entry("tsv", None, "plays", "negative_count", "negate"),
    Entry("tsv", None, "date", "bad_date", "set", "{year}-13-01"),
    Entry("parquet", None, "plays", "negative_count", "negate"),
    Entry("csv_bom", None, "plays", "missing_value", "set", None),
    Entry("csv_bom", None, "plays", "conflicting_duplicate", "conflict"),
    Entry("xlsx", None, "plays", "unparsable_number", "set", "12..5"),
)


def plant(frame: pd.DataFrame, entries: list[Entry], eligible: np.ndarray, header: dict[str, str],
          rng: np.random.Generator, ctx: dict) -> tuple[pd.DataFrame, list[tuple[Entry, int]]]:
    """Apply ``entries`` to ``frame``; returns the new frame and each entry's 0-based row position."""
    frame = frame.reset_index(drop=True)
    marks = np.full(len(frame), -1)
    free = np.flatnonzero(eligible)
    chosen = rng.choice(free, size=min(len(entries), free.size), replace=False)
    inserts: list[tuple[int, int, pd.DataFrame]] = []  # (after original row, entry number, row)
    for k, (entry, pos) in enumerate(zip(entries, chosen, strict=False)):
        col = header.get(entry.column, entry.column)
        if entry.action in ("conflict", "exact"):
            row = frame.iloc[[pos]].copy()
            if entry.action == "conflict":
                row[col] = (row[col].astype(np.int64) * 13 // 10 + 7).astype(np.int64)
            after = pos if entry.action == "exact" else int(rng.integers(pos, len(frame)))
            inserts.append((after, k, row))
            continue
        if entry.action == "negate":
            old = frame.at[pos, col]
            new: object = -abs(int(old)) if not isinstance(old, str) else "-" + old.lstrip("-")
            if new == 0:
                new = -1
        elif entry.action == "unknown":
            new = ctx["unknown_id"] if entry.column == "drama_id" else "《" + ctx["unknown_title"] + "》"
        else:
            new = entry.value.format(year=ctx["year"]) if isinstance(entry.value, str) else entry.value
        needs_text = isinstance(new, str) or new is None or (isinstance(new, float) and frame[col].dtype.kind in "iu")
        if needs_text and frame[col].dtype != object:
            frame[col] = frame[col].astype(object)
        frame.at[pos, col] = new
        marks[pos] = k
    if inserts:
        pieces, piece_marks, last = [], [], 0
        for after, k, row in sorted(inserts, key=lambda x: (x[0], x[1])):
            pieces += [frame.iloc[last: after + 1], row]
            piece_marks += [marks[last: after + 1], np.array([k])]
            last = after + 1
        pieces.append(frame.iloc[last:])
        piece_marks.append(marks[last:])
        frame = pd.concat(pieces, ignore_index=True)
        marks = np.concatenate(piece_marks)
    placed = [(entries[k], int(np.flatnonzero(marks == k)[0])) for k in range(len(chosen))]
    return frame, placed
