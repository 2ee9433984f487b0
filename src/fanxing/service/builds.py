"""Background builds for the admin API: run the real ``fanxing build`` into a staging directory.

A build writes into a sibling of the served build directory, so publishing it is a rename within
one directory (:func:`fanxing.publish.atomic.publish_dir`). Only one build runs at a time.
"""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fanxing.errors import FanxingError
from fanxing.service.data import load_build
from fanxing.service.errors import ApiError

BuildCommand = Callable[[Path, Path], list[str]]
TIMEOUT_SECONDS = 3600


def default_build_command(season_dir: Path, out_dir: Path) -> list[str]:
    """``fanxing build SEASON --out DIR`` through the running interpreter (same venv, same package)."""
    return [sys.executable, "-c", "from fanxing.cli import main; main()", "build", str(season_dir),
            "--out", str(out_dir)]


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


@dataclass
class BuildJob:
    id: str
    season: str
    season_dir: Path
    out_dir: Path
    log_path: Path
    status: str = "queued"  # queued, running, succeeded, failed, published
    created_at: str = ""
    started_at: str | None = None
    finished_at: str | None = None
    returncode: int | None = None
    error: str | None = None
    published_at: str | None = None
    build_id: str | None = None

    def log_tail(self, max_chars: int = 20000) -> str:
        try:
            text = self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""
        return text[-max_chars:]

    def to_dict(self, *, with_log: bool = False) -> dict[str, Any]:
        d = {"id": self.id, "season": self.season, "status": self.status, "created_at": self.created_at,
             "started_at": self.started_at, "finished_at": self.finished_at, "returncode": self.returncode,
             "error": self.error, "published_at": self.published_at, "build_id": self.build_id}
        if with_log:
            d["log"] = self.log_tail()
        return d


class BuildRunner:
    """Starts builds in a background thread and keeps their status; thread-safe."""

    def __init__(self, work_dir: Path, served_dir: Path, command: BuildCommand | None = None):
        self.work_dir = work_dir
        self.served_dir = served_dir
        self.command = command or default_build_command
        self.jobs: dict[str, BuildJob] = {}
        self._lock = threading.Lock()
        self._threads: dict[str, threading.Thread] = {}

    def start(self, season: str, season_dir: Path) -> BuildJob:
        with self._lock:
            running = [j for j in self.jobs.values() if j.status in ("queued", "running")]
            if running:
                raise ApiError(409, f"build {running[0].id} is still running; wait for it to finish",
                               code="build_running", details={"build": running[0].id})
            job_id = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S") + "-" + uuid.uuid4().hex[:8]
            logs = self.work_dir / "builds"
            logs.mkdir(parents=True, exist_ok=True)
            out = self.served_dir.parent / f".{self.served_dir.name}.candidate-{job_id}"
            job = BuildJob(id=job_id, season=season, season_dir=season_dir, out_dir=out,
                           log_path=logs / f"{job_id}.log", created_at=_now())
            self.jobs[job_id] = job
            t = threading.Thread(target=self._run, args=(job,), name=f"fanxing-build-{job_id}", daemon=True)
            self._threads[job_id] = t
            t.start()
            return job

    def get(self, job_id: str) -> BuildJob:
        job = self.jobs.get(job_id)
        if job is None:
            raise ApiError(404, f"no build with id {job_id!r}", code="not_found", details={"build": job_id})
        return job

    def wait(self, job_id: str, timeout: float | None = None) -> BuildJob:
        t = self._threads.get(job_id)
        if t is not None:
            t.join(timeout)
        return self.get(job_id)

    def _run(self, job: BuildJob) -> None:
        job.status = "running"
        job.started_at = _now()
        cmd = self.command(job.season_dir, job.out_dir)
        try:
            with open(job.log_path, "w", encoding="utf-8") as log:
                log.write("$ " + " ".join(cmd) + "\n")
                log.flush()
                proc = subprocess.run(cmd, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                      timeout=TIMEOUT_SECONDS, check=False)
            job.returncode = proc.returncode
            if proc.returncode != 0:
                raise RuntimeError(f"fanxing build exited with status {proc.returncode}; see the log")
            built = load_build(job.out_dir)  # the candidate must be servable before it may be published
            job.build_id = built.build_id
            job.status = "succeeded"
        except subprocess.TimeoutExpired:
            job.error = f"the build took longer than {TIMEOUT_SECONDS} s and was stopped"
            job.status = "failed"
        except (FanxingError, RuntimeError, OSError) as exc:
            job.error = str(exc)
            job.status = "failed"
        except Exception as exc:  # keep the runner alive whatever happens
            job.error = f"{type(exc).__name__}: {exc}"
            job.status = "failed"
        finally:
            job.finished_at = _now()
            if job.status == "failed" and job.out_dir.exists():
                shutil.rmtree(job.out_dir, ignore_errors=True)
