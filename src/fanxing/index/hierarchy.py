"""The index tree derived from a methodology: children, levels, nominal weights, aggregation order."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from fanxing.index.methodology import Methodology, hierarchy_children, hierarchy_levels


@dataclass(frozen=True)
class Hierarchy:
    """Indicators (level 1) up to one root aggregate; every aggregate knows its children."""

    indicators: list[str]
    aggregates: list[str]  # in aggregation order: by level, then methodology order
    children: dict[str, list[str]]
    parent: dict[str, str | None]
    level: dict[str, int]
    weight: dict[str, float]
    root: str

    @classmethod
    def from_methodology(cls, m: Methodology) -> Hierarchy:
        levels = hierarchy_levels(m)
        order = {a.code: i for i, a in enumerate(m.aggregates)}
        aggregates = sorted(m.aggregate_codes, key=lambda c: (levels[c], order[c]))
        parent: dict[str, str | None] = {i.code: i.parent for i in m.indicators}
        parent.update({a.code: a.parent for a in m.aggregates})
        weight = {i.code: float(i.weight) for i in m.indicators}
        weight.update({a.code: float(a.weight) for a in m.aggregates})
        root = next(a.code for a in m.aggregates if a.parent is None)
        return cls(m.indicator_codes, aggregates, hierarchy_children(m), parent, levels, weight, root)

    @property
    def max_level(self) -> int:
        return self.level[self.root]

    def nominal_weights(self, parent: str) -> np.ndarray:
        """The methodology's weights of ``parent``'s children, as given (not normalised)."""
        return np.array([self.weight[c] for c in self.children[parent]], dtype=float)

    def indicators_under(self, node: str) -> list[str]:
        """Every indicator below ``node`` (or the node itself when it is an indicator)."""
        if node not in self.children:
            return [node]
        out: list[str] = []
        for child in self.children[node]:
            out.extend(self.indicators_under(child))
        return out
