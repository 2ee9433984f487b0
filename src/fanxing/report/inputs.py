"""The frames the report reads besides the build directory: surveys (long form), survey_questions
and market — from the build's warehouse, or (standalone) straight from a season directory."""

from __future__ import annotations

import io
from pathlib import Path

import pandas as pd

SURVEY_HEADERS = {"受访者id": "respondent_id", "受访者ID": "respondent_id", "答卷id": "respondent_id",
                  "答卷ID": "respondent_id", "权重": "weight"}
MARKET_HEADERS = {"年份": "year", "市场规模(亿元)": "market_size_cny_100m", "市场规模（亿元）": "market_size_cny_100m",
                  "类型": "kind", "来源": "source"}
DEMOGRAPHIC = ("gender", "age_group", "city_tier", "province")


def frames_from_warehouse(wh) -> dict[str, pd.DataFrame]:
    """surveys, questions, market from a ``fanxing.warehouse.Warehouse`` (call before it is closed)."""
    have = set(wh.tables()) if hasattr(wh, "tables") else set()

    def get(name: str) -> pd.DataFrame | None:
        if have and name not in have:
            return None
        return wh.table(name).to_pandas()

    return {"surveys": get("surveys"), "questions": get("survey_questions"), "market": get("market")}


def _read_text_table(path: Path) -> pd.DataFrame:
    raw = path.read_bytes()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValueError(f"{path}: neither UTF-8 nor GB18030")
    sep = "\t" if path.suffix.lower() == ".tsv" else ","
    return pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False)


def _read_table(path: Path) -> pd.DataFrame:
    if path.suffix.lower() in (".xlsx", ".xls"):
        return pd.read_excel(path, dtype=str).fillna("")
    return _read_text_table(path)


def _num(v: str) -> float | None:
    s = str(v).strip().replace(",", "")
    if not s:
        return None
    mult = 1.0
    if s.endswith("万"):
        s, mult = s[:-1], 1e4
    elif s.endswith("亿"):
        s, mult = s[:-1], 1e8
    try:
        return float(s) * mult
    except ValueError:
        return None


def load_season_surveys(season_dir: str | Path) -> tuple[pd.DataFrame | None, pd.DataFrame | None]:
    """surveys/*.csv|tsv|xlsx → long form (survey, respondent_id, weight, variable, value), and
    surveys/questions.yaml → (survey, question_id, text, type)."""
    import yaml

    d = Path(season_dir) / "surveys"
    if not d.is_dir():
        return None, None
    frames, names = [], []
    for p in sorted(d.iterdir()):
        if p.suffix.lower() not in (".csv", ".tsv", ".xlsx") or p.name.startswith("."):
            continue
        t = _read_table(p).rename(columns=lambda c: SURVEY_HEADERS.get(str(c).strip(), str(c).strip()))
        if "respondent_id" not in t.columns:
            continue
        survey = p.name.split(".")[0]
        names.append(survey)
        w = t["weight"].map(_num) if "weight" in t.columns else pd.Series(1.0, index=t.index)
        t = t.assign(weight=pd.to_numeric(w, errors="coerce").fillna(1.0), survey=survey)
        t = t[t["respondent_id"].astype(str).str.strip() != ""].drop_duplicates("respondent_id")
        variables = [c for c in t.columns if c not in ("survey", "respondent_id", "weight")]
        long = t.melt(id_vars=["survey", "respondent_id", "weight"], value_vars=variables,
                      var_name="variable", value_name="value")
        long["value"] = long["value"].astype(str).str.strip().replace("", None)
        frames.append(long)
    surveys = pd.concat(frames, ignore_index=True) if frames else None
    questions = None
    qpath = next((q for q in (d / "questions.yaml", d / "questions.yml") if q.exists()), None)
    if qpath is not None:
        data = yaml.safe_load(qpath.read_text(encoding="utf-8-sig")) or {}
        if isinstance(data, list):
            data = {"questions": data}
        groups = {s: data["questions"] for s in (names or ["survey"])} if "questions" in data else data
        rows = [(str(s), str(q["id"]), str(q.get("text", "")), str(q.get("type", "single")))
                for s, qs in groups.items() for q in (qs or []) if isinstance(q, dict) and "id" in q]
        questions = pd.DataFrame(rows, columns=["survey", "question_id", "text", "type"])
    return surveys, questions


def load_season_market(season_dir: str | Path) -> pd.DataFrame | None:
    """market.csv (or .tsv/.xlsx) → year, market_size_cny_100m, kind, source."""
    season_dir = Path(season_dir)
    path = next((p for p in (season_dir / f"market.{e}" for e in ("csv", "tsv", "xlsx")) if p.exists()), None)
    if path is None:
        return None
    t = _read_table(path).rename(columns=lambda c: MARKET_HEADERS.get(str(c).strip(), str(c).strip()))
    out = pd.DataFrame({
        "year": pd.to_numeric(t["year"].astype(str).str.extract(r"(\d{4})")[0], errors="coerce"),
        "market_size_cny_100m": t["market_size_cny_100m"].map(_num),
        "kind": t.get("kind", pd.Series("actual", index=t.index)).replace("", "actual"),
        "source": t.get("source", pd.Series("", index=t.index)),
    })
    return out.dropna(subset=["year", "market_size_cny_100m"]).astype({"year": "int64"}).reset_index(drop=True)


def load_season_inputs(season_dir: str | Path) -> dict[str, pd.DataFrame | None]:
    surveys, questions = load_season_surveys(season_dir)
    return {"surveys": surveys, "questions": questions, "market": load_season_market(season_dir)}
