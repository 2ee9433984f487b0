"""The build pipeline: raw → denominated → imputed → treated → normalised → aggregated, every stage kept."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from fanxing.errors import IndexComputationError
from fanxing.index import aggregate as agg
from fanxing.index import weights as wts
from fanxing.index.denominate import denominate, denominator_matrix
from fanxing.index.explain import contributions
from fanxing.index.hierarchy import Hierarchy
from fanxing.index.impute import impute
from fanxing.index.methodology import Methodology, parse_methodology
from fanxing.index.normalise import normalise
from fanxing.index.result import IndexResult
from fanxing.index.suggest import closest
from fanxing.index.transform import apply_transform, clip
from fanxing.index.treat import coinr_treat, winsorise_percentiles


class _Log:
    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []

    def add(self, stage: str, code: str, action: str, detail: str = "", value: float | None = None) -> None:
        self.rows.append({"stage": stage, "code": code, "action": action, "value": value, "detail": detail})

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.rows, columns=["stage", "code", "action", "value", "detail"])


def _indicator_matrix(data: pd.DataFrame, codes: list[str]) -> np.ndarray:
    missing = [c for c in codes if c not in data.columns]
    if missing:
        hints = {c: closest(c, [str(x) for x in data.columns]) for c in missing}
        parts = [f"'{c}'" + (f" (did you mean '{hints[c]}'?)" if hints[c] else "") for c in missing]
        raise IndexComputationError(
            f"indicator column{'s' if len(missing) > 1 else ''} not found in the data: {', '.join(parts)}",
            code="missing_column", details={"columns": missing, "suggestions": hints})
    cols = []
    for c in codes:
        s = data[c]
        if not pd.api.types.is_numeric_dtype(s):
            num = pd.to_numeric(s, errors="coerce")
            bad = s[num.isna() & s.notna()]
            if len(bad):
                raise IndexComputationError(
                    f"indicator '{c}' has a non-numeric value {bad.iloc[0]!r} for unit '{bad.index[0]}'",
                    code="bad_value", details={"column": c, "unit": str(bad.index[0]), "value": str(bad.iloc[0])})
            s = num
        cols.append(s.to_numpy(dtype=float, na_value=np.nan))
    return np.column_stack(cols) if cols else np.empty((len(data), 0))


def _frame(x: np.ndarray, index: pd.Index, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame(x, index=index, columns=columns)


def _level_choice(m: Methodology, h: Hierarchy, code: str) -> tuple[str, float, float]:
    spec = next(a for a in m.aggregates if a.code == code)
    lv = m.aggregate.levels.get(h.level[code])
    method = spec.method or (lv.method if lv and lv.method else None) or m.aggregate.method
    power = spec.power if spec.power is not None else (lv.power if lv and lv.power is not None else m.aggregate.power)
    share = lv.min_share if lv and lv.min_share is not None else m.aggregate.min_share
    return method, float(power), float(share)


def _weights_for(m: Methodology, h: Hierarchy, parent: str, x: np.ndarray, log: _Log) -> np.ndarray:
    method = m.weights.method
    applies = m.weights.level is None or m.weights.level == h.level[parent] - 1
    kids = h.children[parent]
    if not applies or method == "explicit":
        return wts.normalised(h.nominal_weights(parent))
    if method == "equal":
        return wts.equal(len(kids))
    if method == "ahp":
        spec = m.weights.ahp.get(parent)
        if spec is None:
            return wts.normalised(h.nominal_weights(parent))
        w, cr = wts.ahp(spec, kids)
        log.add("weights", parent, "ahp", f"consistency ratio {cr:.4f}", cr)
        return w
    w = wts.data_driven(method, x)
    log.add("weights", parent, method, ", ".join(f"{c}={v:.4f}" for c, v in zip(kids, w, strict=True)))
    return w


def compute(data: pd.DataFrame, methodology: Methodology | Mapping[str, Any],
            denominators: pd.DataFrame | None = None) -> IndexResult:
    """Build the index: ``data`` has one row per unit (index = unit ids) and a column per indicator
    (plus any grouping columns); ``denominators`` optionally holds denominator columns (same index).
    """
    m = parse_methodology(methodology)
    h = Hierarchy.from_methodology(m)
    log = _Log()
    if data.index.has_duplicates:
        dup = data.index[data.index.duplicated()][0]
        raise IndexComputationError(f"unit id '{dup}' appears more than once", code="duplicate_unit",
                                    details={"unit": str(dup)})
    codes = h.indicators
    specs = {i.code: i for i in m.indicators}
    units = data.index

    # 1-2. raw and denominated
    raw = _indicator_matrix(data, codes)
    den_of = [specs[c].denominator for c in codes]
    if any(den_of):
        xd = denominate(raw, denominator_matrix(units, den_of, data, denominators))
        for c, d in zip(codes, den_of, strict=True):
            if d:
                log.add("denominate", c, "denominated", f"divided by {d}")
    else:
        xd = raw.copy()

    # coverage of units (before imputation)
    share = (~np.isnan(xd)).mean(axis=1) if codes else np.ones(len(units))
    keep = share >= m.coverage.min_unit_share
    coverage = pd.Series(share, index=units, name="share_present")
    excluded = pd.DataFrame({"share_present": share[~keep]}, index=units[~keep])
    excluded["reason"] = f"fewer than {m.coverage.min_unit_share:.0%} of indicators present"
    for u, s in zip(units[~keep], share[~keep], strict=True):
        log.add("coverage", str(u), "excluded", f"{s:.0%} of indicators present", float(s))
    if not keep.any():
        raise IndexComputationError("every unit is below the coverage threshold; nothing to compute",
                                    code="no_units")
    kept = units[keep]
    x = xd[keep]

    # 3. impute
    groups = None
    if m.impute.method.startswith("group_"):
        gcol = m.impute.group_column
        if gcol not in data.columns:
            hint = closest(gcol, [str(c) for c in data.columns])
            raise IndexComputationError(f"group column '{gcol}' not found in the data"
                                        + (f" (did you mean '{hint}'?)" if hint else ""),
                                        code="missing_column", details={"column": gcol, "suggestion": hint})
        groups = data.loc[keep, gcol].to_numpy()
    xi = impute(x, m.impute.method, groups)
    if m.impute.method != "none":
        filled = (np.isnan(x) & ~np.isnan(xi)).sum(axis=0)
        left = np.isnan(xi).sum(axis=0)
        for c, f, rest in zip(codes, filled, left, strict=True):
            if f:
                log.add("impute", c, m.impute.method, f"{f} value(s) filled", float(f))
            if rest:
                log.add("impute", c, "still_missing", f"{rest} value(s) could not be imputed", float(rest))

    # 4. treat: caps, transforms, then outliers
    xt = xi.copy()
    for j, c in enumerate(codes):
        spec = specs[c]
        if spec.clip is not None:
            xt[:, j], n = clip(xt[:, j], spec.clip.lower, spec.clip.upper)
            log.add("treat", c, "clipped", f"{n} value(s) capped to [{spec.clip.lower}, {spec.clip.upper}]", float(n))
        if spec.transform.type != "none":
            xt[:, j] = apply_transform(xt[:, j], spec.transform.type, spec.transform.lambda_, c)
            lam = f" lambda={spec.transform.lambda_}" if spec.transform.type == "boxcox" else ""
            log.add("treat", c, spec.transform.type, f"{spec.transform.type} transform{lam}")
    tcols = np.array([j for j, c in enumerate(codes) if specs[c].treat], dtype=int)
    t = m.treat
    if t.method == "skew_kurtosis" and len(tcols):
        treated, rep = coinr_treat(xt[:, tcols], t.skew_threshold, t.kurtosis_threshold, t.winmax,
                                   t.fallback, t.fallback_lambda)
        xt[:, tcols] = treated
        for pos, j in enumerate(tcols):
            c, act = codes[j], rep.action[pos]
            moments = (f"skew {rep.skew_before[pos]:.3f}→{rep.skew_after[pos]:.3f}, "
                       f"kurtosis {rep.kurt_before[pos]:.3f}→{rep.kurt_after[pos]:.3f}")
            if act == "winsorised":
                log.add("treat", c, "winsorised", f"{rep.winsorised[pos]} point(s) winsorised (high {rep.n_high[pos]}, "
                        f"low {rep.n_low[pos]}); {moments}", float(rep.winsorised[pos]))
            elif act in ("log_ct", "boxcox"):
                log.add("treat", c, act, f"winsorisation up to {t.winmax} points failed; {act} transform; {moments}")
            elif act == "failed":
                log.add("treat", c, "untreated", f"still outside the thresholds; {moments}")
    elif t.method == "winsorise" and len(tcols):
        treated, changed = winsorise_percentiles(xt[:, tcols], t.lower_percentile, t.upper_percentile)
        xt[:, tcols] = treated
        for pos, j in enumerate(tcols):
            if changed[pos]:
                log.add("treat", codes[j], "winsorised",
                        f"{changed[pos]} value(s) capped to the {t.lower_percentile:g}–{t.upper_percentile:g} quantiles",
                        float(changed[pos]))

    # 5. normalise
    nm = m.normalise
    direction = np.array([specs[c].direction for c in codes], dtype=float)
    gp = [specs[c].goalposts for c in codes]
    low = np.array([g.low if g and g.low is not None else np.nan for g in gp])
    high = np.array([g.high if g and g.high is not None else np.nan for g in gp])
    target = np.array([g.target if g and g.target is not None else np.nan for g in gp])
    ref_index = None
    if nm.method == "distance_to_reference":
        if nm.reference_unit not in kept:
            hint = closest(nm.reference_unit, [str(u) for u in kept])
            raise IndexComputationError(f"reference unit '{nm.reference_unit}' is not among the units"
                                        + (f" (did you mean '{hint}'?)" if hint else ""),
                                        details={"unit": nm.reference_unit, "suggestion": hint})
        ref_index = int(kept.get_loc(nm.reference_unit))
    xn = normalise(xt, nm.method, direction, range_=nm.range, scale=nm.scale, mean=nm.mean, sd=nm.sd,
                   cap=nm.cap, low=low, high=high, target=target, ref_index=ref_index)
    if nm.method == "minmax":
        spread = np.nanmax(xt, axis=0, initial=-np.inf) - np.nanmin(xt, axis=0, initial=np.inf)
        for c, s in zip(codes, spread, strict=True):
            if s == 0:
                log.add("normalise", c, "constant", "constant indicator: set to the middle of the range")

    # 6. weights and aggregation, level by level
    values: dict[str, np.ndarray] = {c: xn[:, j] for j, c in enumerate(codes)}
    used: dict[str, np.ndarray] = {}
    for parent in h.aggregates:
        kids = h.children[parent]
        xc = np.column_stack([values[c] for c in kids])
        w = _weights_for(m, h, parent, xc, log)
        used[parent] = w
        method, power, min_share = _level_choice(m, h, parent)
        values[parent] = agg.aggregate(xc, w, method, power, min_share)
        n_cut = int(np.isnan(values[parent]).sum() - np.isnan(xc).all(axis=1).sum())
        if min_share > 0 and n_cut > 0:
            log.add("aggregate", parent, "insufficient_coverage",
                    f"{n_cut} unit(s) with fewer than {min_share:.0%} of children present", float(n_cut))

    # weights table: weight inside the parent and effective weight in the index
    inner = {h.root: 1.0}
    for parent, w in used.items():
        for c, v in zip(h.children[parent], w, strict=True):
            inner[c] = float(v)
    effective = {h.root: 1.0}
    for parent in reversed(h.aggregates):
        for c in h.children[parent]:
            effective[c] = effective[parent] * inner[c]
    nodes = codes + h.aggregates
    weight_table = pd.DataFrame({
        "code": nodes,
        "kind": ["indicator" if h.level[c] == 1 else "aggregate" for c in nodes],
        "level": [h.level[c] for c in nodes],
        "parent": [h.parent.get(c) for c in nodes],
        "nominal_weight": [h.weight[c] for c in nodes],
        "weight": [inner[c] for c in nodes],
        "effective_weight": [effective[c] for c in nodes],
    })

    scores = pd.DataFrame({a: values[a] for a in h.aggregates}, index=kept)
    ranks = scores.rank(ascending=False, method="min").astype("Int64")
    contrib = None
    if m.explain:
        cdict = contributions(values, used, h)
        contrib = pd.DataFrame({c: cdict[c] for c in nodes}, index=kept)

    normalised_df = _frame(xn, kept, codes)
    stages = {
        "raw": _frame(raw, units, codes),
        "denominated": _frame(xd, units, codes),
        "imputed": _frame(xi, kept, codes),
        "treated": _frame(xt, kept, codes),
        "normalised": normalised_df,
        "aggregated": pd.concat([normalised_df, scores], axis=1),
    }
    return IndexResult(methodology=m, hierarchy=h, stages=stages, scores=scores, ranks=ranks,
                       weights=weight_table, log=log.frame(), excluded_units=excluded, coverage=coverage,
                       contributions=contrib)
