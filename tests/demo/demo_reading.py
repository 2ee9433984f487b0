"""A small, independent reader of the demo season's metrics for the tests (not the project's reader)."""

from __future__ import annotations

import csv
import fnmatch
import gzip
import io
import json
import re
import unicodedata
from datetime import date, datetime
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import yaml

CHINESE = {"日期": "date", "平台": "platform", "剧目ID": "drama_id", "剧名": "title", "播放量": "plays",
           "点赞": "likes", "点赞量": "likes", "点赞数": "likes", "评论量": "comments", "转发": "shares",
           "收藏": "favorites", "完播率": "completion_rate", "观看时长(分钟)": "watch_minutes",
           "充值金额(元)": "revenue_cny", "评分": "rating"}
SMALL = {"dramas": 60, "days": 60, "seed": 7}  # the shared small season of the demo tests
SUFFIX = re.compile(r"\((全集|完整版)\)$")


def norm_title(s: str) -> str:
    s = unicodedata.normalize("NFKC", str(s)).strip().replace(" ", "")
    s = s.replace("《", "").replace("》", "")
    return SUFFIX.sub("", s)


def parse_number(v) -> float:
    if isinstance(v, int | float):
        return float(v)
    s = str(v).strip().replace(",", "")
    if s.endswith("%"):
        return float(s[:-1]) / 100
    if s.endswith("万"):
        return float(s[:-1]) * 1e4
    if s.endswith("亿"):
        return float(s[:-1]) * 1e8
    return float(s)


def parse_date(v) -> date:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    s = str(v).strip()
    m = re.fullmatch(r"(\d{4})[-/年](\d{1,2})[-/月](\d{1,2})日?", s)
    if not m:
        raise ValueError(s)
    return date(int(m[1]), int(m[2]), int(m[3]))


def decode(data: bytes) -> tuple[str, str]:
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("gb18030"), "gb18030"


def read_table(path: Path) -> tuple[list[str], list[tuple[int, list]], str]:
    """(header, [(line, values)], encoding) of one metrics file."""
    name = path.name
    if name.endswith(".parquet"):
        frame = pq.read_table(path).to_pandas()
        return list(frame.columns), [(i + 1, list(r)) for i, r in enumerate(frame.itertuples(index=False))], ""
    if name.endswith(".xlsx"):
        from openpyxl import load_workbook

        ws = load_workbook(path, read_only=True).worksheets[0]
        rows = list(ws.iter_rows(values_only=True))
        return list(rows[0]), [(i + 2, list(r)) for i, r in enumerate(rows[1:])], ""
    data = path.read_bytes()
    if name.endswith(".gz"):
        data = gzip.decompress(data)
    text, encoding = decode(data)
    if name.endswith(".jsonl"):
        records = [json.loads(line) for line in text.splitlines()]
        header = list(records[0])
        return header, [(i + 1, [r.get(h) for h in header]) for i, r in enumerate(records)], encoding
    reader = csv.reader(io.StringIO(text), delimiter="\t" if name.endswith(".tsv") else ",")
    rows = list(reader)
    return rows[0], [(i + 2, r) for i, r in enumerate(rows[1:])], encoding


def mappings(season: Path) -> list[dict]:
    return [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((season / "mappings").glob("*.yaml"))]


def title_index(season: Path) -> dict[str, str]:
    dramas = pd.read_csv(season / "dramas.csv", dtype=str, keep_default_na=False)
    index = {}
    for did, title, aliases in zip(dramas.drama_id, dramas.title, dramas.aliases, strict=True):
        for name in [title, *[a for a in aliases.split("|") if a]]:
            index[norm_title(name)] = did
    return index


def load_metrics(season: Path, skip: set[tuple[str, int]]) -> pd.DataFrame:
    """date, platform, drama_id, plays, likes, file, line for every row not listed in ``skip``."""
    titles = title_index(season)
    maps = mappings(season)
    out = []
    for path in sorted((season / "metrics").rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(season).as_posix()
        mapping = next((m for m in maps if any(fnmatch.fnmatch(rel, g) for g in m["files"])), {})
        header, rows, _ = read_table(path)
        cols = [(mapping.get("columns") or {}).get(h, CHINESE.get(h, h)) for h in header]
        for line, values in rows:
            if (rel, line) in skip:
                continue
            rec = dict(zip(cols, values, strict=True))
            did = rec.get("drama_id") or titles[norm_title(rec["title"])]
            out.append({"date": parse_date(rec["date"]), "platform": rec.get("platform") or mapping["platform"],
                        "drama_id": did, "plays": parse_number(rec["plays"]), "likes": parse_number(rec["likes"]),
                        "file": rel, "line": line, "cumulative": bool(mapping.get("cumulative"))})
    frame = pd.DataFrame(out)
    cum = frame[frame.cumulative].sort_values(["platform", "drama_id", "date"])
    for col in ("plays", "likes"):
        prev = cum.groupby(["platform", "drama_id"])[col].shift(1).fillna(0)
        cum[col] = cum[col] - prev
    frame = pd.concat([frame[~frame.cumulative], cum]).drop(columns="cumulative")
    return frame.sort_values(["platform", "date", "drama_id"], kind="stable").reset_index(drop=True)
