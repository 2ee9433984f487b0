"""How many fact rows one block of work may take, from the memory limit the user gave."""

from __future__ import annotations

import os
import re

#: rows per block without a memory limit (~3 GB of working arrays in the integrity detectors)
DEFAULT_ROWS = 8_000_000


def memory_limit_bytes() -> int | None:
    """``FANXING_DUCKDB_MEMORY_LIMIT`` (``--memory-limit``, e.g. ``4GB``, ``3.5GiB``) in bytes, or
    None when unset or not a size."""
    limit = os.environ.get("FANXING_DUCKDB_MEMORY_LIMIT", "")
    m = re.fullmatch(r"\s*([0-9.]+)\s*([KMGT]?)(I?)B?\s*", limit.upper())
    if not m:
        return None
    try:
        return int(float(m.group(1)) * (1024 if m.group(3) else 1000) ** " KMGT".index(m.group(2) or " "))
    except ValueError:
        return None


def rows_per_block(env: str, bytes_per_row: int, default: int = DEFAULT_ROWS, floor: int = 1_000_000) -> int:
    """Fact rows per block: the environment variable ``env`` when set, else the memory limit divided
    by ``bytes_per_row`` (at least ``floor``), else ``default``."""
    if os.environ.get(env):
        return max(1, int(os.environ[env]))
    size = memory_limit_bytes()
    return default if size is None else max(floor, size // bytes_per_row)
