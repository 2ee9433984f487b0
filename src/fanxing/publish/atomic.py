"""Atomic publishing of a build directory: the target is the old build or the new one, never a mix."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


def sha256_file(path: Path, chunk: int = 1 << 20) -> str:
    """Hex sha256 of a file's bytes, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            h.update(block)
    return h.hexdigest()


@contextlib.contextmanager
def staging_dir(target: Path) -> Iterator[Path]:
    """A fresh directory beside ``target`` to write a build into; removed if the block fails.

    On success the caller must call :func:`publish_dir` to move it into place; whatever happens,
    a left-over staging directory is cleaned up and ``target`` is untouched until then.
    """
    target = Path(target).resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(prefix=f".{target.name}.staging-", dir=target.parent))
    try:
        yield stage
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)


def publish_dir(stage: Path, target: Path) -> None:
    """Move a complete ``stage`` directory to ``target``, replacing a previous build.

    A previous build is first renamed aside (a single rename), the new one renamed into place,
    then the old one removed. Both renames stay within one directory, so each is atomic; if the
    second fails the old build is renamed back.
    """
    target = Path(target).resolve()
    stage = Path(stage).resolve()
    if stage.parent != target.parent:
        raise ValueError("the staging directory must be a sibling of the target")
    old: Path | None = None
    if target.exists() or target.is_symlink():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old)
        os.rename(target, old)
    try:
        os.rename(stage, target)
    except BaseException:
        if old is not None:
            os.rename(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
