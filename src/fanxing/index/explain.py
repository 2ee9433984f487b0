"""Explanations: each node's contribution to a unit's index score, and what changed between results."""

from __future__ import annotations

import numpy as np
import pandas as pd

from fanxing.errors import IndexComputationError, NotFoundError
from fanxing.index.hierarchy import Hierarchy
from fanxing.index.result import IndexResult
from fanxing.index.suggest import closest


def contributions(values: dict[str, np.ndarray], used_weights: dict[str, np.ndarray], h: Hierarchy) -> dict[str, np.ndarray]:
    """Top-down attribution of the index score to every node, per unit.

    The root contributes its score; a parent's contribution is split among its present children in
    proportion to ``weight × value`` (equal to weight shares when those sum to 0). With arithmetic
    aggregation a child's contribution is its effective weight times its value, so the indicators'
    contributions add up to the index score exactly; for other aggregations the split is a
    proportional attribution that still adds up.
    """
    out: dict[str, np.ndarray] = {h.root: values[h.root].copy()}
    for parent in reversed(h.aggregates):
        kids = h.children[parent]
        x = np.column_stack([values[c] for c in kids])
        present = ~np.isnan(x)
        wm = np.where(present, used_weights[parent][None, :], 0.0)
        wx = wm * np.where(present, x, 0.0)
        total = wx.sum(axis=1, keepdims=True)
        wsum = wm.sum(axis=1, keepdims=True)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(total != 0, wx / np.where(total != 0, total, 1.0), wm / np.where(wsum > 0, wsum, 1.0))
        share = np.where(present, share, np.nan)
        parent_c = out[parent][:, None]
        for j, c in enumerate(kids):
            out[c] = parent_c[:, 0] * share[:, j]
    return out


def _unit(result: IndexResult, unit) -> int:
    idx = result.scores.index
    if unit not in idx:
        excluded = result.excluded_units.index
        if unit in excluded:
            raise IndexComputationError(f"unit '{unit}' was excluded by the coverage threshold",
                                        details={"unit": str(unit)})
        hint = closest(unit, [str(u) for u in idx])
        raise NotFoundError(f"unit '{unit}' not in the result" + (f" (did you mean '{hint}'?)" if hint else ""),
                            details={"unit": str(unit), "suggestion": hint})
    return idx.get_loc(unit)


def _node_values(result: IndexResult) -> pd.DataFrame:
    return result.stages["aggregated"]


def explain_unit(result: IndexResult, unit) -> pd.DataFrame:
    """One row per node (indicators and aggregates) for ``unit``: value, weights and contribution.

    Columns: kind, level, parent, raw (indicators), value (normalised value or aggregate score),
    weight (inside its parent), effective_weight (in the index), contribution (to the index score),
    share (contribution / index score). The indicator contributions sum to the index score.
    """
    if result.contributions is None:
        raise IndexComputationError("explanations were switched off (methodology 'explain: false')")
    i = _unit(result, unit)
    h = result.hierarchy
    w = result.weights.set_index("code")
    values = _node_values(result).iloc[i]
    contrib = result.contributions.iloc[i]
    raw = result.stages["raw"].loc[unit] if unit in result.stages["raw"].index else None
    score = result.scores.iloc[i][h.root]
    rows = []
    for code in h.indicators + h.aggregates:
        is_ind = code in h.level and h.level[code] == 1
        rows.append({
            "code": code,
            "kind": "indicator" if is_ind else "aggregate",
            "level": h.level[code],
            "parent": h.parent.get(code),
            "raw": float(raw[code]) if (is_ind and raw is not None) else np.nan,
            "value": float(values[code]),
            "weight": float(w.at[code, "weight"]),
            "effective_weight": float(w.at[code, "effective_weight"]),
            "contribution": float(contrib[code]),
        })
    out = pd.DataFrame(rows).set_index("code")
    with np.errstate(invalid="ignore", divide="ignore"):
        out["share"] = out["contribution"] / score if score else np.nan
    out.attrs.update({"unit": unit, "score": float(score), "rank": _rank(result, i)})
    return out


def _rank(result: IndexResult, i: int):
    r = result.ranks.iloc[i][result.hierarchy.root]
    return None if pd.isna(r) else int(r)


def _diff_table(a: IndexResult, ia: int, b: IndexResult, ib: int) -> pd.DataFrame:
    if a.contributions is None or b.contributions is None:
        raise IndexComputationError("explanations were switched off (methodology 'explain: false')")
    h = a.hierarchy
    nodes = [c for c in h.indicators + h.aggregates if c != h.root and c in b.contributions.columns]
    va, vb = _node_values(a).iloc[ia], _node_values(b).iloc[ib]
    ca, cb = a.contributions.iloc[ia], b.contributions.iloc[ib]
    out = pd.DataFrame({
        "kind": ["indicator" if h.level[c] == 1 else "aggregate" for c in nodes],
        "level": [h.level[c] for c in nodes],
        "value_a": [float(va[c]) for c in nodes],
        "value_b": [float(vb[c]) for c in nodes],
        "contribution_a": [float(ca[c]) for c in nodes],
        "contribution_b": [float(cb[c]) for c in nodes],
    }, index=pd.Index(nodes, name="code"))
    out["value_change"] = out["value_b"] - out["value_a"]
    out["impact"] = out["contribution_b"] - out["contribution_a"]
    order = out["impact"].abs().fillna(-1).sort_values(ascending=False, kind="stable").index
    out = out.loc[order]
    sa, sb = float(a.scores.iloc[ia][h.root]), float(b.scores.iloc[ib][h.root])
    out.attrs.update({"score_a": sa, "score_b": sb, "score_change": sb - sa,
                      "rank_a": _rank(a, ia), "rank_b": _rank(b, ib)})
    return out


def compare_units(before: IndexResult, after: IndexResult, unit) -> pd.DataFrame:
    """What changed ``unit``'s score and rank between two results (e.g. two periods).

    One row per indicator and aggregate below the index: values and contributions in each result,
    ``impact`` = change of contribution, rows ranked by |impact|. The indicators' impacts add up to the
    score change (arithmetic aggregation). ``attrs`` holds score_a/score_b/rank_a/rank_b.
    """
    return _diff_table(before, _unit(before, unit), after, _unit(after, unit))


def compare_pair(result: IndexResult, unit_a, unit_b) -> pd.DataFrame:
    """Why ``unit_b`` scores differently from ``unit_a`` in one result: the same table as
    :func:`compare_units`, with ``impact`` = contribution of b − contribution of a."""
    return _diff_table(result, _unit(result, unit_a), result, _unit(result, unit_b))
