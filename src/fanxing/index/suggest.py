"""Closest-match suggestions for error messages ("did you mean ...?")."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def closest(word: object, choices: Iterable[object], cutoff: float = 0.5) -> str | None:
    """The choice most similar to ``word`` (case-insensitive), or None when nothing is close."""
    options = [str(c) for c in choices]
    if not options:
        return None
    lowered = {o.lower(): o for o in options}
    hits = difflib.get_close_matches(str(word).lower(), list(lowered), n=1, cutoff=cutoff)
    return lowered[hits[0]] if hits else None


def did_you_mean(word: object, choices: Iterable[object]) -> str:
    """`` (did you mean 'x'?)`` when a close choice exists, else an empty string."""
    hit = closest(word, choices)
    return f" (did you mean '{hit}'?)" if hit is not None else ""
