"""Seeded designs: one uniform number in [0, 1) per replication and uncertain choice, mapped to the
choice's option (discrete choices by their probabilities, weights to one of ``weight_sets`` draws).

With sensitivity analysis on, the design is SALib's Saltelli (Sobol-sequence) sample, so the same
replications serve the rank intervals and the Sobol indices; otherwise plain seeded uniforms.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from fanxing.errors import FanxingError
from fanxing.index.uncertainty.plan import Plan

NO_DROP = -1
NOMINAL_WEIGHTS = -1


@dataclass
class Choices:
    """The options of every replication, as index arrays of equal length."""

    data: np.ndarray  # data variant (imputation × normalisation)
    agg: np.ndarray  # aggregation variant
    wset: np.ndarray  # weight set, or NOMINAL_WEIGHTS
    drop: np.ndarray  # dropped indicator column, or NO_DROP

    def __len__(self) -> int:
        return len(self.data)

    def take(self, sl: slice | np.ndarray) -> Choices:
        return Choices(self.data[sl], self.agg[sl], self.wset[sl], self.drop[sl])

    @classmethod
    def nominal(cls, n: int = 1) -> Choices:
        """``n`` replications with every nominal choice (they reproduce the engine's build)."""
        z = np.zeros(n, dtype=np.intp)
        return cls(z, z.copy(), np.full(n, NOMINAL_WEIGHTS, dtype=np.intp), np.full(n, NO_DROP, dtype=np.intp))


@dataclass
class Design:
    """The unit-cube sample (replications × factors) and how it was drawn."""

    u: np.ndarray
    factors: list[str]
    kind: str  # "saltelli" or "random"
    base_samples: int


def streams(seed: int) -> tuple[np.random.Generator, np.random.Generator, int]:
    """Independent generators for the design and the weight draws, and an integer seed for SALib."""
    design_ss, weights_ss, salib_ss = np.random.SeedSequence(seed).spawn(3)
    return (np.random.default_rng(design_ss), np.random.default_rng(weights_ss),
            int(salib_ss.generate_state(1)[0]))


def make_design(factors: list[str], replications: int, seed: int, saltelli: bool) -> Design:
    """``replications`` rows (Saltelli: rounded up to a multiple of factors + 2)."""
    rng, _, salib_seed = streams(seed)
    d = len(factors)
    if not saltelli or d == 0:
        return Design(rng.random((replications, d)), factors, "random", replications)
    try:
        from SALib.sample import sobol as sobol_sample
    except ImportError:  # pragma: no cover - depends on the environment
        raise FanxingError("sensitivity analysis needs SALib (pip install 'fanxing[analysis]'); "
                           "or set 'uncertainty.sensitivity: false'", code="missing_dependency") from None
    base = max(2, math.ceil(replications / (d + 2)))
    problem = {"num_vars": d, "names": factors, "bounds": [[0.0, 1.0]] * d}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib prefers powers of two for N; any N is valid
        u = sobol_sample.sample(problem, base, calc_second_order=False, scramble=True, seed=salib_seed)
    return Design(np.clip(u, 0.0, np.nextafter(1.0, 0.0)), factors, "saltelli", base)


def categorical(u: np.ndarray, probs: np.ndarray) -> np.ndarray:
    """Option index for each uniform ``u`` given option probabilities (inverse CDF)."""
    edges = np.cumsum(probs)[:-1]
    return np.searchsorted(edges, u, side="right").astype(np.intp)


def weight_uniforms(plan: Plan) -> np.ndarray:
    """(weight_sets × perturbed weights) uniforms; a weight draw is a deterministic function of one row."""
    _, rng, _ = streams(plan.spec.seed)
    if plan.spec.weights is None:
        return np.zeros((1, 0))
    return rng.random((plan.spec.weight_sets, plan.n_weight_cols))


def choices_from(plan: Plan, design: Design) -> Choices:
    """Map the unit-cube design to per-replication options."""
    n = len(design.u)
    col = {f: design.u[:, j] for j, f in enumerate(design.factors)}
    zero = np.zeros(n)
    imp = categorical(col.get("impute", zero), plan.impute_probs)
    nrm = categorical(col.get("normalise", zero), plan.normalise_probs)
    data = plan.data_variant_of[imp, nrm]
    agg = plan.agg_variant_of[categorical(col.get("aggregate", zero), plan.aggregate_probs)]
    if "weights" in col:
        k = plan.spec.weight_sets
        wset = np.minimum((col["weights"] * k).astype(np.intp), k - 1)
    else:
        wset = np.full(n, NOMINAL_WEIGHTS, dtype=np.intp)
    if "drop_indicator" in col:
        pick = categorical(col["drop_indicator"], plan.drop_probs)
        drop = np.where(pick == 0, NO_DROP, plan.drop_candidates[np.maximum(pick - 1, 0)]
                        if len(plan.drop_candidates) else NO_DROP)
    else:
        drop = np.full(n, NO_DROP, dtype=np.intp)
    return Choices(data.astype(np.intp), agg.astype(np.intp), wset, drop.astype(np.intp))
