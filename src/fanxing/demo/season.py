"""``generate_season``: write a complete demo season and, beside it, the truth of what was planted."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from fanxing.demo import exports, scale
from fanxing.demo import platforms as P
from fanxing.demo.catalogue import dramas_frame, sample_catalogue
from fanxing.demo.fakes import SHAPES, plan_fakes
from fanxing.demo.jury import jury_frame
from fanxing.demo.market import market_frame
from fanxing.demo.survey import QUESTIONS, survey_frame
from fanxing.demo.texts import SEASON_README, TRUTH_README
from fanxing.demo.traffic import day_multiplier, plan_series, simulate
from fanxing.demo.writers import write_text_table
from fanxing.errors import FanxingError

SEASON_MARKERS = ("season.yaml", "dramas.csv")


@dataclass
class DemoSummary:
    """What ``generate_season`` wrote."""

    out_dir: Path
    truth_dir: Path
    layout: str  # "mixed" (realistic exports) or "uniform" (scale / parquet runs)
    start: str
    end: str
    dramas: int
    platforms: int
    series: int
    metric_rows: int  # generated (date, platform, drama) rows
    rows_written: int  # physical metric rows in the files (metric_rows + planted duplicates/extras)
    malformed: int
    exact_duplicates: int
    fakes: dict[str, int]
    jury_rows: int
    respondents: int
    files: list[dict] = field(default_factory=list)  # path, format, encoding, rows
    seconds: float = 0.0

    def to_dict(self) -> dict:
        out = asdict(self)
        out["out_dir"], out["truth_dir"] = str(self.out_dir), str(self.truth_dir)
        return out


def truth_dir_for(out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    return out_dir.parent / f"{out_dir.name}-truth"


def _prepare(out: Path, truth: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise FanxingError(f"{out} exists and is not a directory", code="out_dir_not_empty")
    if out.exists() and any(out.iterdir()):
        if not force:
            raise FanxingError(f"{out} is not empty; pass --force to replace a previous demo season there",
                               code="out_dir_not_empty")
        if not any((out / m).exists() for m in SEASON_MARKERS):
            raise FanxingError(f"{out} is not empty and does not look like a season (no season.yaml or "
                               "dramas.csv); refusing to delete it", code="out_dir_not_empty")
        shutil.rmtree(out)
    if truth.exists():
        if any(truth.iterdir()) and not force:
            raise FanxingError(f"{truth} is not empty; pass --force to replace it", code="out_dir_not_empty")
        shutil.rmtree(truth)
    out.mkdir(parents=True, exist_ok=True)
    truth.mkdir(parents=True, exist_ok=True)


def _write_csv(path: Path, frame: pd.DataFrame) -> None:
    write_text_table(path, frame)


def generate_season(out_dir: str | Path, *, dramas: int = 1500, days: int = 366, seed: int = 2024,
                    rows: int | None = None, fmt: str = "csv", partitioned: bool = False,
                    start: date | str = "2024-01-01", force: bool = False,
                    progress: Callable[[int, int], None] | None = None) -> DemoSummary:
    """Generate the demo season in ``out_dir`` and its truth in ``<out_dir>-truth``.

    With ``rows`` (scale mode) the catalogue is sized to give about that many metric rows and
    ``dramas`` is ignored. The realistic mixed layout (several formats, GB18030 exports, a cumulative
    export with its mapping, malformed rows) is written for ``fmt="csv"`` without ``rows`` or
    ``partitioned``; otherwise metrics are uniform ``fmt`` files (see ``fanxing.demo.scale``).
    """
    t0 = time.perf_counter()
    if fmt not in ("csv", "parquet"):
        raise FanxingError(f"unknown format {fmt!r}; expected 'csv' or 'parquet'", code="bad_argument")
    if days < 1 or (rows is None and dramas < 1) or (rows is not None and rows < 1):
        raise FanxingError("dramas, days and rows must be positive", code="bad_argument")
    out = Path(out_dir)
    truth = truth_dir_for(out)
    _prepare(out, truth, force)
    start64 = np.datetime64(str(start), "D")
    end64 = start64 + np.timedelta64(days - 1, "D")
    mixed = rows is None and fmt == "csv" and not partitioned

    if rows is None:
        cat = sample_catalogue(seed, dramas, days)
        series = plan_series(cat, seed, days)
    else:
        cat, series = scale.size_for_rows(seed, rows, days)
    dramas_df, alternate = dramas_frame(cat, seed, start64)
    ids = dramas_df["drama_id"].to_numpy().astype(str)
    fakes = plan_fakes(series, seed)
    days_mult = day_multiplier(start64, days)

    files: list[dict] = []
    if mixed:
        r = simulate(series, 0, series.n, days_mult, seed, 0, fakes)
        facts = pd.DataFrame({
            "day": r.day, "platform": series.platform[r.series], "drama": series.drama[r.series],
            "plays": r.plays, "likes": r.likes, "comments": r.comments, "shares": r.shares,
            "favorites": r.favorites, "completion_rate": r.completion_rate, "watch_minutes": r.watch_minutes,
            "revenue_cny": r.revenue_cny, "rating": r.rating, "planted": r.planted,
        })
        facts = facts.sort_values(["platform", "day", "drama"], kind="stable").reset_index(drop=True)
        organic = np.bincount(series.drama[r.series], weights=r.organic_plays, minlength=cat.n)
        metric_rows = r.n
        ctx = exports.Context(start64, days, ids, dramas_df["title"].to_numpy(), alternate, seed)
        specs, malformed, exact = exports.write_mixed(out, facts, ctx)
        files = [{"path": s.path, "format": s.format, "encoding": s.encoding, "rows": s.written_rows}
                 for s in specs]
    else:
        counts, organic = scale.write_uniform(out, series, ids, fakes, days_mult, start64, seed, fmt,
                                              partitioned, progress)
        metric_rows = int(series.length.sum())
        files = [{"path": p, "format": fmt, "encoding": "utf-8" if fmt == "csv" else "", "rows": c}
                 for p, c in counts.items()]
        malformed = pd.DataFrame(columns=["file", "line", "column", "reason"])
        exact = pd.DataFrame(columns=["file", "line", "reason"])

    season_yaml = {"name": f"繁星指数 {str(start64)[:4]} 演示赛季 (Fanxing demo season, generated)",
                   "start": date.fromisoformat(str(start64)), "end": date.fromisoformat(str(end64))}
    (out / "season.yaml").write_text(yaml.safe_dump(season_yaml, allow_unicode=True, sort_keys=False),
                                     encoding="utf-8")
    _write_csv(out / "dramas.csv", dramas_df)
    _write_csv(out / "platforms.csv", P.platforms_frame())
    jury = jury_frame(cat, ids, organic, seed)
    _write_csv(out / "jury.csv", jury)
    survey = survey_frame(seed)
    _write_csv(out / "surveys" / "audience_2024.csv", survey)
    (out / "surveys" / "questions.yaml").write_text(
        yaml.safe_dump(QUESTIONS, allow_unicode=True, sort_keys=False), encoding="utf-8")
    _write_csv(out / "market.csv", market_frame())
    (out / "README.md").write_text(SEASON_README.format(
        start=start64, end=end64, dramas=cat.n, seed=seed,
        layout="mixed (realistic exports)" if mixed else f"uniform {fmt}" + (" partitioned" if partitioned else ""),
    ), encoding="utf-8")

    fake_truth = fakes.truth(series, ids, start64)
    _write_csv(truth / "fake_traffic.csv", fake_truth)
    _write_csv(truth / "malformed.csv", malformed)
    _write_csv(truth / "exact_duplicates.csv", exact)
    latent = pd.DataFrame({"drama_id": ids, "quality": np.round(cat.quality, 4), "hit": np.round(cat.hit, 4),
                           "organic_plays": organic.astype(np.int64)})
    _write_csv(truth / "latent.csv", latent)
    (truth / "README.md").write_text(TRUTH_README, encoding="utf-8")

    return DemoSummary(
        out_dir=out, truth_dir=truth, layout="mixed" if mixed else "uniform", start=str(start64), end=str(end64),
        dramas=cat.n, platforms=len(P.PLATFORMS), series=series.n, metric_rows=metric_rows,
        rows_written=int(sum(f["rows"] for f in files)), malformed=len(malformed), exact_duplicates=len(exact),
        fakes={s: int((fake_truth["shape"] == s).sum()) for s in SHAPES}, jury_rows=len(jury),
        respondents=len(survey), files=files, seconds=round(time.perf_counter() - t0, 2),
    )
