"""The realistic ("mixed") metrics layout: files per platform and month in several formats and encodings.

| platform        | files                                  | format / encoding                         |
|-----------------|----------------------------------------|-------------------------------------------|
| douyin          | metrics/douyin_YYYY-MM.csv             | CSV, UTF-8, English headers, drama_id     |
| hongguo         | metrics/hongguo_YYYY-MM.csv[.gz]       | CSV, every other month gzip               |
| kuaishou        | metrics/kuaishou_export_YYYY-MM.csv    | GB18030, Chinese headers, titles, 万/%/年月日 |
| wechat_channels | metrics/wechat_channels_YYYY-MM.csv/.jsonl | CSV, every other month JSON Lines with titles |
| tencent_video   | metrics/tencent_video_YYYY-MM.csv/.parquet | CSV, every other month Parquet         |
| iqiyi           | metrics/iqiyi_YYYY-MM.csv/.tsv         | CSV, every other month TSV (rates as %)   |
| youku           | metrics/youku_YYYY-MM.csv/.xlsx        | CSV, the 2nd month of each quarter xlsx   |
| mgtv            | metrics/mgtv_cumulative.csv            | GB18030, non-standard headers, running totals; mappings/mgtv_cumulative.yaml |
| bilibili        | metrics/bilibili_YYYY-MM.csv           | CSV, UTF-8 with BOM                       |
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import yaml

from fanxing.demo import malformed as M
from fanxing.demo import platforms as P
from fanxing.demo.rng import stream
from fanxing.demo.titles import fullwidth
from fanxing.demo.writers import to_arrow, write_jsonl, write_parquet, write_text_table, write_xlsx

LAYOUT = {  # platform: (format of odd-numbered month files, format of the others)
    "douyin": ("csv", "csv"),
    "hongguo": ("csv", "csv_gz"),
    "kuaishou": ("gbk_export", "gbk_export"),
    "wechat_channels": ("csv", "jsonl"),
    "tencent_video": ("csv", "parquet"),
    "iqiyi": ("csv", "tsv"),
    "youku": ("csv", "xlsx"),
    "mgtv": ("cumulative", "cumulative"),
    "bilibili": ("csv_bom", "csv_bom"),
}
EXT = {"csv": ".csv", "csv_bom": ".csv", "csv_gz": ".csv.gz", "tsv": ".tsv", "jsonl": ".jsonl",
       "parquet": ".parquet", "xlsx": ".xlsx", "gbk_export": ".csv", "cumulative": ".csv"}
FORMAT = {"csv": "csv", "csv_bom": "csv", "csv_gz": "csv.gz", "tsv": "tsv", "jsonl": "jsonl",
          "parquet": "parquet", "xlsx": "xlsx", "gbk_export": "csv", "cumulative": "csv"}
FIRST_ROW_LINE = {"jsonl": 1, "parquet": 1}  # otherwise 2: the header is line (or sheet row) 1
GBK_HEADER = {"date": "日期", "platform": "平台", "title": "剧名", "plays": "播放量", "likes": "点赞量",
              "comments": "评论量", "shares": "转发", "favorites": "收藏", "completion_rate": "完播率",
              "watch_minutes": "观看时长(分钟)", "revenue_cny": "充值金额(元)"}
CUMULATIVE_HEADER = {"date": "数据日期", "title": "作品名称", "plays": "累计播放", "likes": "累计点赞", "rating": "评分"}
METRICS = ["plays", "likes", "comments", "shares", "favorites", "completion_rate", "watch_minutes",
           "revenue_cny", "rating"]


@dataclass
class Context:
    start: np.datetime64
    days: int
    ids: np.ndarray
    titles: np.ndarray
    alternate: np.ndarray
    seed: int

    @property
    def year(self) -> int:
        return int(str(self.start)[:4])


@dataclass
class FileSpec:
    path: str  # relative to the season directory
    kind: str
    platform: str
    month: str
    rows: np.ndarray  # positions in the facts frame
    position: int = 0  # order of the month among the platform's months
    encoding: str = "utf-8"
    written_rows: int = 0
    extra: dict = field(default_factory=dict)

    @property
    def format(self) -> str:
        return FORMAT[self.kind]


def _day_strings(ctx: Context) -> dict[str, np.ndarray]:
    dates = pd.date_range(str(ctx.start), periods=ctx.days, freq="D")
    y, m, d = dates.year.astype(str), dates.month.astype(str), dates.day.astype(str)
    return {
        "iso": np.asarray(dates.strftime("%Y-%m-%d"), dtype=object),
        "slash": np.asarray(y + "/" + m + "/" + d, dtype=object),
        "cn": np.asarray(y + "年" + m + "月" + d + "日", dtype=object),
    }


def plan_files(facts: pd.DataFrame, ctx: Context) -> list[FileSpec]:
    """One file per platform and month (mgtv: one cumulative file), formats per ``LAYOUT``."""
    months = (ctx.start + facts["day"].to_numpy().astype("timedelta64[D]")).astype("datetime64[M]").astype(str)
    specs: list[FileSpec] = []
    for j, pid in enumerate(P.IDS):
        on = np.flatnonzero(facts["platform"].to_numpy() == j)
        if on.size == 0:
            continue
        primary, alternate = LAYOUT[pid]
        if primary == "cumulative":
            specs.append(FileSpec(f"metrics/{pid}_cumulative.csv", "cumulative", pid, "", on, encoding="gb18030"))
            continue
        labels = months[on]
        mine: list[FileSpec] = []
        for pos, label in enumerate(pd.unique(labels)):
            alt = pos % 3 == 1 if alternate == "xlsx" else pos % 2 == 1
            kind = alternate if alt else primary
            stem = f"{pid}_export_{label}" if kind == "gbk_export" else f"{pid}_{label}"
            mine.append(FileSpec(f"metrics/{stem}{EXT[kind]}", kind, pid, label, on[labels == label], pos,
                                 encoding="gb18030" if kind == "gbk_export" else "utf-8"))
        if alternate != primary and all(s.kind == primary for s in mine):  # keep every format present
            last = mine[-1]
            last.kind, last.path = alternate, f"metrics/{pid}_{last.month}{EXT[alternate]}"
        specs += mine
    return specs


def _percent(x: np.ndarray) -> np.ndarray:
    return np.char.add(np.round(x * 100, 1).astype(str), "%").astype(object)


def _thousands(x: np.ndarray, decimals: int = 0) -> np.ndarray:
    return pd.Series(x).map(f"{{:,.{decimals}f}}".format).to_numpy(dtype=object)


def _wan(x: np.ndarray) -> np.ndarray:
    """Plays as exported by Chinese dashboards: '123.46万' from 10万 up, '12,345' below."""
    big = x >= 100_000
    out = _thousands(x)
    out[big] = np.char.add(np.round(x[big] / 1e4, 2).astype(str), "万")
    return out


def english_frame(sub: pd.DataFrame, spec: FileSpec, ctx: Context, days: dict[str, np.ndarray]) -> pd.DataFrame:
    ident = "title" if spec.kind == "jsonl" else "drama_id"
    names = ctx.titles if ident == "title" else ctx.ids
    frame = pd.DataFrame({"date": days["iso"][sub["day"].to_numpy()], "platform": spec.platform,
                          ident: names[sub["drama"].to_numpy()]})
    for col in METRICS:
        if col == "rating" and not P.HAS_RATING[P.index_of(spec.platform)]:
            continue
        frame[col] = sub[col].to_numpy()
    if spec.kind == "tsv":
        frame["completion_rate"] = _percent(frame["completion_rate"].to_numpy())
    if spec.kind == "xlsx":
        frame["date"] = (ctx.start + sub["day"].to_numpy().astype("timedelta64[D]")).astype(object)
    return frame


def title_variants(ctx: Context, rng: np.random.Generator, drama: np.ndarray) -> np.ndarray:
    """How an export prints each drama: plain, 《》, (全集)/（全集）, full-width, alternate title, padded."""
    t = ctx.titles
    table = np.stack([t, "《" + t + "》", t + "(全集)", t + "（全集）", fullwidth(t),
                      np.where(ctx.alternate != "", ctx.alternate, t), " 《" + t + "》 "], axis=1)
    pick = rng.choice(table.shape[1], size=t.size, p=[0.45, 0.2, 0.08, 0.07, 0.08, 0.07, 0.05])
    return table[drama, pick[drama]]


def gbk_frame(sub: pd.DataFrame, spec: FileSpec, ctx: Context, days: dict[str, np.ndarray]) -> pd.DataFrame:
    rng = stream(ctx.seed, "export-titles", spec.position)
    day, drama = sub["day"].to_numpy(), sub["drama"].to_numpy()
    style = "cn" if spec.position % 2 == 0 else "slash"
    return pd.DataFrame({
        "日期": days[style][day], "平台": spec.platform, "剧名": title_variants(ctx, rng, drama),
        "播放量": _wan(sub["plays"].to_numpy()), "点赞量": _thousands(sub["likes"].to_numpy()),
        "评论量": _thousands(sub["comments"].to_numpy()), "转发": _thousands(sub["shares"].to_numpy()),
        "收藏": _thousands(sub["favorites"].to_numpy()), "完播率": _percent(sub["completion_rate"].to_numpy()),
        "观看时长(分钟)": _thousands(sub["watch_minutes"].to_numpy(), 1),
        "充值金额(元)": _thousands(sub["revenue_cny"].to_numpy(), 2),
    })


def cumulative_frame(sub: pd.DataFrame, ctx: Context, days: dict[str, np.ndarray]) -> pd.DataFrame:
    """Running totals since the drama reached the platform, one row per day, by date then drama."""
    sub = sub.sort_values(["drama", "day"], kind="stable")
    drama = sub["drama"].to_numpy()
    rng = stream(ctx.seed, "cumulative-titles")
    use_alt = (rng.random(ctx.titles.size) < 0.3) & (ctx.alternate != "")
    name = np.where(use_alt, ctx.alternate, ctx.titles)
    frame = pd.DataFrame({
        "_day": sub["day"].to_numpy(), "_drama": drama,
        "数据日期": days["slash"][sub["day"].to_numpy()], "作品名称": name[drama],
        "累计播放": sub.groupby("drama", sort=False)["plays"].cumsum().to_numpy(),
        "累计点赞": sub.groupby("drama", sort=False)["likes"].cumsum().to_numpy(),
        "评分": sub["rating"].to_numpy(),
    })
    frame = frame.sort_values(["_day", "_drama"], kind="stable").drop(columns=["_day", "_drama"])
    frame["累计播放"] = _thousands(frame["累计播放"].to_numpy())
    return frame.reset_index(drop=True)


MAPPING = {
    "files": ["metrics/mgtv_cumulative*.csv"],
    "encoding": "gb18030",
    "platform": "mgtv",
    "columns": {"数据日期": "date", "作品名称": "title", "累计播放": "plays", "累计点赞": "likes", "评分": "rating"},
    "cumulative": ["plays", "likes"],
}


def write_file(out: Path, spec: FileSpec, frame: pd.DataFrame, ctx: Context) -> None:
    path = out / spec.path
    kind = spec.kind
    if kind in ("csv", "csv_bom", "csv_gz", "tsv", "gbk_export", "cumulative"):
        write_text_table(path, frame, sep="\t" if kind == "tsv" else ",", encoding=spec.encoding,
                         bom=kind == "csv_bom", gz=kind == "csv_gz")
    elif kind == "jsonl":
        write_jsonl(path, frame)
    elif kind == "parquet":
        table = to_arrow(frame.drop(columns=["date"]))
        day = (np.array(frame["date"].to_numpy(), dtype="datetime64[D]"))
        write_parquet(path, table.add_column(0, "date", pa.array(day)))
    elif kind == "xlsx":
        write_xlsx(path, frame, sheet=f"{spec.platform} {spec.month}")
    else:  # pragma: no cover
        raise ValueError(kind)


def write_mixed(out: Path, facts: pd.DataFrame, ctx: Context) -> tuple[list[FileSpec], pd.DataFrame, pd.DataFrame]:
    """Write the metrics files and the mapping; returns the files, malformed truth and exact duplicates."""
    days = _day_strings(ctx)
    specs = plan_files(facts, ctx)
    rng = stream(ctx.seed, "malformed")
    # Assign each planted error to one file of its kind.
    assigned: dict[int, list[M.Entry]] = {}
    for entry in M.PLAN:
        pool = [i for i, s in enumerate(specs) if s.kind == entry.kind and entry.platform in (None, s.platform)]
        if pool:
            assigned.setdefault(pool[int(rng.integers(0, len(pool)))], []).append(entry)
    width = len(ctx.ids[0]) - 1
    used_titles = set(ctx.titles) | set(ctx.alternate)
    plant_ctx = {"year": ctx.year, "unknown_id": f"D{ctx.ids.size + 137:0{width}d}",
                 "unknown_title": next(t for t in M.UNKNOWN_TITLES if t not in used_titles)}
    bad, dups = [], []
    for i, spec in enumerate(specs):
        sub = facts.iloc[spec.rows]
        if spec.kind == "cumulative":
            frame = cumulative_frame(sub, ctx, days)
        elif spec.kind == "gbk_export":
            frame = gbk_frame(sub, spec, ctx, days)
        else:
            frame = english_frame(sub, spec, ctx, days)
        if i in assigned:
            header = GBK_HEADER if spec.kind == "gbk_export" else {}
            frame, placed = M.plant(frame, assigned[i], ~sub["planted"].to_numpy(), header,
                                    stream(ctx.seed, "malformed-rows", i), plant_ctx)
            for entry, pos in placed:
                line = pos + FIRST_ROW_LINE.get(spec.kind, 2)
                record = {"file": spec.path, "line": line, "column": entry.column, "reason": entry.reason}
                (dups if entry.action == "exact" else bad).append(record)
        spec.written_rows = len(frame)
        write_file(out, spec, frame, ctx)
    if any(s.kind == "cumulative" for s in specs):
        path = out / "mappings" / "mgtv_cumulative.yaml"
        path.parent.mkdir(parents=True, exist_ok=True)
        header = ("# mgtv's back-office export: non-standard headers, running totals since the drama\n"
                  "# reached the platform (the first row of a drama is its first day's value).\n")
        path.write_text(header + yaml.safe_dump(MAPPING, allow_unicode=True, sort_keys=False), encoding="utf-8")
    columns = ["file", "line", "column", "reason"]
    malformed = pd.DataFrame(bad, columns=columns).sort_values(["file", "line"], kind="stable")
    exact = pd.DataFrame(dups, columns=columns).drop(columns=["column"])
    return specs, malformed.reset_index(drop=True), exact
