"""Helpers for the season tests: write small seasons into tmp_path, read back what loaded."""

from __future__ import annotations

from pathlib import Path

from fanxing.warehouse import Warehouse

DRAMAS = """drama_id,title,aliases,producer,release_date,episodes,episode_minutes,genres,ip_source
d1,霸道总裁爱上我,总裁的爱|霸总,甲影业,2024-01-05,80,2,甜宠|逆袭,original
d2,逆袭人生,,乙传媒,2024-02-01,60,1.5,逆袭,web_novel
d3,Ｌｏｖｅ在深夜(上),,丙文化,2024-03-01,30,,,
"""

HEADER = "date,platform,drama_id,plays,likes,completion_rate\n"


def write_season(root: Path, *, dramas: str | None = DRAMAS, metrics: dict[str, str | bytes] | None = None,
                 files: dict[str, str | bytes] | None = None) -> Path:
    """A season directory: dramas.csv, metrics/<name> files and any other files (relative paths)."""
    root.mkdir(parents=True, exist_ok=True)
    if dramas is not None:
        (root / "dramas.csv").write_text(dramas, encoding="utf-8")
    (root / "metrics").mkdir(exist_ok=True)
    for name, content in (metrics or {}).items():
        _write(root / "metrics" / name, content)
    for name, content in (files or {}).items():
        _write(root / name, content)
    return root


def _write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")


def rows(wh: Warehouse, table: str, order=None):
    df = wh.table(table).execute()
    if order:
        df = df.sort_values(order).reset_index(drop=True)
    return df


def quarantine(wh: Warehouse) -> list[tuple]:
    """(file, line, column, value, reason) of every quarantined row, sorted."""
    df = wh.table("quarantine").execute()
    out = []
    for r in df.itertuples():
        col = r.column if isinstance(r.column, str) else None
        val = r.value if isinstance(r.value, str) else None
        out.append((r.file, int(r.line), col, val, r.reason))
    return sorted(out, key=lambda x: (x[0], x[1]))


