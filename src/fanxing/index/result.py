"""IndexResult: everything a build produced — stages, scores, ranks, weights, log, explanations."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from fanxing.index.hierarchy import Hierarchy
from fanxing.index.methodology import Methodology

STAGES = ("raw", "denominated", "imputed", "treated", "normalised", "aggregated")


@dataclass
class IndexResult:
    """The outcome of :func:`fanxing.index.compute`.

    ``stages`` maps each stage name of :data:`STAGES` to a (units × columns) frame; raw and denominated
    hold every input unit, later stages only the units kept by the coverage threshold.
    ``scores`` (units × aggregates) and ``ranks`` (1 = best, ties share the lowest rank) cover every
    aggregate. ``weights`` lists every node with its weight inside its parent and its effective weight
    in the index; ``effective_weights`` is that column for the indicators (it sums to 1).
    ``contributions`` (units × nodes) is each node's contribution to the unit's index score.
    """

    methodology: Methodology
    hierarchy: Hierarchy
    stages: dict[str, pd.DataFrame]
    scores: pd.DataFrame
    ranks: pd.DataFrame
    weights: pd.DataFrame
    log: pd.DataFrame
    excluded_units: pd.DataFrame
    coverage: pd.Series
    contributions: pd.DataFrame | None = None
    extras: dict = field(default_factory=dict)

    @property
    def methodology_hash(self) -> str:
        return self.methodology.canonical_hash

    @property
    def methodology_version(self) -> str:
        return self.methodology.version

    @property
    def index_code(self) -> str:
        """Code of the top aggregate (the index)."""
        return self.hierarchy.root

    @property
    def index(self) -> pd.Series:
        """The index score of every kept unit."""
        return self.scores[self.hierarchy.root]

    @property
    def effective_weights(self) -> pd.Series:
        """Each indicator's effective weight in the index (products of normalised weights down the tree)."""
        w = self.weights.set_index("code")["effective_weight"]
        return w.loc[self.hierarchy.indicators]

    def table(self) -> pd.DataFrame:
        """Scores and ranks of every aggregate side by side (``<code>`` and ``<code>_rank``), best first."""
        parts = {}
        for code in self.scores.columns:
            parts[code] = self.scores[code]
            parts[f"{code}_rank"] = self.ranks[code]
        out = pd.DataFrame(parts, index=self.scores.index)
        return out.sort_values([f"{self.hierarchy.root}_rank"], kind="stable", na_position="last")
