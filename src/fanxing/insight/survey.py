"""Weighted audience-survey analysis on the warehouse's long form
(survey, respondent_id, weight, variable, value).

Every share is a weighted share: Σ weight of respondents choosing the option ÷ Σ weight of the
respondents who answered the question (blank answers are "not asked / not answered" and leave the
base). Multi-choice answers are ``|``-separated, so their shares need not add up to 100%. Margins
of error use Kish's effective sample size n_eff = (Σw)² / Σw².
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MULTI_SEP = "|"


def survey_sizes(long: pd.DataFrame) -> pd.DataFrame:
    """survey, respondents, variables — largest first."""
    if long is None or long.empty:
        return pd.DataFrame(columns=["survey", "respondents", "variables"])
    g = long.groupby("survey").agg(respondents=("respondent_id", "nunique"), variables=("variable", "nunique"))
    return g.reset_index().sort_values(["respondents", "survey"], ascending=[False, True]).reset_index(drop=True)


def survey_wide(long: pd.DataFrame, survey: str | None = None) -> pd.DataFrame:
    """One row per respondent of one survey (the largest when not named): ``weight`` plus one
    column per variable, answers as strings ('' when blank)."""
    if long is None or long.empty:
        return pd.DataFrame(columns=["respondent_id", "weight"])
    if survey is None:
        survey = survey_sizes(long)["survey"].iloc[0]
    s = long[long["survey"] == survey]
    w = s.groupby("respondent_id")["weight"].first().astype(float).fillna(1.0)
    wide = s.pivot_table(index="respondent_id", columns="variable", values="value", aggfunc="first")
    wide = wide.reindex(w.index)
    wide = wide.astype(object).where(wide.notna(), "")
    wide = wide.map(lambda v: str(v).strip())
    wide.insert(0, "weight", w)
    wide.columns.name = None
    return wide.reset_index()


def question_types(wide: pd.DataFrame, questions: pd.DataFrame | None = None,
                   survey: str | None = None) -> dict[str, str]:
    """variable → single/multi/scale/numeric, from survey_questions or inferred from the answers."""
    out: dict[str, str] = {}
    if questions is not None and not questions.empty:
        q = questions if survey is None or "survey" not in questions else questions[questions.survey == survey]
        out = dict(zip(q["question_id"].astype(str), q["type"].astype(str), strict=False))
    for col in wide.columns:
        if col in ("respondent_id", "weight") or col in out:
            continue
        vals = wide[col][wide[col] != ""]
        if vals.str.contains(MULTI_SEP, regex=False).any():
            out[col] = "multi"
        elif len(vals) and pd.to_numeric(vals, errors="coerce").notna().all():
            out[col] = "numeric"
        else:
            out[col] = "single"
    return out


def question_texts(questions: pd.DataFrame | None) -> dict[str, str]:
    if questions is None or questions.empty:
        return {}
    return dict(zip(questions["question_id"].astype(str), questions["text"].astype(str), strict=False))


def kish_neff(w: pd.Series | np.ndarray) -> float:
    w = np.asarray(w, dtype=float)
    s2 = float((w ** 2).sum())
    return float(w.sum() ** 2 / s2) if s2 > 0 else 0.0


def _selected(answers: pd.Series, multi: bool) -> pd.DataFrame:
    """respondent × option 0/1 matrix (answered respondents only)."""
    if multi:
        return answers.str.get_dummies(sep=MULTI_SEP)
    return pd.get_dummies(answers).astype(int)


def weighted_shares(wide: pd.DataFrame, variable: str, *, multi: bool | None = None,
                    mask: pd.Series | None = None, by: str | None = None) -> pd.DataFrame:
    """Weighted share of each option of ``variable`` among respondents who answered it.

    Columns: [by,] option, share, share_unweighted, n_selected, base_n, base_weight, n_eff, moe95.
    ``mask`` restricts the respondents (e.g. viewers of Chengdu-themed dramas); ``by`` splits them
    (e.g. age_group), each group with its own base.
    """
    cols = ([by] if by else []) + ["option", "share", "share_unweighted", "n_selected", "base_n",
                                   "base_weight", "n_eff", "moe95"]
    if variable not in wide.columns:
        return pd.DataFrame(columns=cols)
    df = wide if mask is None else wide[mask.reindex(wide.index, fill_value=False).astype(bool)]
    df = df[df[variable] != ""]
    if multi is None:
        multi = bool(df[variable].str.contains(MULTI_SEP, regex=False).any())
    groups = [(None, df)] if not by else [(k, g) for k, g in df.groupby(by, sort=True) if k != ""]
    rows = []
    for key, g in groups:
        if g.empty:
            continue
        sel = _selected(g[variable], multi)
        w = g["weight"].to_numpy(dtype=float)
        wsum, neff = float(w.sum()), kish_neff(w)
        for opt in sel.columns:
            x = sel[opt].to_numpy(dtype=float)
            p = float((w * x).sum() / wsum) if wsum > 0 else np.nan
            row = {"option": opt, "share": p, "share_unweighted": float(x.mean()), "n_selected": int(x.sum()),
                   "base_n": len(g), "base_weight": wsum, "n_eff": neff,
                   "moe95": 1.96 * float(np.sqrt(p * (1 - p) / neff)) if neff > 0 else np.nan}
            if by:
                row = {by: key, **row}
            rows.append(row)
    out = pd.DataFrame(rows, columns=cols)
    order = [by, "share"] if by else ["share"]
    asc = [True, False] if by else [False]
    return out.sort_values(order, ascending=asc, kind="stable").reset_index(drop=True)


def weighted_mean(wide: pd.DataFrame, variable: str, *, mask: pd.Series | None = None,
                  by: str | None = None, at_least: float | None = None) -> pd.DataFrame:
    """Weighted mean of a numeric/scale answer (and the weighted share ≥ ``at_least``)."""
    cols = ([by] if by else []) + ["mean", "share_at_least", "base_n", "base_weight", "n_eff"]
    if variable not in wide.columns:
        return pd.DataFrame(columns=cols)
    df = wide if mask is None else wide[mask.reindex(wide.index, fill_value=False).astype(bool)]
    df = df.assign(_x=pd.to_numeric(df[variable], errors="coerce")).dropna(subset=["_x"])
    groups = [(None, df)] if not by else [(k, g) for k, g in df.groupby(by, sort=True) if k != ""]
    rows = []
    for key, g in groups:
        w, x = g["weight"].to_numpy(dtype=float), g["_x"].to_numpy(dtype=float)
        if w.sum() <= 0:
            continue
        row = {"mean": float((w * x).sum() / w.sum()),
               "share_at_least": float((w * (x >= at_least)).sum() / w.sum()) if at_least is not None else np.nan,
               "base_n": len(g), "base_weight": float(w.sum()), "n_eff": kish_neff(w)}
        rows.append({by: key, **row} if by else row)
    return pd.DataFrame(rows, columns=cols)


def share_of(shares: pd.DataFrame, option: str) -> float:
    """The share of one option in a weighted_shares frame without ``by`` (0 when nobody chose it)."""
    hit = shares.loc[shares["option"] == option, "share"]
    return float(hit.iloc[0]) if len(hit) else 0.0
