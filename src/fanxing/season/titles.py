"""Title resolution: platform titles → drama_id through catalogue titles and aliases.

Titles are compared after normalisation: NFKC (full-width → half-width), no whitespace, no 《》
or quotes, lower case, and bracketed suffixes such as (全集) or [完结] ignored. Resolution runs
over the *distinct* titles of a file (a few hundred), then joins back to the rows in the engine.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

_STRIP = re.compile(r"[\s《》〈〉<>「」『』“”\"'‘’]+")
_SUFFIX = re.compile(r"[(\[【〔〖{][^()\[\]【】〔〕〖〗{}]*[)\]】〕〗}]$")


def normalise(title: str) -> str:
    """Comparison key of a title, keeping any bracketed suffix."""
    t = unicodedata.normalize("NFKC", title)
    return _STRIP.sub("", t).casefold()


def strip_suffixes(key: str) -> str:
    """A normalised title without trailing bracketed parts such as (全集) or [完结]."""
    prev = None
    while prev != key:
        prev = key
        stripped = _SUFFIX.sub("", key)
        key = stripped if stripped else key
    return key


class TitleResolver:
    """Resolve titles (and ids) against a catalogue of (drama_id, title, aliases)."""

    def __init__(self, catalogue: Iterable[tuple[str, str, list[str] | None]]):
        self.full: dict[str, set[str]] = defaultdict(set)
        self.bare: dict[str, set[str]] = defaultdict(set)
        self.display: dict[str, str] = {}
        self.ids: set[str] = set()
        for drama_id, title, aliases in catalogue:
            self.ids.add(drama_id)
            for name in [title, *(aliases or [])]:
                if not name:
                    continue
                key = normalise(name)
                self.full[key].add(drama_id)
                self.bare[strip_suffixes(key)].add(drama_id)
                self.display.setdefault(key, name)

    def resolve(self, raw: str) -> tuple[str | None, str | None, str | None]:
        """(drama_id, reason, detail): a drama id, or a reason code with a human detail."""
        key = normalise(raw)
        levels = [key]  # drop one trailing bracketed part at a time: (下)(全集) → (下) → ''
        while (shorter := _SUFFIX.sub("", levels[-1])) and shorter != levels[-1]:
            levels.append(shorter)
        for table, k in [*((self.full, k) for k in levels), (self.bare, levels[-1])]:
            hits = table.get(k)
            if hits and len(hits) == 1:
                return next(iter(hits)), None, None
            if hits:
                ids = ", ".join(sorted(hits))
                return None, "ambiguous_title", f"title {raw!r} matches several dramas ({ids}); use drama_id"
        return None, "unknown_drama", f"title {raw!r} is not in the catalogue{self.closest(key)}"

    def closest(self, key: str) -> str:
        names = difflib.get_close_matches(strip_suffixes(key), list(self.display), n=3, cutoff=0.0)
        if not names:
            return " (the catalogue is empty)"
        return "; closest catalogue titles: " + ", ".join(f"《{self.display[n]}》" for n in names)

    def closest_ids(self, raw: str) -> str:
        ids = difflib.get_close_matches(raw, sorted(self.ids), n=3, cutoff=0.5)
        return ("; closest ids: " + ", ".join(ids)) if ids else ""
