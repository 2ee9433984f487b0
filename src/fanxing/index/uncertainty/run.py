"""``run_uncertainty``: the Monte Carlo over the declared choices, in chunks of replications, then
rank statistics and (optionally) Sobol indices."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from fanxing.index.methodology import Methodology, parse_methodology
from fanxing.index.result import IndexResult
from fanxing.index.uncertainty.plan import Plan, build_plan
from fanxing.index.uncertainty.replicate import Replicator, min_ranks, single_threaded_blas
from fanxing.index.uncertainty.sampling import Choices, choices_from, make_design, streams, weight_uniforms
from fanxing.index.uncertainty.sobol import sobol_indices
from fanxing.index.uncertainty.spec import SECTION, UncertaintySpec, load_uncertainty, split_methodology
from fanxing.index.uncertainty.summary import rank_shift, rank_table
from fanxing.parallel import ordered_map, threads

SHIFT_OUTPUT = "mean_abs_rank_shift"

Progress = Callable[[int, int], None]


@dataclass
class UncertaintyResult:
    """Rank statistics per unit, Sobol indices (None when not asked for or nothing is uncertain) and
    a JSON-ready summary. ``replication_ranks`` (replications × units, 0 = unranked) and ``shifts``
    (the mean absolute rank shift of each replication) are kept for further analysis."""

    ranks: pd.DataFrame
    sensitivity: pd.DataFrame | None
    summary: dict[str, Any]
    replication_ranks: np.ndarray = field(repr=False)
    shifts: np.ndarray = field(repr=False)


def _methodology_and_spec(methodology: Methodology | Mapping[str, Any],
                          spec: UncertaintySpec | Mapping[str, Any] | str | Path | None
                          ) -> tuple[Methodology, UncertaintySpec]:
    embedded = None
    if isinstance(methodology, Mapping):
        methodology, embedded = split_methodology(methodology)
    m = parse_methodology(methodology)
    if spec is None:  # the mapping's own key, or (once the engine model has it) the model's field
        spec = embedded if embedded is not None else getattr(m, SECTION, None)
    return m, load_uncertainty(spec)


def nominal_ranks(plan: Plan) -> np.ndarray:
    """The engine's ranks of the index (0 where the unit has no index score)."""
    r = plan.nominal.ranks[plan.hierarchy.root].reindex(plan.units)
    return r.fillna(0).to_numpy(dtype=np.int64).astype(np.int32)


#: at most this many (replication, unit) cells in a chunk: ~130 MB per float64 array of scores
CHUNK_CELLS = 1 << 24


def chunk_size(chunk: int, n_units: int) -> int:
    """Replications computed together: the spec's ``chunk``, fewer when there are so many units that
    a chunk's arrays would exceed ``CHUNK_CELLS`` cells (results do not depend on the chunk)."""
    return max(1, min(chunk, CHUNK_CELLS // max(1, n_units)))


def run_uncertainty(data: pd.DataFrame, methodology: Methodology | Mapping[str, Any],
                    spec: UncertaintySpec | Mapping[str, Any] | str | Path | None = None, *,
                    denominators: pd.DataFrame | None = None, progress: Progress | None = None,
                    nominal: IndexResult | None = None) -> UncertaintyResult:
    """Uncertainty (and sensitivity) analysis of ``methodology`` on ``data``.

    ``spec`` is an :class:`UncertaintySpec`, its mapping, or a YAML path; when None, a methodology
    mapping's own ``uncertainty`` key is used (no key: nothing is uncertain and every interval is the
    nominal rank). ``progress(done, total)`` is called after every chunk. ``nominal`` may pass the
    engine's result for ``methodology`` on the same data, to save recomputing it.
    """
    t0 = time.perf_counter()
    m, spec = _methodology_and_spec(methodology, spec)
    plan = build_plan(data, m, spec, denominators=denominators, nominal=nominal)
    t_plan = time.perf_counter()

    factors = spec.factors
    saltelli = spec.sensitivity.enabled and bool(factors)
    design = make_design(factors, spec.replications, spec.seed, saltelli)
    choices = choices_from(plan, design)
    rep = Replicator(plan, weight_uniforms(plan))
    n_rep = len(choices)
    nominal_r = nominal_ranks(plan)
    ranks = np.empty((n_rep, len(plan.units)), dtype=np.int32)
    shifts = np.empty(n_rep)
    step = chunk_size(spec.chunk, len(plan.units))
    _monte_carlo(rep, choices, step, ranks, shifts, nominal_r, progress)
    t_mc = time.perf_counter()

    table = rank_table(ranks, nominal_r, plan.units, spec.top)
    table.index.name = plan.units.name

    sensitivity = None
    top_units: list[str] = []
    if saltelli:
        order = np.lexsort((np.arange(len(nominal_r)), np.where(nominal_r > 0, nominal_r, np.iinfo(np.int32).max)))
        top_pos = [i for i in order[:spec.top] if nominal_r[i] > 0]
        top_units = [str(plan.units[i]) for i in top_pos]
        outputs = {SHIFT_OUTPUT: shifts}
        n_units = len(plan.units)
        for i, name in zip(top_pos, top_units, strict=True):
            outputs[f"rank:{name}"] = np.where(ranks[:, i] > 0, ranks[:, i], n_units)
        _, _, salib_seed = streams(spec.seed)
        sensitivity = sobol_indices(outputs, factors, bootstrap=spec.sensitivity.bootstrap,
                                    conf_level=spec.sensitivity.conf_level, seed=salib_seed)
    t_end = time.perf_counter()

    p5, p95 = table["rank_p5"], table["rank_p95"]
    nom = table["nominal_rank"]
    outside = int(((nom < p5) | (nom > p95)).fillna(False).sum())
    summary = {
        "methodology": {"name": m.name, "version": m.version, "sha256": m.canonical_hash},
        "spec": spec.model_dump(mode="json"),
        "factors": factors,
        "design": design.kind,
        "base_samples": design.base_samples,
        "replications": n_rep,
        "requested_replications": spec.replications,
        "seed": spec.seed,
        "chunk": spec.chunk,
        "units": len(plan.units),
        "top": spec.top,
        "mean_abs_rank_shift": float(np.nanmean(shifts)) if n_rep else 0.0,
        "nominal_outside_p5_p95": outside,
        "sensitivity_outputs": ([SHIFT_OUTPUT] + [f"rank:{u}" for u in top_units]) if saltelli else [],
        "variants": {"data": plan.data_labels, "aggregation": plan.agg_labels},
        "timings": {"precompute_s": round(t_plan - t0, 4), "monte_carlo_s": round(t_mc - t_plan, 4),
                    "sensitivity_s": round(t_end - t_mc, 4), "total_s": round(t_end - t0, 4)},
    }
    return UncertaintyResult(table, sensitivity, summary, ranks, shifts)


def _pieces(n_rep: int, step: int, workers: int, whole_chunks: bool) -> list[tuple[int, int]]:
    """(start, stop) of the replications computed together: the chunks of ``step``, each cut into
    ``workers`` pieces (so that the threads together hold no more cells than one chunk did), unless
    ``whole_chunks``."""
    per = step if whole_chunks or workers == 1 else max(1, -(-step // workers))
    out = []
    for c0 in range(0, n_rep, step):
        c1 = min(c0 + step, n_rep)
        out += [(s, min(s + per, c1)) for s in range(c0, c1, per)]
    return out


def _monte_carlo(rep: Replicator, choices: Choices, step: int, ranks: np.ndarray, shifts: np.ndarray,
                 nominal_r: np.ndarray, progress: Progress | None) -> None:
    """Ranks (and mean absolute rank shifts) of every replication, into ``ranks`` and ``shifts``.

    Pieces of replications run on ``threads()`` threads, each with its own :class:`Replicator`
    buffers (numpy releases the GIL in the products, sorts and element-wise work that dominate). A
    replication's numbers depend only on its own choices, so the result is the same on any number of
    threads. ``progress(done, total)`` is called in order, once per chunk of ``step``. When the
    aggregation checks that values are positive (the error names the first offending chunk), the
    pieces are the chunks themselves and the first failing chunk in order is the one reported.
    """
    n_rep = len(choices)
    workers = min(threads(), max(1, n_rep))
    pieces = _pieces(n_rep, step, workers, rep.checks_positive)
    local = threading.local()

    def run(piece: tuple[int, int]) -> int:
        start, stop = piece
        r = getattr(local, "rep", None)
        if r is None:
            r = local.rep = rep if workers == 1 else rep.fork()
        with single_threaded_blas():
            for scores, rows in r.root_blocks(choices.take(slice(start, stop))):  # one variant a block
                min_ranks(scores, out=ranks, rows=start + rows)
            shifts[start:stop] = rank_shift(ranks[start:stop], nominal_r)
        return stop

    def report(stop: int) -> None:
        if progress is not None and (stop % step == 0 or stop == n_rep):
            progress(stop, n_rep)

    for stop in ordered_map(run, pieces, workers, name="fanxing-mc"):  # in order: progress in order,
        report(stop)  # and the first failing piece is the one raised


def replication_scores(plan: Plan, choices: Choices, seed_uniforms: np.ndarray | None = None,
                       all_aggregates: bool = True) -> dict[str, np.ndarray]:
    """(R × units) scores for explicit choices — e.g. :meth:`Choices.nominal` reproduces the engine."""
    uniforms = weight_uniforms(plan) if seed_uniforms is None else seed_uniforms
    return Replicator(plan, uniforms).scores(choices, all_aggregates=all_aggregates)


__all__ = ["SECTION", "UncertaintyResult", "replication_scores", "run_uncertainty"]
