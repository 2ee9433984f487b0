"""The ``uncertainty:`` section: a strict model of the uncertain choices and of the Monte Carlo run.

Parse with :func:`parse_uncertainty` (a mapping) or :func:`load_uncertainty` (a mapping, a YAML file
holding the section alone, or a methodology file with an ``uncertainty:`` key); errors are
:class:`fanxing.errors.MethodologyError` naming the key path and suggesting the closest valid key.
"""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from fanxing.errors import MethodologyError
from fanxing.index.methodology import (
    AggregateMethod,
    ImputeMethod,
    Methodology,
    NormaliseMethod,
    SemanticError,
    parse_methodology,
)
from fanxing.index.suggest import closest

SECTION = "uncertainty"
PROB_TOLERANCE = 1e-6


# A cross-field problem of the spec, with the key path below the failing model: the engine's own
# SemanticError, so both describe errors the same way.
SpecError = SemanticError


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _check_probs(n_options: int, probs: list[float] | None) -> None:
    if probs is None:
        return
    if len(probs) != n_options:
        raise SpecError("probs", f"{len(probs)} probabilities for {n_options} options; give one per option")
    if any(p < 0 for p in probs):
        raise SpecError("probs", "probabilities must be non-negative")
    if abs(sum(probs) - 1.0) > PROB_TOLERANCE:
        raise SpecError("probs", f"probabilities sum to {sum(probs):g}, expected 1")


def _named(options: Any) -> Any:
    """Options may be written as bare method names: ``zscore`` means ``{method: zscore}``."""
    if isinstance(options, list):
        return [{"method": o} if isinstance(o, str) else o for o in options]
    return options


class RelativeWeights(_Strict):
    """Each weight times ``1 + U(−noise, +noise)``, independently, then renormalised within its parent."""

    kind: Literal["relative"]
    noise: float = Field(gt=0, lt=1)
    level: int | None = Field(default=None, ge=1)


class DirichletWeights(_Strict):
    """The children's weights drawn from Dirichlet(concentration · nominal weights): mean = nominal."""

    kind: Literal["dirichlet"]
    concentration: float = Field(gt=0)
    level: int | None = Field(default=None, ge=1)


WeightNoise = Annotated[RelativeWeights | DirichletWeights, Field(discriminator="kind")]


class NormaliseOption(_Strict):
    """One alternative normalisation; unset parameters are taken from the methodology's ``normalise``."""

    method: NormaliseMethod
    range: tuple[float, float] | None = None
    scale: float | None = None
    mean: float | None = None
    sd: float | None = Field(default=None, gt=0)
    cap: bool | None = None
    reference_unit: str | None = None


class NormaliseChoice(_Strict):
    """Alternative normalisations (names or mappings) with optional probabilities (default equal)."""

    options: list[NormaliseOption] = Field(min_length=1)
    probs: list[float] | None = None

    @field_validator("options", mode="before")
    @classmethod
    def _names(cls, v: Any) -> Any:
        return _named(v)

    @model_validator(mode="after")
    def _probs(self) -> NormaliseChoice:
        _check_probs(len(self.options), self.probs)
        return self


class AggregateOption(_Strict):
    """One alternative aggregation method, with the power of a ``power`` mean."""

    method: AggregateMethod
    power: float | None = None


class AggregateChoice(_Strict):
    """Alternative aggregations, applied to every aggregate of ``level`` (default: every aggregate)."""

    options: list[AggregateOption] = Field(min_length=1)
    probs: list[float] | None = None
    level: int | None = Field(default=None, ge=2)

    @field_validator("options", mode="before")
    @classmethod
    def _names(cls, v: Any) -> Any:
        return _named(v)

    @model_validator(mode="after")
    def _probs(self) -> AggregateChoice:
        _check_probs(len(self.options), self.probs)
        return self


class ImputeChoice(_Strict):
    """Alternative imputations; ``none`` leaves gaps, which aggregation then skips."""

    options: list[ImputeMethod] = Field(min_length=1)
    probs: list[float] | None = None
    group_column: str | None = None

    @model_validator(mode="after")
    def _probs(self) -> ImputeChoice:
        _check_probs(len(self.options), self.probs)
        return self


class DropChoice(_Strict):
    """Drop at most one indicator per replication.

    With ``probability`` p: no drop with 1 − p, else one of ``indicators`` (default all) uniformly.
    Without it: uniform over "none" and each indicator.
    """

    probability: float | None = Field(default=None, ge=0, le=1)
    indicators: list[str] | None = Field(default=None, min_length=1)


class SensitivitySpec(_Strict):
    """Variance-based (Sobol) sensitivity from a Saltelli design, with bootstrap confidence intervals."""

    enabled: bool = True
    bootstrap: int = Field(default=100, ge=10)
    conf_level: float = Field(default=0.95, gt=0, lt=1)


class UncertaintySpec(_Strict):
    """Monte Carlo settings and the uncertain choices of one methodology (all optional)."""

    replications: int = Field(default=1000, ge=1)
    seed: int = Field(default=0, ge=0)
    chunk: int = Field(default=500, ge=1)
    top: int = Field(default=10, ge=1)
    weight_sets: int = Field(default=4096, ge=1)
    weights: WeightNoise | None = None
    normalise: NormaliseChoice | None = None
    aggregate: AggregateChoice | None = None
    impute: ImputeChoice | None = None
    drop_indicator: DropChoice | None = None
    sensitivity: SensitivitySpec = SensitivitySpec()

    @model_validator(mode="before")
    @classmethod
    def _shorthands(cls, data: Any) -> Any:
        if isinstance(data, Mapping):
            data = dict(data)
            if isinstance(data.get("sensitivity"), bool):
                data["sensitivity"] = {"enabled": data["sensitivity"]}
            if data.get("drop_indicator") is True:
                data["drop_indicator"] = {}
        return data

    @property
    def factors(self) -> list[str]:
        """The declared uncertain choices, in a fixed order (one Sobol input factor each)."""
        return [f for f in FACTORS if getattr(self, f) is not None]


FACTORS = ("weights", "normalise", "aggregate", "impute", "drop_indicator")


# ---- parsing with helpful errors ------------------------------------------------------------

def parse_uncertainty(data: Mapping[str, Any] | UncertaintySpec | None, source: str | None = None,
                      prefix: str = SECTION) -> UncertaintySpec:
    """Validate a mapping into an :class:`UncertaintySpec` (``None`` → no uncertain choice)."""
    if isinstance(data, UncertaintySpec):
        return data
    if data is None:
        return UncertaintySpec()
    where = f"{source}: " if source else ""
    if not isinstance(data, Mapping):
        raise MethodologyError(f"{where}'{prefix}' must be a mapping of keys, got {type(data).__name__}")
    try:
        return UncertaintySpec.model_validate(dict(data))
    except ValidationError as exc:
        problems = [_describe(err, prefix) for err in exc.errors()]
        lines = [f"{where}invalid uncertainty section ({len(problems)} problem{'s' if len(problems) > 1 else ''}):"]
        for p in problems:
            hint = f" (did you mean '{p['suggestion']}'?)" if p.get("suggestion") is not None else ""
            lines.append(f"  {p['path']}: {p['message']}{hint}")
        raise MethodologyError("\n".join(lines), details={"source": source, "errors": problems}) from None


def split_methodology(data: Mapping[str, Any]) -> tuple[dict[str, Any], Any]:
    """A methodology mapping without its ``uncertainty`` key, and that key's value (or None)."""
    rest = dict(data)
    return rest, rest.pop(SECTION, None)


def _read_yaml(path: Path) -> Any:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise MethodologyError(f"{path}: cannot read file ({exc.strerror})") from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise MethodologyError(f"{path}: not valid YAML: {exc}") from None


def load_uncertainty(source: str | Path | Mapping[str, Any] | UncertaintySpec | None) -> UncertaintySpec:
    """The spec from a mapping or a YAML file: either the section itself, or any mapping/file with an
    ``uncertainty:`` key (e.g. a methodology file), of which only that key is read."""
    if source is None or isinstance(source, UncertaintySpec):
        return parse_uncertainty(source)
    name = None
    if isinstance(source, str | Path):
        name = str(source)
        source = _read_yaml(Path(source))
        if source is None:
            source = {}
    if isinstance(source, Mapping) and SECTION in source:
        return parse_uncertainty(source[SECTION], name)
    return parse_uncertainty(source, name)


def load_methodology_and_uncertainty(path: str | Path) -> tuple[Methodology, UncertaintySpec | None]:
    """Read a methodology YAML file that may carry an ``uncertainty:`` key beside the engine keys.

    The key is removed before the engine's :func:`parse_methodology` sees the file; the second value
    is None when the file declares no uncertainty section.
    """
    p = Path(path)
    data = _read_yaml(p)
    if not isinstance(data, Mapping):
        raise MethodologyError(f"{p}: a methodology must be a mapping of keys")
    rest, section = split_methodology(data)
    m = parse_methodology(rest, source=str(p))
    return m, (parse_uncertainty(section, str(p)) if section is not None else None)


def _path(loc: tuple, prefix: str) -> str:
    out = prefix
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


_TAGS = {"relative", "dirichlet", "float", "int", "str", "bool", "list", "tuple", "none"}


def _clean(loc: tuple) -> tuple:
    """The error path without pydantic's union-member tags."""
    return tuple(p for p in loc if not (isinstance(p, str) and (p in _TAGS or p.startswith(("literal[", "function-")))))


def _describe(err: dict, prefix: str) -> dict:
    loc = _clean(tuple(err.get("loc", ())))
    kind = err.get("type", "")
    ctx = err.get("ctx") or {}
    if kind == "value_error" and isinstance(ctx.get("error"), SpecError):
        sem: SpecError = ctx["error"]
        base = _path(loc, prefix)
        return {"path": f"{base}.{sem.path}" if sem.path else base, "message": sem.message,
                "suggestion": sem.suggestion}
    if kind == "extra_forbidden":
        key = loc[-1]
        keys = _model_keys(_resolve(UncertaintySpec, loc[:-1], err))
        return {"path": _path(loc, prefix), "message": f"unknown key '{key}'; valid keys: {', '.join(keys)}",
                "suggestion": closest(key, keys)}
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        value = ctx.get("tag")
        kinds = ["relative", "dirichlet"]
        if kind == "union_tag_not_found":
            return {"path": _path(loc, prefix) + ".kind", "message": "required key is missing; expected one of "
                    + ", ".join(repr(k) for k in kinds), "suggestion": None}
        return {"path": _path(loc, prefix) + ".kind", "message": f"got {value!r}, expected one of "
                + ", ".join(repr(k) for k in kinds), "suggestion": closest(value, kinds)}
    if kind in ("literal_error", "enum"):
        value = err.get("input")
        allowed = [str(a) for a in _literal_values(err)]
        return {"path": _path(loc, prefix), "message": f"got {value!r}, expected one of "
                + ", ".join(repr(a) for a in allowed), "suggestion": closest(value, allowed) if allowed else None}
    if kind == "missing":
        return {"path": _path(loc, prefix), "message": "required key is missing", "suggestion": None}
    value = err.get("input")
    shown = "" if isinstance(value, dict | list) else f" (got {value!r})"
    return {"path": _path(loc, prefix), "message": f"{err.get('msg', 'invalid')}{shown}", "suggestion": None}


def _literal_values(err: dict) -> list[Any]:
    expected = (err.get("ctx") or {}).get("expected", "")
    return [part.strip().strip("'") for part in expected.replace(" or ", ", ").split(",") if part.strip()]


def _unwrap(tp: Any, raw_loc: tuple) -> Any:
    """Strip Annotated/Optional; of a union of models, the one named by a tag in the raw error path
    (the weights kinds) or the only model member."""
    origin = typing.get_origin(tp)
    if origin is typing.Annotated:
        return _unwrap(typing.get_args(tp)[0], raw_loc)
    if origin in (typing.Union, types.UnionType):
        members = [_unwrap(a, raw_loc) for a in typing.get_args(tp) if a is not type(None)]
        models = [a for a in members if isinstance(a, type) and issubclass(a, BaseModel)]
        for model in models:
            kind = model.model_fields.get("kind")
            if kind is not None and typing.get_args(kind.annotation)[0] in raw_loc:
                return model
        if len(models) == 1:
            return models[0]
        return members[0] if len(members) == 1 else tp
    return tp


def _resolve(tp: Any, loc: tuple, err: dict) -> Any:
    """The model found by walking the cleaned error path ``loc`` down from ``tp``."""
    raw = tuple(err.get("loc", ()))
    for part in loc:
        tp = _unwrap(tp, raw)
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            field = tp.model_fields.get(part)
            if field is not None:
                tp = field.annotation
        elif typing.get_origin(tp) in (list, tuple):
            tp = typing.get_args(tp)[0]
    return _unwrap(tp, raw)


def _model_keys(tp: Any) -> list[str]:
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(tp.model_fields)
    return []
