"""`fanxing build`: ingest → integrity → indicators → index → awards → publish, atomically."""

from __future__ import annotations

import ctypes
import ctypes.util
import dataclasses
import datetime as dt
import functools
import json
import os
import platform as _platform
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import ibis
import pandas as pd
import pyarrow as pa

import fanxing
from fanxing.drama.indicators import INDICATORS, compute_indicator_variants, indicator_runs, period_blocks
from fanxing.drama.methodology import FanxingMethodology, load_fanxing_methodology
from fanxing.drama.periods import Season
from fanxing.drama.ranking import PeriodRanking, rank_kind
from fanxing.errors import BuildError
from fanxing.parallel import ordered_map
from fanxing.publish.atomic import publish_dir, sha256_file, staging_dir
from fanxing.publish.tables import KindPublisher, empty_like, write_kind, write_outputs
from fanxing.report import frames_from_warehouse, write_report
from fanxing.season import ingest_season
from fanxing.warehouse import Warehouse
from fanxing.warehouse.blocks import rows_per_block

Progress = Callable[[str], None]

@dataclass
class BuildContext:
    """Everything the publishing step writes, gathered while the build runs."""

    methodology: FanxingMethodology
    methodology_bytes: bytes
    methodology_path: Path
    season: Season
    ingest: object
    catalogue: pd.DataFrame
    platforms: pd.DataFrame
    platform_weights: pd.Series
    anomalies: pd.DataFrame
    # one row per (platform, drama): plays, plays_adj, days — the daily facts themselves never
    # reach Python: the engine writes them to daily.parquet (``daily_rows`` of them)
    series: pd.DataFrame
    daily_rows: int = 0
    indicators: dict[str, pd.DataFrame] = field(default_factory=dict)
    indicators_raw: dict[str, pd.DataFrame] = field(default_factory=dict)
    rankings: dict[str, PeriodRanking] = field(default_factory=dict)
    rankings_raw: dict[str, PeriodRanking] = field(default_factory=dict)
    awards: object | None = None
    quarantine: pd.DataFrame | None = None
    jury: pd.DataFrame | None = None
    timings: dict[str, float] = field(default_factory=dict)
    # period kinds whose tables are already in the staging directory → their ranking's row count
    written: dict[str, int] = field(default_factory=dict)
    engine: str = "duckdb"
    build_id: str = ""
    #: novelty's tokens, segmented in a separate process from the catalogue's loading on (or None)
    novelty_tokens: object | None = None


@dataclass
class BuildSummary:
    out_dir: Path
    build_id: str
    top: pd.DataFrame
    timings: dict[str, float]
    counts: dict[str, int]


class _Timer:
    """Times each step of a build into ``ctx_timings`` and, on Linux, records the peak resident
    memory within each step into ``peaks`` (MiB), sampled every 50 ms by a thread that runs while
    the timer is entered (``with _Timer(...) as timer:``). ``cpu`` gets the CPU seconds (user +
    system, every thread of the process) spent within each step: their ratio to the step's time
    says how many cores it kept busy."""

    def __init__(self, ctx_timings: dict[str, float], progress: Progress | None,
                 peaks: dict[str, float] | None = None):
        self.t = ctx_timings
        self.progress = progress
        self.peaks = peaks
        self.cpu: dict[str, float] = {}
        self.current: str | None = None
        self._stop = threading.Event()

    def __enter__(self) -> _Timer:
        if self.peaks is not None and _rss_mib() is not None:
            threading.Thread(target=self._sample, daemon=True, name="fanxing-rss").start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()  # the sampler ends with the build

    def _sample(self) -> None:
        while not self._stop.wait(0.05):
            name = self.current
            rss = _rss_mib()
            if name is not None and rss is not None:
                self.peaks[name] = max(self.peaks.get(name, 0.0), rss)

    def step(self, name: str):
        timer = self

        class _Step:
            def __enter__(self):
                if timer.progress:
                    timer.progress(name)
                timer.current = name
                self.c0 = _cpu_seconds()
                self.t0 = time.perf_counter()

            def __exit__(self, *exc):
                # a step entered again (a kind ranked one run of periods at a time) adds up
                timer.t[name] = round(timer.t.get(name, 0.0) + time.perf_counter() - self.t0, 4)
                timer.cpu[name] = round(timer.cpu.get(name, 0.0) + _cpu_seconds() - self.c0, 3)
                if timer.peaks is not None:
                    rss = _rss_mib()
                    if rss is not None:
                        timer.peaks[name] = round(max(timer.peaks.get(name, 0.0), rss), 1)
                timer.current = None
                release_free_memory()

        return _Step()


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim``, or None (another C library, another system)."""
    try:
        fn = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
    except (OSError, AttributeError):
        return None
    fn.argtypes, fn.restype = [ctypes.c_size_t], ctypes.c_int
    return fn


def release_free_memory() -> None:
    """Give the free pages of the C heap and of Arrow's allocator back to the system (both keep
    them otherwise).

    Between build steps: the Monte Carlo and the table conversions of one step free gigabytes of
    small and mid-sized blocks that glibc keeps in its heap, and the next step's peak came on top
    of them (measured at 50 M rows: 4.8 GiB resident after the annual index, 2.2 GiB once trimmed).
    """
    pa.default_memory_pool().release_unused()  # Arrow's own allocator (strings of pandas 3 frames)
    fn = _malloc_trim()
    if fn is not None:
        fn(0)


def _rss_mib() -> float | None:
    """This process's resident memory in MiB (Linux /proc), or None elsewhere."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return None


def _cpu_seconds() -> float:
    """CPU seconds (user + system) of every thread of this process so far."""
    t = os.times()
    return t.user + t.system


def season_of(wh: Warehouse) -> Season:
    """The season's name and dates from the warehouse (derived from the facts when not given)."""
    s = wh.table("season").to_pandas()
    if len(s) and pd.notna(s.iloc[0]["start"]) and pd.notna(s.iloc[0]["end"]):
        row = s.iloc[0]
        return Season(str(row["name"]), pd.Timestamp(row["start"]).date(), pd.Timestamp(row["end"]).date())
    f = wh.table("facts")
    r = f.aggregate(lo=f.date.min(), hi=f.date.max()).to_pandas().iloc[0]
    lo, hi = pd.Timestamp(r["lo"]).date(), pd.Timestamp(r["hi"]).date()
    return Season(str(lo.year), lo, hi)


def platform_weights(platforms: pd.DataFrame, facts_platforms: list[str], setting) -> pd.Series:
    """Weight of each platform when per-platform values are combined (sums to 1)."""
    names = sorted(set(facts_platforms))
    if isinstance(setting, dict):
        w = pd.Series({p: float(setting.get(p, 0.0)) for p in names})
    elif setting == "reach" and not platforms.empty:
        col = next((c for c in ("reach", "relative_reach", "mau") if c in platforms.columns), None)
        if col is None:
            w = pd.Series(1.0, index=names)
        else:
            reach = pd.to_numeric(platforms.set_index("platform")[col], errors="coerce")
            w = pd.Series({p: reach.get(p, float("nan")) for p in names})
            w = w.fillna(w.median() if w.notna().any() else 1.0)
    else:
        w = pd.Series(1.0, index=names)
    if w.sum() <= 0:
        raise BuildError("platform weights sum to zero: give at least one platform a positive weight")
    return w / w.sum()


def uncertainty_for(m: FanxingMethodology, kind: str):
    """The uncertainty spec for a period kind: intervals for annual and monthly rankings, Sobol
    sensitivity for the annual ranking only (weekly and launch rankings carry no intervals)."""
    spec = m.uncertainty
    if spec is None or kind not in ("annual", "monthly"):
        return None
    if kind != "annual" and spec.sensitivity.enabled:
        spec = spec.model_copy(update={"sensitivity": spec.sensitivity.model_copy(update={"enabled": False})})
    return spec


def indicator_block_rows() -> int:
    """Fact rows per query of monthly and weekly indicators (``compute_indicator_variants(blocks=)``):
    ``FANXING_INDICATOR_BLOCK_ROWS``, else 1/500 of the memory limit in bytes, else 8 million."""
    return rows_per_block("FANXING_INDICATOR_BLOCK_ROWS", 500)


def run_integrity(wh: Warehouse, facts: ibis.Table, dramas: ibis.Table, m: FanxingMethodology,
                  daily_path: Path):
    """Anomaly episodes, the function that adds the adjusted values (``<column>_adj``) to a table of
    facts, per-series totals; the daily table written to ``daily_path``.

    Intermediate tables are materialised in the warehouse itself (``_fx_*``), so every later
    expression runs on the one engine that holds the facts; the daily rows go from the engine
    straight to Parquet.
    """
    from fanxing.integrity import detect_days, merge_episodes
    from fanxing.integrity.adjust import adjustments, apply_adjustments
    from fanxing.integrity.config import ADJUSTABLE
    from fanxing.integrity.detect import finish_episodes

    cfg = m.integrity
    thresholds = type(cfg).__mro__[1].model_validate(cfg.model_dump(exclude={"mode"}))
    days = wh.create_temp("_fx_integrity_days", detect_days(facts, dramas, thresholds))
    # the detectors' arrays (GBs at 50 M rows) are freed now: give their pages back before the
    # engine's joins below (the daily table, the series totals) take memory of their own
    release_free_memory()
    episodes = finish_episodes(merge_episodes(days, thresholds).to_pandas())
    # the adjustments (flagged days only) are materialised; their join with the facts stays lazy —
    # each later query (daily table, series, indicators) scans the facts once anyway, and copying
    # every fact row into an adjusted table cost more than the joins it saved
    piv = wh.create_temp("_fx_adjustments", adjustments(days, [c for c in ADJUSTABLE if c in facts.columns],
                                                         thresholds))
    adjusted = apply_adjustments(facts, piv, mode=cfg.mode, config=thresholds)
    keep = ["date", "platform", "drama_id", "plays", "plays_adj", "likes", "comments", "shares", "favorites",
            "completion_rate", "revenue_cny", "rating", "flagged"]
    daily = adjusted.select(*[c for c in keep if c in adjusted.columns])
    n_daily = wh.backend.write_parquet(wh.con, daily, daily_path, ["drama_id", "platform", "date"])
    adj = adjusted.plays_adj if "plays_adj" in adjusted.columns else adjusted.plays
    series = adjusted.group_by(["platform", "drama_id"]).aggregate(
        plays=adjusted.plays.sum(), plays_adj=adj.sum(), days=adjusted.count()).to_pandas()
    series = series.sort_values(["platform", "drama_id"], kind="stable").reset_index(drop=True)
    return episodes, partial(apply_adjustments, piv=piv, mode=cfg.mode, config=thresholds), series, n_daily


def build(season_dir: str | Path, out_dir: str | Path, *, methodology: str | Path | None = None,
          engine: str = "duckdb", db: str | Path | None = None,
          progress: Progress | None = None, with_report: bool = True, pdf: bool = True) -> BuildSummary:
    """Build and publish a season. ``out_dir`` is replaced only when everything succeeded.

    ``with_report`` writes the annual insight report into ``report/`` (``pdf`` also prints it to
    PDF with Chromium; a missing Chromium is recorded in ``report/report.json``, not an error).
    """
    season_dir, out_dir = Path(season_dir), Path(out_dir)
    timings: dict[str, float] = {}
    peaks: dict[str, float] = {}
    with _Timer(timings, progress, peaks) as timer:
        t_start = time.perf_counter()
        with timer.step("methodology"):
            m, m_bytes, m_path = load_fanxing_methodology(methodology)
        with staging_dir(out_dir) as stage, tempfile.TemporaryDirectory(prefix="fanxing-wh-") as tmp:
            default = Path(tmp) / ("warehouse" if engine == "spark" else "warehouse.duckdb")
            wh = Warehouse.connect(Path(db) if db else default, engine=engine)
            try:
                with timer.step("ingest"):
                    report = ingest_season(season_dir, wh)
                if not report.usable:
                    why = [str(e) for e in [*getattr(report, "problems", []), *getattr(report, "errors", [])]]
                    raise BuildError(f"{season_dir}: the season is unusable: " + ("; ".join(why) or "no readable data"))
                ctx = _compute(wh, m, m_bytes, m_path, report, timer, engine, stage)
                report_frames = frames_from_warehouse(wh) if with_report else None
            finally:
                wh.close()
            ctx.build_id = f"{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"
            with timer.step("write"):
                counts = write_outputs(stage, ctx)
            if report_frames is not None:
                # the report reads the manifest (methodology hash, accounting): write it first, then again
                # so that its list of outputs covers the report too
                _write_manifest(stage, ctx, season_dir, counts, timings, peaks, timer.cpu)
                with timer.step("report"):
                    written = write_report(stage, pdf=pdf, **report_frames)
                counts["report_files"] = sum(1 for p in (stage / "report").rglob("*") if p.is_file())
                counts["report_pdf"] = int("pdf" in written)
            timings["total"] = round(time.perf_counter() - t_start, 4)
            _write_manifest(stage, ctx, season_dir, counts, timings, peaks, timer.cpu)
            annual = stage / "rankings" / "annual.csv"
            top = pd.read_csv(annual, dtype={"drama_id": str}).head(10) if annual.exists() else pd.DataFrame()
            publish_dir(stage, out_dir)
    return BuildSummary(out_dir, ctx.build_id, top, timings, counts)


def _compute(wh: Warehouse, m: FanxingMethodology, m_bytes: bytes, m_path: Path, report, timer: _Timer,
             engine: str, stage: Path) -> BuildContext:
    """Everything after ingest; writes ``daily.parquet`` and each finished period kind into ``stage``."""
    facts = wh.table("facts")
    dramas = wh.table("dramas")
    season = season_of(wh)
    # every frame in a stable order: an engine returns rows in any order (Spark does)
    catalogue = _sorted(dramas.to_pandas(), ["drama_id"])
    tokens = novelty_tokens(catalogue, m.awards)
    try:
        return _compute_from(wh, m, m_bytes, m_path, report, timer, engine, stage, facts, dramas, season,
                             catalogue, tokens)
    finally:
        if tokens is not None:
            tokens.close()  # already done after the awards; on a failure before them, the process stops


def novelty_tokens(catalogue: pd.DataFrame, config):
    """Start segmenting the catalogue's synopses for the awards' novelty in a separate process (it
    then runs beside integrity, indicators and the index), when a drama category weighs novelty and
    more than one CPU is usable (``FANXING_THREADS``); else None."""
    from fanxing.awards import inputs as awards_inputs
    from fanxing.awards.novelty import TokensInBackground
    from fanxing.parallel import threads

    if config is None or threads() < 2 or not any("novelty" in c.weights
                                                  for c in config.drama_categories().values()):
        return None
    try:
        # the two columns as the awards prepare them; the awards use the tokens only when theirs are
        # the same, and segment the synopses themselves otherwise
        frame = awards_inputs.novelty_columns(catalogue)
    except Exception:  # only a head start: the awards step reads the catalogue (and reports on it) itself
        return None
    return TokensInBackground(frame, config.novelty)


def _compute_from(wh: Warehouse, m: FanxingMethodology, m_bytes: bytes, m_path: Path, report, timer: _Timer,
                  engine: str, stage: Path, facts, dramas, season, catalogue: pd.DataFrame, tokens
                  ) -> BuildContext:
    platforms = _sorted(wh.table("platforms").to_pandas(), ["platform"])
    fplat = facts.select("platform").distinct().to_pandas()["platform"].tolist()
    weights = platform_weights(platforms, fplat, m.drama.platform_weights)
    with timer.step("integrity"):
        anomalies, adjust, series, n_daily = run_integrity(wh, facts, dramas, m, stage / "daily.parquet")
    ctx = BuildContext(m, m_bytes, m_path, season, report, catalogue, platforms, weights, anomalies, series,
                       daily_rows=n_daily, engine=engine, novelty_tokens=tokens)
    ctx.quarantine = _sorted(wh.table("quarantine").to_pandas(), ["load_id", "file", "line", "column", "reason"])
    ctx.jury = _sorted(wh.table("jury").to_pandas(), ["drama_id", "category", "juror", "score"])
    nblocks = -(-n_daily // indicator_block_rows())
    for kind in m.drama.periods:
        if kind != "annual" and len(period_blocks(kind, season, nblocks)) > 1:
            # a large season's months or weeks: indicators, index and publishing one run of whole
            # periods at a time, so memory holds one run of the kind, never all of it
            runs = indicator_runs(facts, dramas, kind, season, weights, ("_adj", ""), adjust, blocks=nblocks)
            _rank_and_publish_runs(ctx, stage, kind, runs, timer)
            continue
        with timer.step(f"indicators.{kind}"):
            # adjusted and raw indicators in one pass over the facts
            both = compute_indicator_variants(facts, dramas, kind, season, weights, ("_adj", ""), adjust)
            ctx.indicators[kind], ctx.indicators_raw[kind] = both["_adj"], both[""]
            del both
        with timer.step(f"index.{kind}"):
            keep = kind == "annual"
            spec = uncertainty_for(m, kind)
            ctx.rankings[kind] = rank_kind(ctx.indicators[kind], m.index, kind, min_plays=m.drama.min_plays,
                                           keep_results=keep, uncertainty=spec)
            ctx.rankings_raw[kind] = rank_kind(ctx.indicators_raw[kind], m.index, kind,
                                               min_plays=m.drama.min_plays)
        if kind != "annual":
            # published now and dropped: only the annual tables are needed later (awards)
            with timer.step(f"write.{kind}"):
                write_kind(stage, ctx, kind, release=True)
    with timer.step("awards"):
        ctx.awards = run_awards(ctx)
    return ctx


def _rank_and_publish_runs(ctx: BuildContext, stage: Path, kind: str, runs, timer: _Timer) -> None:
    """Rank and publish a period kind whose indicators come one run of whole periods at a time
    (``indicator_runs``). Every period is ranked on its own, and each period's Monte Carlo draws
    from the seed alone, so the tables are those of the kind computed whole. ``ctx`` keeps the
    kind's uncertainty summaries and empty tables (the kind stays listed, as ``write_kind(release=)``
    leaves it)."""
    m = ctx.methodology
    spec = uncertainty_for(m, kind)
    ranking, ranking_raw = PeriodRanking(kind, pd.DataFrame()), PeriodRanking(kind, pd.DataFrame())
    with KindPublisher(stage, ctx, kind) as pub:
        while True:
            with timer.step(f"indicators.{kind}"):
                run = next(runs, None)
            if run is None:
                break
            ind, ind_raw = run.pop("_adj"), run.pop("")
            with timer.step(f"index.{kind}"):
                part = rank_kind(ind, m.index, kind, min_plays=m.drama.min_plays, uncertainty=spec)
                part_raw = rank_kind(ind_raw, m.index, kind, min_plays=m.drama.min_plays)
            with timer.step(f"write.{kind}"):
                pub.add(part.table, part_raw.table, ind, ind_raw)
            ranking.uncertainty_summary.update(part.uncertainty_summary)
            ranking.sensitivity.update(part.sensitivity)
            ranking.table, ranking_raw.table = empty_like(part.table), empty_like(part_raw.table)
            ctx.indicators[kind], ctx.indicators_raw[kind] = empty_like(ind), empty_like(ind_raw)
            del part, part_raw, ind, ind_raw, run
        with timer.step(f"write.{kind}"):
            pub.finish()
    ctx.rankings[kind], ctx.rankings_raw[kind] = ranking, ranking_raw


def _sorted(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    keys = [k for k in keys if k in df.columns]
    return df.sort_values(keys, kind="stable").reset_index(drop=True) if keys else df


def per_platform_plays(series: pd.DataFrame, weights: pd.Series) -> pd.DataFrame:
    """Season plays per (platform, drama) and their harmonised contribution w_p · plays / platform mean."""
    col = "plays_adj" if "plays_adj" in series else "plays"
    pp = series[["platform", "drama_id", col]].rename(columns={col: "plays"}).copy()
    mean = pp.groupby("platform")["plays"].transform("mean")
    pp["eq_plays"] = pp["platform"].map(weights).fillna(0.0) * pp["plays"] / mean.where(mean > 0)
    return pp


def run_awards(ctx: BuildContext):
    """Award cases, platform and producer rankings from the annual ranking (fanxing.awards)."""
    from fanxing.awards import select_awards
    from fanxing.publish.tables import ranking_frame

    annual = ranking_frame("annual", ctx)
    ind = ctx.indicators["annual"].drop(columns=["period", "period_start"], errors="ignore")
    return select_awards(annual, ctx.catalogue, ctx.methodology.awards, indicators=ind,
                         per_platform=per_platform_plays(ctx.series, ctx.platform_weights), jury=ctx.jury,
                         anomalies=ctx.anomalies, season_start=ctx.season.start, season_end=ctx.season.end,
                         tokens=ctx.novelty_tokens)


def _versions(engine: str = "duckdb") -> dict[str, str]:
    import duckdb
    import numpy
    import pyarrow

    out = {"fanxing": fanxing.__version__, "python": _platform.python_version(), "numpy": numpy.__version__,
           "pandas": pd.__version__, "pyarrow": pyarrow.__version__, "duckdb": duckdb.__version__,
           "ibis": ibis.__version__}
    if engine == "spark":
        import pyspark

        out["pyspark"] = pyspark.__version__
    return out


def _hashes(stage: Path, known: dict | None = None) -> dict[str, str]:
    """sha256 of every file under ``stage`` but the manifest itself, by relative path, in path order.

    Files are hashed on ``threads()`` threads, the largest first (hashlib and file reads release the
    GIL; a large build publishes GBs of CSV). ``known`` keeps digests by (path, size, mtime) across
    calls: a manifest written twice (before and after the report) hashes each file once."""
    known = {} if known is None else known
    stats = {p: p.stat() for p in stage.rglob("*") if p.is_file() and p != stage / "manifest.json"}
    keys = {p: (str(p), st.st_size, st.st_mtime_ns) for p, st in stats.items()}
    files = sorted(stats, key=lambda p: (-stats[p].st_size, str(p)))
    todo = [p for p in files if keys[p] not in known]
    for p, digest in zip(todo, ordered_map(sha256_file, todo, name="fanxing-sha"), strict=True):
        known[keys[p]] = digest
    return {str(p.relative_to(stage)): known[keys[p]] for p in sorted(files)}


def _write_manifest(stage: Path, ctx: BuildContext, season_dir: Path, counts: dict, timings: dict,
                    peaks: dict | None = None, cpu: dict | None = None) -> None:
    report = ctx.ingest
    outputs = _hashes(stage, ctx.__dict__.setdefault("_digests", {}))
    manifest = {
        "build_id": ctx.build_id,
        "created_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "season": {"name": ctx.season.name, "start": ctx.season.start.isoformat(),
                   "end": ctx.season.end.isoformat(), "dir": str(season_dir.resolve())},
        "inputs": [dataclasses.asdict(f) for f in getattr(report, "files", [])],
        "pruned": list(getattr(report, "pruned", [])),
        "quarantine_by_reason": dict(getattr(report, "quarantine_by_reason", {})),
        "methodology": {"name": ctx.methodology.name, "version": ctx.methodology.version,
                        "sha256": ctx.methodology.canonical_hash,
                        "file_sha256": __import__("hashlib").sha256(ctx.methodology_bytes).hexdigest(),
                        "index_sha256": ctx.methodology.index.canonical_hash,
                        "source": str(ctx.methodology_path)},
        "platform_weights": {k: round(float(v), 6) for k, v in ctx.platform_weights.items()},
        "engine": ctx.engine,
        "versions": _versions(ctx.engine),
        "timings": timings,
        # peak resident memory of the build process within each step (MiB; sampled every 50 ms)
        "peak_rss_mib": {k: round(v, 1) for k, v in (peaks or {}).items()},
        # CPU seconds of the build process (all threads) within each step; / timings = cores busy
        "cpu_seconds": dict(cpu or {}),
        "counts": counts,
        "indicators": {k: {"dimension": v[0], "name": v[1], "description": v[2]} for k, v in INDICATORS.items()},
        "outputs": outputs,
    }
    (stage / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=str),
                                         encoding="utf-8")
