"""The public API and server-rendered dashboard over a published build (FastAPI); see docs/api.md."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI


def create_app(build_dir: Any, **kwargs: Any) -> FastAPI:
    """App factory (imported lazily so ``import fanxing.service`` stays light)."""
    from fanxing.service.app import create_app as _create

    return _create(build_dir, **kwargs)


__all__ = ["create_app"]
