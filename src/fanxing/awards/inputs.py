"""The input contract of the awards step: checks and normalises the plain frames it is given.

Every frame is copied, never modified in place. Lists may arrive as Python lists or `|`-strings.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd

from fanxing.errors import FanxingError

SEVERITIES = {"low": 1, "medium": 2, "high": 3}
SEVERITY_NAMES = {v: k for k, v in SEVERITIES.items()}


class AwardsInputError(FanxingError, ValueError):
    """A frame handed to the awards step lacks a column or holds an unusable value."""

    code = "awards_input"


def as_list(value: object) -> list[str]:
    """A list of stripped, non-empty strings from a list, an array or a `|`-separated string."""
    if value is None:
        return []
    if isinstance(value, str):
        items: Iterable[object] = value.split("|")
    elif isinstance(value, (list, tuple, np.ndarray, pd.Series)):
        items = value
    else:
        try:
            if pd.isna(value):
                return []
        except (TypeError, ValueError):
            pass
        items = [value]
    return [s for s in (str(x).strip() for x in items if x is not None) if s and s.lower() != "nan"]


def text(value: object) -> str:
    """A stripped string, '' for missing values."""
    if value is None:
        return ""
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value).strip()


def _require(frame: pd.DataFrame, name: str, columns: Iterable[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise AwardsInputError(
            f"awards input '{name}' lacks column(s) {', '.join(missing)}; it has {', '.join(map(str, frame.columns))}",
            details={"frame": name, "missing": missing})


def _numeric(frame: pd.DataFrame, name: str, column: str) -> pd.Series:
    values = pd.to_numeric(frame[column], errors="coerce")
    bad = values.isna() & frame[column].notna()
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0])
        raise AwardsInputError(f"awards input '{name}', row {row}, column '{column}': "
                               f"{frame[column].iloc[row]!r} is not a number",
                               details={"frame": name, "column": column, "row": row})
    return values.astype("float64")


def prepare_annual(annual: pd.DataFrame, dimensions: Iterable[str]) -> pd.DataFrame:
    """rank, drama_id, title, score, rank_low, rank_high, p_top10, dimensions, flagged; one row a drama."""
    _require(annual, "annual", ["rank", "drama_id", "score"])
    out = annual.copy()
    out["drama_id"] = out["drama_id"].map(text)
    if out["drama_id"].duplicated().any():
        dup = out.loc[out["drama_id"].duplicated(), "drama_id"].iloc[0]
        raise AwardsInputError(f"awards input 'annual' lists drama '{dup}' more than once")
    for col in ("rank", "score"):
        out[col] = _numeric(out, "annual", col)
    if out["rank"].isna().any():
        raise AwardsInputError(f"awards input 'annual': drama '{out.loc[out['rank'].isna(), 'drama_id'].iloc[0]}' "
                               "has no rank")
    for col in ("rank_low", "rank_high"):
        out[col] = _numeric(out, "annual", col) if col in out else out["rank"]
        out[col] = out[col].fillna(out["rank"])
    for col in ("rank", "rank_low", "rank_high"):
        out[col] = out[col].round().astype("int64")
    out["p_top10"] = _numeric(out, "annual", "p_top10") if "p_top10" in out else np.nan
    for dim in dimensions:
        out[dim] = _numeric(out, "annual", dim) if dim in out else np.nan
    out["flagged"] = out["flagged"].fillna(False).astype(bool) if "flagged" in out else False
    if "title" not in out:
        out["title"] = out["drama_id"]
    return out.set_index("drama_id", drop=False)


_TEXT_COLUMNS = ("title", "producer", "ip_source", "brand_partner", "region", "dialect", "synopsis")
_LIST_COLUMNS = ("genres", "industry_tags")


def _one_per_drama(dramas: pd.DataFrame) -> pd.DataFrame:
    """A copy with ``drama_id`` as text, the first row of each drama kept."""
    out = dramas.copy()
    out["drama_id"] = out["drama_id"].map(text)
    return out.drop_duplicates("drama_id", keep="first")


def _prepared(out: pd.DataFrame, col: str) -> list:
    """Catalogue column ``col`` as the awards read it: text as str, lists as lists ("" or [] when absent)."""
    if col in _LIST_COLUMNS:
        return out[col].map(as_list).to_list() if col in out else [[] for _ in range(len(out))]
    return out[col].map(text).to_list() if col in out else [""] * len(out)


def novelty_columns(dramas: pd.DataFrame) -> pd.DataFrame:
    """``synopsis`` and ``genres`` of ``prepare_dramas(dramas)``, in its row order (what novelty's
    tokens are made of), without preparing the other columns."""
    _require(dramas, "dramas", ["drama_id"])
    out = _one_per_drama(dramas[[c for c in ("drama_id", "synopsis", "genres") if c in dramas]])
    return pd.DataFrame({"synopsis": _prepared(out, "synopsis"), "genres": _prepared(out, "genres")})


def prepare_dramas(dramas: pd.DataFrame) -> pd.DataFrame:
    """The catalogue with lists as lists, release_date as Timestamp (NaT when missing), text as str."""
    _require(dramas, "dramas", ["drama_id"])
    out = _one_per_drama(dramas)
    for col in (*_TEXT_COLUMNS, *_LIST_COLUMNS):
        out[col] = _prepared(out, col)
    out["title"] = out["title"].where(out["title"] != "", out["drama_id"])
    if "release_date" in out:
        dates = pd.to_datetime(out["release_date"], errors="coerce")
        bad = dates.isna() & out["release_date"].map(text).ne("")
        if bad.any():
            row = out.loc[bad].iloc[0]
            raise AwardsInputError(f"awards input 'dramas', drama '{row['drama_id']}': release_date "
                                   f"{row['release_date']!r} is not a date")
        out["release_date"] = dates
    else:
        out["release_date"] = pd.NaT
    return out.set_index("drama_id", drop=False)


def prepare_jury(jury: pd.DataFrame | None) -> pd.DataFrame:
    cols = ["drama_id", "category", "juror", "score", "institution"]
    if jury is None or len(jury) == 0:
        return pd.DataFrame({c: pd.Series(dtype="float64" if c == "score" else "object") for c in cols})
    _require(jury, "jury", cols[:4])
    out = jury.copy()
    for col in ("drama_id", "category", "juror"):
        out[col] = out[col].map(text)
    out["score"] = _numeric(out, "jury", "score")
    out["institution"] = out["institution"].map(text) if "institution" in out else ""
    bad = out["score"].isna() | (out["score"] < 0) | (out["score"] > 100)
    if bad.any():
        row = out.loc[bad].iloc[0]
        raise AwardsInputError(f"awards input 'jury': juror '{row['juror']}' gave drama '{row['drama_id']}' "
                               f"in '{row['category']}' score {row['score']!r}; expected 0..100")
    return out[cols]


def prepare_anomalies(anomalies: pd.DataFrame | None) -> pd.DataFrame:
    """drama_id, severity (1 low, 2 medium, 3 high) of unresolved anomalies (a `resolved` column may say)."""
    if anomalies is None or len(anomalies) == 0:
        return pd.DataFrame({"drama_id": pd.Series(dtype="object"), "severity": pd.Series(dtype="int64")})
    _require(anomalies, "anomalies", ["drama_id", "severity"])
    out = anomalies.copy()
    out["drama_id"] = out["drama_id"].map(text)
    sev = out["severity"].map(lambda s: SEVERITIES.get(text(s).lower()))
    if sev.isna().any():
        row = out.loc[sev.isna()].iloc[0]
        raise AwardsInputError(f"awards input 'anomalies', drama '{row['drama_id']}': severity "
                               f"{row['severity']!r}; expected low, medium or high")
    out["severity"] = sev.astype("int64")
    if "resolved" in out:
        out = out.loc[~out["resolved"].fillna(False).astype(bool)]
    return out[["drama_id", "severity"]].reset_index(drop=True)


def prepare_per_platform(per_platform: pd.DataFrame | None) -> pd.DataFrame:
    cols = ["platform", "drama_id", "plays", "eq_plays"]
    if per_platform is None or len(per_platform) == 0:
        return pd.DataFrame({c: pd.Series(dtype="object" if c in cols[:2] else "float64") for c in cols})
    _require(per_platform, "per_platform", cols[:3])
    out = per_platform.copy()
    out["platform"] = out["platform"].map(text)
    out["drama_id"] = out["drama_id"].map(text)
    out["plays"] = _numeric(out, "per_platform", "plays").fillna(0.0)
    out["eq_plays"] = _numeric(out, "per_platform", "eq_plays").fillna(0.0) if "eq_plays" in out else out["plays"]
    return out.groupby(["platform", "drama_id"], as_index=False, sort=True)[["plays", "eq_plays"]].sum()
