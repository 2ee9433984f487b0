"""Sobol first-order and total indices of each uncertain choice, from a Saltelli design, with
bootstrap confidence intervals (SALib's estimators)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

COLUMNS = ["output", "factor", "S1", "S1_conf", "ST", "ST_conf"]


def sobol_indices(outputs: dict[str, np.ndarray], factors: list[str], *, bootstrap: int, conf_level: float,
                  seed: int) -> pd.DataFrame:
    """One row per (output, factor). ``outputs`` maps a name to its values in design order.

    An output that never varies has no variance to apportion: every index is reported as 0.
    """
    from SALib.analyze import sobol as sobol_analyze

    problem = {"num_vars": len(factors), "names": factors, "bounds": [[0.0, 1.0]] * len(factors)}
    rows = []
    for name, y in outputs.items():
        y = np.asarray(y, dtype=float)
        if np.nanmax(y) - np.nanmin(y) == 0:
            res = {k: np.zeros(len(factors)) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore")
                res = sobol_analyze.analyze(problem, y, calc_second_order=False, num_resamples=bootstrap,
                                            conf_level=conf_level, print_to_console=False, seed=seed)
        for j, f in enumerate(factors):
            rows.append({"output": name, "factor": f, "S1": float(res["S1"][j]),
                         "S1_conf": float(res["S1_conf"][j]), "ST": float(res["ST"][j]),
                         "ST_conf": float(res["ST_conf"][j])})
    return pd.DataFrame(rows, columns=COLUMNS)
