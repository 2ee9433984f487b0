"""What every benchmark reports about the machine it ran on."""

from __future__ import annotations

import os
import platform
from pathlib import Path


def cpu_model() -> str:
    """The processor's model name from /proc/cpuinfo (or what platform knows)."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gib() -> float:
    """Physical memory in GiB."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def cores_busy(timings: dict[str, float], cpu: dict[str, float], min_seconds: float) -> str:
    """"step cores, …": how many cores each build step kept busy (the manifest's ``cpu_seconds`` over
    the step's ``timings``), for the steps that took at least ``min_seconds``."""
    return ", ".join(f"{k} {c / timings[k]:.2f}" for k, c in cpu.items() if timings.get(k, 0) >= min_seconds)
