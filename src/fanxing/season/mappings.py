"""Mapping files (``<season>/mappings/*.yaml``): renames, constant platform, cumulative series, encoding."""

from __future__ import annotations

import difflib
import fnmatch
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator

from fanxing.errors import SeasonError
from fanxing.season.encoding import normalise_encoding
from fanxing.season.headers import METRIC_COLUMNS

CONTRACT = tuple(c.name for c in METRIC_COLUMNS)
CUMULATIVE_OK = tuple(c.name for c in METRIC_COLUMNS if c.kind in ("count", "amount"))


class Mapping(BaseModel):
    """One mapping file; see docs/data-format.md."""

    model_config = ConfigDict(extra="forbid")

    files: list[str]
    encoding: str | None = None
    platform: str | None = None
    columns: dict[str, str] = {}
    cumulative: list[str] = []
    source: str = ""  # the mapping file, for messages

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, v: str | None) -> str | None:
        return None if v is None else normalise_encoding(v)

    @field_validator("columns")
    @classmethod
    def _columns(cls, v: dict[str, str]) -> dict[str, str]:
        for src, target in v.items():
            if target not in CONTRACT:
                raise ValueError(f"column {src!r} maps to unknown column {target!r}{_hint(target, CONTRACT)}")
        return v

    @field_validator("cumulative")
    @classmethod
    def _cumulative(cls, v: list[str]) -> list[str]:
        for c in v:
            if c not in CUMULATIVE_OK:
                raise ValueError(f"cumulative column {c!r} is not a count or amount{_hint(c, CUMULATIVE_OK)}")
        return v

    def applies_to(self, relpath: str) -> bool:
        return any(fnmatch.fnmatch(relpath, g) for g in self.files)


class FileMapping(BaseModel):
    """All mappings that apply to one file, merged (later mapping files win)."""

    encoding: str | None = None
    platform: str | None = None
    columns: dict[str, str] = {}
    cumulative: list[str] = []


def _hint(value: str, options) -> str:
    close = difflib.get_close_matches(value, list(options), n=1)
    return f"; did you mean {close[0]!r}?" if close else f" (valid: {', '.join(options)})"


def load_mappings(season_dir: Path) -> list[Mapping]:
    folder = season_dir / "mappings"
    if not folder.is_dir():
        return []
    out = []
    for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
        rel = path.relative_to(season_dir).as_posix()
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8-sig"))
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise SeasonError(f"{rel}: not valid YAML ({exc})", details={"file": rel}) from exc
        if not isinstance(data, dict):
            raise SeasonError(f"{rel}: expected a mapping with 'files:'", details={"file": rel})
        if isinstance(data.get("files"), str):
            data["files"] = [data["files"]]
        try:
            out.append(Mapping(**data, source=rel))
        except ValidationError as exc:
            msgs = []
            for err in exc.errors():
                key = ".".join(str(p) for p in err["loc"])
                msg = err["msg"]
                if err["type"] == "extra_forbidden":
                    msg = "unknown key" + _hint(str(err["loc"][0]), list(Mapping.model_fields))
                msgs.append(f"{key}: {msg}")
            raise SeasonError(f"{rel}: " + "; ".join(msgs), details={"file": rel}) from exc
    return out


def mapping_for(mappings: list[Mapping], relpath: str) -> FileMapping:
    merged = FileMapping()
    for m in mappings:
        if m.applies_to(relpath):
            merged.encoding = m.encoding or merged.encoding
            merged.platform = m.platform or merged.platform
            merged.columns = {**merged.columns, **m.columns}
            merged.cumulative = sorted(set(merged.cumulative) | set(m.cumulative))
    return merged
