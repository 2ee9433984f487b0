"""What does not vary between replications, computed once: the normalised matrix of every
(imputation × normalisation) variant, the aggregation method of every aggregate per aggregation
option, the nominal weights, and the indicators that may be dropped.

Every variant is computed by the engine's own :func:`fanxing.index.compute`, so the Monte Carlo
starts from exactly the matrices the engine would produce.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from fanxing.errors import IndexComputationError, MethodologyError
from fanxing.index.hierarchy import Hierarchy
from fanxing.index.methodology import Methodology, parse_methodology
from fanxing.index.pipeline import compute
from fanxing.index.result import IndexResult
from fanxing.index.suggest import closest
from fanxing.index.uncertainty.spec import SECTION, UncertaintySpec
from fanxing.parallel import ordered_map

DATA_DRIVEN = ("entropy", "critic", "pca")
POSITIVE = {"geometric": True, "harmonic": True}  # method → needs strictly positive values


@dataclass(frozen=True)
class Method:
    """How one aggregate combines its children in one aggregation variant."""

    name: str
    power: float
    min_share: float

    @property
    def needs_positive(self) -> tuple[bool, bool]:
        """(must be checked, strictly positive) — power means need x ≥ 0, or x > 0 when power < 0."""
        if self.name in POSITIVE:
            return True, True
        if self.name == "power" and self.power not in (0.0, 1.0):
            return True, self.power < 0
        if self.name == "power" and self.power == 0.0:
            return True, True
        return False, False


@dataclass
class ParentPlan:
    """One aggregate: its children, their nominal weights and its method per aggregation variant."""

    code: str
    kids: list[str]
    cols: np.ndarray  # indicator column of each child, −1 for aggregate children
    base: np.ndarray  # (C, k) nominal weights per combo (C = 1 unless weights are data-driven)
    method_of: np.ndarray  # (A,) index into ``methods`` per aggregation variant
    methods: list[Method]
    perturbed: bool = False
    offset: int = 0  # first column of this parent's children in the weight uniforms

    @property
    def indicator_only(self) -> bool:
        return bool((self.cols >= 0).all())


@dataclass
class Plan:
    """Everything the replications share (see the module docstring)."""

    methodology: Methodology
    hierarchy: Hierarchy
    spec: UncertaintySpec
    nominal: IndexResult
    units: pd.Index
    indicators: list[str]
    x: np.ndarray  # (V, units, indicators) normalised matrix of every data variant; 0 is nominal
    data_labels: list[str]
    data_variant_of: np.ndarray  # (impute options, normalise options) → data variant
    agg_labels: list[str]
    agg_variant_of: np.ndarray  # (aggregate options,) → aggregation variant; 0 is nominal
    parents: list[ParentPlan]
    data_specs: list[tuple[dict, dict]]  # (impute, normalise) sections of every data variant
    agg_methodologies: list[Methodology]  # the methodology of every aggregation variant
    data_driven: bool
    n_weight_cols: int
    drop_candidates: np.ndarray  # indicator columns that may be dropped
    drop_probs: np.ndarray  # (1 + candidates,) probability of no drop, then of each candidate
    impute_probs: np.ndarray
    normalise_probs: np.ndarray
    aggregate_probs: np.ndarray
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def n_aggregations(self) -> int:
        return len(self.agg_labels)

    def combo(self, dv: np.ndarray, av: np.ndarray) -> np.ndarray:
        """Row of ``ParentPlan.base`` for each replication."""
        if not self.data_driven:
            return np.zeros(len(dv), dtype=np.intp)
        return dv * self.n_aggregations + av


def _probs(probs: list[float] | None, n: int) -> np.ndarray:
    p = np.full(n, 1.0 / n) if probs is None else np.asarray(probs, dtype=float)
    return p / p.sum()


def _variant(m: Methodology, key: str, update: dict[str, Any]) -> Methodology:
    """The methodology with top-level sections replaced, validated by the engine."""
    dump = m.model_dump(mode="python", by_alias=True)
    dump.update(update)
    dump["explain"] = False
    try:
        return parse_methodology(dump)
    except MethodologyError as exc:
        raise MethodologyError(f"{SECTION}.{key}: this option makes the methodology invalid:\n{exc.message}",
                               details={**exc.details, "key": f"{SECTION}.{key}"}) from None


def _label(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def _check_level(level: int | None, key: str, valid: range) -> None:
    if level is not None and level not in valid:
        raise MethodologyError(f"{SECTION}.{key}.level: level {level} does not apply; valid levels are "
                               f"{valid.start}..{valid.stop - 1}", details={"key": f"{SECTION}.{key}.level"})


def level_choice(m: Methodology, h: Hierarchy, code: str) -> Method:
    """The aggregation method, power and min_share of one aggregate (the engine's precedence:
    the aggregate's own method, then its level's, then the default)."""
    spec = next(a for a in m.aggregates if a.code == code)
    lv = m.aggregate.levels.get(h.level[code])
    method = spec.method or (lv.method if lv and lv.method else None) or m.aggregate.method
    power = spec.power if spec.power is not None else (lv.power if lv and lv.power is not None else m.aggregate.power)
    share = lv.min_share if lv and lv.min_share is not None else m.aggregate.min_share
    return Method(method, float(power), float(share))


def _weights_from(result: IndexResult, h: Hierarchy) -> dict[str, np.ndarray]:
    w = result.weights.set_index("code")["weight"]
    return {p: w.loc[h.children[p]].to_numpy(dtype=float) for p in h.aggregates}


def build_plan(data: pd.DataFrame, m: Methodology, spec: UncertaintySpec, *,
               denominators: pd.DataFrame | None = None, nominal: IndexResult | None = None) -> Plan:
    """Compute every variant once with the engine and lay out the per-replication lookup tables."""
    h = Hierarchy.from_methodology(m)
    if nominal is None:
        nominal = compute(data, _variant(m, "", {}) if m.explain else m, denominators)  # no explanations needed
    units = nominal.scores.index
    codes = h.indicators
    col = {c: j for j, c in enumerate(codes)}

    # --- imputation × normalisation variants (nominal first) ---------------------------------
    imp_opts: list[dict] = [m.impute.model_dump()]
    if spec.impute is not None:
        gcol = spec.impute.group_column or m.impute.group_column
        imp_opts = [{"method": o, "group_column": gcol if o.startswith("group_") else m.impute.group_column}
                    for o in spec.impute.options]
    norm_opts: list[dict] = [m.normalise.model_dump()]
    if spec.normalise is not None:
        base = m.normalise.model_dump()
        norm_opts = [{**base, **o.model_dump(exclude_none=True)} for o in spec.normalise.options]
    nominal_key = (_label(m.impute.model_dump()), _label(m.normalise.model_dump()))
    keys = [nominal_key]
    specs = [(m.impute.model_dump(), m.normalise.model_dump(), None)]
    data_variant_of = np.zeros((len(imp_opts), len(norm_opts)), dtype=np.intp)
    for i, imp in enumerate(imp_opts):
        for j, nrm in enumerate(norm_opts):
            key = (_label(imp), _label(nrm))
            if key not in keys:
                keys.append(key)
                parts = ([f"impute.options[{i}]"] if spec.impute is not None else []) + (
                    [f"normalise.options[{j}]"] if spec.normalise is not None else [])
                where = " with ".join(parts)
                specs.append((imp, nrm, where))
            data_variant_of[i, j] = keys.index(key)

    # --- aggregation variants (nominal first) -----------------------------------------------
    agg_levels = range(2, h.max_level + 1)
    agg_ms: list[Methodology] = [m]
    agg_labels = ["nominal"]
    agg_variant_of = np.zeros(1, dtype=np.intp)
    if spec.aggregate is not None:
        _check_level(spec.aggregate.level, "aggregate", agg_levels)
        agg_variant_of = np.zeros(len(spec.aggregate.options), dtype=np.intp)
        for a, opt in enumerate(spec.aggregate.options):
            dump = [x.model_dump(mode="python") for x in m.aggregates]
            for d in dump:
                if spec.aggregate.level is None or h.level[d["code"]] == spec.aggregate.level:
                    d["method"] = opt.method
                    d["power"] = opt.power
            vm = _variant(m, f"aggregate.options[{a}]", {"aggregates": dump})
            label = _label([level_choice(vm, h, p).__dict__ for p in h.aggregates])
            nominal_label = _label([level_choice(m, h, p).__dict__ for p in h.aggregates])
            if label == nominal_label:
                agg_variant_of[a] = 0
                continue
            labels = [_label([level_choice(x, h, p).__dict__ for p in h.aggregates]) for x in agg_ms]
            if label in labels:
                agg_variant_of[a] = labels.index(label)
                continue
            agg_ms.append(vm)
            agg_labels.append(opt.method if opt.power is None else f"{opt.method}(p={opt.power:g})")
            agg_variant_of[a] = len(agg_ms) - 1
    n_agg = len(agg_ms)

    # --- the engine on each data variant ---------------------------------------------------
    data_driven = m.weights.method in DATA_DRIVEN
    matrices: list[np.ndarray] = []
    labels: list[str] = []
    weights_by_combo: list[dict[str, np.ndarray]] = []
    def variant(item: tuple[int, tuple]) -> IndexResult:
        v, (imp, nrm, where) = item
        vm = m if v == 0 else _variant(m, where or "normalise", {"impute": imp, "normalise": nrm})
        return nominal if v == 0 else _compute(data, vm, denominators, where)

    # the variants are independent builds: on threads, in order (the first failure in order is raised)
    results = ordered_map(variant, enumerate(specs), name="fanxing-plan")
    for v, ((imp, nrm, where), res) in enumerate(zip(specs, results, strict=True)):
        if not res.scores.index.equals(units):
            raise IndexComputationError(f"{SECTION}.{where}: this variant keeps other units than the nominal build")
        matrices.append(res.stages["normalised"].loc[units, codes].to_numpy(dtype=float))
        labels.append(f"impute={imp['method']}, normalise={nrm['method']}")
        if data_driven:
            for a, am in enumerate(agg_ms):
                if v == 0 and a == 0:
                    r = nominal
                else:
                    upd = {"impute": imp, "normalise": nrm, "aggregates": [x.model_dump() for x in am.aggregates]}
                    r = _compute(data, _variant(m, where or "aggregate", upd), denominators, where or "aggregate")
                weights_by_combo.append(_weights_from(r, h))
    if not data_driven:
        weights_by_combo.append(_weights_from(nominal, h))
    x = np.stack(matrices)

    # --- weights noise ---------------------------------------------------------------------
    wspec = spec.weights
    if wspec is not None:
        _check_level(wspec.level, "weights", range(1, h.max_level))
    parents: list[ParentPlan] = []
    offset = 0
    for p in h.aggregates:
        kids = h.children[p]
        methods: list[Method] = []
        method_of = np.zeros(n_agg, dtype=np.intp)
        for a, am in enumerate(agg_ms):
            meth = level_choice(am, h, p)
            if meth not in methods:
                methods.append(meth)
            method_of[a] = methods.index(meth)
        base = np.stack([w[p] for w in weights_by_combo])
        perturbed = wspec is not None and (wspec.level is None or wspec.level == h.level[p] - 1)
        pp = ParentPlan(p, kids, np.array([col.get(c, -1) for c in kids], dtype=np.intp), base, method_of,
                        methods, perturbed, offset)
        if perturbed:
            offset += len(kids)
        parents.append(pp)

    # --- dropping one indicator ------------------------------------------------------------
    if spec.drop_indicator is not None:
        cands = spec.drop_indicator.indicators or codes
        for c in cands:
            if c not in col:
                hint = closest(c, codes)
                raise MethodologyError(f"{SECTION}.drop_indicator.indicators: unknown indicator '{c}'"
                                       + (f" (did you mean '{hint}'?)" if hint else ""),
                                       details={"key": f"{SECTION}.drop_indicator.indicators", "suggestion": hint})
        drop_candidates = np.array([col[c] for c in cands], dtype=np.intp)
        p = spec.drop_indicator.probability
        k = len(drop_candidates)
        drop_probs = (np.full(k + 1, 1.0 / (k + 1)) if p is None
                      else np.concatenate([[1.0 - p], np.full(k, p / k)]))
    else:
        drop_candidates = np.zeros(0, dtype=np.intp)
        drop_probs = np.ones(1)

    plan = Plan(
        methodology=m, hierarchy=h, spec=spec, nominal=nominal, units=units, indicators=codes, x=x,
        data_labels=labels, data_variant_of=data_variant_of, agg_labels=agg_labels, agg_variant_of=agg_variant_of,
        parents=parents, data_specs=[(imp, nrm) for imp, nrm, _ in specs], agg_methodologies=agg_ms,
        data_driven=data_driven, n_weight_cols=offset, drop_candidates=drop_candidates,
        drop_probs=drop_probs,
        impute_probs=_probs(spec.impute.probs if spec.impute else None, len(imp_opts)),
        normalise_probs=_probs(spec.normalise.probs if spec.normalise else None, len(norm_opts)),
        aggregate_probs=_probs(spec.aggregate.probs if spec.aggregate else None, len(agg_variant_of)),
    )
    check_positive(plan)
    return plan


def _compute(data: pd.DataFrame, m: Methodology, denominators: pd.DataFrame | None, where: str | None) -> IndexResult:
    try:
        return compute(data, m, denominators)
    except IndexComputationError as exc:
        raise IndexComputationError(f"{SECTION}.{where}: the engine fails with this option: {exc.message}",
                                    code=exc.code, details={**exc.details, "key": f"{SECTION}.{where}"}) from None


def check_positive(plan: Plan) -> None:
    """Fail early when an aggregation option needs positive values that a normalisation option does
    not give (e.g. geometric means of min-max scores that reach 0)."""
    sampled_data = sorted(set(plan.data_variant_of.ravel().tolist()))
    sampled_agg = sorted(set(plan.agg_variant_of.tolist()))
    for pp in plan.parents:
        cols = pp.cols[pp.cols >= 0]
        if not len(cols):
            continue
        for meth in {pp.methods[pp.method_of[a]] for a in sampled_agg}:
            check, strict = meth.needs_positive
            if not check:
                continue
            for v in sampled_data:
                label = plan.data_labels[v]
                xv = plan.x[v][:, cols]
                present = xv[~np.isnan(xv)]
                bad = (present <= 0) if strict else (present < 0)
                if bad.any():
                    raise IndexComputationError(
                        f"{SECTION}: aggregation '{meth.name}' of '{pp.code}' needs "
                        f"{'positive' if strict else 'non-negative'} values, but the variant ({label}) gives "
                        f"{present.min():g}; normalise to a positive range, e.g. "
                        "{method: minmax, range: [1, 100]} or {method: zscore, mean: 100, sd: 15}",
                        code="index_error", details={"aggregate": pp.code, "variant": label})
