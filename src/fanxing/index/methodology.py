"""The methodology model: a typed, strict (extra="forbid") description of how to build an index.

Validate with :func:`parse_methodology` (a mapping) or :func:`load_methodology` (a YAML file); both
raise :class:`fanxing.errors.MethodologyError` naming every bad key path with a suggestion.
"""

from __future__ import annotations

import hashlib
import json
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from fanxing.errors import MethodologyError
from fanxing.index.suggest import closest

NormaliseMethod = Literal[
    "minmax", "goalposts", "zscore", "rank", "percentile_rank",
    "distance_to_max", "distance_to_target", "distance_to_reference", "borda", "none",
]
AggregateMethod = Literal["arithmetic", "geometric", "harmonic", "power", "copeland"]
WeightMethod = Literal["explicit", "equal", "ahp", "entropy", "critic", "pca"]
ImputeMethod = Literal["none", "mean", "median", "group_mean", "group_median"]
TreatMethod = Literal["none", "skew_kurtosis", "winsorise"]
TransformType = Literal["none", "log", "log1p", "boxcox"]
FallbackMethod = Literal["log_ct", "boxcox", "none"]

# Saaty's random consistency index for n = 1..15.
RANDOM_INDEX = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59)
AHP_MAX_CR = 0.1


class SemanticError(ValueError):
    """A cross-field problem found by a validator; carries its key path and a suggestion."""

    def __init__(self, path: str, message: str, suggestion: str | None = None):
        super().__init__(message)
        self.path = path
        self.message = message
        self.suggestion = suggestion


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class TransformSpec(_Strict):
    """A deterministic per-indicator transform applied before outlier treatment."""

    type: TransformType = "none"
    lambda_: float | None = Field(default=None, alias="lambda")

    @model_validator(mode="after")
    def _needs_lambda(self) -> TransformSpec:
        if self.type == "boxcox" and self.lambda_ is None:
            raise SemanticError("lambda", "a Box-Cox transform needs 'lambda'")
        return self


class ClipSpec(_Strict):
    """Caps: values below ``lower`` / above ``upper`` are set to the bound."""

    lower: float | None = None
    upper: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> ClipSpec:
        if self.lower is not None and self.upper is not None and self.lower > self.upper:
            raise SemanticError("lower", f"lower ({self.lower}) is above upper ({self.upper})")
        return self


class GoalpostSpec(_Strict):
    """Goalposts for goalpost normalisation (low, high) and an optional target."""

    low: float | None = None
    high: float | None = None
    target: float | None = None

    @model_validator(mode="after")
    def _ordered(self) -> GoalpostSpec:
        if self.low is not None and self.high is not None and not self.low < self.high:
            raise SemanticError("low", f"goalpost low ({self.low}) must be below high ({self.high})")
        return self


class IndicatorSpec(_Strict):
    """One indicator: a column of the data, its parent aggregate and its per-indicator choices."""

    code: str
    name: str | None = None
    parent: str
    direction: Literal[1, -1] = 1
    weight: float = Field(default=1.0, ge=0)
    denominator: str | None = None
    transform: TransformSpec = TransformSpec()
    clip: ClipSpec | None = None
    goalposts: GoalpostSpec | None = None
    treat: bool = True

    @field_validator("transform", mode="before")
    @classmethod
    def _transform_shorthand(cls, v: Any) -> Any:
        return {"type": v} if isinstance(v, str) else v


class AggregateSpec(_Strict):
    """One aggregate (pillar, dimension, index): its parent (None for the root) and weight."""

    code: str
    name: str | None = None
    parent: str | None = None
    weight: float = Field(default=1.0, ge=0)
    method: AggregateMethod | None = None
    power: float | None = None


class CoverageSpec(_Strict):
    """Units with a smaller share of indicators present (before imputation) are excluded."""

    min_unit_share: float = Field(default=0.0, ge=0, le=1)


class ImputeSpec(_Strict):
    """How missing values are filled (per indicator, optionally within groups of units)."""

    method: ImputeMethod = "none"
    group_column: str | None = None

    @model_validator(mode="after")
    def _group(self) -> ImputeSpec:
        if self.method.startswith("group_") and not self.group_column:
            raise SemanticError("group_column", f"imputation '{self.method}' needs 'group_column'")
        return self


class TreatSpec(_Strict):
    """Outlier treatment: COINr's skew/kurtosis winsorisation with log fallback, or percentile caps."""

    method: TreatMethod = "none"
    skew_threshold: float = Field(default=2.0, gt=0)
    kurtosis_threshold: float = 3.5
    winmax: int = Field(default=5, ge=0)
    fallback: FallbackMethod = "log_ct"
    fallback_lambda: float | None = None
    lower_percentile: float = Field(default=0.05, ge=0, le=1)
    upper_percentile: float = Field(default=0.95, ge=0, le=1)

    @model_validator(mode="after")
    def _check(self) -> TreatSpec:
        if self.fallback == "boxcox" and self.fallback_lambda is None:
            raise SemanticError("fallback_lambda", "fallback 'boxcox' needs 'fallback_lambda'")
        if self.lower_percentile >= self.upper_percentile:
            raise SemanticError("lower_percentile", "lower_percentile must be below upper_percentile")
        return self


class NormaliseSpec(_Strict):
    """How each indicator is brought to a common scale (after multiplying by its direction)."""

    method: NormaliseMethod = "minmax"
    range: tuple[float, float] = (0.0, 100.0)
    scale: float = 100.0
    mean: float = 0.0
    sd: float = Field(default=1.0, gt=0)
    cap: bool = True
    reference_unit: str | None = None

    @model_validator(mode="after")
    def _check(self) -> NormaliseSpec:
        if not self.range[0] < self.range[1]:
            raise SemanticError("range", f"range must be increasing, got {list(self.range)}")
        if self.method == "distance_to_reference" and not self.reference_unit:
            raise SemanticError("reference_unit", "normalisation 'distance_to_reference' needs 'reference_unit'")
        return self


class AhpSpec(_Strict):
    """A pairwise comparison matrix over the children of one aggregate (Saaty scale)."""

    children: list[str]
    matrix: list[list[float | str]]

    @field_validator("matrix")
    @classmethod
    def _numbers(cls, rows: list[list[float | str]]) -> list[list[float | str]]:
        out: list[list[float | str]] = []
        for row in rows:
            new_row: list[float | str] = []
            for v in row:
                if isinstance(v, str):
                    try:
                        num, _, den = v.partition("/")
                        v = float(num) / float(den) if den else float(num)
                    except (ValueError, ZeroDivisionError):
                        raise SemanticError("", f"'{v}' is not a number or a fraction like '1/3'") from None
                new_row.append(float(v))
            out.append(new_row)
        return out

    def array(self) -> np.ndarray:
        return np.asarray(self.matrix, dtype=float)


class WeightsSpec(_Strict):
    """Where weights come from; ``level`` limits a method to the nodes of one hierarchy level."""

    method: WeightMethod = "explicit"
    level: int | None = Field(default=None, ge=1)
    ahp: dict[str, AhpSpec] = Field(default_factory=dict)


class AggregateLevelSpec(_Strict):
    """Aggregation choices for the aggregates of one level."""

    method: AggregateMethod | None = None
    power: float | None = None
    min_share: float | None = Field(default=None, ge=0, le=1)


class AggregationSpec(_Strict):
    """Default aggregation, with per-level overrides (``levels`` keyed by the aggregate's level)."""

    method: AggregateMethod = "arithmetic"
    power: float = 1.0
    min_share: float = Field(default=0.0, ge=0, le=1)
    levels: dict[int, AggregateLevelSpec] = Field(default_factory=dict)


class Methodology(_Strict):
    """A complete index methodology. Use ``canonical_hash`` and ``version`` to identify it."""

    name: str
    version: str = "1"
    description: str = ""
    id_column: str | None = None
    indicators: list[IndicatorSpec] = Field(min_length=1)
    aggregates: list[AggregateSpec] = Field(min_length=1)
    coverage: CoverageSpec = CoverageSpec()
    impute: ImputeSpec = ImputeSpec()
    treat: TreatSpec = TreatSpec()
    normalise: NormaliseSpec = NormaliseSpec()
    weights: WeightsSpec = WeightsSpec()
    aggregate: AggregationSpec = AggregationSpec()
    explain: bool = True

    @field_validator("version", mode="before")
    @classmethod
    def _version_text(cls, v: Any) -> Any:
        return str(v) if isinstance(v, int | float) else v

    @model_validator(mode="after")
    def _check_structure(self) -> Methodology:
        _check_structure(self)
        return self

    # ---- identity ---------------------------------------------------------------------------
    def canonical_json(self) -> str:
        """Canonical JSON of the validated model (defaults filled in, keys sorted)."""
        data = self.model_dump(mode="json", by_alias=True)
        return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)

    @property
    def canonical_hash(self) -> str:
        """sha256 of :meth:`canonical_json`: equal for equivalent files, whatever their layout."""
        return hashlib.sha256(self.canonical_json().encode("utf-8")).hexdigest()

    # ---- convenient views -------------------------------------------------------------------
    @property
    def indicator_codes(self) -> list[str]:
        return [i.code for i in self.indicators]

    @property
    def aggregate_codes(self) -> list[str]:
        return [a.code for a in self.aggregates]


def _check_structure(m: Methodology) -> None:
    """Cross-field checks: unique codes, a tree with one root, and method-specific needs."""
    codes = m.indicator_codes + m.aggregate_codes
    seen: set[str] = set()
    for pos, code in enumerate(codes):
        if code in seen:
            where = f"indicators[{pos}]" if pos < len(m.indicators) else f"aggregates[{pos - len(m.indicators)}]"
            raise SemanticError(f"{where}.code", f"code '{code}' is used twice")
        seen.add(code)
    agg_codes = m.aggregate_codes
    for i, ind in enumerate(m.indicators):
        if ind.parent not in agg_codes:
            raise SemanticError(f"indicators[{i}].parent", f"unknown parent '{ind.parent}'",
                                closest(ind.parent, agg_codes))
    roots = [a.code for a in m.aggregates if a.parent is None]
    if len(roots) != 1:
        raise SemanticError("aggregates", f"exactly one aggregate must have no parent (the index); found {roots}")
    parent_of = {a.code: a.parent for a in m.aggregates}
    for i, agg in enumerate(m.aggregates):
        if agg.parent is not None and agg.parent not in agg_codes:
            raise SemanticError(f"aggregates[{i}].parent", f"unknown parent '{agg.parent}'",
                                closest(agg.parent, agg_codes))
        # cycle check: walking up must reach the root
        node, steps = agg.code, 0
        while parent_of.get(node) is not None:
            node = parent_of[node]
            steps += 1
            if steps > len(agg_codes):
                raise SemanticError(f"aggregates[{i}].parent", f"the parents of '{agg.code}' form a cycle")
    has_child = {i.parent for i in m.indicators} | {a.parent for a in m.aggregates if a.parent}
    for i, agg in enumerate(m.aggregates):
        if agg.code not in has_child:
            raise SemanticError(f"aggregates[{i}].code", f"aggregate '{agg.code}' has no children")

    levels = hierarchy_levels(m)
    max_level = max(levels.values())
    for key in m.aggregate.levels:
        if not 2 <= key <= max_level:
            raise SemanticError(f"aggregate.levels.{key}", f"no aggregates at level {key}; levels are 2..{max_level}")
    if m.weights.level is not None and m.weights.level >= max_level:
        raise SemanticError("weights.level", f"level {m.weights.level} has no parent; weighted levels are 1..{max_level - 1}")

    nm = m.normalise.method
    for i, ind in enumerate(m.indicators):
        gp = ind.goalposts
        if nm == "goalposts" and (gp is None or gp.low is None or gp.high is None):
            raise SemanticError(f"indicators[{i}].goalposts", f"normalisation 'goalposts' needs goalposts low and high for '{ind.code}'")
        if nm == "distance_to_target" and (gp is None or gp.target is None):
            raise SemanticError(f"indicators[{i}].goalposts.target", f"normalisation 'distance_to_target' needs a target for '{ind.code}'")

    children = hierarchy_children(m)
    if m.weights.method == "ahp" and not m.weights.ahp:
        raise SemanticError("weights.ahp", "weights method 'ahp' needs at least one pairwise matrix under 'weights.ahp'")
    for parent, spec in m.weights.ahp.items():
        path = f"weights.ahp.{parent}"
        if parent not in agg_codes:
            raise SemanticError(path, f"unknown aggregate '{parent}'", closest(parent, agg_codes))
        kids = children[parent]
        for child in spec.children:
            if child not in kids:
                raise SemanticError(f"{path}.children", f"'{child}' is not a child of '{parent}'", closest(child, kids))
        if sorted(spec.children) != sorted(kids):
            raise SemanticError(f"{path}.children", f"must list every child of '{parent}' once: {kids}")
        ahp_weights(spec, path)  # raises on shape, reciprocity and consistency


def ahp_weights(spec: AhpSpec, path: str = "weights.ahp") -> tuple[np.ndarray, float]:
    """Principal-eigenvector weights and the consistency ratio of a pairwise matrix."""
    a = spec.array()
    n = len(spec.children)
    if a.shape != (n, n):
        raise SemanticError(f"{path}.matrix", f"must be {n}×{n} (one row and column per child), got {list(a.shape)}")
    if (a <= 0).any():
        raise SemanticError(f"{path}.matrix", "pairwise judgements must be positive")
    if not np.allclose(a * a.T, 1.0, rtol=1e-2):
        raise SemanticError(f"{path}.matrix", "the matrix must be reciprocal: a[j][i] = 1/a[i][j], diagonal 1")
    vals, vecs = np.linalg.eig(a)
    k = int(np.argmax(vals.real))
    lam = float(vals[k].real)
    w = np.abs(vecs[:, k].real)
    w = w / w.sum()
    ci = (lam - n) / (n - 1) if n > 2 else 0.0
    ri = RANDOM_INDEX[min(n, len(RANDOM_INDEX)) - 1]
    cr = ci / ri if ri > 0 else 0.0
    if cr > AHP_MAX_CR:
        raise SemanticError(f"{path}.matrix", f"consistency ratio {cr:.3f} is above {AHP_MAX_CR}: revise the judgements")
    return w, cr


def hierarchy_children(m: Methodology) -> dict[str, list[str]]:
    """Children of every aggregate, in methodology order (indicators first, then aggregates)."""
    out: dict[str, list[str]] = {a.code: [] for a in m.aggregates}
    for ind in m.indicators:
        if ind.parent in out:
            out[ind.parent].append(ind.code)
    for agg in m.aggregates:
        if agg.parent in out:
            out[agg.parent].append(agg.code)
    return out


def hierarchy_levels(m: Methodology) -> dict[str, int]:
    """Level of every node: indicators 1, an aggregate one above its highest child."""
    levels = {i.code: 1 for i in m.indicators}
    children = hierarchy_children(m)

    def level(code: str, depth: int = 0) -> int:
        if code in levels:
            return levels[code]
        if depth > len(children):
            raise SemanticError("aggregates", "the hierarchy has a cycle")
        kids = children.get(code, [])
        lv = 1 + max((level(c, depth + 1) for c in kids), default=1)
        levels[code] = lv
        return lv

    for agg in m.aggregates:
        level(agg.code)
    return levels


# ---- parsing with helpful errors ------------------------------------------------------------

def parse_methodology(data: Mapping[str, Any] | Methodology, source: str | None = None) -> Methodology:
    """Validate a mapping into a :class:`Methodology`; every problem becomes a MethodologyError."""
    if isinstance(data, Methodology):
        return data
    where = f"{source}: " if source else ""
    if not isinstance(data, Mapping):
        raise MethodologyError(f"{where}a methodology must be a mapping of keys, got {type(data).__name__}")
    try:
        return Methodology.model_validate(dict(data))
    except ValidationError as exc:
        raise describe_errors(exc, Methodology, source) from None


def describe_errors(exc: ValidationError, root: type[BaseModel], source: str | None = None) -> MethodologyError:
    """One MethodologyError listing every problem of ``exc`` with its key path and a suggestion.

    ``root`` is the model that was validated, so that the keys valid at each path can be listed
    (used for the engine's Methodology and for files that embed it, such as Fanxing's).
    """
    where = f"{source}: " if source else ""
    problems = [_describe(err, root) for err in exc.errors()]
    lines = [f"{where}invalid methodology ({len(problems)} problem{'s' if len(problems) > 1 else ''}):"]
    for p in problems:
        hint = f" (did you mean '{p['suggestion']}'?)" if p.get("suggestion") is not None else ""
        lines.append(f"  {p['path'] or '<top>'}: {p['message']}{hint}")
    return MethodologyError("\n".join(lines), details={"source": source, "errors": problems})


def load_methodology(path: str | Path) -> Methodology:
    """Read a YAML methodology file and validate it (errors name the file and the key)."""
    import yaml

    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except OSError as exc:
        raise MethodologyError(f"{p}: cannot read methodology file ({exc.strerror})") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MethodologyError(f"{p}: not valid YAML: {exc}") from None
    return parse_methodology(data if data is not None else {}, source=str(p))


def _path(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _describe(err: dict, root: type[BaseModel] = None) -> dict:
    """One pydantic error → {path, message, suggestion}, with a difflib suggestion where possible."""
    root = root or Methodology
    loc = tuple(err.get("loc", ()))
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "value_error" and isinstance(ctx.get("error"), SemanticError):
        sem: SemanticError = ctx["error"]
        base = _path(_strip_union_tags(loc))
        path = f"{base}.{sem.path}" if base and sem.path else (base or sem.path)
        return {"path": path, "message": sem.message, "suggestion": sem.suggestion}
    if kind == "extra_forbidden":
        key = loc[-1]
        owner = _resolve(root, loc[:-1])
        keys = _model_keys(owner)
        return {"path": _path(loc), "message": f"unknown key '{key}'; valid keys: {', '.join(keys)}",
                "suggestion": closest(key, keys)}
    if kind in ("literal_error", "enum"):
        allowed = _literal_values(_resolve(root, _strip_union_tags(loc)))
        value = err.get("input")
        return {"path": _path(_strip_union_tags(loc)),
                "message": f"got {value!r}, expected one of {', '.join(repr(a) for a in allowed)}",
                "suggestion": closest(value, allowed) if allowed else None}
    if kind == "missing":
        what = "item is missing (too few values)" if loc and isinstance(loc[-1], int) else "required key is missing"
        return {"path": _path(loc), "message": what, "suggestion": None}
    value = err.get("input")
    shown = "" if isinstance(value, dict | list) else f" (got {value!r})"
    return {"path": _path(_strip_union_tags(loc)), "message": f"{err.get('msg', 'invalid')}{shown}", "suggestion": None}


_TYPE_TAGS = {"float", "str", "int", "bool", "list", "dict", "tuple", "literal", "none", "function-after",
              "function-before"}


def _strip_union_tags(loc: tuple) -> tuple:
    return tuple(p for p in loc if not (isinstance(p, str) and (p in _TYPE_TAGS or p.startswith(("literal[", "function-")))))


def _unwrap(tp: Any) -> Any:
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(tp) if a is not type(None)]
        return _unwrap(args[0]) if len(args) == 1 else tp
    return tp


def _resolve(tp: Any, loc: tuple) -> Any:
    """The annotation found by walking ``loc`` down from the model ``tp`` (best effort)."""
    for part in loc:
        tp = _unwrap(tp)
        origin = typing.get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = _fields_by_key(tp).get(part)
            if field is None:
                continue
            tp = field.annotation
        elif origin in (list, tuple):
            tp = typing.get_args(tp)[0]
        elif origin is dict:
            tp = typing.get_args(tp)[1]
    return _unwrap(tp)


def _fields_by_key(model: type[BaseModel]) -> dict[str, Any]:
    out = {}
    for name, field in model.model_fields.items():
        out[field.alias or name] = field
        out[name] = field
    return out


def _model_keys(tp: Any) -> list[str]:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return [f.alias or n for n, f in tp.model_fields.items()]
    return []


def _literal_values(tp: Any) -> list[Any]:
    if typing.get_origin(tp) is Literal:
        return list(typing.get_args(tp))
    return []
