"""Uncertainty and sensitivity analysis for any methodology of the engine, vectorised: Monte Carlo
replications as an array axis, rank intervals per unit, Sobol indices per uncertain choice.

    from fanxing.index.uncertainty import run_uncertainty, load_uncertainty
    res = run_uncertainty(data, methodology, load_uncertainty("u.yaml"))
    res.ranks, res.sensitivity, res.summary
"""

from __future__ import annotations

from fanxing.index.uncertainty.plan import Plan, build_plan
from fanxing.index.uncertainty.run import UncertaintyResult, replication_scores, run_uncertainty
from fanxing.index.uncertainty.sampling import Choices
from fanxing.index.uncertainty.spec import (
    UncertaintySpec,
    load_methodology_and_uncertainty,
    load_uncertainty,
    parse_uncertainty,
    split_methodology,
)

__all__ = [
    "Choices",
    "Plan",
    "UncertaintyResult",
    "UncertaintySpec",
    "build_plan",
    "load_methodology_and_uncertainty",
    "load_uncertainty",
    "parse_uncertainty",
    "replication_scores",
    "run_uncertainty",
    "split_methodology",
]
