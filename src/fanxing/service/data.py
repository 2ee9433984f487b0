"""A published build loaded once into memory, with the indexes the API and the pages look things up by.

Only ``manifest.json``, ``catalogue.csv`` and ``rankings/annual.csv`` are required; every other part
of the build (periods, explanations, daily facts, anomalies, awards, report) may be absent, and is
then simply reported as missing.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fanxing.errors import BuildError, NotFoundError
from fanxing.service.cache import BodyCache

log = logging.getLogger("fanxing.service")

PERIOD_KINDS = ("annual", "monthly", "weekly", "launch7", "launch30")
KNOWN_DIMENSIONS = ("reach", "engagement", "reputation", "commercial", "longevity")
LIST_COLUMNS = ("aliases", "genres", "industry_tags", "platforms")
TEXT_DTYPES = {c: "string" for c in ("drama_id", "period", "producer", "platform", "title", "region", "name",
                                      "dialect", "brand_partner", "ip_source", "file", "column", "value",
                                      "reason", "detail", "indicator", "dimension", "severity")}
REQUIRED = ("manifest.json", "catalogue.csv", "rankings/annual.csv")


def normalise_text(s: object) -> str:
    """Text for matching titles: NFKC (full-width → half-width), lower case, no spaces or 《》 or brackets."""
    t = unicodedata.normalize("NFKC", str(s)).lower()
    return "".join(ch for ch in t if not ch.isspace() and ch not in "《》<>\"'“”‘’")


def split_list(v: object) -> list[str]:
    """A `|`-joined list cell as a list (empty or missing → [])."""
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return []
    return [p.strip() for p in str(v).split("|") if p.strip()]


def column_values(col: pd.Series) -> list[Any]:
    """One column as plain-Python values: NaN/NaT/inf → None, dates → ISO text."""
    if pd.api.types.is_datetime64_any_dtype(col):
        return [None if pd.isna(v) else v for v in col.dt.strftime("%Y-%m-%d").tolist()]
    if pd.api.types.is_float_dtype(col):
        a = col.to_numpy(dtype="float64", na_value=np.nan)
        return [v if math.isfinite(v) else None for v in a.tolist()]
    if pd.api.types.is_bool_dtype(col) or pd.api.types.is_integer_dtype(col):
        if col.hasnans:
            return [None if pd.isna(v) else (v.item() if isinstance(v, np.generic) else v) for v in col.tolist()]
        return col.to_numpy().tolist()
    out = []
    for v in col.tolist():
        if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and not math.isfinite(v)):
            out.append(None)
        elif isinstance(v, np.generic):
            out.append(v.item())
        else:
            out.append(v)
    return out


def json_records(df: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as plain-Python dicts (NaN → None, numpy scalars → Python, dates → ISO text).

    Column by column through numpy: a per-cell pandas ``where``/``to_dict`` cost ~4 ms per call,
    which dominated an uncached drama page.
    """
    if df.empty:
        return []
    cols = [str(c) for c in df.columns]
    values = [column_values(df.iloc[:, i]) for i in range(df.shape[1])]
    return [dict(zip(cols, row, strict=True)) for row in zip(*values, strict=True)]


def _read_csv(path: Path) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    try:
        df = pd.read_csv(path, encoding="utf-8-sig", low_memory=False)
    except pd.errors.EmptyDataError:
        return pd.DataFrame()
    for c in df.columns:
        if c in TEXT_DTYPES:
            df[c] = df[c].astype("string")
    return df


def _as_bool(s: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(s):
        return s.fillna(False).astype(bool)
    return s.astype("string").str.strip().str.lower().isin(["true", "1", "yes", "t"]).fillna(False).astype(bool)


@dataclass
class RankingSlice:
    """One published ranking (a period kind and period id), with per-row sets for fast filtering."""

    kind: str
    period: str
    frame: pd.DataFrame
    records: list[dict[str, Any]]
    platforms: list[frozenset[str]]
    genres: list[frozenset[str]]
    regions: list[tuple[str, ...]]
    producers: list[str]


@dataclass
class Build:
    """Everything the service serves, loaded from one build directory."""

    root: Path
    manifest: dict[str, Any]
    catalogue: pd.DataFrame
    catalogue_records: dict[str, dict[str, Any]]
    rankings: dict[str, pd.DataFrame]
    slices: dict[tuple[str, str], RankingSlice]
    periods: dict[str, list[str]]
    dimensions: list[str]
    methodology_text: str | None = None
    methodology: dict[str, Any] | None = None
    platforms: pd.DataFrame | None = None
    producers: pd.DataFrame | None = None
    explanations: pd.DataFrame | None = None
    explanation_index: dict[str, np.ndarray] = field(default_factory=dict)
    daily: pd.DataFrame | None = None
    daily_index: dict[str, np.ndarray] = field(default_factory=dict)
    anomalies: pd.DataFrame | None = None
    quarantine: pd.DataFrame | None = None
    awards: list[dict[str, Any]] | None = None
    search_keys: list[tuple[str, str, list[str]]] = field(default_factory=list)
    platform_names: dict[str, str] = field(default_factory=dict)
    platform_stats: pd.DataFrame | None = None
    producer_stats: pd.DataFrame | None = None
    stage_weights: dict[str, float] = field(default_factory=dict)
    memo: dict[Any, Any] = field(default_factory=dict)  # derived lookups and payloads, computed once
    responses: BodyCache = field(default_factory=BodyCache)  # hot response bodies, per request key
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)  # guards filling ``memo``

    # ---- identity ---------------------------------------------------------------------------
    @property
    def build_id(self) -> str:
        return str(self.manifest.get("build_id", "unknown"))

    @property
    def season(self) -> dict[str, Any]:
        s = self.manifest.get("season") or {}
        return s if isinstance(s, dict) else {"name": str(s)}

    @property
    def has_report(self) -> bool:
        return (self.root / "report" / "index.html").is_file()

    # ---- lookups -----------------------------------------------------------------------------
    def drama(self, drama_id: str) -> dict[str, Any]:
        rec = self.catalogue_records.get(drama_id)
        if rec is None:
            raise NotFoundError(f"no drama with id {drama_id!r} in build {self.build_id}",
                                details={"drama_id": drama_id})
        return rec

    def title_of(self, drama_id: str) -> str:
        rec = self.catalogue_records.get(drama_id)
        return str(rec["title"]) if rec and rec.get("title") else drama_id

    def ranking_slice(self, kind: str, period: str | None) -> RankingSlice:
        if kind not in PERIOD_KINDS:
            raise NotFoundError(f"unknown period kind {kind!r}; expected one of {', '.join(PERIOD_KINDS)}",
                                code="unknown_period", details={"period": kind, "valid": list(PERIOD_KINDS)})
        available = self.periods.get(kind, [])
        if not available:
            raise NotFoundError(f"this build has no {kind} ranking", code="ranking_missing",
                                details={"period": kind})
        pid = period or available[-1]
        if kind == "annual" and period is None:
            pid = available[0]
        sl = self.slices.get((kind, pid))
        if sl is None:
            raise NotFoundError(f"no {kind} period {pid!r}; available: {', '.join(available[:20])}",
                                code="unknown_period_id", details={"period": kind, "period_id": pid,
                                                                   "available": available})
        return sl

    def explanation(self, drama_id: str) -> pd.DataFrame | None:
        if self.explanations is None:
            return None
        pos = self.explanation_index.get(drama_id)
        return None if pos is None else self.explanations.iloc[pos]

    def daily_for(self, drama_id: str) -> pd.DataFrame | None:
        if self.daily is None:
            return None
        pos = self.daily_index.get(drama_id)
        return None if pos is None else self.daily.iloc[pos]

    def anomalies_for(self, drama_id: str) -> pd.DataFrame | None:
        if self.anomalies is None or "drama_id" not in self.anomalies:
            return None
        return self.anomalies[self.anomalies["drama_id"] == drama_id]

    def index_methodology(self) -> dict[str, Any]:
        """The engine part of the methodology (its ``index:`` section, or the whole file when flat)."""
        m = self.methodology or {}
        inner = m.get("index")
        return inner if isinstance(inner, dict) and ("indicators" in inner or "aggregates" in inner) else m

    def _named(self, key: str) -> dict[str, str]:
        out: dict[str, str] = {}
        for a in self.index_methodology().get(key, []) or []:
            if isinstance(a, dict) and a.get("code") and a.get("name"):
                out[str(a["code"])] = str(a["name"])
        return out

    def dimension_names(self) -> dict[str, str]:
        """Names of the dimensions from the methodology file (code → name), when it gives them."""
        return self._named("aggregates")

    def indicator_names(self) -> dict[str, str]:
        return self._named("indicators")

    def indicators_by_dimension(self) -> dict[str, list[dict[str, Any]]]:
        out: dict[str, list[dict[str, Any]]] = {}
        for ind in self.index_methodology().get("indicators", []) or []:
            if isinstance(ind, dict):
                out.setdefault(str(ind.get("parent")), []).append(ind)
        return out

    def default_weights(self) -> dict[str, float]:
        """Published dimension weights (stages/annual/weights.csv, else the methodology; equal if neither)."""
        weights = {d: 1.0 for d in self.dimensions}
        source = dict(self.stage_weights)
        if not source:
            for a in self.index_methodology().get("aggregates", []) or []:
                if isinstance(a, dict) and a.get("code") in weights:
                    try:
                        source[str(a["code"])] = float(a.get("weight", 1.0))
                    except (TypeError, ValueError):
                        continue
        for k, w in source.items():
            if k in weights and math.isfinite(w) and w >= 0:
                weights[k] = w
        total = sum(weights.values())
        return {k: (v / total if total > 0 else 1.0 / len(weights)) for k, v in weights.items()}


# ---------------------------------------------------------------------------------------------
def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            h.update(block)
    return h.hexdigest()


def _slices(kind: str, df: pd.DataFrame) -> tuple[dict, list[str]]:
    if "period" not in df.columns:
        df = df.assign(period=kind)
    df["period"] = df["period"].astype("string").fillna(kind)
    periods = sorted(df["period"].unique().tolist())
    out: dict[tuple[str, str], RankingSlice] = {}
    for pid, g in df.groupby("period", sort=True):
        g = g.sort_values("rank", kind="stable") if "rank" in g else g
        g = g.reset_index(drop=True)
        recs = json_records(g)
        for r in recs:
            for c in LIST_COLUMNS:
                if c in r:
                    r[c] = split_list(r[c])
        out[(kind, str(pid))] = RankingSlice(
            kind=kind, period=str(pid), frame=g, records=recs,
            platforms=[frozenset(r.get("platforms") or []) for r in recs],
            genres=[frozenset(r.get("genres") or []) for r in recs],
            regions=[tuple(str(r.get("region") or "").split("/")) if r.get("region") else () for r in recs],
            producers=[normalise_text(r.get("producer") or "") for r in recs],
        )
    return out, [str(p) for p in periods]


def _load_awards(path: Path) -> list[dict[str, Any]] | None:
    if not path.is_file():
        return None
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        log.warning("awards.json unreadable, ignored: %s", exc)
        return None
    return normalise_awards(raw)


def normalise_awards(raw: Any) -> list[dict[str, Any]]:
    """Awards as a list of ``{category, name, winners: [...], shortlist: [...], ...}`` whatever the layout."""
    if isinstance(raw, dict) and isinstance(raw.get("categories"), list | dict):
        raw = raw["categories"]
    items: list[tuple[str | None, Any]]
    if isinstance(raw, dict):
        items = list(raw.items())
    elif isinstance(raw, list):
        items = [(None, v) for v in raw]
    else:
        return []
    out = []
    for key, v in items:
        if not isinstance(v, dict):
            continue
        cat = dict(v)
        cat["category"] = str(cat.get("category") or cat.get("code") or key or "")
        cat["name"] = str(cat.get("name") or cat.get("name_zh") or cat.get("title") or cat["category"])
        cat["name_en"] = str(cat.get("name_en") or cat["name"])
        for part in ("winners", "shortlist"):
            entries = cat.get(part)
            if isinstance(entries, dict):
                entries = [entries]
            cat[part] = [e if isinstance(e, dict) else {"drama_id": str(e)} for e in (entries or [])
                         if e is not None]
        if "winner" in cat and not cat["winners"]:
            w = cat.pop("winner")
            cat["winners"] = [w] if isinstance(w, dict) else [{"drama_id": str(w)}] if w else []
        out.append(cat)
    return out


def load_build(root: str | Path) -> Build:
    """Load a published build directory; raises BuildError naming what is missing or unreadable."""
    root = Path(root).resolve()
    if not root.is_dir():
        raise BuildError(f"build directory {str(root)!r} does not exist", code="build_missing")
    missing = [p for p in REQUIRED if not (root / p).is_file()]
    if missing:
        raise BuildError(f"{root} is not a published build: missing {', '.join(missing)}",
                         code="build_incomplete", details={"missing": missing})
    try:
        manifest = json.loads((root / "manifest.json").read_text(encoding="utf-8"))
    except ValueError as exc:
        raise BuildError(f"{root / 'manifest.json'}: not valid JSON ({exc})", code="build_incomplete") from exc
    if not isinstance(manifest, dict):
        raise BuildError(f"{root / 'manifest.json'}: expected a JSON object", code="build_incomplete")

    catalogue = _read_csv(root / "catalogue.csv")
    assert catalogue is not None
    if "drama_id" not in catalogue.columns:
        raise BuildError(f"{root / 'catalogue.csv'}: no drama_id column", code="build_incomplete")
    catalogue = catalogue.drop_duplicates("drama_id").reset_index(drop=True)
    cat_records = {}
    for r in json_records(catalogue):
        for c in LIST_COLUMNS:
            if c in r:
                r[c] = split_list(r[c])
        cat_records[str(r["drama_id"])] = r

    rankings: dict[str, pd.DataFrame] = {}
    slices: dict[tuple[str, str], RankingSlice] = {}
    periods: dict[str, list[str]] = {}
    for kind in PERIOD_KINDS:
        df = _read_csv(root / "rankings" / f"{kind}.csv")
        if df is None or df.empty or "drama_id" not in df.columns:
            continue
        if "title" not in df.columns:
            df["title"] = df["drama_id"].map(lambda d: cat_records.get(d, {}).get("title", d)).astype("string")
        if "flagged" in df.columns:
            df["flagged"] = _as_bool(df["flagged"])
        s, p = _slices(kind, df)
        rankings[kind] = df
        slices.update(s)
        periods[kind] = p
    if "annual" not in rankings:
        raise BuildError(f"{root / 'rankings/annual.csv'}: empty or without drama_id", code="build_incomplete")
    dims = [d for d in KNOWN_DIMENSIONS if d in rankings["annual"].columns]

    meth_path = root / "methodology.yaml"
    meth_text = meth_path.read_text(encoding="utf-8") if meth_path.is_file() else None
    meth: dict[str, Any] | None = None
    if meth_text is not None:
        try:
            import yaml

            loaded = yaml.safe_load(meth_text)
            meth = loaded if isinstance(loaded, dict) else None
        except Exception as exc:  # a broken methodology file must not stop the public pages
            log.warning("methodology.yaml unreadable: %s", exc)
    # dimensions: the methodology's children of the root that the ranking has columns for
    if meth:
        inner = meth.get("index") if isinstance(meth.get("index"), dict) else meth
        extra = [str(a.get("code")) for a in inner.get("aggregates", []) or []
                 if isinstance(a, dict) and a.get("code") in rankings["annual"].columns
                 and str(a.get("code")) not in dims and a.get("parent")]
        dims += extra

    b = Build(root=root, manifest=manifest, catalogue=catalogue, catalogue_records=cat_records,
              rankings=rankings, slices=slices, periods=periods, dimensions=dims,
              methodology_text=meth_text, methodology=meth)
    b.platforms = _read_csv(root / "rankings" / "platforms.csv")
    b.producers = _read_csv(root / "rankings" / "producers.csv")
    if b.platforms is not None and {"platform", "name"} <= set(b.platforms.columns):
        b.platform_names = {str(p): str(n) for p, n in zip(b.platforms["platform"], b.platforms["name"], strict=False)
                            if pd.notna(p) and pd.notna(n)}
    ex = _read_csv(root / "explanations" / "annual.csv")
    if ex is not None and "drama_id" in ex.columns:
        b.explanations = ex.reset_index(drop=True)
        b.explanation_index = {str(k): v for k, v in ex.groupby("drama_id").indices.items()}
    daily_path = root / "daily.parquet"
    if daily_path.is_file():
        try:
            daily = pd.read_parquet(daily_path)
            daily["date"] = pd.to_datetime(daily["date"]).dt.strftime("%Y-%m-%d")
            daily["drama_id"] = daily["drama_id"].astype("string")
            daily["platform"] = daily["platform"].astype("string")
            daily = daily.sort_values(["drama_id", "platform", "date"], kind="stable").reset_index(drop=True)
            b.daily = daily
            b.daily_index = {str(k): v for k, v in daily.groupby("drama_id").indices.items()}
            b.platform_stats = _platform_stats(daily)
        except Exception as exc:  # unreadable parquet: serve the rest
            log.warning("daily.parquet unreadable, trends disabled: %s", exc)
    b.stage_weights = _stage_weights(root / "stages" / "annual" / "weights.csv", dims)
    b.anomalies = _read_csv(root / "anomalies.csv")
    b.quarantine = _read_csv(root / "quarantine.csv")
    b.awards = _load_awards(root / "awards.json")
    b.producer_stats = _producer_stats(b)
    b.search_keys = [
        (did, normalise_text(r.get("title") or ""), [normalise_text(a) for a in r.get("aliases") or []])
        for did, r in cat_records.items()
    ]
    return b


def _stage_weights(path: Path, dims: list[str]) -> dict[str, float]:
    """Dimension weights the engine used, from its weights stage table (empty when absent)."""
    try:
        w = _read_csv(path)
    except (OSError, ValueError):
        return {}
    if w is None or not {"code", "weight"} <= set(w.columns):
        return {}
    w = w[w["code"].astype("string").isin(dims)]
    return {str(c): float(v) for c, v in zip(w["code"], pd.to_numeric(w["weight"], errors="coerce"), strict=False)
            if pd.notna(v)}


def _platform_stats(daily: pd.DataFrame) -> pd.DataFrame:
    agg = {"plays": ("plays", "sum"), "dramas": ("drama_id", "nunique")}
    if "plays_adj" in daily:
        agg["plays_adj"] = ("plays_adj", "sum")
    if "flagged" in daily:
        agg["flagged_days"] = ("flagged", "sum")
    if "revenue_cny" in daily:
        agg["revenue_cny"] = ("revenue_cny", "sum")
    return daily.groupby("platform").agg(**agg).reset_index()


def _producer_stats(b: Build) -> pd.DataFrame | None:
    cat = b.catalogue
    if "producer" not in cat.columns:
        return None
    ann = b.rankings["annual"]
    best = ann.sort_values("rank").drop_duplicates("producer") if "producer" in ann and "rank" in ann else None
    stats = cat.groupby("producer").agg(dramas=("drama_id", "count")).reset_index()
    if best is not None:
        stats = stats.merge(best[["producer", "drama_id", "title", "rank"]].rename(
            columns={"drama_id": "best_drama_id", "title": "best_title", "rank": "best_rank"}), on="producer", how="left")
    return stats


def methodology_hash(b: Build) -> dict[str, Any]:
    """The methodology's name, version and hash as the manifest records it, and the file's actual hash."""
    m = b.manifest.get("methodology") or {}
    if not isinstance(m, dict):
        m = {}
    path = b.root / "methodology.yaml"
    actual = _sha256(path) if path.is_file() else None
    recorded = m.get("file_sha256") or m.get("sha256")
    return {"name": m.get("name"), "version": m.get("version"), "sha256": m.get("sha256"),
            "manifest_file_sha256": m.get("file_sha256"), "file_sha256": actual,
            "matches_manifest": bool(actual and recorded == actual)}
