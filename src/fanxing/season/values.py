"""Ibis expressions that parse text cells: numbers (12,345 / 1.2万 / 3.4亿), rates (37.5%), dates.

Every function takes and returns Ibis column expressions, so parsing runs inside the engine,
vectorised, never as a Python loop over rows. A fast path (a plain cast) is tried first; the
slower pattern-based path only runs where the fast one gave nothing (COALESCE is lazy).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir

#: cell texts that mean "no value" (after trimming)
BLANKS = ("", "-", "--", "—", "——", "NA", "N/A", "n/a", "null", "NULL", "None", "nan", "NaN")

_BLANK_RE = r"^(?:|-|--|—|——|NA|N/A|n/a|null|NULL|None|nan|NaN)$"
_FULLWIDTH = "０１２３４５６７８９．－＋％"
_HALFWIDTH = "0123456789.-+%"
_DATE_RE = r"^(\d{4})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})\s*日?(?:[ T].*)?$"
_LIMIT = 9.0e18  # beyond this a count does not fit int64


def clean(raw: ir.StringValue) -> ir.StringValue:
    """Trimmed text, NULL for blanks such as '' '-' 'N/A'."""
    return blank_to_null(raw.strip())


def blank_to_null(t: ir.StringValue) -> ir.StringValue:
    """NULL for blanks such as '' '-' 'N/A' in already trimmed text."""
    # a pattern, not IN (...): the engine may turn long IN lists into joins that ignore CASE laziness
    return ibis.cases((t.re_search(_BLANK_RE), ibis.null("string")), else_=t)


def number(t: ir.StringValue, *, percent: bool = False) -> ir.FloatingValue:
    """A float from ``12345``, ``12,345``, ``1.2万``, ``3.4亿`` (and ``37.5%`` when ``percent``)."""
    return _finite(_number(t, _normalise(t), percent=percent))


def count(t: ir.StringValue) -> ir.IntegerValue:
    """An int64 count; fractions (as in ``1.23456万``) are rounded to the nearest integer."""
    return _count(t, number(t))


def _normalise(t: ir.StringValue) -> ir.StringValue:
    """Without separators (``12,345``, ``1 234``), full-width digits and signs made half-width."""
    return t.re_replace(r"[,，\s_]", "").translate(_FULLWIDTH, _HALFWIDTH)


def _number(t: ir.StringValue, u: ir.StringValue, *, percent: bool) -> ir.FloatingValue:
    """``number`` before NaN/infinity are ruled out; ``u`` is ``_normalise(t)``."""
    fast = t.try_cast("float64")
    units = [(u.endswith("亿"), 1e8), (u.endswith("万"), 1e4)]
    strip = r"[万亿]$"
    if percent:
        units.append((u.endswith("%"), 0.01))
        strip = r"[万亿%]$"
    mult = ibis.cases(*units, else_=1.0)
    slow = u.re_replace(strip, "").try_cast("float64") * mult
    return ibis.coalesce(fast, slow)


def _finite(v: ir.FloatingValue) -> ir.FloatingValue:
    return ibis.cases((v.isnan() | v.isinf(), ibis.null("float64")), else_=v)


def _count(t: ir.StringValue, v: ir.FloatingValue) -> ir.IntegerValue:
    """``count`` of ``t`` given ``v = number(t)``."""
    slow = ibis.cases((v.abs() < _LIMIT, v.round().cast("int64")), else_=ibis.null("int64"))
    return ibis.coalesce(t.try_cast("int64"), slow)


#: kinds whose ``parse`` is a number (``parse_steps``)
NUMBER_KINDS = ("count", "int", "amount", "float", "rate", "rating", "score")
Step = Callable[[ir.StringValue, "ir.Value | None"], ir.Value]


def parse_steps(col: Column) -> tuple[Step, ...]:
    """``parse(t, col)`` as steps, each a function of the cleaned text ``t`` and the previous step's
    result (None for the first); the last step's result is ``parse(t, col)``. Empty for the kinds
    that are not numbers.

    Written as one expression, a number's parse repeats its intermediate values (the normalised
    text about 20 times); an engine computes them once, but plans the whole text of the query,
    anew for every file. Computed step by step (one layer each, see ``checks.parse_table``),
    each intermediate value is written once.
    """
    k = col.kind
    if k not in NUMBER_KINDS:
        return ()
    percent = k == "rate"
    if k in ("count", "int"):
        last: Step = lambda t, v: _count(t, _finite(v))  # noqa: E731
    else:
        last = lambda t, v: _finite(v)  # noqa: E731
    return (lambda t, _: _normalise(t), lambda t, u: _number(t, u, percent=percent), last)


def date(t: ir.StringValue) -> ir.DateValue:
    """A date from ``2024-03-01``, ``2024/3/1``, ``2024年3月1日`` (a time part is ignored)."""
    fast = t.try_cast("date")
    iso = t.re_replace(_DATE_RE, r"\1-\2-\3")  # the engine's date cast accepts 2024-3-1
    return ibis.coalesce(fast, iso.try_cast("date"))


def text_list(t: ir.StringValue) -> ir.ArrayValue:
    """A ``|``-separated list (full-width ｜ too), items trimmed, empty items dropped."""
    items = t.replace("｜", "|").split("|").map(lambda x: x.strip())
    return items.filter(lambda x: x.length() > 0)


@dataclass(frozen=True)
class Column:
    """How one contract column is parsed and checked."""

    name: str
    kind: str  # text | id | date | count | int | amount | float | rate | rating | score | list | choice
    required: bool = False
    choices: tuple[str, ...] = ()
    minimum: float | None = None  # for kind "int"/"float": inclusive lower bound
    strict_minimum: bool = False  # for kind "amount"-like: value must be > minimum

    @property
    def dtype(self) -> str:
        return {
            "date": "date",
            "count": "int64",
            "int": "int64",
            "amount": "float64",
            "float": "float64",
            "rate": "float64",
            "rating": "float64",
            "score": "float64",
            "list": "array<string>",
        }.get(self.kind, "string")


_RANGES = {"rate": (0.0, 1.0), "rating": (0.0, 10.0), "score": (0.0, 100.0)}


FAST_KINDS = ("date", "count", "int", "amount", "float", "rate", "rating", "score")


def fast(raw: ir.StringValue, col: Column) -> ir.Value:
    """The plain cast of an untrimmed cell (the engine's casts ignore surrounding spaces)."""
    return raw.try_cast(col.dtype)


def native(v: ir.Value, col: Column) -> ir.Value:
    """The typed value of a typed cell (a number or date of a binary file), as ``fast`` and ``parse``
    would give for its text: a fraction for a whole-number column rounds half away from zero
    (``count``), where the engine's own cast would round half to even."""
    if col.dtype == "int64" and not v.type().is_integer():
        d = v.cast("float64")
        return ibis.cases((d.abs() < _LIMIT, d.round().cast("int64")), else_=ibis.null("int64"))
    return v.try_cast(col.dtype)


def parse(t: ir.StringValue, col: Column) -> ir.Value:
    """The typed value of a cleaned cell (NULL when blank or unparsable)."""
    k = col.kind
    if k == "date":
        return date(t)
    if k in ("count", "int"):
        return count(t)
    if k == "rate":
        return number(t, percent=True)
    if k in ("amount", "float", "rating", "score"):
        return number(t)
    if k == "list":
        return text_list(t)
    if k == "choice":
        return t.lower()
    return t


def problem(blank: ir.BooleanValue, value: ir.Value, col: Column) -> ir.StringValue:
    """The reason code for this cell, or NULL when it is fine (``blank``: the cell has no value)."""
    conds = []
    if col.required:
        conds.append((blank, "missing_value"))
    k = col.kind
    if k == "date":
        conds.append((~blank & value.isnull(), "bad_date"))
    elif k in ("count", "int", "amount", "float", "rate", "rating", "score"):
        bad = ~blank & value.isnull()
        if k not in ("count", "int"):
            bad = bad | value.isnan() | value.isinf()
        conds.append((bad, "unparsable_number"))
        if k in ("count", "amount"):
            conds.append((value < 0, "negative_count" if k == "count" else "negative_value"))
        if k in _RANGES:
            lo, hi = _RANGES[k]
            code = {"rate": "rate_out_of_range", "rating": "rating_out_of_range"}.get(k, "out_of_range")
            conds.append(((value < lo) | (value > hi), code))
        if col.minimum is not None:
            low = value <= col.minimum if col.strict_minimum else value < col.minimum
            conds.append((low, "out_of_range"))
    elif k == "choice" and col.choices:
        conds.append((~blank & ~value.isin(col.choices), "bad_choice"))
    elif k == "list" and col.choices:
        conds.append((~blank & (value.filter(lambda x: ~x.isin(col.choices)).length() > 0), "bad_choice"))
    if not conds:
        return ibis.null("string")
    return ibis.cases(*conds, else_=ibis.null("string"))


def expectation(col: Column) -> str:
    """What a good value of this column looks like, for human detail messages."""
    k = col.kind
    if k == "date":
        return "a date such as 2024-03-01, 2024/3/1 or 2024年3月1日"
    if k == "count":
        return "a whole number ≥ 0 such as 12345, 12,345, 1.2万 or 3.4亿"
    if k == "int":
        lo = f" ≥ {col.minimum:g}" if col.minimum is not None else ""
        return f"a whole number{lo}"
    if k == "amount":
        return "a number ≥ 0 such as 12.5, 12,345 or 1.2万"
    if k == "rate":
        return "a rate between 0 and 1, such as 0.375 or 37.5%"
    if k == "rating":
        return "a rating between 0 and 10"
    if k == "score":
        return "a score between 0 and 100"
    if k == "float":
        if col.minimum is not None:
            return f"a number {'>' if col.strict_minimum else '≥'} {col.minimum:g}"
        return "a number"
    if k in ("choice", "list") and col.choices:
        return "one of " + ", ".join(col.choices) + (" (|-separated)" if k == "list" else "")
    return "a value"
