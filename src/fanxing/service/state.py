"""The service's mutable state: the build being served, and the admin side (token, uploads, builds).

Readers take ``state.build`` once per request; publishing replaces that one reference after the new
build has been loaded and moved into place on disk, so a reader sees the old build or the new one.
"""

from __future__ import annotations

import datetime as dt
import gc
import threading
from dataclasses import dataclass, field
from pathlib import Path

from fanxing.publish.atomic import publish_dir
from fanxing.service.builds import BuildCommand, BuildJob, BuildRunner
from fanxing.service.data import Build, load_build
from fanxing.service.errors import ApiError
from fanxing.service.queries import warm_indexes


def settle_memory() -> None:
    """Move the loaded build out of the cyclic garbage collector's way.

    A build is a few hundred thousand long-lived objects; a full collection walking them stalls a
    request for ~100 ms. Frozen objects are skipped by the collector (see gc.freeze).
    """
    gc.unfreeze()
    gc.collect()
    gc.freeze()


@dataclass
class ServiceState:
    build_dir: Path
    build: Build
    admin_token: str | None
    work_dir: Path
    max_upload_bytes: int
    runner: BuildRunner
    publish_lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def open(cls, build_dir: Path, *, admin_token: str | None, work_dir: Path | None, max_upload_bytes: int,
             build_command: BuildCommand | None) -> ServiceState:
        build_dir = Path(build_dir).resolve()
        build = warm_indexes(load_build(build_dir))
        work = Path(work_dir).resolve() if work_dir else build_dir.parent / f".{build_dir.name}.admin"
        return cls(build_dir=build_dir, build=build, admin_token=admin_token or None, work_dir=work,
                   max_upload_bytes=max_upload_bytes, runner=BuildRunner(work, build_dir, build_command))

    @property
    def seasons_dir(self) -> Path:
        return self.work_dir / "seasons"

    def publish(self, job: BuildJob) -> Build:
        """Serve a succeeded build: load it, swap it into place on disk, then in memory."""
        with self.publish_lock:
            if job.status != "succeeded":
                raise ApiError(409, f"build {job.id} is {job.status}; only a succeeded build can be published",
                               code="not_publishable", details={"build": job.id, "status": job.status})
            new = warm_indexes(load_build(job.out_dir))
            publish_dir(job.out_dir, self.build_dir)
            new.root = self.build_dir
            self.build = new
            settle_memory()
            job.status = "published"
            job.published_at = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
            return new
