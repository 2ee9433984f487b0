"""The general composite-indicator engine (pure numpy/pandas): methodology in, every stage out.

    from fanxing.index import load_methodology, compute, explain_unit, compare_units
    result = compute(data, load_methodology("m.yaml"), denominators=None)
"""

from __future__ import annotations

from fanxing.index.explain import compare_pair, compare_units, explain_unit
from fanxing.index.hierarchy import Hierarchy
from fanxing.index.methodology import Methodology, load_methodology, parse_methodology
from fanxing.index.pipeline import compute
from fanxing.index.result import STAGES, IndexResult

__all__ = [
    "STAGES",
    "Hierarchy",
    "IndexResult",
    "Methodology",
    "compare_pair",
    "compare_units",
    "compute",
    "explain_unit",
    "load_methodology",
    "parse_methodology",
]
